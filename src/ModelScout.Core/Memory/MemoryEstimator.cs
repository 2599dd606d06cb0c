namespace ModelScout.Core.Memory;

/// <summary>Memory one device holds, by what it is for.</summary>
/// <param name="Device">"host" or the GPU's name.</param>
/// <param name="Weights">Model tensors.</param>
/// <param name="KvCache">KV cache of the blocks placed here.</param>
/// <param name="Compute">Graph scratch memory.</param>
/// <param name="Overhead">Runtime overhead (CUDA context, cuBLAS workspace, process).</param>
/// <param name="Layers">Blocks placed here.</param>
/// <param name="Output">llama.cpp's logits buffer (host only).</param>
/// <param name="Backend">The llama.cpp backend the device runs ("cpu" for the host, "cuda", "rocm", "metal", "vulkan").</param>
public sealed record DeviceMemory(string Device, long Weights, long KvCache, long Compute, long Overhead, int Layers, long Output = 0, string Backend = ComputeBuffer.CpuBackend)
{
    /// <summary>Everything this device must hold.</summary>
    public long Total => Weights + KvCache + Compute + Output + Overhead;
}

/// <summary>Where llama.cpp will put each part of a model, and how much memory each device needs.</summary>
/// <param name="Host">System RAM.</param>
/// <param name="Gpus">One entry per GPU, in device order.</param>
/// <param name="GpuLayers">The -ngl value: blocks on GPUs, plus one when the output head is there too.</param>
/// <param name="TotalLayers">Blocks plus the output head (the -ngl that offloads everything).</param>
/// <param name="ExpertsOnHost">True when routed experts of offloaded blocks were kept in host memory.</param>
public sealed record MemoryEstimate(DeviceMemory Host, IReadOnlyList<DeviceMemory> Gpus, int GpuLayers, int TotalLayers, bool ExpertsOnHost)
{
    /// <summary>Sum over every device.</summary>
    public long Total => Host.Total + Gpus.Sum(g => g.Total);

    /// <summary>Sum over GPUs.</summary>
    public long GpuTotal => Gpus.Sum(g => g.Total);

    /// <summary>KV cache over every device.</summary>
    public long KvCache => Host.KvCache + Gpus.Sum(g => g.KvCache);
}

/// <summary>How to place a model on a machine.</summary>
/// <param name="Context">Context tokens per sequence.</param>
/// <param name="Kv">Cache and batch settings.</param>
/// <param name="GpuLayers">llama.cpp -ngl: 0 runs on the CPU; Layers + 1 offloads the output head too.</param>
/// <param name="GpuSplit">Relative share of offloaded blocks per GPU (llama.cpp splits by free memory); empty for none.</param>
/// <param name="GpuNames">Names for the GPU entries.</param>
/// <param name="GpuOverheadBytes">Per-GPU runtime overhead.</param>
/// <param name="HostOverheadBytes">Host runtime overhead.</param>
/// <param name="ExpertsOnHost">Keep routed-expert tensors in host memory (llama.cpp --cpu-moe).</param>
/// <param name="GpuBackend">The backend the GPUs run ("cuda", "rocm", "metal", "vulkan"); it picks the compute-buffer rule.</param>
public sealed record Placement(
    long Context,
    KvSettings Kv,
    int GpuLayers,
    IReadOnlyList<double> GpuSplit,
    IReadOnlyList<string> GpuNames,
    long GpuOverheadBytes,
    long HostOverheadBytes,
    bool ExpertsOnHost = false,
    string GpuBackend = "cuda");

