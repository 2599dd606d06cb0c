using ModelScout.Core.Memory;

namespace ModelScout.Core.Catalog;

// Properties with defaults have setters: the JSON source generator would overwrite init-only defaults with null when a key is absent.
#pragma warning disable CA2227, CA1002

/// <summary>The whole catalog file: every fact ModelScout knows, each with its source.</summary>
public sealed record CatalogDocument
{
    public int SchemaVersion { get; init; }
    public string Updated { get; set; } = "";
    public GuideInfo Guide { get; set; } = new();
    public Dictionary<string, string> Sources { get; set; } = [];
    public List<BenchmarkInfo> Benchmarks { get; set; } = [];
    public List<ModelEntry> Models { get; set; } = [];
    public List<LicenseEntry> Licenses { get; set; } = [];
    public List<QuantizationLevel> Quantizations { get; set; } = [];
    public QuantizationGuidance QuantizationGuidance { get; set; } = new();
    public List<QuantLossSet> QuantLoss { get; set; } = [];
    public List<UseCase> UseCases { get; set; } = [];
    public RecommenderSettings Recommender { get; set; } = new();
    public ContextGuidance ContextGuidance { get; set; } = new();
    public List<RuntimeEntry> Runtimes { get; set; } = [];
    public List<GpuSpec> Gpus { get; set; } = [];
    public List<AppleChip> AppleChips { get; set; } = [];
    public AppleWorkingSet AppleGpuWorkingSet { get; set; } = new();
    public List<HardwareProfile> Profiles { get; set; } = [];
    public EstimatorSettings Estimator { get; set; } = new();
    public List<Measurement> Measurements { get; set; } = [];
    public CostData Cost { get; set; } = new();
    public List<GlossaryEntry> Glossary { get; set; } = [];
    /// <summary>vLLM's memory rule and serving facts (<c>scout plan</c>).</summary>
    public VllmFacts Vllm { get; set; } = new();
}

public sealed record GuideInfo
{
    public string Title { get; set; } = "";
    public string File { get; set; } = "";
    public string ScoresAsOf { get; set; } = "";
    public string HardwareBasis { get; set; } = "";
    public Dictionary<string, System.Text.Json.JsonElement> Claims { get; set; } = [];
}

public sealed record NumberRange(double Low, double High)
{
    public string? Source { get; init; }
    public string? Text { get; init; }
    public double Mid => (Low + High) / 2;
}

public sealed record BenchmarkInfo
{
    public required string Id { get; init; }
    public required string Name { get; init; }
    public string FullName { get; set; } = "";
    public string Scale { get; set; } = "percent";
    public ItemCount? Items { get; init; }
    public string Format { get; set; } = "";
    public string Measures { get; set; } = "";
    public string ProxyFor { get; set; } = "";
    public List<Threshold> Thresholds { get; set; } = [];
    public ReferencePoint? Reference { get; init; }
    public string? Caveat { get; init; }
    public bool IsTenPoint => Scale == "score-10";
}

public sealed record ItemCount(int Count, string Unit);

public sealed record Threshold
{
    public double? AtLeast { get; init; }
    public double? Above { get; init; }
    public double? Below { get; init; }
    public string Label { get; set; } = "";
    public string? Source { get; init; }
}

public sealed record ReferencePoint
{
    public string Label { get; set; } = "";
    public double? Value { get; init; }
    public double? Low { get; init; }
    public double? High { get; init; }
    public string? Source { get; init; }
}

