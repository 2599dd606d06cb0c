using ModelScout.Core.Catalog;
using ModelScout.Core.Machines;
using ModelScout.Core.Memory;

namespace ModelScout.Core.Fit;

/// <summary>Where a model runs on a machine.</summary>
public enum FitKind
{
    /// <summary>Every block and the output head on GPUs.</summary>
    FullGpu,
    /// <summary>Attention and shared weights on GPUs, routed experts in system RAM (llama.cpp --cpu-moe).</summary>
    ExpertsOnCpu,
    /// <summary>Some blocks on GPUs, the rest on the CPU.</summary>
    PartialOffload,
    /// <summary>Everything in system RAM.</summary>
    CpuOnly,
    /// <summary>Not enough memory anywhere.</summary>
    DoesNotFit,
}

/// <summary>How to choose a quantization when none is forced.</summary>
public enum QuantPreference
{
    /// <summary>The guide's default (Q4_K_M), stepping down only as far as needed.</summary>
    Balanced,
    /// <summary>The best quality that runs fully on the GPU.</summary>
    Quality,
    /// <summary>The smallest acceptable quantization that runs fully on the GPU.</summary>
    Speed,
}

/// <summary>What to plan for.</summary>
/// <param name="Context">Context tokens per sequence.</param>
/// <param name="Kv">Cache and batch settings.</param>
/// <param name="Quant">Force one quantization level.</param>
/// <param name="Preference">How to choose otherwise.</param>
public sealed record FitOptions(long Context, KvSettings Kv, string? Quant = null, QuantPreference Preference = QuantPreference.Balanced);

/// <summary>One quantization level of one model on one machine.</summary>
public sealed record QuantFit
{
    public required QuantizationLevel Level { get; init; }
    public required ModelWeights Weights { get; init; }
    public required FitKind Kind { get; init; }
    /// <summary>The placement tried last: the working one, or the closest miss.</summary>
    public required MemoryEstimate Memory { get; init; }
    public required Placement Placement { get; init; }
    public SpeedRange? Speed { get; init; }
    /// <summary>Time to read a prompt that fills the planned context (per sequence); null when it does not fit or a rate is unknown.</summary>
    public PromptEstimate? Prompt { get; init; }
    /// <summary>Less than the catalog's tight fraction of some budget left.</summary>
    public bool Tight { get; init; }
    /// <summary>Why it does not fit, when it does not.</summary>
    public string? Problem { get; init; }
    /// <summary>Smallest share of a used device's budget left free (0..1).</summary>
    public double Headroom { get; init; }

    public bool Fits => Kind != FitKind.DoesNotFit;
}

/// <summary>The chosen quantization for a model, every level tried, and what the planner had to say.</summary>
public sealed record ModelFit(ModelEntry Model, QuantFit? Best, IReadOnlyList<QuantFit> Levels, string Why, IReadOnlyList<string> Notes)
{
    public bool Fits => Best?.Fits == true;
}

/// <summary>Plans where each model goes on a machine, choosing a quantization and a placement the way llama.cpp would load it.</summary>
public sealed class FitPlanner
{
    private const double GiB = 1024.0 * 1024 * 1024;
    private readonly Catalog.Catalog catalog;
    private readonly Dictionary<(string, string), ModelWeights> weightsCache = [];

    public FitPlanner(Catalog.Catalog catalog) => this.catalog = catalog;

