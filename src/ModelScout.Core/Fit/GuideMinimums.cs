using ModelScout.Core.Catalog;
using ModelScout.Core.Machines;
using ModelScout.Core.Memory;

namespace ModelScout.Core.Fit;

/// <summary>How a guide memory claim holds up.</summary>
public enum ClaimVerdict
{
    /// <summary>Holds at a practical context (4K or more).</summary>
    Consistent,
    /// <summary>Holds only with a short context.</summary>
    Tight,
    /// <summary>Does not hold: the model does not fit at all.</summary>
    Optimistic,
}

/// <summary>One memory claim of the guide, checked with the estimator.</summary>
/// <param name="Claim">What the guide says, e.g. "6 GB VRAM".</param>
/// <param name="Memory">"VRAM" or "RAM".</param>
/// <param name="GiB">The amount claimed.</param>
/// <param name="Quant">Quantization assumed (the guide's basis).</param>
/// <param name="MaxContext">Longest context that fits (0 when none does).</param>
/// <param name="NeedAt4K">Bytes needed at a 4K context.</param>
/// <param name="Verdict">Consistent, tight or optimistic.</param>
/// <param name="Text">One sentence for people.</param>
public sealed record GuideClaimCheck(string Claim, string Memory, double GiB, string Quant, long MaxContext, long NeedAt4K, ClaimVerdict Verdict, string Text);

/// <summary>Checks the guide's minimum-memory claims for a model against the estimator.</summary>
public static class GuideMinimums
{
    private const double GiBBytes = 1024.0 * 1024 * 1024;
    private const long Practical = 4096;

    /// <summary>Every memory claim the guide makes for <paramref name="model"/>.</summary>
    public static IReadOnlyList<GuideClaimCheck> Check(Catalog.Catalog catalog, FitPlanner planner, ModelEntry model)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(planner);
        ArgumentNullException.ThrowIfNull(model);
        var g = model.Guide;
        if (g is null || !model.IsOpen) return [];
        var q4 = catalog.Quantization(catalog.Document.QuantizationGuidance.Default)!;
        var list = new List<GuideClaimCheck>();
        if (g.MinMemoryGiB is { } vram) list.Add(Run(catalog, planner, model, q4, Machine.GpuBudget(vram, "guide claim"), "VRAM", vram, $"{g.MinMemory} VRAM"));
        if (g.CpuMinMemoryGiB is { } ram) list.Add(Run(catalog, planner, model, q4, RamMachine(catalog, ram), "RAM", ram, $"{ram:0.#} GB RAM (CPU inference)"));
        if (g.DeviceMinRamGiB is { } device) list.Add(Run(catalog, planner, model, q4, RamMachine(catalog, device), "RAM", device, $"a device with {device:0.#} GB RAM in total"));
        return list;
    }

    private static GuideClaimCheck Run(Catalog.Catalog catalog, FitPlanner planner, ModelEntry model, QuantizationLevel q, Machine machine, string memory, double gib, string claim)
    {
        var want = memory == "VRAM" ? FitKind.FullGpu : FitKind.CpuOnly;
        bool FitsAt(long ctx) => planner.FitLevel(model, q, machine, Options(catalog, ctx)).Kind == want;

        // Largest context (to 256 tokens) that fits, by bisection: memory only grows with context.
        long lo = 0, hi = model.Context!.Max;
        if (FitsAt(256))
        {
            lo = 256;
            while (hi - lo > 256)
            {
                var mid = (lo + hi) / 2 / 256 * 256;
                if (FitsAt(mid)) lo = mid;
                else hi = mid;
            }
            if (FitsAt(model.Context.Max)) lo = model.Context.Max;
        }
        var need = NeedAt(catalog, planner, model, q, machine, memory == "VRAM", Practical);
        var verdict = lo >= Practical ? ClaimVerdict.Consistent : lo > 0 ? ClaimVerdict.Tight : ClaimVerdict.Optimistic;
        var text = verdict switch
        {
            ClaimVerdict.Consistent => $"holds: {q.Id} fits in {gib:0.#} GiB of {memory} with up to {FitPlanner.Tokens(lo)} tokens of context",
            ClaimVerdict.Tight => $"tight: {q.Id} fits in {gib:0.#} GiB of {memory} only with {FitPlanner.Tokens(lo)} tokens of context or less (4K needs {need / GiBBytes:F1} GiB)",
            _ => $"optimistic: {q.Id} needs {need / GiBBytes:F1} GiB of {memory} at 4K context; {gib:0.#} GiB is not enough at any context",
        };
        return new GuideClaimCheck(claim, memory, gib, q.Id, lo, need, verdict, text);
    }

    // Memory the claimed placement itself needs: everything on the GPU, or everything in RAM.
    private static long NeedAt(Catalog.Catalog catalog, FitPlanner planner, ModelEntry model, QuantizationLevel q, Machine machine, bool gpu, long ctx)
    {
        var options = Options(catalog, ctx);
        if (gpu) return planner.FullGpuEstimate(model, q, machine, options).GpuTotal;
        return planner.FitLevel(model, q, machine, options).Memory.Total;
    }

    private static FitOptions Options(Catalog.Catalog catalog, long ctx) =>
        new(ctx, new KvSettings(Ubatch: catalog.Document.Estimator.DefaultUbatch), catalog.Document.QuantizationGuidance.Default);

    // A machine with that much RAM in total, less what the OS keeps for itself.
    private static Machine RamMachine(Catalog.Catalog catalog, double gib)
    {
        var reserve = catalog.Document.Estimator.OsReserve;
        var total = (long)(gib * GiBBytes);
        var available = total - (long)(Math.Max(reserve.Fraction * gib, reserve.MinGiB) * GiBBytes);
        return new Machine
        {
            Name = $"{gib:0.#} GiB RAM",
            Ram = new MemoryInfo(total, Math.Max(available, 0)),
            RamBandwidthGBps = 50,
            Simulated = true,
            Source = "guide claim",
        };
    }
}
