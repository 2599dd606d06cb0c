using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using ModelScout.Core.Catalog;
using ModelScout.Core.Cost;
using ModelScout.Core.Fit;
using ModelScout.Core.Machines;
using ModelScout.Core.Memory;
using ModelScout.Store;

namespace ModelScout.Cli.Output;

// The --json schema (documented in docs/json.md). Every document carries "schema": "modelscout/<command>/v1".
// Sizes are bytes, speeds tokens per second, contexts tokens.

internal sealed record MachineJson(string Name, string Source, bool Simulated, CpuJson Cpu, RamJson Ram, IReadOnlyList<GpuJson> Gpus, IReadOnlyList<string> Warnings, IReadOnlyList<string> Assumptions)
{
    public static MachineJson From(Machine m) => new(m.Name, m.Source, m.Simulated,
        new CpuJson(m.Cpu.Model, m.Cpu.Cores, m.Cpu.Threads, m.Cpu.Architecture, m.Cpu.Features),
        new RamJson(m.Ram.TotalBytes, m.Ram.AvailableBytes, m.RamBandwidthGBps, m.RamBandwidthAssumed, Format.BandwidthBasis(m)),
        m.Gpus.Select(g => new GpuJson(g.Index, g.Name, g.Vendor.ToString().ToLowerInvariant(), g.Backend, g.TotalBytes, g.FreeBytes, g.BandwidthGBps, g.UnifiedMemory, g.SpecId)).ToList(),
        m.Warnings, m.Assumptions);
}

internal sealed record CpuJson(string Model, int Cores, int Threads, string Architecture, IReadOnlyList<string> Features);

/// <param name="BandwidthBasis">"measured" (on this machine), "assumed" (from the catalog) or "known" (given or published).</param>
internal sealed record RamJson(long TotalBytes, long AvailableBytes, double BandwidthGBps, bool BandwidthAssumed, string BandwidthBasis);

internal sealed record GpuJson(int Index, string Name, string Vendor, string Backend, long TotalBytes, long FreeBytes, double? BandwidthGBps, bool UnifiedMemory, string? SpecId);

internal sealed record DeviceJson(string Device, string Backend, long WeightsBytes, long KvCacheBytes, long ComputeBytes, long OutputBytes, long OverheadBytes, long TotalBytes, int Layers)
{
    public static DeviceJson From(DeviceMemory d) => new(d.Device, d.Backend, d.Weights, d.KvCache, d.Compute, d.Output, d.Overhead, d.Total, d.Layers);
}

internal sealed record MemoryJson(DeviceJson Host, IReadOnlyList<DeviceJson> Gpus, long TotalBytes)
{
    public static MemoryJson From(MemoryEstimate e) => new(DeviceJson.From(e.Host), e.Gpus.Select(DeviceJson.From).ToList(), e.Total);
}

internal sealed record SpeedJson(double Low, double High, string Basis)
{
    public static SpeedJson? From(SpeedRange? s) => s is null ? null : new(Math.Round(s.Low, 2), Math.Round(s.High, 2), s.Basis);
}

internal sealed record CommandJson(string Runtime, string Command, IReadOnlyList<string> Notes)
{
    public static CommandJson From(RunCommand c) => new(c.Runtime, c.Command, c.Notes);
}

internal sealed record LevelJson(string Quant, string Placement, bool Fits, int GpuLayers, int TotalLayers, long FileBytes, double BitsPerWeight, MemoryJson Memory, SpeedJson? Speed, bool Tight, string? Problem)
{
    public static LevelJson From(QuantFit q) => new(q.Level.Id, Format.PlacementId(q.Kind), q.Fits, q.Placement.GpuLayers, q.Memory.TotalLayers, q.Weights.TotalBytes,
        Math.Round(q.Weights.BitsPerWeight, 3), MemoryJson.From(q.Memory), SpeedJson.From(q.Speed), q.Tight, q.Problem);
}

internal sealed record VllmJson(bool Fits, int TensorParallel, string Checkpoint, double BytesPerParameter, long PerGpuBytes, SpeedJson? Speed, string Reason)
{
    public static VllmJson? From(VllmPlan? v) => v is null ? null : new(v.Fits, v.TensorParallel, v.Checkpoint, v.BytesPerParameter, v.PerGpuBytes, SpeedJson.From(v.Speed), v.Reason);
}