    /// <summary>Exact weights of a model at a quantization level (cached).</summary>
    public ModelWeights WeightsOf(ModelEntry model, QuantizationLevel level)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(level);
        var key = (model.Id, level.Recipe);
        if (!weightsCache.TryGetValue(key, out var w))
        {
            w = ModelWeights.For(model.Architecture!, QuantRecipe.Find(level.Recipe)!);
            weightsCache[key] = w;
        }
        return w;
    }

    /// <summary>Plans one model on a machine.</summary>
    public ModelFit Plan(ModelEntry model, Machine machine, FitOptions options)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(machine);
        ArgumentNullException.ThrowIfNull(options);
        if (!model.IsOpen || model.Architecture is null)
            return new ModelFit(model, null, [], "hosted model: nothing to run locally", []);
        if (model.NoGguf) return new ModelFit(model, null, [], NoGgufWhy(model), ContextNotes(model, options.Context));

        var notes = ContextNotes(model, options.Context);
        var levels = LevelsToTry(model, options).Select(l => FitLevel(model, l, machine, options)).ToList();
        if (options.Context > model.Context!.Max)
        {
            var why = $"asks for {Tokens(options.Context)} tokens of context; {model.Name} handles {Tokens(model.Context.Max)} at most";
            return new ModelFit(model, null, levels, why, notes);
        }
        var (best, reason) = Choose(levels, machine, options);
        if (best is not null) notes.AddRange(LevelNotes(best, levels, machine));
        return new ModelFit(model, best, levels, reason, notes);
    }

    /// <summary>Why a model without any GGUF cannot be planned for llama.cpp, naming what a GPU server loads instead.</summary>
    public static string NoGgufWhy(ModelEntry model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var serving = (model.Serving?.Precisions ?? []).Select(p => $"{p.Id} ({p.Checkpoint}, {ServingWeights.Bytes(model, p) / 1e9:0.#} GB of weights)");
        return $"no GGUF of {model.Name} exists, so llama.cpp and Ollama cannot run it; serve it on GPUs with vLLM: {string.Join(", ", serving)}";
    }

    /// <summary>Plans a model read from a GGUF file, at the file's own tensor sizes.</summary>
    public ModelFit PlanFile(FileModel file, Machine machine, FitOptions options)
    {
        ArgumentNullException.ThrowIfNull(file);
        ArgumentNullException.ThrowIfNull(options);
        if (file.Weights is null) return new ModelFit(file.Entry, null, [], $"no memory plan: {file.Problem}", file.Assumptions);
        options = options with { Kv = options.Kv with { LatentLayout = file.LatentLayout } };
        var notes = ContextNotes(file.Entry, options.Context);
        notes.AddRange(file.Assumptions);
        var fit = Fit(file.Entry, file.Level, file.Weights, machine, options);
        if (options.Context > file.Entry.Context!.Max)
            return new ModelFit(file.Entry, null, [fit], $"asks for {Tokens(options.Context)} tokens of context; the file says {Tokens(file.Entry.Context.Max)} at most", notes);
        if (fit.Fits) notes.AddRange(LevelNotes(fit, [fit], machine));
        var why = fit.Fits ? $"{file.Level.Id} as the file is" : $"{file.Level.Id} as the file is, but it {fit.Problem}";
        return new ModelFit(file.Entry, fit, [fit], why, notes);
    }

    /// <summary>Fits one model at one level.</summary>
    public QuantFit FitLevel(ModelEntry model, QuantizationLevel level, Machine machine, FitOptions options)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(level);
        return Fit(model, level, WeightsOf(model, level), machine, options);
    }

    private QuantFit Fit(ModelEntry model, QuantizationLevel level, ModelWeights w, Machine machine, FitOptions options)
    {
        ArgumentNullException.ThrowIfNull(machine);
        ArgumentNullException.ThrowIfNull(options);
        var n = model.Architecture!.Layers;
        var budget = Budget.For(machine);

        QuantFit Result(FitKind kind, Placement p, MemoryEstimate e, string? problem = null)
        {
            var speed = kind == FitKind.DoesNotFit ? null : SpeedEstimator.Estimate(w, e, p, machine, catalog.Document.Estimator.Speed);
            var headroom = budget.Headroom(e);
            return new QuantFit
            {
                Level = level, Weights = w, Kind = kind, Memory = e, Placement = p, Speed = speed, Problem = problem,
                Prompt = kind == FitKind.DoesNotFit ? null : PromptEstimator.Estimate(w, e, machine, p.Context, catalog.Document.Estimator.Speed),
                Headroom = headroom, Tight = kind != FitKind.DoesNotFit && headroom < catalog.Document.Estimator.TightFraction,
            };
        }

        if (machine.HasGpu)
        {
            // Use as few GPUs as will hold everything: each GPU in use costs its own compute buffer and runtime overhead.
            foreach (var used in GpuSubsets(machine))
            {
                var full = Placement(machine, options, n + 1, expertsOnHost: false, used);
                var fullEstimate = MemoryEstimator.Estimate(w, full);
                if (budget.Fits(fullEstimate)) return Result(FitKind.FullGpu, full, fullEstimate);
            }

            if (model.Architecture.Moe is not null)
            {
                foreach (var used in GpuSubsets(machine))
                {
                    var experts = Placement(machine, options, n + 1, expertsOnHost: true, used);
                    var expertsEstimate = MemoryEstimator.Estimate(w, experts);
                    if (budget.Fits(expertsEstimate)) return Result(FitKind.ExpertsOnCpu, experts, expertsEstimate);
                }
            }

            // GPU use grows with -ngl and host use shrinks, so the largest -ngl whose GPUs fit is the only candidate.
            // Like llama.cpp's --fit, leave a margin on each GPU rather than filling it to the last byte.
            var margin = catalog.Document.Estimator.TightFraction;
            int lo = 0, hi = n;
            while (lo < hi)
            {
                var mid = (lo + hi + 1) / 2;
                if (budget.GpusFit(MemoryEstimator.Estimate(w, Placement(machine, options, mid, false)), margin)) lo = mid;
                else hi = mid - 1;
            }
            if (lo > 0)
            {
                var partial = Placement(machine, options, lo, false);
                var partialEstimate = MemoryEstimator.Estimate(w, partial);
                if (budget.Fits(partialEstimate)) return Result(FitKind.PartialOffload, partial, partialEstimate);
            }
        }

        var cpu = Placement(machine, options, 0, false);
        var cpuEstimate = MemoryEstimator.Estimate(w, cpu);
        if (budget.Fits(cpuEstimate)) return Result(FitKind.CpuOnly, cpu, cpuEstimate);
        var offer = machine.HasGpu && !machine.UnifiedMemory
            ? $"{budget.GpuTotal / GiB:F1} GiB of GPU memory and {budget.Host / GiB:F1} GiB of RAM"
            : $"{budget.Host / GiB:F1} GiB of RAM";
        var need = $"needs {cpuEstimate.Total / GiB:F1} GiB ({w.TotalBytes / GiB:F1} GiB of weights); the machine offers {offer}";
        return Result(FitKind.DoesNotFit, cpu, cpuEstimate, need);
    }

    // The k GPUs with the most free memory, for k = 1 .. count.
    private static IEnumerable<bool[]> GpuSubsets(Machine machine)
    {
        var order = Enumerable.Range(0, machine.Gpus.Count).OrderByDescending(i => machine.Gpus[i].FreeBytes).ToArray();
        for (var k = 1; k <= order.Length; k++)
        {
            var used = new bool[machine.Gpus.Count];
            foreach (var i in order.Take(k)) used[i] = true;
            yield return used;
        }
    }

    /// <summary>Memory with every layer on the machine's GPUs, whether or not it fits: what a GPU budget must hold.</summary>
    public MemoryEstimate FullGpuEstimate(ModelEntry model, QuantizationLevel level, Machine machine, FitOptions options)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(machine);
        ArgumentNullException.ThrowIfNull(options);
        return MemoryEstimator.Estimate(WeightsOf(model, level), Placement(machine, options, model.Architecture!.Layers + 1, expertsOnHost: false));
    }

    /// <summary>
    /// Memory of a GGUF file's model with exactly <paramref name="gpuLayers"/> layers (llama.cpp -ngl) on the machine's
    /// GPUs, split as the planner splits them: what an explicit layer count asks of each device, whether or not it fits.
    /// </summary>
    public static MemoryEstimate PlaceLayers(FileModel file, Machine machine, FitOptions options, int gpuLayers, Catalog.Catalog catalog)
    {
        ArgumentNullException.ThrowIfNull(file);
        ArgumentNullException.ThrowIfNull(machine);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(catalog);
        if (file.Weights is null) throw new ArgumentException($"no memory plan for this file: {file.Problem}", nameof(file));
        options = options with { Kv = options.Kv with { LatentLayout = file.LatentLayout } };
        var layers = Math.Clamp(gpuLayers, 0, file.Entry.Architecture!.Layers + 1);
        return MemoryEstimator.Estimate(file.Weights, new FitPlanner(catalog).Placement(machine, options, layers, expertsOnHost: false));
    }

    private Placement Placement(Machine machine, FitOptions options, int gpuLayers, bool expertsOnHost, bool[]? used = null)
    {
        var est = catalog.Document.Estimator;
        var backend = machine.Gpus.Count > 0 ? machine.Gpus[0].Backend : "cpu";
        var gpuOverhead = (long)(est.BackendOverheadMiB.GetValueOrDefault(backend) * 1024 * 1024);
        var hostOverhead = (long)(est.HostOverheadMiB * 1024 * 1024);
        return new Placement(
            options.Context,
            options.Kv,
            machine.HasGpu ? gpuLayers : 0,
            machine.Gpus.Select((g, i) => used is null || used[i] ? (double)Math.Max(g.FreeBytes, 1) : 0).ToList(),
            machine.Gpus.Select(g => g.Name).ToList(),
            gpuOverhead,
            hostOverhead,
            expertsOnHost,
            machine.Gpus.Count > 0 ? backend : "cuda");
    }

    /// <summary>The levels a model's GGUFs can be: its own list when the catalog gives one, else the general ladder.</summary>
    public IReadOnlyList<QuantizationLevel> LevelsOf(ModelEntry model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var all = catalog.Document.Quantizations.OrderBy(q => q.Rank);
        return model.GgufLevels.Count > 0
            ? [.. all.Where(q => model.GgufLevels.Contains(q.Id, StringComparer.OrdinalIgnoreCase))]
            : [.. all.Where(q => !q.ModelSpecific)];
    }

    private IEnumerable<QuantizationLevel> LevelsToTry(ModelEntry model, FitOptions options)
    {
        if (options.Quant is null) return LevelsOf(model);
        var forced = catalog.Quantization(options.Quant)
            ?? throw new ArgumentException($"unknown quantization '{options.Quant}'; known: {string.Join(", ", catalog.Document.Quantizations.Select(q => q.Id))}");
        return [forced];
    }

    private (QuantFit?, string) Choose(List<QuantFit> levels, Machine machine, FitOptions options)
    {
        if (options.Quant is not null)
        {
            var only = levels[0];
            return (only, only.Fits ? $"{only.Level.Id} as asked" : $"{only.Level.Id} as asked, but it {only.Problem}");
        }
        var guidance = catalog.Document.QuantizationGuidance;
        var byId = levels.ToDictionary(l => l.Level.Id, StringComparer.OrdinalIgnoreCase);
        var full = levels.Where(l => l.Kind == FitKind.FullGpu && l.Level.Recipe != "F32").ToList();
        if (!byId.TryGetValue(guidance.Default, out var def) || !byId.TryGetValue(guidance.Floor, out var floor))
        {
            // A model with its own file types (gpt-oss: MXFP4_MOE only): the best of those that fits, on the GPU first.
            var own = full.Count > 0 ? full.OrderBy(l => l.Level.Rank).First() : levels.Where(l => l.Fits).OrderBy(l => l.Level.Rank).FirstOrDefault();
            if (own is not null) return (own, $"{own.Level.Id}, the file type {(levels.Count == 1 ? "its GGUFs come in" : "of its GGUFs that fits best")}");
            var last = levels.OrderByDescending(l => l.Level.Rank).First();
            return (last, $"does not fit even at {last.Level.Id}, the smallest file type its GGUFs come in: it {last.Problem}");
        }
        var defaultRank = def.Level.Rank;
        var floorRank = floor.Level.Rank;

        if (options.Preference == QuantPreference.Quality && full.Count > 0)
        {
            var q = full.OrderBy(l => l.Level.Rank).First();
            return (q, $"{q.Level.Id} is the highest quality that fits entirely on the GPU");
        }
        if (options.Preference == QuantPreference.Speed && full.Count > 0)
        {
            var s = full.Where(l => l.Level.Rank <= floorRank).OrderByDescending(l => l.Level.Rank).FirstOrDefault();
            if (s is not null) return (s, $"{s.Level.Id} is the smallest level above the quality floor that fits entirely on the GPU");
        }

        if (def.Kind == FitKind.FullGpu) return (def, $"{def.Level.Id}, the guide's default, fits entirely on the GPU");

        // Before spilling to system RAM, accept a nearby 4-bit level that keeps everything on the GPU.
        var nearby = full.Where(l => l.Level.Rank > defaultRank && l.Level.Rank < floorRank).OrderBy(l => l.Level.Rank).FirstOrDefault();
        if (nearby is not null) return (nearby, $"{nearby.Level.Id} keeps every block on the GPU, where {def.Level.Id} would spill to system RAM");

        if (def.Fits) return (def, machine.HasGpu
            ? $"{def.Level.Id}, the guide's default, with part of the model in system RAM"
            : $"{def.Level.Id}, the guide's default, in system RAM");

        var lower = levels.Where(l => l.Fits && l.Level.Rank > defaultRank).OrderBy(l => l.Level.Rank).FirstOrDefault();
        if (lower is not null)
        {
            var lastResort = string.Equals(lower.Level.Id, guidance.LastResort, StringComparison.OrdinalIgnoreCase);
            return (lower, lastResort
                ? $"only {lower.Level.Id} fits: a last resort with noticeable quality loss"
                : $"{lower.Level.Id} is the largest level that fits");
        }
        var smallest = levels.OrderByDescending(l => l.Level.Rank).First();
        return (smallest, $"does not fit even at {smallest.Level.Id}: it {smallest.Problem}");
    }

    private List<string> ContextNotes(ModelEntry model, long context)
    {
        var notes = new List<string>();
        var c = model.Context!;
        var guide = catalog.Document.ContextGuidance;
        if (context > c.Native && context <= c.Max)
            notes.Add($"{Tokens(context)} tokens is beyond the {Tokens(c.Native)} the model ships with: {c.Method ?? "context extension"} must be switched on.");
        if (guide.RetrievalDegradesAbove > 0 && context > guide.RetrievalDegradesAbove)
            notes.Add($"Recall degrades past {Tokens(guide.RetrievalDegradesAbove)} tokens ({guide.Statements.GetValueOrDefault("lostInTheMiddle") ?? "lost in the middle"}).");
        return notes;
    }

    private static IEnumerable<string> LevelNotes(QuantFit best, List<QuantFit> levels, Machine machine)
    {
        if (best.Kind == FitKind.FullGpu)
        {
            var better = levels.Where(l => l.Kind == FitKind.FullGpu && l.Level.Rank < best.Level.Rank && l.Level.Recipe is "Q8_0").FirstOrDefault();
            if (better is not null) yield return $"{better.Level.Id} also fits on the GPU: use it for sensitive extraction work.";
        }
        if (best.Tight) yield return "Tight: under 5% of a memory budget is left; close other GPU programs or lower --ctx.";
        if (best.Kind == FitKind.PartialOffload)
            yield return $"{best.Placement.GpuLayers} of {best.Memory.TotalLayers} layers fit on the GPU; every token still passes through the CPU layers, so speed is closer to CPU speed.";
        if (best.Kind == FitKind.ExpertsOnCpu)
            yield return "Routed experts stay in system RAM (llama.cpp --cpu-moe); attention and shared weights run on the GPU.";
        if (machine.UnifiedMemory)
            yield return "Unified memory: the GPU draws from system RAM, up to macOS's working-set limit.";
    }

    /// <summary>Token counts the way people say them (8K, 128K, 1,500).</summary>
    public static string Tokens(long n) => n >= 1L << 20 && n % (1L << 20) == 0 ? $"{n >> 20}M" : n >= 1024 && n % 1024 == 0 ? $"{n / 1024}K" : n.ToString("N0");

    /// <summary>Memory budgets of a machine.</summary>
    private sealed record Budget(long[] Gpus, long Host, bool Unified)
    {
        public long GpuTotal => Gpus.Sum();

        public static Budget For(Machine m) =>
            new(m.Gpus.Select(g => g.FreeBytes).ToArray(), m.Ram.AvailableBytes, m.UnifiedMemory);

        public bool GpusFit(MemoryEstimate e, double margin = 0)
        {
            for (var g = 0; g < Gpus.Length && g < e.Gpus.Count; g++)
            {
                if (e.Gpus[g].Total > Gpus[g] * (1 - margin)) return false;
            }
            return true;
        }

        public bool Fits(MemoryEstimate e) =>
            GpusFit(e) && (Unified ? e.Host.Total + e.GpuTotal <= Host : e.Host.Total <= Host);

        public double Headroom(MemoryEstimate e)
        {
            var min = double.MaxValue;
            for (var g = 0; g < Gpus.Length && g < e.Gpus.Count; g++)
            {
                if (e.Gpus[g].Total > 0 && Gpus[g] > 0) min = Math.Min(min, 1 - (double)e.Gpus[g].Total / Gpus[g]);
            }
            var hostUse = Unified ? e.Host.Total + e.GpuTotal : e.Host.Total;
            if (Host > 0) min = Math.Min(min, 1 - (double)hostUse / Host);
            return min == double.MaxValue ? 1 : min;
        }
    }
}
