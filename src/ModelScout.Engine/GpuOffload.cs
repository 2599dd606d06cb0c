using ModelScout.Core.Fit;
using ModelScout.Core.Machines;
using ModelScout.Core.Memory;

namespace ModelScout.Engine;

/// <summary>How many layers go to the GPU for one load, and what that costs each side.</summary>
/// <param name="GpuLayers">The -ngl handed to llama.cpp.</param>
/// <param name="TotalLayers">Blocks plus the output head: the -ngl that offloads everything (0 when unknown).</param>
/// <param name="GpuBytes">Estimated bytes in GPU memory (<c>size_vram</c>).</param>
/// <param name="TotalBytes">Estimated bytes in all: weights + KV cache + compute buffers (<c>size</c>).</param>
/// <param name="Why">Where the number came from, for the load line.</param>
public sealed record GpuOffloadPlan(int GpuLayers, int TotalLayers, long GpuBytes, long TotalBytes, string Why)
{
    /// <summary>Bytes in system RAM.</summary>
    public long HostBytes => Math.Max(0, TotalBytes - GpuBytes);

    /// <summary>"12/29 layers on the GPU (3.1 GiB VRAM)" or "CPU only".</summary>
    public string Describe() => GpuLayers <= 0
        ? $"CPU only ({Why})"
        : $"{GpuLayers}/{TotalLayers} layers on the GPU, {GpuBytes / (1024.0 * 1024 * 1024):F1} GiB VRAM ({Why})";
}

/// <summary>
/// Chooses llama.cpp's -ngl for a model file: an explicit count (a request's num_gpu, --gpu-layers N, SCOUT_GPU_LAYERS)
/// wins; otherwise (auto) the fit planner's placement for this file, context and slot count on the machine the engine
/// was given. A library without a GPU backend, or a machine without a GPU, gets 0 layers whatever was asked, since
/// llama.cpp would keep every layer in RAM anyway.
/// </summary>
public static class GpuOffload
{
    /// <summary>Plans one load. <paramref name="requested"/>: null or negative is auto.</summary>
    public static GpuOffloadPlan Plan(FileModel file, long numCtx, int parallel, int ubatch, Machine? machine, int? requested, bool libraryOffloads)
    {
        ArgumentNullException.ThrowIfNull(file);
        var options = new FitOptions(numCtx, KvSettings.Default with { Sequences = Math.Max(1, parallel), Ubatch = ubatch });
        var catalog = Core.Catalog.Catalog.Embedded;
        var cpuMachine = new Machine { Name = "cpu", Ram = machine?.Ram ?? new MemoryInfo(long.MaxValue / 4, long.MaxValue / 4) };
        MemoryEstimate Cpu() => FitPlanner.PlaceLayers(file, cpuMachine, options, 0, catalog);

        if (!libraryOffloads)
        {
            var cpu = Cpu();
            return new(0, cpu.TotalLayers, 0, Total(cpu), "the llama.cpp library has no GPU backend");
        }
        if (requested is >= 0 and var n)
        {
            // An explicit count: estimate it on the machine's GPUs, or on one unbounded GPU when none was detected
            // (a driver the probe does not know), so size_vram still says what the offloaded layers take.
            var gpus = machine is { HasGpu: true } ? machine : cpuMachine with { Gpus = [new GpuDevice { Name = "GPU", TotalBytes = 1L << 50, FreeBytes = 1L << 50 }] };
            var e = FitPlanner.PlaceLayers(file, gpus, options, n, catalog);
            return new(e.GpuLayers, e.TotalLayers, GpuTotal(e), Total(e), "as asked");
        }
        if (machine is not { HasGpu: true })
        {
            var cpu = Cpu();
            return new(0, cpu.TotalLayers, 0, Total(cpu), "no GPU detected");
        }
        var fit = new FitPlanner(catalog).PlanFile(file, machine, options).Best;
        if (fit is null || !fit.Fits)
        {
            var cpu = Cpu();
            return new(0, cpu.TotalLayers, 0, Total(cpu), "the fit planner found no placement");
        }
        if (fit.Kind == FitKind.ExpertsOnCpu)
        {
            // The planner would keep routed experts in RAM (--cpu-moe), which the engine cannot ask LLamaSharp for:
            // offload whole layers instead, as many as fit the GPUs.
            var lo = 0;
            var hi = fit.Memory.TotalLayers;
            while (lo < hi)
            {
                var mid = (lo + hi + 1) / 2;
                if (GpusHold(FitPlanner.PlaceLayers(file, machine, options, mid, catalog), machine, catalog.Document.Estimator.TightFraction)) lo = mid;
                else hi = mid - 1;
            }
            var e = FitPlanner.PlaceLayers(file, machine, options, lo, catalog);
            return new(e.GpuLayers, e.TotalLayers, GpuTotal(e), Total(e), "fit planner, whole layers");
        }
        return new(fit.Memory.GpuLayers, fit.Memory.TotalLayers, GpuTotal(fit.Memory), Total(fit.Memory), "fit planner");
    }

    private static bool GpusHold(MemoryEstimate e, Machine machine, double margin)
    {
        for (var i = 0; i < e.Gpus.Count && i < machine.Gpus.Count; i++)
            if (e.Gpus[i].Total > machine.Gpus[i].FreeBytes * (1 - margin)) return false;
        return true;
    }

    private static long GpuTotal(MemoryEstimate e) => e.Gpus.Sum(g => g.Total);

    private static long Total(MemoryEstimate e) => e.Host.Total + GpuTotal(e);
}