/// <param name="OllamaSizeBytes">The download size of <paramref name="OllamaTag"/> as Ollama lists it (catalog <c>ollama.sizeGb</c>, 10^9 bytes per GB).</param>
internal sealed record ModelFitJson(string Id, string Name, string? OllamaTag, long? OllamaSizeBytes, bool Fits, string Why, LevelJson? Best, IReadOnlyList<CommandJson> Commands, VllmJson? Vllm, RuntimeJson? Runtime, IReadOnlyList<string> Notes)
{
    public static ModelFitJson From(DeploymentPlan x) => new(x.Model.Id, x.Model.Name, x.Model.Ollama?.Tags.FirstOrDefault(),
        x.Model.Ollama is { Tags.Count: > 0, SizeGb: { } gb } ? (long)Math.Round(gb * 1e9) : null, x.Fits, x.Fit.Why,
        x.Fit.Best is { } b ? LevelJson.From(b) : null, x.Commands.Select(CommandJson.From).ToList(), VllmJson.From(x.Vllm), RuntimeJson.From(x.Runtime), x.Fit.Notes);
}

internal sealed record RuntimeJson(string Id, string Name, string Reason, string? Command)
{
    public static RuntimeJson? From(RuntimeChoice? r) => r is null ? null : new(r.Runtime.Id, r.Runtime.Name, r.Reason, r.Command?.Command);
}

internal sealed record FitJson(string Schema, MachineJson Machine, long Context, string KvCacheType, bool FlashAttention, IReadOnlyList<ModelFitJson> Models);

internal sealed record ScoreJson(double Metric, string MetricBasis, bool Verified, double QuantLossPct, double Endorsement, double License, double Speed, double Penalty, double Total);

internal sealed record PickJson(int Rank, string Id, string Name, string? OllamaTag, string Quant, string Placement, SpeedJson? Speed, string Checkpoint, string License, ScoreJson Score, IReadOnlyList<string> Reasons, IReadOnlyList<CommandJson> Commands, bool MeetsNeeds, IReadOnlyList<string> Shortfalls);

internal sealed record ExcludedJson(string Id, string Name, string Reason);

internal sealed record UseCaseJson(string Id, string Title, string GuidePick, string Gap, string GapAdvice);

internal sealed record RecommendJson(string Schema, UseCaseJson UseCase, MachineJson Machine, long Context, string License, long? MonthlyActiveUsers, IReadOnlyList<PickJson> Picks, IReadOnlyList<ExcludedJson> Excluded, RuntimeJson? Runtime, string GuidePick, IReadOnlyList<string> Notes);

/// <summary><c>recommend</c> without <c>--use-case</c>: every use case's recommend/v1 document in one document.</summary>
internal sealed record RecommendAllJson(string Schema, IReadOnlyList<RecommendJson> Recommendations);

internal sealed record ModelRowJson(string Id, string Name, string Kind, string? OllamaTag, long? Parameters, long? ActiveParameters, int? ContextMax, int? ContextNative, string? License, double? Mmlu, double? HumanEval, long? Q4KmBytes, IReadOnlyList<string> BestFor, string? GuideBestFor);

internal sealed record ModelsJson(string Schema, IReadOnlyList<ModelRowJson> Models);

internal sealed record ClaimJson(string Claim, string Memory, double GiB, string Quant, long MaxContext, long NeedAt4KBytes, string Verdict, string Text);

internal sealed record ShowJson(string Schema, ModelEntry Model, LicenseEntry? License, long? Q4KmBytes, double? Q4KmBitsPerWeight, IReadOnlyList<ClaimJson> GuideClaims, IReadOnlyDictionary<string, string> Sources)
{
    /// <summary>Weight bytes of each serving precision, computed from the architecture.</summary>
    public IReadOnlyList<ServingWeightJson> ServingWeights { get; init; } = [];
}

internal sealed record ServingWeightJson(string Id, string Checkpoint, string Format, string Covers, long WeightBytes, double? MeasuredGiB);

internal sealed record CompareScoreJson(double? Value, string? Basis, bool Verified, double? Guide);

internal sealed record CompareRowJson(string Id, string Name, string Kind, long? Parameters, long? ActiveParameters, int? Context, string? License, IReadOnlyDictionary<string, CompareScoreJson> Scores, long? Q4KmBytes);

internal sealed record CompareJson(string Schema, IReadOnlyList<CompareRowJson> Models, IReadOnlyList<string> Notes);

