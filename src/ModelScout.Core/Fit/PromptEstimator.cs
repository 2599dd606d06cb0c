using ModelScout.Core.Catalog;
using ModelScout.Core.Machines;
using ModelScout.Core.Memory;

namespace ModelScout.Core.Fit;

/// <summary>How long reading a prompt takes before the first token: the time to first token for a full context.</summary>
/// <param name="Tokens">Prompt tokens read.</param>
/// <param name="FastestSeconds">Optimistic end (high compute rate).</param>
/// <param name="SlowestSeconds">Pessimistic end (low compute rate).</param>
/// <param name="Basis">How it was computed, in a few words.</param>
public sealed record PromptEstimate(long Tokens, double FastestSeconds, double SlowestSeconds, string Basis)
{
    /// <summary>Prompt tokens per second at the optimistic end.</summary>
    public double HighTokensPerSecond => FastestSeconds > 0 ? Tokens / FastestSeconds : 0;

    /// <summary>Prompt tokens per second at the pessimistic end.</summary>
    public double LowTokensPerSecond => SlowestSeconds > 0 ? Tokens / SlowestSeconds : 0;
}

/// <summary>
/// Compute roofline for prompt processing: unlike decoding, a prompt is read in large batches, so the time is set by
/// arithmetic, not memory bandwidth. Each prompt token costs two operations per active weight it meets (the matrix
/// products), and causal attention adds two operations per head dimension for each pair of a token and an earlier one
/// (QK and AV), which grows with the square of the prompt. Logits are computed for the last token only, as llama.cpp
/// does. Devices run their blocks one after another, so their times add. Rates come from the catalog
/// (estimator.speed.cpuPromptGflopsPerCore, gpuPromptFlopsPerByte), both assumptions until measured.
/// </summary>
public static class PromptEstimator
{
    /// <summary>Time to read <paramref name="tokens"/> prompt tokens with a placement on a machine; null when a rate is unknown.</summary>
    public static PromptEstimate? Estimate(ModelWeights w, MemoryEstimate placement, Machine machine, long tokens, SpeedSettings s)
    {
        ArgumentNullException.ThrowIfNull(w);
        ArgumentNullException.ThrowIfNull(placement);
        ArgumentNullException.ThrowIfNull(machine);
        ArgumentNullException.ThrowIfNull(s);
        if (tokens <= 0 || s.CpuPromptGflopsPerCore is not { } cpuRate || s.GpuPromptFlopsPerByte is not { } gpuRate) return null;
        var a = w.Architecture;
        var n = a.Layers;
        var gpuCount = machine.Gpus.Count;
        var devices = SpeedEstimator.LayerDevices(placement, n, Math.Max(n - placement.GpuLayers, 0), gpuCount);
        var flops = new double[gpuCount + 1];
        var active = ActiveElementsPerLayer(w);
        var perPair = AttentionFlopsPerPair(a);
        for (var i = 0; i < n; i++)
        {
            var pairs = a.SlidingWindow is { } swa && swa.IsLocal(i)
                ? tokens * (double)Math.Min(swa.Window, tokens)
                : tokens * (tokens + 1) / 2.0;
            flops[devices[i]] += 2.0 * active[i] * tokens + perPair * pairs;
        }

        double fastest = 0, slowest = 0;
        for (var d = 0; d <= gpuCount; d++)
        {
            if (flops[d] <= 0) continue;
            double low, high;
            if (d == gpuCount)
            {
                var cores = Math.Max(1, machine.Cpu.Cores);
                (low, high) = (cores * cpuRate.Low * 1e9, cores * cpuRate.High * 1e9);
            }
            else
            {
                var bandwidth = (machine.Gpus[d].BandwidthGBps ?? s.DefaultRamBandwidthGBps) * 1e9;
                (low, high) = (bandwidth * gpuRate.Low, bandwidth * gpuRate.High);
            }
            fastest += flops[d] / high;
            slowest += flops[d] / low;
        }
        var basis = gpuCount == 0 || placement.GpuLayers == 0
            ? $"CPU compute, {cpuRate.Low:0.#}-{cpuRate.High:0.#} GFLOPS per core (assumed)"
            : "GPU compute from its bandwidth (assumed ratio)" + (flops[gpuCount] > 0 ? " and CPU compute for the blocks in RAM" : "");
        return new PromptEstimate(tokens, fastest, slowest, basis);
    }

    /// <summary>Weights each prompt token multiplies in every block: routed experts count at the share a token uses.</summary>
    private static double[] ActiveElementsPerLayer(ModelWeights w)
    {
        var a = w.Architecture;
        var perLayer = new double[a.Layers];
        var expertShare = a.Moe is { } moe ? (double)moe.ExpertsUsed / moe.Experts : 1;
        foreach (var t in w.Tensors)
        {
            var shape = t.Shape;
            if (shape.Layer < 0 || shape.Layer >= a.Layers || !shape.Quantizable) continue;
            perLayer[shape.Layer] += shape.IsRoutedExpert ? shape.Elements * expertShare : shape.Elements;
        }
        return perLayer;
    }

    // QK^T and AV for one (query, key) pair over all heads: two operations per multiply-add.
    private static double AttentionFlopsPerPair(Architecture a) => a.Mla is { } m
        ? 2.0 * a.HeadCount * (m.QkNopeHeadDim + m.QkRopeHeadDim + m.VHeadDim)
        : 2.0 * a.HeadCount * (a.KeyLength + a.ValueLengthOrKey);
}
