using System.Globalization;
using ModelScout.Core.Catalog;
using ModelScout.Core.Fit;
using ModelScout.Core.Memory;

namespace ModelScout.Core.Serving;

/// <summary>How the weights are stored on the GPUs.</summary>
public enum PlanPrecision
{
    /// <summary>16-bit weights (the Hugging Face checkpoint as published).</summary>
    Bf16,
    /// <summary>8-bit float linear weights: a native FP8 checkpoint, a published FP8 one, or vLLM's on-the-fly <c>--quantization fp8</c>.</summary>
    Fp8,
    /// <summary>MXFP4 experts (gpt-oss's native release).</summary>
    Mxfp4,
    /// <summary>A published AWQ 4-bit checkpoint.</summary>
    Awq,
    /// <summary>A published GPTQ 4-bit checkpoint.</summary>
    Gptq,
}

/// <summary>What vLLM stores the KV cache as (<c>--kv-cache-dtype</c>).</summary>
public enum KvCacheDtype
{
    /// <summary>The model's dtype: 2 bytes per element.</summary>
    Auto,
    /// <summary>FP8 (e4m3): 1 byte per element.</summary>
    Fp8,
}

/// <summary>One replica's shape and the vLLM settings its memory depends on.</summary>
/// <param name="TensorParallel">GPUs a layer is split over.</param>
/// <param name="PipelineParallel">Stages the layers are split into.</param>
/// <param name="GpuTotalGiB">What CUDA reports as the GPU's total.</param>
/// <param name="Utilization"><c>--gpu-memory-utilization</c>.</param>
/// <param name="BlockSize"><c>--block-size</c>.</param>
/// <param name="MaxModelLen"><c>--max-model-len</c>.</param>
public sealed record VllmShape(PlanPrecision Precision, int TensorParallel, int PipelineParallel, double GpuTotalGiB, double Utilization, int BlockSize, int MaxModelLen,
    KvCacheDtype KvDtype = KvCacheDtype.Auto);

/// <summary>vLLM's memory budget on the fullest GPU of a replica, and the KV cache it leaves, in vLLM's own terms.</summary>
/// <param name="RequestedGiB">total × utilization.</param>
/// <param name="WeightsGiB">Weights on one GPU.</param>
/// <param name="ActivationGiB">Peak activation during the profiling run.</param>
/// <param name="NonTorchGiB">CUDA context and communication buffers.</param>
/// <param name="KvGiB">What is left for the KV cache ("Available KV cache memory"); negative when nothing is.</param>
/// <param name="KvBytesPerToken">Bytes one token's cache takes on one GPU (all its layers).</param>
/// <param name="Tokens">"GPU KV cache size: N tokens", whole blocks only.</param>
/// <param name="MaxConcurrency">"Maximum concurrency for L tokens per request".</param>
/// <param name="Problem">Why vLLM would refuse to start; null when it starts.</param>
/// <param name="Rule">How the per-token bytes were counted (standard, MLA latent, sliding-window groups).</param>
public sealed record VllmMemory(double RequestedGiB, double WeightsGiB, double ActivationGiB, double NonTorchGiB, double KvGiB, long KvBytesPerToken, long Tokens,
    double MaxConcurrency, int MaxModelLen, string? Problem, string Rule)
{
    /// <summary>True when vLLM starts: some KV memory, and room for one request of the full length.</summary>
    public bool Fits => Problem is null;

    /// <summary>The three lines vLLM logs at start-up, predicted.</summary>
    public IReadOnlyList<string> StartupLines() =>
    [
        string.Create(CultureInfo.InvariantCulture, $"Available KV cache memory: {Math.Max(0, KvGiB):0.00} GiB"),
        string.Create(CultureInfo.InvariantCulture, $"GPU KV cache size: {Tokens:N0} tokens"),
        string.Create(CultureInfo.InvariantCulture, $"Maximum concurrency for {MaxModelLen:N0} tokens per request: {MaxConcurrency:0.00}x"),
    ];
}

/// <summary>
/// vLLM's (V1 engine) memory rule: requested = total × utilization; KV = requested − weights − peak activation − non-torch
/// memory; tokens = KV ÷ bytes per token, whole blocks only; max concurrency = tokens ÷ max-model-len. The activation and
/// non-torch figures are measured facts in the catalog's "vllm" section.
/// </summary>
public static class VllmMemoryRule
{
    private const double GiB = 1L << 30;

