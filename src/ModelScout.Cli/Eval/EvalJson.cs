using System.Text.Json.Serialization;
using ModelScout.Evaluation.Results;

namespace ModelScout.Cli.Eval;

/// <summary>A breakdown row: a subject, a category, a level.</summary>
internal sealed record EvalBreakdownJson(string Key, int Count, double Mean);

/// <summary>One suite of <c>modelscout/eval/v1</c>.</summary>
/// <param name="Score">Mean score: accuracy (0..1), pass fraction, or the MT-Bench rating (1..10); null when nothing scored.</param>
/// <param name="StandardError">Of <paramref name="Score"/>: binomial for 0/1 suites, s/√n otherwise; null below two items.</param>
/// <param name="Shortened">Items answered only after a prompt that did not fit the context was shortened (MMLU: fewer shots).</param>
/// <param name="Metrics">Means of the named side scores: gsm8k strict/flexible, humaneval pass@k, mtbench turn1/turn2, mmlu shots.</param>
internal sealed record EvalSuiteJson(
    string Suite,
    string? ScoringMode,
    int Total,
    int N,
    double? Score,
    double? StandardError,
    int Errors,
    int Truncated,
    int Shortened,
    int ExtractionFailures,
    double? ExtractionFailureRate,
    IReadOnlyDictionary<string, double> Metrics,
    IReadOnlyList<EvalBreakdownJson> Subjects,
    IReadOnlyList<EvalBreakdownJson> Groups,
    long PromptTokens,
    long CompletionTokens,
    double? MeanLatencyMs,
    bool FromSamples);

/// <summary><c>scout eval --json</c>.</summary>
internal sealed record EvalJson(
    string Schema,
    string Run,
    string Database,
    string Target,
    string Model,
    string? ModelDigest,
    string? Quantization,
    string? Server,
    string? MmluMode,
    string Status,
    int Sent,
    int Reused,
    double ElapsedSeconds,
    string ResumeCommand,
    IReadOnlyList<EvalSuiteJson> Suites,
    ReproducibilityRecord Record);

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    WriteIndented = true)]
[JsonSerializable(typeof(EvalJson))]
internal sealed partial class EvalCliJson : JsonSerializerContext;