/// <param name="GuideLoss">The guide's single figure for the level (every model alike); null where the guide gives none (nothing is interpolated).</param>
/// <param name="Published">Published measurements of this level on a model of this family (see <see cref="QuantJson.PublishedLoss"/>).</param>
/// <param name="MeasuredHere">Results of `scout quant-loss` recorded for this model, newest first.</param>
internal sealed record QuantRowJson(string Id, string Kind, double BitsPerWeight, double? MeasuredBitsPerWeight, long FileBytes, GuideLossJson? GuideLoss,
    IReadOnlyList<PublishedLossJson> Published, IReadOnlyList<MeasuredLossJson> MeasuredHere, QuantGuideRow? Guide, string Placement, bool Fits, long NeedBytes, SpeedJson? Speed, bool Recommended);

/// <summary>The guide's figure as printed, and the published column it resembles at this level.</summary>
internal sealed record GuideLossJson(string Text, double LowPct, double HighPct, string Basis, PublishedLossJson? Resembles);

internal sealed record PublishedLossJson(string Set, string MeasuredOn, double? Perplexity, double? DeltaPplPct, double? Kld, double? SameTopPct, double? ImatrixDeltaPplPct, string Source);

internal sealed record MeasuredLossJson(string SourceFile, string Text, int Context, int ScoredTokens, double? DeltaPplPct, double? Kld, double? SameTopPct, double BitsPerWeight,
    long FileBytes, double? PromptTokensPerSecond, double? GenerateTokensPerSecond, DateTimeOffset Measured);

internal sealed record LossSourceJson(string Id, string MeasuredOn, string? Relation, string Metric, string? Text, string? Hardware, string Source, string SourceTitle);

/// <param name="MeasureCommand">Where nothing is published for the model's family: the command that measures it.</param>
internal sealed record QuantJson(string Schema, string Model, long Context, long? MemoryBytes, MachineJson? Machine, IReadOnlyList<QuantRowJson> Levels, string? Recommended, string Why,
    IReadOnlyList<LossSourceJson> PublishedLoss, LossSourceJson? GuideLossResembles, string? MeasureCommand, IReadOnlyList<string> Corrections);

internal sealed record AnswerJson(string Question, string Verdict, string Clause, string Text, IReadOnlyList<string> Conditions);

internal sealed record LicenseReportJson(string Checkpoint, string LicenseId, string LicenseName, string? Url, string Overall, IReadOnlyList<AnswerJson> Answers, string? GuideSays, IReadOnlyList<string> Corrections, string? UseRestrictions);

internal sealed record LicenseJson(string Schema, string Model, IReadOnlyList<LicenseReportJson> Reports);

internal sealed record ExplainEntryJson(GlossaryEntry Entry, BenchmarkInfo? Benchmark, QuantizationLevel? Quantization);

internal sealed record ExplainJson(string Schema, IReadOnlyList<ExplainEntryJson> Entries);

internal sealed record RuntimesJson(string Schema, IReadOnlyList<RuntimeEntry> Runtimes, RuntimeJson? Choice);

internal sealed record CostLineJson(string Option, double UsdPerDay, double UsdPerMillionTokens, string Basis)
{
    public static CostLineJson From(CostLine l) => new(l.Option, Math.Round(l.UsdPerDay, 2), Math.Round(l.UsdPerMillionTokens, 4), l.Basis);
}

internal sealed record CostJson(string Schema, double TokensPerDay, double InputShare, string Model, string Quant, MachineJson Machine, IReadOnlyList<CostLineJson> Lines, double? BreakEvenTokensPerDay, string? BreakEven, int MachinesNeeded, double CapacityTokensPerDay, string GuideClaim, IReadOnlyList<string> Notes);

internal sealed record RunStatsJson(int PromptTokens, int CachedPromptTokens, int CompletionTokens, double TotalDurationMs, double LoadDurationMs,
    double PromptEvalDurationMs, double EvalDurationMs, double? PromptTokensPerSecond, double? TokensPerSecond, bool PromptTruncated);

internal sealed record RunJson(string Schema, string Model, string Response, string DoneReason, RunStatsJson? Stats)
{
    /// <summary>The model's reasoning, when it wrote any.</summary>
    public string? Thinking { get; init; }