    /// <summary>The CUDA-visible total of a card: measured where the catalog has it, else its memory times the H100's visible share.</summary>
    public static double CudaTotalGiB(GpuSpec gpu, VllmFacts facts)
    {
        ArgumentNullException.ThrowIfNull(gpu);
        ArgumentNullException.ThrowIfNull(facts);
        return gpu.Serving?.CudaVisibleGiB ?? gpu.VramGiB * facts.CudaVisibleShare;
    }

    /// <summary>Parameters vLLM loads: the text model plus a vision encoder where there is one.</summary>
    public static long LoadedParameters(ModelEntry model)
    {
        ArgumentNullException.ThrowIfNull(model);
        return model.Parameters!.Total + (model.Parameters.VisionEncoder ?? 0);
    }

    /// <summary>Embedding and output-head parameters, which stay 16-bit in FP8 and 4-bit checkpoints.</summary>
    public static long EmbeddingParameters(Architecture a)
    {
        ArgumentNullException.ThrowIfNull(a);
        return (long)a.VocabSize * a.EmbeddingLength * (a.TiedEmbeddings ? 1 : 2);
    }

    /// <summary>The catalog's servable checkpoint of a model at a precision (its "serving" facts), if recorded.</summary>
    public static ServingPrecision? CatalogCheckpoint(ModelEntry model, PlanPrecision precision)
    {
        ArgumentNullException.ThrowIfNull(model);
        return model.Serving?.Precisions.FirstOrDefault(p => string.Equals(p.Id, precision.ToString(), StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>
    /// Bytes of all weights at a precision: the checkpoint's tensors sized by <see cref="ServingWeights"/> where the catalog
    /// records the checkpoint, else from the parameter count (linear weights in the format, embeddings and head 16-bit).
    /// </summary>
    public static double WeightBytes(ModelEntry model, PlanPrecision precision, VllmFacts facts)
    {
        ArgumentNullException.ThrowIfNull(facts);
        if (CatalogCheckpoint(model, precision) is { } recorded) return ServingWeights.Bytes(model, recorded);
        var all = (double)LoadedParameters(model);
        var embeddings = (double)EmbeddingParameters(model.Architecture!);
        return precision switch
        {
            PlanPrecision.Bf16 => all * 2,
            PlanPrecision.Fp8 => (all - embeddings) + embeddings * 2,
            PlanPrecision.Mxfp4 => (all - embeddings) * (ServingWeights.BytesPerWeight("mxfp4") ?? 0.53) + embeddings * 2,
            _ => (all - embeddings) * facts.Int4BytesPerWeight + embeddings * 2,
        };
    }

    /// <summary>Peak activation of the profiling run: by vocabulary for dense text models, measured constants for MoE and multimodal models.</summary>
    public static double ActivationGiB(ModelEntry model, VllmFacts facts)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(facts);
        if (model.Multimodal) return facts.Activation.MultimodalGiB;
        if (model.Architecture!.Moe is not null) return facts.Activation.MoeGiB;
        return facts.Activation.DenseGiBPerVocabEntry * model.Architecture.VocabSize;
    }

    /// <summary>Non-torch memory at a tensor-parallel size: the measured point at or below it.</summary>
    public static double NonTorchGiB(int tensorParallel, VllmFacts facts)
    {
        ArgumentNullException.ThrowIfNull(facts);
        var points = facts.NonTorchGiB.OrderBy(p => p.TensorParallel).ToList();
        if (points.Count == 0) return 0;
        return points.LastOrDefault(p => p.TensorParallel <= tensorParallel)?.Gib ?? points[0].Gib;
    }

    /// <summary>
    /// KV bytes one token takes in one layer on one GPU. Standard attention: 2 (K and V) × head_dim × the KV heads this GPU
    /// holds (split over tensor parallel; vLLM replicates a head when there are more GPUs than KV heads) × dtype bytes.
    /// MLA: the latent (kv_lora_rank + RoPE dim) × dtype bytes, which every tensor-parallel rank holds whole.
    /// </summary>
    public static long BytesPerTokenPerLayer(Architecture a, int tensorParallel, KvCacheDtype dtype)
    {
        ArgumentNullException.ThrowIfNull(a);
        var bytes = dtype == KvCacheDtype.Fp8 ? 1 : 2;
        if (a.Mla is { } m) return (long)(m.KvLoraRank + m.QkRopeHeadDim) * bytes;
        var heads = Math.Max(1, a.KvHeadCount / tensorParallel);
        return (long)heads * (a.KeyLength + a.ValueLengthOrKey) * bytes;
    }

    /// <summary>Applies the rule to a model on one replica shape.</summary>
    public static VllmMemory Predict(ModelEntry model, VllmShape shape, VllmFacts facts) =>
        Predict(model, shape, facts, WeightBytes(model, shape.Precision, facts) / (shape.TensorParallel * shape.PipelineParallel) / GiB);

    /// <summary>Applies the rule with the weights per GPU given (for checking the rule against measurements).</summary>
    public static VllmMemory Predict(ModelEntry model, VllmShape shape, VllmFacts facts, double weightsGiB, double? activationGiB = null, double? nonTorchGiB = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(shape);
        ArgumentNullException.ThrowIfNull(facts);
        var a = model.Architecture!;
        var requested = shape.GpuTotalGiB * shape.Utilization;
        var activation = activationGiB ?? ActivationGiB(model, facts);
        var nonTorch = nonTorchGiB ?? NonTorchGiB(shape.TensorParallel, facts);
        var kv = requested - weightsGiB - activation - nonTorch;
        var layers = (a.Layers + shape.PipelineParallel - 1) / shape.PipelineParallel;
        var perLayer = BytesPerTokenPerLayer(a, shape.TensorParallel, shape.KvDtype);
        var perToken = perLayer * layers;
        var bs = shape.BlockSize;
        long tokens;
        double concurrency;
        string rule;
        var blocksPerRequest = (shape.MaxModelLen + bs - 1) / bs;
        if (a.SlidingWindow is { } swa && swa.GlobalEvery > 1)
        {
            // The hybrid allocator: layers grouped by attention type into groups of equal size (the smaller count); one block
            // pool shared by the groups, each block holding one page per layer of a group. Sliding-window groups need only the
            // window (plus the tokens scheduled in a step) per request.
            var local = Enumerable.Range(0, layers).Count(swa.IsLocal);
            var full = layers - local;
            var group = Math.Max(1, Math.Min(local, full));
            var fullGroups = (full + group - 1) / group;
            var localGroups = (local + group - 1) / group;
            var blocks = kv <= 0 ? 0 : (long)Math.Floor(kv * GiB / ((double)perLayer * bs * group));
            tokens = blocks / Math.Max(1, fullGroups + localGroups) * bs;
            var windowBlocks = Math.Min(blocksPerRequest, (swa.Window - 1 + ScheduledTokensPerStep + bs - 1) / bs + 1);
            var perRequest = (double)fullGroups * blocksPerRequest + (double)localGroups * windowBlocks;
            concurrency = blocks / perRequest;
            rule = $"hybrid allocator: {full} full-attention and {local} sliding-window layers ({swa.Window} tokens) in groups of {group}; {perLayer:N0} B per token per layer";
        }
        else
        {
            tokens = kv <= 0 ? 0 : (long)Math.Floor(kv * GiB / ((double)perToken * bs)) * bs;
            concurrency = (double)tokens / shape.MaxModelLen;
            rule = a.Mla is { } m
                ? $"MLA latent: {layers} layers x ({m.KvLoraRank} + {m.QkRopeHeadDim}) x {(shape.KvDtype == KvCacheDtype.Fp8 ? 1 : 2)} B = {perToken:N0} B per token on every GPU"
                : $"{layers} layers x 2 x {a.KeyLength} x {Math.Max(1, a.KvHeadCount / shape.TensorParallel)} KV heads x {(shape.KvDtype == KvCacheDtype.Fp8 ? 1 : 2)} B = {perToken:N0} B per token per GPU";
        }
        string? problem = null;
        if (weightsGiB >= requested)
            problem = string.Create(CultureInfo.InvariantCulture, $"the weights ({weightsGiB:0.0} GiB per GPU) exceed the {requested:0.0} GiB vLLM may use ({shape.GpuTotalGiB:0.##} GiB x {shape.Utilization:0.##})");
        else if (kv <= 0)
            problem = string.Create(CultureInfo.InvariantCulture, $"no room for the KV cache: {requested:0.0} GiB requested - {weightsGiB:0.0} weights - {activation:0.0} activation - {nonTorch:0.00} non-torch = {kv:0.0} GiB");
        else if (concurrency < 1)
            problem = string.Create(CultureInfo.InvariantCulture, $"the KV cache holds {tokens:N0} tokens, less than one request of --max-model-len {shape.MaxModelLen:N0} (vLLM refuses to start)");
        return new VllmMemory(requested, weightsGiB, activation, nonTorch, kv, perToken, tokens, concurrency, shape.MaxModelLen, problem, rule);
    }

    /// <summary>Tokens a sliding-window layer holds beyond its window while a step is scheduled (vLLM's default batched tokens on a large GPU).</summary>
    public const int ScheduledTokensPerStep = 8192;
}