public sealed record ModelEntry
{
    public required string Id { get; init; }
    public required string Name { get; init; }
    public string Kind { get; set; } = "open";
    public string? Family { get; init; }
    public string? Publisher { get; init; }
    public string? PublisherCountry { get; init; }
    public string? Provider { get; init; }
    public string? Released { get; init; }
    public string? HuggingFace { get; init; }
    public List<string> Aliases { get; set; } = [];
    public OllamaInfo? Ollama { get; init; }
    public ParameterInfo? Parameters { get; init; }
    public ContextInfo? Context { get; init; }
    public Architecture? Architecture { get; init; }
    public string? License { get; init; }
    public List<Checkpoint> Checkpoints { get; set; } = [];
    public Dictionary<string, ScoreSet> Scores { get; set; } = [];
    public List<string> BestFor { get; set; } = [];
    public GuideRow? Guide { get; init; }
    public List<string> Notes { get; set; } = [];
    public List<string> ComparesTo { get; set; } = [];
    public string? Pricing { get; init; }
    public HostedApi? HostedApi { get; init; }
    public VllmInfo? Vllm { get; init; }
    public bool Multimodal { get; init; }
    public string? WeightsFormat { get; init; }
    /// <summary>How the publisher released the weights and which checkpoints a GPU server (vLLM) can load.</summary>
    public ServingInfo? Serving { get; init; }
    /// <summary>True when no GGUF of this model exists that llama.cpp or Ollama can run: only GPU serving applies.</summary>
    public bool NoGguf { get; init; }
    /// <summary>
    /// The only file types this model's GGUFs come in (gpt-oss: MXFP4_MOE, its experts as released), when the usual ladder
    /// of levels does not apply; empty: every level of the catalog is tried.
    /// </summary>
    public List<string> GgufLevels { get; set; } = [];

    public bool IsOpen => Kind == "open";
}

public sealed record OllamaInfo
{
    public List<string> Tags { get; set; } = [];
    public string? QuantTag { get; init; }
    public bool QuantTagVerified { get; init; }
    public double? SizeGb { get; init; }
    public string? SizeSource { get; init; }
    public string? SizeNote { get; init; }
}

public sealed record ParameterInfo
{
    public long Total { get; init; }
    public long? Active { get; init; }
    public long? VisionEncoder { get; init; }
    public string Label { get; set; } = "";
    public string? ActiveLabel { get; init; }
    public string? Source { get; init; }
}

public sealed record ContextInfo
{
    public int Max { get; init; }
    public int Native { get; init; }
    public int? Trained { get; init; }
    public string? Method { get; init; }
    public string? Source { get; init; }
    public string? Note { get; init; }
}

public sealed record Checkpoint
{
    public required string Id { get; init; }
    public string? Released { get; init; }
    public required string License { get; init; }
    public string? HuggingFace { get; init; }
    public string? Note { get; init; }
}

public sealed record ScoreSet
{
    public double? Guide { get; init; }
    public List<ScoreResult> Results { get; set; } = [];
    public string? Note { get; init; }
}

public sealed record ScoreResult
{
    public double Value { get; init; }
    public string Variant { get; set; } = "instruct";
    public string Setting { get; set; } = "";
    public string Source { get; set; } = "";
    public bool Unverified { get; init; }
    public string? Note { get; init; }
}

public sealed record GuideRow
{
    public string? Name { get; init; }
    public string? Params { get; init; }
    public string? Context { get; init; }
    public string? License { get; init; }
    public string? MinMemory { get; init; }
    public double? MinMemoryGiB { get; init; }
    public double? CpuMinMemoryGiB { get; init; }
    public double? DeviceMinRamGiB { get; init; }
    public string? BestFor { get; init; }
    public string? VariantOf { get; init; }
    public string? MentionedIn { get; init; }
    public List<string> Statements { get; set; } = [];
}

public sealed record HostedApi(string Provider, string Pricing);

public sealed record VllmInfo(string Checkpoint, string? Note);

/// <summary>The released precision of a model and the checkpoints a GPU server loads.</summary>
public sealed record ServingInfo
{
    /// <summary>Number format of the released weights: bf16, fp8 or mxfp4 (see <see cref="ServingPrecision.Format"/>).</summary>
    public string Native { get; set; } = "bf16";
    /// <summary>Which tensors the native format covers, in words (for example "MoE expert weights; attention, router, embeddings in BF16").</summary>
    public string? NativeCovers { get; init; }
    /// <summary>Checkpoints to serve, the released one first.</summary>
    public List<ServingPrecision> Precisions { get; set; } = [];
    public string? Source { get; init; }
}