    /// <summary>Calls the model made to the tools of <c>--tools</c>.</summary>
    public IReadOnlyList<RunToolCallJson>? ToolCalls { get; init; }

    public static RunJson From(string model, ModelScout.Cli.Chat.Answer a)
    {
        var s = a.Stats;
        var reason = (s?.DoneReason ?? ModelScout.Engine.DoneReason.Cancelled).ToString().ToLowerInvariant();
        return new RunJson("modelscout/run/v1", model, a.Text, reason, s is null ? null : new RunStatsJson(
            s.PromptTokens, s.CachedPromptTokens, s.CompletionTokens, Ms(s.TotalDuration), Ms(s.LoadDuration), Ms(s.PromptEvalDuration), Ms(s.EvalDuration),
            Round(ModelScout.Cli.Chat.VerboseStats.PerSecond(s.PromptTokens - s.CachedPromptTokens, s.PromptEvalDuration)),
            Round(ModelScout.Cli.Chat.VerboseStats.PerSecond(s.CompletionTokens, s.EvalDuration)), s.PromptTruncated))
        {
            Thinking = a.Thinking.Length > 0 ? a.Thinking : null,
            ToolCalls = a.ToolCalls.Count > 0 ? [.. a.ToolCalls.Select(c => new RunToolCallJson(c.Id, c.Name, System.Text.Json.JsonDocument.Parse(c.ArgumentsJson).RootElement.Clone()))] : null,
        };
    }

    private static double Ms(TimeSpan t) => Math.Round(t.TotalMilliseconds, 3);

    private static double? Round(double? v) => v is { } x ? Math.Round(x, 2) : null;
}

/// <summary>One call in <c>scout run --json</c>: arguments as a JSON object.</summary>
internal sealed record RunToolCallJson(string Id, string Name, System.Text.Json.JsonElement Arguments);

internal sealed record EnvJson(string Schema, EnvPathsJson Paths, IReadOnlyList<EnvVariableJson> Variables);

internal sealed record EnvPathsJson(string Home, string Models, string EvalDatabase, string? CatalogOverlay, string Cache, string UiData);

internal sealed record EnvVariableJson(string Name, string Area, string Value, string From, IReadOnlyList<string> Aliases, string Description);

internal sealed record ErrorJson(string Schema, string Error, int ExitCode, IReadOnlyList<string> Suggestions);

internal sealed record BenchLocalTestJson(string Name, string Kind, int Tokens, double MeanTokensPerSecond, double StdTokensPerSecond,
    IReadOnlyList<double> RunSeconds, IReadOnlyList<double> RunTokensPerSecond);

internal sealed record BenchLocalJson(string Schema, string Model, string Name, long FileBytes, string? Architecture, int Threads, int BatchSize, int MicroBatchSize,
    int Repetitions, bool? FlashAttention, double LoadMs, IReadOnlyList<BenchLocalTestJson> Tests)
{
    /// <summary>The libllama file that ran the tests.</summary>
    public string? Library { get; init; }
    /// <summary>llama_print_system_info of that library.</summary>
    public string? Backend { get; init; }
    /// <summary>Layers on the GPU (-ngl as loaded).</summary>
    public int? GpuLayers { get; init; }
    /// <summary>Estimated GPU memory of those layers.</summary>
    public long? GpuBytes { get; init; }
}

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    WriteIndented = true,
    UseStringEnumConverter = true)]
[JsonSerializable(typeof(FitJson))]
[JsonSerializable(typeof(RecommendJson))]
[JsonSerializable(typeof(RecommendAllJson))]
[JsonSerializable(typeof(ModelsJson))]
[JsonSerializable(typeof(ShowJson))]
[JsonSerializable(typeof(CompareJson))]
[JsonSerializable(typeof(QuantJson))]
[JsonSerializable(typeof(LicenseJson))]
[JsonSerializable(typeof(ExplainJson))]
[JsonSerializable(typeof(RuntimesJson))]
[JsonSerializable(typeof(CostJson))]
[JsonSerializable(typeof(ErrorJson))]
[JsonSerializable(typeof(EnvJson))]
[JsonSerializable(typeof(InspectJson))]
[JsonSerializable(typeof(RunJson))]
[JsonSerializable(typeof(MachineJson))]
[JsonSerializable(typeof(ListJson))]
[JsonSerializable(typeof(StoreResultJson))]
[JsonSerializable(typeof(RemoveJson))]
[JsonSerializable(typeof(StoredShowJson))]
[JsonSerializable(typeof(BenchLocalJson))]
internal sealed partial class CliJson : JsonSerializerContext;

