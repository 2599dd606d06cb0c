using ModelScout.Core.Catalog;
using ModelScout.Core.Machines;
using ModelScout.Core.Memory;

namespace ModelScout.Core.Fit;

/// <summary>A decode speed range in tokens per second.</summary>
/// <param name="Low">Pessimistic end: low efficiency, full cache.</param>
/// <param name="High">Optimistic end: high efficiency, empty cache.</param>
/// <param name="Basis">How it was computed, in a few words.</param>
public sealed record SpeedRange(double Low, double High, string Basis)
{
    /// <summary>Geometric middle of the range.</summary>
    public double Mid => Math.Sqrt(Low * High);
}

/// <summary>
/// Memory-bandwidth roofline for decoding: each token streams every active weight (and the cache) once, so time per
/// token is bytes read over bandwidth, scaled by an efficiency measured on real runs. Blocks on different devices run
/// one after another, so their times add.
/// </summary>
public static class SpeedEstimator
{
    /// <summary>Estimates decode speed for a placement on a machine.</summary>
    public static SpeedRange Estimate(ModelWeights w, MemoryEstimate placement, Placement settings, Machine machine, SpeedSettings s)
    {
        ArgumentNullException.ThrowIfNull(w);
        ArgumentNullException.ThrowIfNull(placement);
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(machine);
        ArgumentNullException.ThrowIfNull(s);
        var a = w.Architecture;
        var n = a.Layers;
        var kvPerLayer = KvCache.BytesPerLayer(a, settings.Context, settings.Kv);
        var gpuCount = machine.Gpus.Count;

        // Bytes read per token on each device (index gpuCount = host), without and with a full cache.
        var weights = new double[gpuCount + 1];
        var cache = new double[gpuCount + 1];
        var gpuLayers = placement.GpuLayers;
        var start = Math.Max(n - gpuLayers, 0);
        var layerDevice = LayerDevices(placement, n, start, gpuCount);
        for (var i = 0; i < n; i++)
        {
            var d = layerDevice[i];
            var active = w.ActiveLayerBytes(i);
            if (d < gpuCount && placement.ExpertsOnHost && w.LayerRoutedExpertBytes[i] > 0)
            {
                var routedActive = w.LayerRoutedExpertBytes[i] * (double)a.Moe!.ExpertsUsed / a.Moe.Experts;
                weights[gpuCount] += routedActive;
                active -= routedActive;
            }
            weights[d] += active;
            cache[d] += kvPerLayer[i];
        }
        var outputDevice = gpuLayers > n && gpuCount > 0 ? gpuCount - 1 - LastUsedOffset(placement) : gpuCount;
        weights[outputDevice] += w.OutputBytes;

        double fastest = 0, slowest = 0;
        var cpuBound = false;
        for (var d = 0; d <= gpuCount; d++)
        {
            if (weights[d] <= 0) continue;
            var isHost = d == gpuCount;
            var bandwidth = (isHost ? machine.RamBandwidthGBps : machine.Gpus[d].BandwidthGBps ?? 0) * 1e9;
            if (bandwidth <= 0) bandwidth = s.DefaultRamBandwidthGBps * 1e9;
            var eff = isHost && !machine.UnifiedMemory ? s.CpuEfficiency : s.GpuEfficiency;
            fastest += weights[d] / (bandwidth * eff.High);
            slowest += (weights[d] + cache[d]) / (bandwidth * eff.Low);
            cpuBound |= isHost;
        }
        if (fastest <= 0) return new SpeedRange(0, 0, "nothing placed");
        var basis = gpuCount == 0 || gpuLayers == 0
            ? "system RAM bandwidth"
            : cpuBound ? "GPU and system RAM bandwidth (blocks split)" : "GPU memory bandwidth";
        return new SpeedRange(1 / slowest, 1 / fastest, basis);
    }

    /// <summary>Tensor-parallel decode across <paramref name="gpus"/> identical GPUs (vLLM): bytes split evenly, near-linear scaling.</summary>
    public static SpeedRange TensorParallel(double bytesPerToken, int gpus, double bandwidthGBps, SpeedSettings s)
    {
        ArgumentNullException.ThrowIfNull(s);
        var aggregate = gpus * bandwidthGBps * 1e9 * (gpus > 1 ? s.TensorParallelEfficiency : 1);
        return new SpeedRange(aggregate * s.GpuEfficiency.Low / bytesPerToken, aggregate * s.GpuEfficiency.High / bytesPerToken, "tensor-parallel GPU bandwidth");
    }

    private static int LastUsedOffset(MemoryEstimate placement)
    {
        // The output head sits on the last GPU that received blocks.
        for (var g = placement.Gpus.Count - 1; g >= 0; g--)
        {
            if (placement.Gpus[g].Weights > 0) return placement.Gpus.Count - 1 - g;
        }
        return 0;
    }

    internal static int[] LayerDevices(MemoryEstimate placement, int n, int start, int gpuCount)
    {
        // Offloaded blocks fill GPUs in order with the counts the estimate placed there.
        var devices = new int[n];
        var i = 0;
        for (; i < start && i < n; i++) devices[i] = gpuCount;
        for (var g = 0; g < placement.Gpus.Count && i < n; g++)
        {
            for (var k = 0; k < placement.Gpus[g].Layers && i < n; k++) devices[i++] = g;
        }
        for (; i < n; i++) devices[i] = gpuCount;
        return devices;
    }
}