/// <summary>
/// One servable checkpoint: the number format of its quantized tensors and which tensors those are. Everything not
/// covered (embeddings, output head, norms, router, vision tower) is BF16.
/// </summary>
public sealed record ServingPrecision
{
    /// <summary>Short name users pass (bf16, fp8, mxfp4, awq).</summary>
    public required string Id { get; init; }
    /// <summary>Hugging Face repository.</summary>
    public required string Checkpoint { get; init; }
    /// <summary>bf16, fp8 (e4m3, one byte), mxfp4 (4-bit values with an 8-bit scale per 32), int4 (AWQ/GPTQ, 4-bit with a 16-bit scale per 128).</summary>
    public string Format { get; set; } = "bf16";
    /// <summary>Which tensors are stored in <see cref="Format"/>: all, linear (every matrix inside the decoder blocks), experts (MoE expert matrices only).</summary>
    public string Covers { get; set; } = "all";
    /// <summary>True when the model's publisher released this checkpoint.</summary>
    public bool Official { get; init; }
    /// <summary>Weights one GPU server reported loading for this checkpoint, GiB in all (summed over tensor-parallel ranks).</summary>
    public double? MeasuredWeightsGiB { get; init; }
    public string? Source { get; init; }
    public string? Note { get; init; }
}

public sealed record LicenseEntry
{
    public required string Id { get; init; }
    public required string Name { get; init; }
    /// <summary>Names under which this licence is correctly known (used to tell whether the guide named it right).</summary>
    public List<string> Names { get; set; } = [];
    public string Kind { get; set; } = "custom";
    public string? Spdx { get; init; }
    public bool OsiApproved { get; init; }
    public string? Url { get; init; }
    public string? Date { get; init; }
    public LicenseGuideClaim? Guide { get; init; }
    public MauLimit? Mau { get; init; }
    public Dictionary<string, LicenseTerm> Terms { get; set; } = [];
    public Dictionary<string, LicenseTerm> Overrides { get; set; } = [];
    public string? SameTermsAs { get; init; }
    public ClauseText? UseRestrictions { get; init; }
    public string? PatentGrant { get; init; }
    public string? Termination { get; init; }
    public string? GoverningLaw { get; init; }
    public List<string> Corrections { get; set; } = [];
    public string? Note { get; init; }
    public string? Source { get; init; }
}

public sealed record LicenseGuideClaim
{
    public string? Type { get; init; }
    public string? Models { get; init; }
    public string? CommercialUse { get; init; }
    public string? KeyRestriction { get; init; }
    public string? SafeForSaas { get; init; }
    public string? Note { get; init; }
}

public sealed record MauLimit
{
    public long Limit { get; init; }
    public string Clause { get; set; } = "";
    public string Measured { get; set; } = "";
    public string Text { get; set; } = "";

    /// <summary>
    /// What crossing the threshold means: "licence" (the default: a separate licence is needed, so the use is not
    /// allowed under these terms) or "conditions" (still allowed, with <see cref="Conditions"/> as duties).
    /// </summary>
    public string Above { get; set; } = "licence";

    /// <summary>The duties above the threshold when <see cref="Above"/> is "conditions".</summary>
    public List<string> Conditions { get; set; } = [];
}

public sealed record LicenseTerm
{
    public required string Verdict { get; init; }
    public string Clause { get; set; } = "";
    public string Text { get; set; } = "";
    public List<string> Conditions { get; set; } = [];
}

public sealed record ClauseText(string Clause, string Text);

public sealed record QuantizationLevel
{
    public required string Id { get; init; }
    public required string Recipe { get; init; }
    public string Kind { get; set; } = "";
    public int Rank { get; init; }
    /// <summary>Bits per weight measured on a real file; null for a level whose size depends on the model (MXFP4_MOE).</summary>
    public MeasuredBpw? MeasuredBpw { get; set; }

    /// <summary>Offered only to models whose <see cref="ModelEntry.GgufLevels"/> name it, never on the general ladder.</summary>
    public bool ModelSpecific { get; init; }
    public List<MeasuredBpw> OtherMeasuredBpw { get; set; } = [];
    public NumberRange? QualityLoss { get; init; }
    public string Description { get; set; } = "";
    public QuantGuideRow? Guide { get; init; }
}

public sealed record MeasuredBpw
{
    public double Value { get; init; }
    public string Model { get; set; } = "";
    public string Source { get; set; } = "";
}