internal sealed record TypeShareJson(string Type, int Tensors, long Parameters, long Bytes, double BitsPerWeight);

internal sealed record UpgradeJson(string Type, int Count, IReadOnlyList<string> Tensors);

internal sealed record HyperJson(int? BlockCount, long? ContextLength, int? EmbeddingLength, int? FeedForwardLength, int? HeadCount, IReadOnlyList<int> HeadCountKv,
    int? KeyLength, int? ValueLength, double? RopeFreqBase, int? RopeDimensionCount, string? RopeScalingType, double? RopeScalingFactor,
    int? ExpertCount, int? ExpertUsedCount, int? SlidingWindow, int? KvLoraRank);

internal sealed record TokenizerJson(string? Model, string? Pre, int? Vocabulary, int? Merges, bool ChatTemplate, int ChatTemplateLength, IReadOnlyDictionary<string, long> SpecialTokens);

internal sealed record MetadataJson(string Key, string Type, string Value);

internal sealed record TensorJson(string Name, IReadOnlyList<long> Shape, string Type, long Elements, long Bytes, long Offset);

internal sealed record InspectJson(string Schema, string Source, long? FileBytes, int Version, bool BigEndian, long HeaderBytes, long DataOffset, int Alignment,
    bool Valid, IReadOnlyList<string> Warnings, string? Architecture, string? Name, string? License, string? QuantizedBy, string? BaseModel, long Parameters,
    long TensorBytes, double BitsPerWeight, string? FileType, IReadOnlyList<TypeShareJson> Types, IReadOnlyList<UpgradeJson> Upgrades, HyperJson Hyper,
    TokenizerJson Tokenizer, string? CatalogMatch, IReadOnlyList<MetadataJson> Metadata, IReadOnlyList<TensorJson>? Tensors, ModelFitJson? Plan,
    MachineJson? Machine, long? Context, long? BytesDownloaded);

internal sealed record StoredDetailsJson(string Format, string Family, IReadOnlyList<string> Families, string ParameterSize, string QuantizationLevel, string? ParentModel);

internal sealed record StoredModelJson(string Name, string FullName, string Digest, long Size, DateTimeOffset ModifiedAt, string ModelDigest, string ModelPath, StoredDetailsJson Details)
{
    public static StoredModelJson From(StoredModel m) => new(m.Name, m.FullName, m.Digest, m.Size, m.ModifiedAt, m.ModelDigest, m.ModelPath,
        new StoredDetailsJson(m.Details.Format, m.Details.Family, m.Details.Families, m.Details.ParameterSize, m.Details.QuantizationLevel, m.Details.ParentModel));
}

internal sealed record ListJson(string Schema, string Store, IReadOnlyList<StoredModelJson> Models, CleanupJson Cleaned);

/// <summary>What scout list removed from the store before listing it: leftovers of interrupted writes.</summary>
internal sealed record CleanupJson(IReadOnlyList<string> TempFiles, IReadOnlyList<DamagedManifestJson> DamagedManifests, IReadOnlyList<string> OrphanBlobs, long BytesFreed)
{
    public static CleanupJson From(StoreCleanup c) =>
        new(c.TempFiles, [.. c.DamagedManifests.Select(d => new DamagedManifestJson(d.Name, d.Problem))], c.OrphanBlobs, c.BytesFreed);
}

internal sealed record DamagedManifestJson(string Name, string Problem);

/// <summary>What import, pull and cp produced.</summary>
internal sealed record StoreResultJson(string Schema, string Store, StoredModelJson Model, string Source);

internal sealed record RemoveJson(string Schema, string Store, IReadOnlyList<string> Deleted, IReadOnlyList<string> NotFound);

internal sealed record ModelInfoJson(string? Architecture, long? Parameters, long? ContextLength, int? EmbeddingLength, int? BlockCount, int? HeadCount, int? HeadCountKv, string? FileType);

internal sealed record MessageTurnJson(string Role, string Content);

internal sealed record StoredShowJson(string Schema, StoredModelJson Model, ModelInfoJson? ModelInfo, string? Template, string? System, JsonObject? Parameters,
    IReadOnlyList<string> Licenses, IReadOnlyList<MessageTurnJson> Messages, string Modelfile);
