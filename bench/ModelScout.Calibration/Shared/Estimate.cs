using ModelScout.Core.Memory;

namespace ModelScout.Calibration;

/// <summary>The estimator's host numbers for a CPU-only load, in the shape llama.cpp reports them.</summary>
/// <param name="Weights">Host weights: the file's tensor bytes (what llama.cpp maps).</param>
/// <param name="Repack">Bytes the x86-64 CPU backend also copies into its repack buffer.</param>
/// <param name="Kv">KV cache.</param>
/// <param name="Output">Logits buffer.</param>
/// <param name="Compute">Graph scratch buffer.</param>
public sealed record EstimatedBuffers(long Weights, long Repack, long Kv, long Output, long Compute);

public static class CpuEstimate
{
    /// <summary>Runs the estimator for <paramref name="a"/> at <paramref name="recipe"/> placed entirely on the CPU.</summary>
    public static EstimatedBuffers For(Architecture a, QuantRecipe recipe, ContextSetting s)
    {
        ArgumentNullException.ThrowIfNull(s);
        var w = ModelWeights.For(a, recipe);
        var kv = new KvSettings(s.CacheType, s.CacheType, Ubatch: s.Ubatch, FlashAttention: s.FlashAttention, FullWindowCache: s.FullWindowCache);
        var e = MemoryEstimator.Estimate(w, new Placement(s.Context, kv, 0, [], [], 0, 0));
        return new EstimatedBuffers(e.Host.Weights, CpuRepack.Bytes(w), e.Host.KvCache, e.Host.Output, e.Host.Compute);
    }
}