public sealed record QuantGuideRow
{
    public string Label { get; set; } = "";
    public string Bits { get; set; } = "";
    public string Size7B { get; set; } = "";
    public string QualityLoss { get; set; } = "";
    public string MinVram7B { get; set; } = "";
    public string BestFor { get; set; } = "";
}

/// <summary>
/// Published quantization-loss measurements of one model (or, with <see cref="Kind"/> "guide-resembles", the old column
/// the guide's single figure per level resembles), with the model they were measured on and the families they are shown for.
/// </summary>
public sealed record QuantLossSet
{
    /// <summary>The set's kinds: a measurement shown for its families, and the figures the guide's column resembles.</summary>
    public const string Measured = "measured";

    /// <inheritdoc cref="Measured"/>
    public const string GuideResembles = "guide-resembles";

    public required string Id { get; init; }
    public required string MeasuredOn { get; init; }
    public List<string> Families { get; set; } = [];
    public string? Relation { get; init; }
    public string Kind { get; set; } = Measured;
    public string Metric { get; set; } = "";
    public string? Text { get; init; }
    public string? Hardware { get; init; }
    public double? BasePerplexity { get; init; }
    public string Source { get; set; } = "";
    public List<QuantLossPoint> Levels { get; set; } = [];
}

/// <summary>One level of a <see cref="QuantLossSet"/>; absent figures were not published.</summary>
public sealed record QuantLossPoint
{
    public required string Quant { get; init; }
    public bool Imatrix { get; init; }
    public double? FileGiB { get; init; }
    public double? Perplexity { get; init; }
    public double? DeltaPplPct { get; init; }
    public double? Kld { get; init; }
    public double? SameTopPct { get; init; }
}

public sealed record QuantizationGuidance
{
    public string Default { get; set; } = "Q4_K_M";
    public string HighQuality { get; set; } = "Q8_0";
    public string LastResort { get; set; } = "Q2_K";
    public string Floor { get; set; } = "Q3_K_M";
    public Dictionary<string, string> Statements { get; set; } = [];
    public List<string> Corrections { get; set; } = [];
    public NumberRange? KvGuideRecoveryPct { get; init; }
    public NumberRange? QualityKeptPct { get; init; }
    public double Q4kmSizeShareOfF16Pct { get; init; }
    public double Q8SizeShareOfF16Pct { get; init; }
}

public sealed record UseCase
{
    public required string Id { get; init; }
    public required string Title { get; init; }
    public List<string> Aliases { get; set; } = [];
    public UseCaseGuide Guide { get; set; } = new();
    public List<MetricWeight> Metric { get; set; } = [];
    /// <summary>Judged by these when a model has none of <see cref="Metric"/> published (said in its reasons).</summary>
    public List<MetricWeight> MetricFallback { get; set; } = [];
    public List<string> Tags { get; set; } = [];
    public string AssumedProfile { get; set; } = "";
    /// <summary>"this-machine": plan on the user's machine by default; "assumed-profile": the use case names its own target device (edge, a GPU cluster).</summary>
    public string Target { get; set; } = "this-machine";
    public int Context { get; set; } = 8192;
    public UseCaseWeights Weights { get; set; } = new();
    public GapAssessment Gap { get; set; } = new();
    public UseCaseRequirements? Requirements { get; init; }
}

public sealed record UseCaseGuide
{
    public string Heading { get; set; } = "";
    public string Description { get; set; } = "";
    public GuidePick Pick { get; set; } = new();
    public List<string> Statements { get; set; } = [];
}

public sealed record GuidePick
{
    public string Model { get; set; } = "";
    public string? Quant { get; init; }
}

public sealed record MetricWeight(string Benchmark, double Weight);

public sealed record UseCaseWeights
{
    public double Speed { get; set; } = 5;
    public double OffloadPenalty { get; init; }
    public double MinTokensPerSecond { get; set; } = 2;
}

public sealed record GapAssessment
{
    public string Level { get; set; } = "mixed";
    public string Text { get; set; } = "";
}

