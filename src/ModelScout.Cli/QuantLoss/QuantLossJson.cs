using System.Text.Json.Serialization;
using ModelScout.Cli.Output;

namespace ModelScout.Cli.QuantLoss;

/// <summary>A measured mean with its standard error (scout perplexity and scout quant-loss).</summary>
internal sealed record EstimateJson(double Value, double StandardError)
{
    /// <summary>An engine estimate; an undefined error (one scored token) is written as 0.</summary>
    public static EstimateJson From(ModelScout.Engine.Quantization.Estimate e) => new(e.Value, double.IsFinite(e.StandardError) ? e.StandardError : 0);
}

/// <summary>Where a level runs on the planned machine (the advisor's planner over the file's own tensors).</summary>
internal sealed record LevelFitJson(string Placement, bool Fits, long NeedBytes, long Context, string? Problem);

/// <summary>One row of the sweep: the source (<c>type</c> "BASE") or a level.</summary>
/// <param name="FromStore">Measured by an earlier run and read back, not measured now.</param>
internal sealed record QuantLossRowJson(
    string Type, string? File, long? FileBytes, double? BitsPerWeight, EstimateJson? Perplexity, EstimateJson? DeltaPplPct, EstimateJson? Kld, double? KldP99,
    EstimateJson? SameTopPct, double? PromptTokensPerSecond, double? GenerateTokensPerSecond, LevelFitJson? Fit, bool FromStore, bool QuantizedNow, string? Error)
{
    /// <summary>With --eval: the level's score and its paired comparison with the source's.</summary>
    public LevelEvalJson? Eval { get; init; }
}

/// <summary>A level's --eval score and, for levels, the paired difference from the source (points, 95 % bootstrap interval) and the verdict, as `scout eval compare` gives them.</summary>
internal sealed record LevelEvalJson(string Suite, int Limit, string Run, double? Score, double? SourceScore, double? Difference, double? Lower, double? Upper, string? Verdict);

internal sealed record QuantLossTextJson(string Label, string Sha256, int ScoredTokens);

internal sealed record QuantLossJson(
    string Schema, string Source, string SourceIdentity, string? Model, QuantLossTextJson Text, int Context, int? Chunks, int Threads,
    MachineJson Machine, QuantLossRowJson Base, IReadOnlyList<QuantLossRowJson> Levels, string WorkDirectory, string? Html);

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    WriteIndented = true,
    UseStringEnumConverter = true)]
[JsonSerializable(typeof(QuantLossJson))]
internal sealed partial class QuantLossJsonContext : JsonSerializerContext;
