using ModelScout.Core.Catalog;
using ModelScout.Core.Machines;
using ModelScout.Core.Memory;

namespace ModelScout.Core.Fit;

/// <summary>Whether a model can be served by vLLM on a machine, and how.</summary>
/// <param name="Fits">True when a tensor-parallel size was found.</param>
/// <param name="TensorParallel">GPUs to shard across.</param>
/// <param name="Checkpoint">Hugging Face checkpoint to serve.</param>
/// <param name="BytesPerParameter">2 for bf16, 1 for FP8 checkpoints.</param>
/// <param name="PerGpuBytes">Memory each GPU needs.</param>
/// <param name="Speed">Single-stream decode estimate.</param>
/// <param name="Reason">Why it does or does not fit.</param>
public sealed record VllmPlan(bool Fits, int TensorParallel, string Checkpoint, double BytesPerParameter, long PerGpuBytes, SpeedRange? Speed, string Reason);

/// <summary>
/// vLLM serves Hugging Face checkpoints (bf16, or FP8 where one is published), sharded over GPUs by tensor parallelism,
/// using up to 90% of each GPU by default. This sizes that, with a fixed activation reserve per GPU (an assumption).
/// </summary>
public static class VllmPlanner
{
    private const double ActivationReserveGiB = 2.0;
    private const double MemoryUtilization = 0.9;

    /// <summary>Plans vLLM for a model on a machine at a context length.</summary>
    public static VllmPlan Plan(ModelEntry model, Machine machine, long context, SpeedSettings speed)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(machine);
        ArgumentNullException.ThrowIfNull(speed);
        var a = model.Architecture!;
        var fp8 = model.Vllm is not null || (model.WeightsFormat?.StartsWith("FP8", StringComparison.Ordinal) ?? false);
        var checkpoint = model.Vllm?.Checkpoint ?? model.HuggingFace ?? model.Id;
        var bpp = fp8 ? 1.0 : 2.0;
        var gpus = machine.Gpus.Where(g => g.Backend is "cuda" or "rocm").ToList();
        if (gpus.Count == 0)
            return new VllmPlan(false, 0, checkpoint, bpp, 0, null, machine.UnifiedMemory ? "vLLM needs CUDA or ROCm GPUs; Apple silicon is not supported" : "vLLM needs CUDA or ROCm GPUs");

        var weights = model.Parameters!.Total * bpp;
        var kv = KvCache.BytesPerLayer(a, context, KvSettings.Default).Sum();
        var perGpuBudget = gpus.Min(g => g.TotalBytes) * MemoryUtilization;
        for (var tp = 1; tp <= gpus.Count; tp *= 2)
        {
            if (a.HeadCount % tp != 0) continue;
            var need = (long)((weights + kv) / tp + ActivationReserveGiB * (1L << 30));
            if (need > perGpuBudget) continue;
            var activeParams = model.Parameters.Active ?? model.Parameters.Total;
            var tps = SpeedEstimator.TensorParallel(activeParams * bpp, tp, gpus.Min(g => g.BandwidthGBps ?? 300), speed);
            return new VllmPlan(true, tp, checkpoint, bpp, need, tps,
                $"{(fp8 ? "FP8" : "bf16")} weights over {tp} GPU{(tp > 1 ? "s" : "")}: {need / (double)(1L << 30):F1} GiB each of {gpus.Min(g => g.TotalBytes) / (double)(1L << 30):F0} GiB");
        }
        var total = (weights + kv) / (1L << 30);
        return new VllmPlan(false, 0, checkpoint, bpp, 0, null,
            $"{(fp8 ? "FP8" : "bf16")} weights and cache need {total:F0} GiB; {gpus.Count} GPU{(gpus.Count > 1 ? "s offer" : " offers")} {gpus.Sum(g => g.TotalBytes) * MemoryUtilization / (1L << 30):F0} GiB at 90% use");
    }
}
