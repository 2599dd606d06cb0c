using ModelScout.Core.Catalog;
using ModelScout.Core.Machines;
using ModelScout.Core.Memory;

namespace ModelScout.Core.Fit;

/// <summary>Whether a model can be served by vLLM on a machine, and how.</summary>
/// <param name="Fits">True when a tensor-parallel size was found.</param>
/// <param name="TensorParallel">GPUs to shard across.</param>
/// <param name="Checkpoint">Hugging Face checkpoint to serve.</param>
/// <param name="BytesPerParameter">Weight bytes per parameter of the checkpoint: 2 for bf16, about 1 for FP8, about 0.5-0.6 for MXFP4 experts.</param>
/// <param name="PerGpuBytes">Memory each GPU needs.</param>
/// <param name="Speed">Single-stream decode estimate.</param>
/// <param name="Reason">Why it does or does not fit.</param>
public sealed record VllmPlan(bool Fits, int TensorParallel, string Checkpoint, double BytesPerParameter, long PerGpuBytes, SpeedRange? Speed, string Reason);

/// <summary>
/// vLLM serves Hugging Face checkpoints (the catalog's serving precisions: the released format first, then smaller ones;
/// else bf16, or FP8 where one is published), sharded over GPUs by tensor parallelism,
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
        var options = Checkpoints(model);
        var gpus = machine.Gpus.Where(g => g.Backend is "cuda" or "rocm").ToList();
        var first = options[0];
        if (gpus.Count == 0)
            return new VllmPlan(false, 0, first.Checkpoint, first.BytesPerParameter, 0, null, machine.UnifiedMemory ? "vLLM needs CUDA or ROCm GPUs; Apple silicon is not supported" : "vLLM needs CUDA or ROCm GPUs");

        var kv = KvCache.BytesPerLayer(a, context, KvSettings.Default).Sum();
        var perGpuBudget = gpus.Min(g => g.TotalBytes) * MemoryUtilization;
        var activeShare = model.Parameters!.Active is { } active ? (double)active / model.Parameters.Total : 1;
        foreach (var o in options)
        {
            for (var tp = 1; tp <= gpus.Count; tp *= 2)
            {
                if (a.HeadCount % tp != 0) continue;
                var need = (long)((o.WeightBytes + kv) / tp + ActivationReserveGiB * (1L << 30));
                if (need > perGpuBudget) continue;
                var tps = SpeedEstimator.TensorParallel(o.WeightBytes * activeShare, tp, gpus.Min(g => g.BandwidthGBps ?? 300), speed);
                return new VllmPlan(true, tp, o.Checkpoint, o.BytesPerParameter, need, tps,
                    $"{o.Label} weights over {tp} GPU{(tp > 1 ? "s" : "")}: {need / (double)(1L << 30):F1} GiB each of {gpus.Min(g => g.TotalBytes) / (double)(1L << 30):F0} GiB");
            }
        }
        // Nothing fits: report the smallest checkpoint, the one closest to fitting.
        var smallest = options.MinBy(o => o.WeightBytes)!;
        var total = (smallest.WeightBytes + kv) / (1L << 30);
        return new VllmPlan(false, 0, smallest.Checkpoint, smallest.BytesPerParameter, 0, null,
            $"{smallest.Label} weights and cache need {total:F0} GiB; {gpus.Count} GPU{(gpus.Count > 1 ? "s offer" : " offers")} {gpus.Sum(g => g.TotalBytes) * MemoryUtilization / (1L << 30):F0} GiB at 90% use");
    }

    private sealed record Option(string Label, string Checkpoint, double WeightBytes, double BytesPerParameter);

    // The catalog's serving precisions, the released format first, then smaller ones; without them, bf16 (or FP8 where
    // the model names an FP8 checkpoint) at the parameter count.
    private static List<Option> Checkpoints(ModelEntry model)
    {
        var parameters = (double)model.Parameters!.Total + (model.Parameters.VisionEncoder ?? 0);
        if (model.Serving is { Precisions.Count: > 0 } s)
        {
            return s.Precisions
                .Select(p => (p, bytes: (double)ServingWeights.Bytes(model, p)))
                .OrderBy(x => string.Equals(x.p.Format, s.Native, StringComparison.OrdinalIgnoreCase) ? 0 : 1)
                .ThenBy(x => x.bytes)
                .Select(x => new Option(Label(x.p.Format), x.p.Checkpoint, x.bytes, x.bytes / parameters))
                .ToList();
        }
        var fp8 = model.Vllm is not null || (model.WeightsFormat?.StartsWith("FP8", StringComparison.Ordinal) ?? false);
        var bpp = fp8 ? 1.0 : 2.0;
        return [new Option(fp8 ? "FP8" : "bf16", model.Vllm?.Checkpoint ?? model.HuggingFace ?? model.Id, model.Parameters.Total * bpp, bpp)];
    }

    private static string Label(string format) => string.Equals(format, "bf16", StringComparison.OrdinalIgnoreCase) ? "bf16" : format.ToUpperInvariant();
}