public sealed record UseCaseRequirements
{
    public int? MinNativeContext { get; init; }
    /// <summary>Longest acceptable wait for the first token when the prompt fills the use case's context.</summary>
    public double? MaxTimeToFirstTokenSeconds { get; init; }
    public string? MaxTimeToFirstTokenSource { get; init; }
    public List<string> Licenses { get; set; } = [];
}

public sealed record RecommenderSettings
{
    public double EndorsementBonus { get; set; } = 15;
    public double PermissiveLicenseBonus { get; set; } = 5;
    public double SlowPenalty { get; set; } = 20;
    public SpeedScale SpeedScale { get; set; } = new();
    public string Note { get; set; } = "";
}

public sealed record SpeedScale
{
    public double FloorTokensPerSecond { get; set; } = 5;
    public double FullMarksTokensPerSecond { get; set; } = 40;
}

public sealed record ContextGuidance
{
    public int Default { get; set; } = 8192;
    public List<ContextTier> Tiers { get; set; } = [];
    public int RetrievalDegradesAbove { get; init; }
    public int MitigateAbove { get; init; }
    public Dictionary<string, string> Statements { get; set; } = [];
}

public sealed record ContextTier(int Tokens, string Label, string Text);

public sealed record RuntimeEntry
{
    public required string Id { get; init; }
    public required string Name { get; init; }
    public bool Available { get; set; } = true;
    public List<string> Formats { get; set; } = [];
    public List<string> Backends { get; set; } = [];
    public string MultiGpu { get; set; } = "";
    public bool Gui { get; init; }
    public RuntimeGuide Guide { get; set; } = new();
    public Dictionary<string, string> Install { get; set; } = [];
    public string Start { get; set; } = "";
    public string? Run { get; init; }
    public string? Pull { get; init; }
    public string Api { get; set; } = "";
    public Dictionary<string, System.Text.Json.JsonElement> Defaults { get; set; } = [];
    public string? ContextOption { get; init; }
    public string? Note { get; init; }
}

public sealed record RuntimeGuide
{
    public string Tagline { get; set; } = "";
    public string Text { get; set; } = "";
    public string BestFor { get; set; } = "";
    public int? Port { get; init; }
    public SpeedClaim? SpeedClaim { get; init; }
    public ThroughputClaim? ThroughputClaim { get; init; }
}

public sealed record SpeedClaim(string Vs, double LowPct, double HighPct, string Text);

public sealed record ThroughputClaim(double Low, double High, string Text);

public sealed record GpuSpec
{
    public required string Id { get; init; }
    public required string Name { get; init; }
    public required string Vendor { get; init; }
    public double VramGiB { get; init; }
    public double BandwidthGBps { get; init; }
    public List<string> Match { get; set; } = [];
    public string Kind { get; set; } = "consumer";
    public string Backend { get; set; } = "cuda";
    public string? Source { get; init; }
    /// <summary>Compute and interconnect facts for serving plans; null for cards without them.</summary>
    public GpuServing? Serving { get; init; }
}

public sealed record AppleChip
{
    public required string Id { get; init; }
    public required string Name { get; init; }
    public double BandwidthGBps { get; init; }
    public List<int> MemoryOptionsGiB { get; set; } = [];
    public string? Source { get; init; }
}

public sealed record AppleWorkingSet
{
    public List<WorkingSetPoint> Points { get; set; } = [];
    public string Note { get; set; } = "";
}

public sealed record WorkingSetPoint(double TotalGiB, double UsableGiB, string Source);

public sealed record HardwareProfile
{
    public required string Id { get; init; }
    public required string Name { get; init; }
    public string Kind { get; set; } = "desktop";
    public double RamGiB { get; init; }
    public int CpuCores { get; init; }
    public double RamBandwidthGBps { get; init; }
    public List<ProfileGpu> Gpus { get; set; } = [];
    public double? UsableRamGiB { get; init; }
    public AppleProfile? Apple { get; init; }
    public string? Note { get; init; }
}

public sealed record ProfileGpu(string Gpu, int Count);

public sealed record AppleProfile(string Chip, double MemoryGiB);