/// <summary>Computes per-device memory for a placement, following llama.cpp's layer assignment.</summary>
public static class MemoryEstimator
{
    /// <summary>Estimates memory for <paramref name="w"/> placed as <paramref name="p"/>.</summary>
    public static MemoryEstimate Estimate(ModelWeights w, Placement p)
    {
        ArgumentNullException.ThrowIfNull(w);
        ArgumentNullException.ThrowIfNull(p);
        var a = w.Architecture;
        var n = a.Layers;
        var gpus = p.GpuSplit.Count;
        var kv = KvCache.BytesPerLayer(a, p.Context, p.Kv);
        var maxCells = KvCache.Pad(p.Context * p.Kv.Sequences);
        var ubatch = (int)Math.Min(p.Kv.Ubatch, Math.Max(1, p.Context));
        var windowLayer = a.SlidingWindow is { } sw ? Enumerable.Range(0, n).FirstOrDefault(sw.IsLocal, -1) : -1;
        var windowCells = windowLayer < 0 ? 0 : KvCache.Cells(a, windowLayer, p.Context, p.Kv.Sequences, ubatch, p.Kv.FullWindowCache);
        var graph = ComputeBuffer.Bytes(p.GpuBackend, a, maxCells, windowCells, ubatch, p.Kv);
        var hostGraph = ComputeBuffer.Bytes(ComputeBuffer.CpuBackend, a, maxCells, windowCells, ubatch, p.Kv);

        var weights = new long[gpus + 1]; // last slot: host
        var cache = new long[gpus + 1];
        var layers = new int[gpus + 1];
        var host = gpus;

        var ngl = Math.Clamp(p.GpuLayers, 0, n + 1);
        var device = DeviceOfLayer(n, gpus == 0 ? 0 : ngl, p.GpuSplit);
        for (var i = 0; i < n; i++)
        {
            var d = device(i) ?? host;
            var blockBytes = w.LayerBytes[i];
            if (d != host && p.ExpertsOnHost)
            {
                var routed = w.LayerRoutedExpertBytes[i];
                blockBytes -= routed;
                weights[host] += routed;
            }
            weights[d] += blockBytes;
            cache[d] += kv[i];
            layers[d]++;
        }
        var outputDevice = device(n) ?? host;
        weights[host] += w.TokenEmbeddingBytes;
        // A tied head on the host reads the embedding matrix it already has.
        weights[outputDevice] += a.TiedEmbeddings && outputDevice == host ? w.OutputBytes - w.TokenEmbeddingBytes : w.OutputBytes;

        var gpuList = new List<DeviceMemory>(gpus);
        for (var g = 0; g < gpus; g++)
        {
            var used = layers[g] > 0 || outputDevice == g;
            gpuList.Add(new DeviceMemory(
                p.GpuNames.Count > g ? p.GpuNames[g] : $"GPU {g}",
                weights[g],
                cache[g],
                used ? graph : 0,
                used ? p.GpuOverheadBytes : 0,
                layers[g],
                Backend: p.GpuBackend));
        }
        // The host runs its part of the graph on the CPU backend when it holds blocks or the output head; with --cpu-moe
        // only the routed experts run there and the host buffer follows the GPU's layout; otherwise it keeps the inputs.
        var hostRunsLayers = layers[host] > 0 || outputDevice == host || gpus == 0;
        var hostRunsExperts = p.ExpertsOnHost && w.LayerRoutedExpertBytes.Any(b => b > 0);
        var hostCompute = hostRunsLayers ? hostGraph : hostRunsExperts ? graph : ComputeBuffer.HostInputBytes(a, ubatch);
        var hostMemory = new DeviceMemory("host", weights[host], cache[host], hostCompute, p.HostOverheadBytes, layers[host],
            ComputeBuffer.OutputBytes(a, p.Kv.Sequences));
        return new MemoryEstimate(hostMemory, gpuList, ngl, n + 1, p.ExpertsOnHost && ngl > 0);
    }

    // llama.cpp: blocks from n - ngl upward are offloaded; each goes to the GPU whose cumulative split share first
    // exceeds its position among the offloaded blocks. Index n is the output head.
    private static Func<int, int?> DeviceOfLayer(int n, int ngl, IReadOnlyList<double> split)
    {
        if (ngl == 0 || split.Count == 0) return _ => null;
        var start = Math.Max(n - ngl, 0);
        var active = Math.Min(ngl, n + 1);
        var total = split.Sum();
        var cumulative = new double[split.Count];
        var running = 0.0;
        for (var g = 0; g < split.Count; g++)
        {
            running += split[g] / total;
            cumulative[g] = running;
        }
        return il =>
        {
            if (il < start || il - start >= active) return null;
            var position = (float)(il - start) / active;
            for (var g = 0; g < cumulative.Length; g++)
            {
                if (position < cumulative[g]) return g;
            }
            return cumulative.Length - 1;
        };
    }
}
