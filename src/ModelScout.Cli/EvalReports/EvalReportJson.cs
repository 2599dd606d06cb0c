using System.Text.Json.Serialization;
using ModelScout.Evaluation.Results;

namespace ModelScout.Cli.EvalReports;

// --json documents of `scout eval compare`, `scout eval report` and `scout eval list` (docs/json.md). Scores and
// deltas are in points: percentage points for 0..1 suites, rating points for MT-Bench ("unit" says which).

internal sealed record RunRefJson(string Name, string Model, string Endpoint, string? Quantization, string? ModelDigest, string Status, DateTimeOffset Created)
{
    public static RunRefJson From(EvalRunInfo r) => new(r.Name, r.Key.ModelId, r.Key.Endpoint, r.Key.Quantization ?? r.Record.Quantization,
        r.Key.ModelDigest ?? r.Record.ModelDigest, r.Status, r.Created);
}

internal sealed record EvalCompareJson(string Schema, RunRefJson RunA, RunRefJson RunB, double MarginPoints, bool AllowMixedScoring, string Verdict,
    IReadOnlyList<SuiteCompareJson> Suites, IReadOnlyList<SkippedSuiteJson> Skipped);

/// <param name="Difference">B − A in points; Lower/Upper its 95 % paired-bootstrap interval.</param>
internal sealed record SuiteCompareJson(string Suite, string ScoringModeA, string ScoringModeB, bool MixedScoring, string Unit, int Paired,
    int OnlyInA, int OnlyInB, IReadOnlyList<string> OnlyInAIds, IReadOnlyList<string> OnlyInBIds, double? ScoreA, double? ScoreB,
    double? Difference, double? Lower, double? Upper, McNemarJson? McNemar, string Verdict, int? AdditionalSamples, string Summary,
    IReadOnlyList<SubjectCompareJson> Subjects);

/// <param name="OnlyA">Items right in A only (b).</param>
/// <param name="OnlyB">Items right in B only (c).</param>
internal sealed record McNemarJson(int OnlyA, int OnlyB, double PValue, bool Exact, double Statistic);

internal sealed record SubjectCompareJson(string Subject, int Paired, double ScoreA, double ScoreB, double Difference, double Lower, double Upper);

internal sealed record SkippedSuiteJson(string Suite, string Reason);

internal sealed record EvalReportJson(string Schema, RunRefJson Run, CatalogMatchJson? CatalogModel, string? CatalogNote, ReproducibilityRecord Record,
    IReadOnlyList<SuiteReportJson> Suites, IReadOnlyList<RunCostJson> Cost);

/// <summary>What this run's tokens cost at one hosted API's list prices (the catalog's); RunModel when the run measured that API's model.</summary>
internal sealed record RunCostJson(string Api, string Provider, string Model, double InputUsdPerMTok, double OutputUsdPerMTok, long PromptTokens,
    long CompletionTokens, double Usd, bool RunModel);

internal sealed record CatalogMatchJson(string Id, string Name, string MatchedBy);

/// <param name="Score">Mean in points.</param>
/// <param name="Ci95">Its 95 % interval in points (Wilson for right/wrong suites; see docs/eval-statistics.md).</param>
internal sealed record SuiteReportJson(string Suite, string ScoringMode, string Unit, int Scored, double? Score, double? StandardError, IntervalJson? Ci95,
    int Errors, int Truncated, int ExtractionFailures, double ExtractionFailureRate, long PromptTokens, long CompletionTokens, int Replies,
    double? MeanLatencyMs, IReadOnlyDictionary<string, double> Metrics, IReadOnlyList<BreakdownJson> Subjects, IReadOnlyList<BreakdownJson> Groups,
    PublishedJson? Published, string Line);

/// <param name="Method">wilson, wilson-bound or student-t.</param>
internal sealed record IntervalJson(double Lower, double Upper, string Method);

internal sealed record BreakdownJson(string Key, int Count, double Score);

internal sealed record PublishedJson(double Value, string Basis, bool Verified, string? Source);

internal sealed record EvalListJson(string Schema, string Db, IReadOnlyList<ListedRunJson> Runs);

internal sealed record ListedRunJson(RunRefJson Run, IReadOnlyList<ListedSuiteJson> Suites);

internal sealed record ListedSuiteJson(string Suite, string? ScoringMode, int Scored, double? Score, string Unit);

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    WriteIndented = true)]
[JsonSerializable(typeof(EvalCompareJson))]
[JsonSerializable(typeof(EvalReportJson))]
[JsonSerializable(typeof(EvalListJson))]
internal sealed partial class EvalReportsJson : JsonSerializerContext;