public sealed record EstimatorSettings
{
    public int DefaultUbatch { get; set; } = 512;
    public Dictionary<string, double> BackendOverheadMiB { get; set; } = [];
    public string BackendOverheadSource { get; set; } = "";
    public double HostOverheadMiB { get; init; }
    public string HostOverheadSource { get; set; } = "";
    public OsReserve OsReserve { get; set; } = new();
    public double TightFraction { get; set; } = 0.05;
    public SpeedSettings Speed { get; set; } = new();
    public string MlaNote { get; set; } = "";
}

public sealed record OsReserve
{
    public double Fraction { get; set; } = 0.1;
    public double MinGiB { get; set; } = 1;
    public string? Source { get; init; }
}

public sealed record SpeedSettings
{
    public NumberRange GpuEfficiency { get; set; } = new(0.6, 0.75);
    public NumberRange CpuEfficiency { get; set; } = new(0.4, 0.7);
    public double CpuBandwidthPerCoreGBps { get; set; } = 8;
    public string? CpuBandwidthPerCoreSource { get; init; }
    public double DefaultRamBandwidthGBps { get; set; } = 40;
    public string? DefaultRamBandwidthSource { get; init; }
    public double TensorParallelEfficiency { get; set; } = 0.9;
    /// <summary>Prompt processing on the CPU: billions of operations per second per physical core, low and high.</summary>
    public NumberRange? CpuPromptGflopsPerCore { get; init; }
    /// <summary>Prompt processing on a GPU: operations per second per byte/s of its memory bandwidth, low and high.</summary>
    public NumberRange? GpuPromptFlopsPerByte { get; init; }
    public List<SpeedCalibration> Calibration { get; set; } = [];
}

public sealed record SpeedCalibration
{
    public string Gpu { get; set; } = "";
    public string? Model { get; init; }
    public string? ModelName { get; init; }
    public string Quant { get; set; } = "";
    public double TokensPerSecond { get; init; }
    public string? Source { get; init; }
    public string? Note { get; init; }
}

public sealed record Measurement
{
    public required string Id { get; init; }
    public string? Model { get; init; }
    public string? Quant { get; init; }
    public string? Runtime { get; init; }
    public string? Backend { get; init; }
    public int? Context { get; init; }
    public bool? FlashAttention { get; init; }
    public int? Ubatch { get; init; }
    public int? GpuLayers { get; init; }
    public string? KvType { get; init; }
    public string? LatentLayout { get; init; }
    public string? Profile { get; init; }
    public Dictionary<string, double> Values { get; set; } = [];
    public List<MeasurementPoint> Points { get; set; } = [];
    public List<FileSizePoint> Files { get; set; } = [];
    public string? Source { get; init; }
    public string? Note { get; init; }
}

public sealed record MeasurementPoint(int Context, double NvidiaSmiMiB, int Gpus = 1);

public sealed record FileSizePoint(string Model, double SizeGb);

public sealed record CostData
{
    public string AsOf { get; set; } = "";
    public string? Note { get; init; }
    public List<ApiPrice> Api { get; set; } = [];
    public CostGuide Guide { get; set; } = new();
    public Dictionary<string, double> GpuHourUsd { get; set; } = [];
    public string? GpuHourSource { get; init; }
    public double DefaultInputShare { get; set; } = 0.75;
    public ValueWithSource BatchingGain { get; set; } = new();
}

public sealed record ApiPrice
{
    public required string Id { get; init; }
    public string Provider { get; set; } = "";
    public string Model { get; set; } = "";
    public double InputUsdPerMTok { get; init; }
    public double OutputUsdPerMTok { get; init; }
    public string? Source { get; init; }
}

public sealed record CostGuide
{
    public NumberRange? DeepseekSavingsPct { get; init; }
    public long HighVolumeTokensPerDay { get; init; }
    public string? HighVolumeText { get; init; }
}

public sealed record ValueWithSource
{
    public double Value { get; init; }
    public string? Source { get; init; }
}

public sealed record GlossaryEntry
{
    public required string Id { get; init; }
    public required string Title { get; init; }
    public string Kind { get; set; } = "term";
    public List<string> Aliases { get; set; } = [];
    public string Text { get; set; } = "";
    public string? Guide { get; init; }
    public string? Correction { get; init; }
    public List<string> Related { get; set; } = [];
}
#pragma warning restore CA2227, CA1002
