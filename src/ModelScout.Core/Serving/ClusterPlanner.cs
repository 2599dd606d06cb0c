using System.Globalization;
using ModelScout.Core.Catalog;
using ModelScout.Core.Cost;

namespace ModelScout.Core.Serving;

/// <summary>What to plan: a model on nodes of identical GPUs, for a load.</summary>
/// <param name="Gpu">The card.</param>
/// <param name="GpusPerNode">GPUs in each node.</param>
/// <param name="Nodes">Nodes.</param>
/// <param name="Users">Requests served at once.</param>
/// <param name="Context">Tokens per request (prompt plus output): the planned <c>--max-model-len</c>.</param>
/// <param name="TargetTokensPerSecond">Output tokens per second wanted from the whole cluster; null for none.</param>
/// <param name="Precision">Weights precision; null lets the planner choose.</param>
/// <param name="KvDtype"><c>--kv-cache-dtype</c>.</param>
/// <param name="Utilization"><c>--gpu-memory-utilization</c>; null for vLLM's default.</param>
/// <param name="BlockSize"><c>--block-size</c>; null for vLLM's default.</param>
/// <param name="OutputTokensPerRequest">Average output per request, for requests per second; null leaves that unknown.</param>
/// <param name="GpuHourUsd">Price of a GPU hour; null takes the catalog's rate (the one <c>scout cost</c> uses).</param>
public sealed record ClusterRequest(GpuSpec Gpu, int GpusPerNode, int Nodes, int Users, int Context, double? TargetTokensPerSecond = null,
    PlanPrecision? Precision = null, KvCacheDtype KvDtype = KvCacheDtype.Auto, double? Utilization = null, int? BlockSize = null,
    int? OutputTokensPerRequest = null, double? GpuHourUsd = null);

/// <summary>One replica layout: tensor parallel within a node, pipeline parallel across nodes (or within one without NVLink).</summary>
public sealed record ClusterLayout(PlanPrecision Precision, int TensorParallel, int PipelineParallel, int Replicas, bool ExpertParallel, string Checkpoint, bool QuantizeOnLoad)
{
    /// <summary>GPUs in one replica.</summary>
    public int GpusPerReplica => TensorParallel * PipelineParallel;

    /// <summary>"TP 8 x PP 2", "TP 4 x DP 2".</summary>
    public string Describe()
    {
        var parts = new List<string> { $"TP {TensorParallel}" };
        if (PipelineParallel > 1) parts.Add($"PP {PipelineParallel}");
        if (Replicas > 1) parts.Add($"DP {Replicas}");
        return string.Join(" x ", parts) + (ExpertParallel ? " + EP" : "");
    }
}

/// <summary>Speed of one replica at the load it carries.</summary>
/// <param name="Concurrency">Requests one replica runs at once under the asked load.</param>
/// <param name="OutputTokensPerSecond">One replica's output at that concurrency.</param>
/// <param name="InterTokenMs">Time between two tokens of one request at that load.</param>
/// <param name="TimeToFirstTokenMs">Prefill of a half-context prompt on an idle replica.</param>
/// <param name="SingleStreamTokensPerSecond">Decode speed of one request alone.</param>
/// <param name="Basis">Where the figures come from.</param>
public sealed record ReplicaSpeed(double Concurrency, double OutputTokensPerSecond, double InterTokenMs, double TimeToFirstTokenMs, double SingleStreamTokensPerSecond, string Basis);

/// <summary>A layout judged: its memory, speed, and why it was or was not chosen.</summary>
public sealed record LayoutOption(ClusterLayout Layout, VllmMemory Memory, ReplicaSpeed? Speed, string Verdict)
{
    public bool Fits => Memory.Fits;
    /// <summary>Output of all replicas at the planned load.</summary>
    public double ClusterTokensPerSecond => Speed is null ? 0 : Speed.OutputTokensPerSecond * Layout.Replicas;
    /// <summary>Requests all replicas hold at once at the full max-model-len.</summary>
    public double ClusterConcurrency => Memory.MaxConcurrency * Layout.Replicas;
}

/// <summary>Cost of the described GPUs.</summary>
public sealed record ClusterCost(double UsdPerHour, double? UsdPerMillionOutputTokens, double GpuHourUsd, string Basis);

/// <summary>The plan: the chosen layout with its reasons, the alternatives rejected, capacity and cost, or why nothing fits.</summary>
public sealed record ClusterPlan(ModelEntry Model, ClusterRequest Request, LayoutOption? Chosen, IReadOnlyList<LayoutOption> Rejected, IReadOnlyList<string> Reasons,
    ClusterCost? Cost, int ReplicasNeeded, double? RequestsPerSecond, string? NothingFits, IReadOnlyList<string> Assumptions)
{
    public bool Fits => Chosen is not null;
    /// <summary>The <c>--gpu-memory-utilization</c> planned at (asked, or vLLM's default).</summary>
    public double Utilization { get; init; } = 0.9;
    /// <summary>The <c>--block-size</c> planned at.</summary>
    public int BlockSize { get; init; } = 16;
}

/// <summary>
/// Chooses the layout vLLM would run for a model on GPU nodes: tensor parallel within a node, pipeline parallel across
/// nodes, data-parallel replicas over what is left, expert parallel for MoE; the precision; and the KV cache it leaves.
/// </summary>
public sealed class ClusterPlanner(Catalog.Catalog catalog)
{
    private const double GiB = 1L << 30;
    private readonly VllmFacts facts = catalog.Document.Vllm;

    /// <summary>The checkpoint a precision serves, and whether vLLM quantizes it on load; null when none exists.</summary>
    public (string Repo, bool QuantizeOnLoad)? Checkpoint(ModelEntry model, PlanPrecision precision, GpuSpec gpu)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(gpu);
        var repo = model.HuggingFace ?? model.Id;
        if (VllmMemoryRule.CatalogCheckpoint(model, precision) is { } recorded) return (recorded.Checkpoint, false);
        var name = precision.ToString();
        if (facts.Checkpoints.FirstOrDefault(c => c.Model == model.Id && string.Equals(c.Precision, name, StringComparison.OrdinalIgnoreCase)) is { } listed) return (listed.Repo, false);
        var native = Native(model);
        return precision switch
        {
            _ when native == precision => (repo, false),
            PlanPrecision.Fp8 when model.Vllm?.Checkpoint is { } fp8 && fp8.Contains("FP8", StringComparison.OrdinalIgnoreCase) => (fp8, false),
            // vLLM quantizes a 16-bit checkpoint to FP8 while loading, on cards with FP8 tensor cores.
            PlanPrecision.Fp8 when native == PlanPrecision.Bf16 && gpu.Serving?.Fp8Tflops is not null => (repo, true),
            // A model released in FP8 can be converted to BF16 (DeepSeek's own conversion script).
            PlanPrecision.Bf16 => (repo, false),
            _ => null,
        };
    }

    /// <summary>The precision the publisher released: the catalog's serving facts, else the weights format (DeepSeek-V3's FP8).</summary>
    public static PlanPrecision Native(ModelEntry model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var format = model.Serving?.Native ?? (model.WeightsFormat?.StartsWith("FP8", StringComparison.Ordinal) == true ? "fp8" : "bf16");
        return format.ToUpperInvariant() switch { "FP8" => PlanPrecision.Fp8, "MXFP4" => PlanPrecision.Mxfp4, _ => PlanPrecision.Bf16 };
    }

    /// <summary>True when the model is released in FP8 (DeepSeek-V3): FP8 is its native precision.</summary>
    public static bool NativeFp8(ModelEntry model) => Native(model) == PlanPrecision.Fp8;

    /// <summary>Plans the model on the nodes described.</summary>
    public ClusterPlan Plan(ModelEntry model, ClusterRequest r)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(r);
        if (model.Architecture is null || model.Parameters is null)
            throw new CatalogException($"{model.Name} has no architecture facts in the catalog; it cannot be planned for vLLM.");
        var assumptions = new List<string>
        {
            $"vLLM {facts.Version} memory rule; activation and non-torch memory as measured on H100 ({catalog.SourceTitle("LLMD-MEM")}).",
            $"Decode: weight and KV reads at {facts.DecodeEfficiency.Low:0.##}-{facts.DecodeEfficiency.High:0.##} of peak bandwidth ({facts.DecodeEfficiency.Source}); requests are on average half-way through their context.",
            $"Prefill: {facts.PrefillEfficiency.Low:0.##}-{facts.PrefillEfficiency.High:0.##} of dense tensor-core peak ({facts.PrefillEfficiency.Source}).",
            $"Tensor-parallel all-reduce {facts.TensorParallelLinkLatencyUs.Nvlink} us over NVLink, {facts.TensorParallelLinkLatencyUs.Pcie} us over PCIe, two per layer ({facts.TensorParallelLinkLatencyUs.Source}).",
        };
        var options = Candidates(model, r).ToList();
        var precisions = r.Precision is { } asked ? [asked] : PrecisionOrder(model);
        LayoutOption? chosen = null;
        var reasons = new List<string>();
        static LayoutOption Best(IEnumerable<LayoutOption> o) => o.OrderByDescending(x => x.ClusterTokensPerSecond).ThenBy(x => x.Layout.GpusPerReplica).First();
        foreach (var p in precisions)
        {
            var fitting = options.Where(o => o.Layout.Precision == p && o.Fits).ToList();
            if (fitting.Count == 0) continue;
            var meeting = fitting.Where(o => MeetsLoad(o, r)).ToList();
            if (meeting.Count > 0)
            {
                chosen = Best(meeting);
                break;
            }
            reasons.Add($"{Name(p)} fits, but no {Name(p)} layout carries {r.Users} requests of {r.Context:N0} tokens{(r.TargetTokensPerSecond is { } t ? $" at {t:N0} tok/s" : "")}.");
        }
        if (chosen is null && options.Where(o => o.Fits).ToList() is { Count: > 0 } any)
        {
            var first = precisions.First(p => any.Any(o => o.Layout.Precision == p));
            chosen = Best(any.Where(o => o.Layout.Precision == first));
            reasons.Add($"No layout carries the whole load on these GPUs; this one comes closest at {Name(first)} ({chosen.ClusterConcurrency:0.#} requests of {r.Context:N0} tokens, {chosen.ClusterTokensPerSecond:N0} tok/s): add replicas (see replicas needed).");
        }
        if (chosen is null)
        {
            return new ClusterPlan(model, r, null, options.Where(o => r.Precision is null || o.Layout.Precision == r.Precision).OrderBy(o => o.Layout.GpusPerReplica).ToList(),
                reasons, null, 0, null, SmallestChange(model, r), assumptions) { Utilization = r.Utilization ?? facts.DefaultUtilization, BlockSize = r.BlockSize ?? facts.DefaultBlockSize };
        }
        reasons.InsertRange(0, Explain(model, r, chosen));
        var rejected = options.Where(o => o != chosen).Select(o => o with { Verdict = Reject(o, chosen, r) })
            .OrderBy(o => o.Layout.Precision != chosen.Layout.Precision).ThenBy(o => !o.Fits).ThenByDescending(o => o.ClusterTokensPerSecond).ToList();
        var perReplica = chosen.Speed!.OutputTokensPerSecond;
        var replicasNeeded = (int)Math.Ceiling(Math.Max(r.Users / Math.Max(chosen.Memory.MaxConcurrency, 1e-9), r.TargetTokensPerSecond is { } tps ? tps / Math.Max(perReplica, 1e-9) : 1));
        var total = chosen.ClusterTokensPerSecond;
        double? rps = r.OutputTokensPerRequest is { } outTokens && outTokens > 0 ? total / outTokens : null;
        return new ClusterPlan(model, r, chosen, rejected, reasons, Cost(r, total), Math.Max(1, replicasNeeded), rps, null, assumptions) { Utilization = r.Utilization ?? facts.DefaultUtilization, BlockSize = r.BlockSize ?? facts.DefaultBlockSize };
    }

    private static bool MeetsLoad(LayoutOption o, ClusterRequest r) =>
        o.ClusterConcurrency >= r.Users && (r.TargetTokensPerSecond is not { } t || o.ClusterTokensPerSecond >= t);

    /// <summary>The native precision first, then the others from most to least bits.</summary>
    private static List<PlanPrecision> PrecisionOrder(ModelEntry model)
    {
        var native = Native(model);
        return [native, .. new[] { PlanPrecision.Bf16, PlanPrecision.Fp8, PlanPrecision.Mxfp4, PlanPrecision.Awq, PlanPrecision.Gptq }.Where(p => p != native)];
    }

    /// <summary>Every layout the GPUs allow, judged.</summary>
    public IEnumerable<LayoutOption> Candidates(ModelEntry model, ClusterRequest r)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(r);
        var a = model.Architecture!;
        var total = r.GpusPerNode * r.Nodes;
        foreach (var precision in Enum.GetValues<PlanPrecision>())
        {
            if (r.Precision is { } asked && asked != precision) continue;
            if (Checkpoint(model, precision, r.Gpu) is not { } ckpt) continue;
            for (var tp = 1; tp <= r.GpusPerNode; tp *= 2)
            {
                if (r.GpusPerNode % tp != 0 || a.HeadCount % tp != 0) continue;
                for (var pp = 1; tp * pp <= total && pp <= a.Layers; pp *= 2)
                {
                    // Pipeline stages within a node (when TP does not fill it), or whole nodes per stage across nodes.
                    var size = tp * pp;
                    var withinNode = size <= r.GpusPerNode;
                    if (!withinNode && (tp != r.GpusPerNode || pp > r.Nodes || r.Nodes % pp != 0)) continue;
                    var replicas = withinNode ? r.GpusPerNode / size * r.Nodes : r.Nodes / pp;
                    var layout = new ClusterLayout(precision, tp, pp, replicas, a.Moe is not null && size > 1, ckpt.Repo, ckpt.QuantizeOnLoad);
                    yield return Judge(model, r, layout);
                }
            }
        }
    }

    private LayoutOption Judge(ModelEntry model, ClusterRequest r, ClusterLayout layout)
    {
        var shape = new VllmShape(layout.Precision, layout.TensorParallel, layout.PipelineParallel, VllmMemoryRule.CudaTotalGiB(r.Gpu, facts),
            r.Utilization ?? facts.DefaultUtilization, r.BlockSize ?? facts.DefaultBlockSize, r.Context, r.KvDtype);
        var memory = VllmMemoryRule.Predict(model, shape, facts);
        var speed = memory.Fits ? Speed(model, r, layout, memory) : null;
        return new LayoutOption(layout, memory, speed, memory.Problem ?? "");
    }

    /// <summary>
    /// Decode roofline of one replica: each step every GPU reads its weights (for MoE, the experts the batch touches) and
    /// the batch's KV, at the decode share of its bandwidth, plus two all-reduces per layer when tensor parallel; pipeline
    /// stages pass micro-batches along, so a step of the whole batch takes every stage in turn. Prefill from compute.
    /// </summary>
    private ReplicaSpeed Speed(ModelEntry model, ClusterRequest r, ClusterLayout layout, VllmMemory memory)
    {
        var a = model.Architecture!;
        var eff = facts.DecodeEfficiency.Mid;
        var bandwidth = r.Gpu.BandwidthGBps * 1e9 * eff;
        var weightsPerGpu = memory.WeightsGiB * GiB;
        var perReplica = Math.Ceiling((double)r.Users / layout.Replicas);
        var concurrency = Math.Max(1, Math.Min(Math.Min(perReplica, Math.Floor(memory.MaxConcurrency)), facts.MaxNumSeqs));
        double StepSeconds(double batch)
        {
            var stageBatch = batch / layout.PipelineParallel;
            var touched = 1.0;
            if (a.Moe is { } moe && model.Parameters!.Active is { } active)
            {
                var always = (double)active / model.Parameters.Total;
                touched = always + (1 - always) * (1 - Math.Pow(1 - (double)moe.ExpertsUsed / moe.Experts, Math.Max(0, stageBatch - 1)));
            }
            var reads = weightsPerGpu * Math.Min(1, touched) + stageBatch * r.Context / 2.0 * memory.KvBytesPerToken;
            var memorySeconds = reads / bandwidth;
            var flops = (layout.Precision == PlanPrecision.Fp8 ? r.Gpu.Serving?.Fp8Tflops : null) ?? r.Gpu.Serving?.Bf16Tflops ?? r.Gpu.BandwidthGBps / 10;
            var computeSeconds = 2.0 * (model.Parameters!.Active ?? model.Parameters.Total) / layout.GpusPerReplica * stageBatch / (flops * 1e12 * facts.PrefillEfficiency.Mid);
            var layersPerStage = (double)a.Layers / layout.PipelineParallel;
            var link = layout.TensorParallel > 1 ? 2 * layersPerStage * (r.Gpu.Serving?.Nvlink == true ? facts.TensorParallelLinkLatencyUs.Nvlink : facts.TensorParallelLinkLatencyUs.Pcie) * 1e-6 : 0;
            var hop = layout.PipelineParallel > 1 ? stageBatch * a.EmbeddingLength * 2 / (facts.InterNodeGBps * 1e9) : 0;
            return (Math.Max(memorySeconds, computeSeconds) + link + hop) * layout.PipelineParallel;
        }
        var step = StepSeconds(concurrency);
        var single = 1 / StepSeconds(1);
        var prefillFlops = (layout.Precision == PlanPrecision.Fp8 ? r.Gpu.Serving?.Fp8Tflops : null) ?? r.Gpu.Serving?.Bf16Tflops ?? r.Gpu.BandwidthGBps / 10;
        var ttft = 2.0 * (model.Parameters!.Active ?? model.Parameters.Total) * (r.Context / 2.0) / (layout.TensorParallel * prefillFlops * 1e12 * facts.PrefillEfficiency.Mid);
        var basis = string.Create(CultureInfo.InvariantCulture,
            $"{concurrency:0} requests per replica; each step reads {memory.WeightsGiB:0.0} GiB of weights per GPU and the batch's KV at {eff:0.##} x {r.Gpu.BandwidthGBps:N0} GB/s");
        return new ReplicaSpeed(concurrency, concurrency / step, step * 1000, ttft * 1000, single, basis);
    }

    private IEnumerable<string> Explain(ModelEntry model, ClusterRequest r, LayoutOption o)
    {
        var l = o.Layout;
        var nvlink = r.Gpu.Serving?.Nvlink == true;
        var native = Native(model) == l.Precision && l.Precision != PlanPrecision.Bf16;
        yield return l.Precision switch
        {
            _ when native => $"Precision {Name(l.Precision)}: {model.Name}'s native release ({model.Serving?.NativeCovers ?? model.WeightsFormat ?? Name(l.Precision)}); vLLM reads the format from the checkpoint, no --quantization flag.",
            PlanPrecision.Fp8 when l.QuantizeOnLoad => $"Precision FP8: vLLM quantizes the 16-bit checkpoint while loading (--quantization fp8); {r.Gpu.Name} has FP8 tensor cores.",
            PlanPrecision.Fp8 => $"Precision FP8: the published checkpoint {l.Checkpoint}.",
            PlanPrecision.Bf16 => $"Precision BF16: the checkpoint as published, no quality loss.",
            _ => $"Precision {Name(l.Precision)}: the published 4-bit checkpoint {l.Checkpoint}.",
        };
        var wholeNodes = l.GpusPerReplica > r.GpusPerNode;
        yield return l.TensorParallel == 1
            ? "Tensor parallel 1: the model fits one GPU, so every GPU runs its own replica (no all-reduce per layer)."
            : $"Tensor parallel {l.TensorParallel}: each layer split over {l.TensorParallel} GPUs of one node{(nvlink ? " over NVLink" : " (PCIe: no NVLink on " + r.Gpu.Name + ")")}; the weights take {o.Memory.WeightsGiB:0.0} GiB per GPU.";
        if (l.PipelineParallel > 1)
            yield return wholeNodes
                ? $"Pipeline parallel {l.PipelineParallel}: the layers span {l.PipelineParallel} nodes, one stage per node (vLLM's rule: TP = GPUs per node, PP = nodes)."
                : $"Pipeline parallel {l.PipelineParallel} within a node: fewer all-reduces over PCIe than TP {l.GpusPerReplica}.";
        if (l.Replicas > 1)
            yield return $"Data parallel {l.Replicas}: {l.Replicas} independent replicas of {l.GpusPerReplica} GPU{(l.GpusPerReplica > 1 ? "s" : "")}; put a load balancer (or the production-stack router) in front.";
        if (l.ExpertParallel)
            yield return "Expert parallel (--enable-expert-parallel): the MoE experts are spread over the replica's GPUs instead of sliced in each.";
        yield return string.Create(CultureInfo.InvariantCulture,
            $"--max-model-len {r.Context}: the context asked per request; --gpu-memory-utilization {(r.Utilization ?? facts.DefaultUtilization):0.##}; --kv-cache-dtype {(r.KvDtype == KvCacheDtype.Fp8 ? "fp8 (halves the cache per token)" : "auto (the model's 16-bit)")}.");
    }

    private static string Reject(LayoutOption o, LayoutOption chosen, ClusterRequest r)
    {
        if (!o.Fits) return o.Memory.Problem!;
        if (o.Layout.Precision != chosen.Layout.Precision)
            return $"fits, but {Name(chosen.Layout.Precision)} was preferred" + (chosen.Layout.Precision == PlanPrecision.Bf16 ? " (no quantization loss)" : "");
        if (o.ClusterConcurrency < r.Users) return $"holds {o.ClusterConcurrency:0.#} requests of {r.Context:N0} tokens, fewer than the {r.Users} asked";
        var ratio = chosen.ClusterTokensPerSecond / Math.Max(o.ClusterTokensPerSecond, 1e-9);
        var why = o.Layout.TensorParallel > 1 && r.Gpu.Serving?.Nvlink != true && o.Layout.TensorParallel > chosen.Layout.TensorParallel
            ? "; its all-reduces go over PCIe"
            : o.Layout.PipelineParallel > chosen.Layout.PipelineParallel ? "; pipeline stages re-read their weights for each micro-batch" : "";
        return string.Create(CultureInfo.InvariantCulture, $"fits, {o.ClusterTokensPerSecond:N0} tok/s at the load against {chosen.ClusterTokensPerSecond:N0} ({ratio:0.00}x less){why}");
    }

    private ClusterCost? Cost(ClusterRequest r, double tokensPerSecond)
    {
        var hour = r.GpuHourUsd ?? CostEstimator.GpuHourRate(catalog, r.Gpu.Id);
        if (hour is not { } h || h <= 0) return null;
        var gpus = r.GpusPerNode * r.Nodes;
        var perHour = h * gpus;
        double? perMillion = tokensPerSecond > 0 ? perHour / (tokensPerSecond * 3600) * 1e6 : null;
        return new ClusterCost(perHour, perMillion, h,
            string.Create(CultureInfo.InvariantCulture, $"{gpus} x ${h:0.00} per GPU-hour ({(r.GpuHourUsd is null ? catalog.Document.Cost.GpuHourSource : "--gpu-hour")}); per 1M output tokens at the planned load"));
    }

    /// <summary>The smallest change that makes the model fit: more GPUs or nodes of the same card, or a bigger card.</summary>
    private string SmallestChange(ModelEntry model, ClusterRequest r)
    {
        var precision = r.Precision ?? PrecisionOrder(model).First(p => Checkpoint(model, p, r.Gpu) is not null);
        var label = $"{model.Name} {Name(precision)}";
        string? Find(GpuSpec gpu)
        {
            foreach (var (perNode, nodes) in Shapes())
            {
                var request = r with { Gpu = gpu, GpusPerNode = perNode, Nodes = nodes, Users = 1, TargetTokensPerSecond = null, Precision = precision };
                if (Checkpoint(model, precision, gpu) is null) return null;
                if (Candidates(model, request).Any(o => o.Fits))
                    return nodes > 1 ? $"{nodes}x{perNode}x{gpu.Name}" : $"{perNode}x{gpu.Name}";
            }
            return null;
        }
        var same = Find(r.Gpu);
        var bigger = catalog.Document.Gpus.Where(g => g.Serving is not null && g.VramGiB > r.Gpu.VramGiB && g.Vendor == r.Gpu.Vendor).OrderByDescending(g => g.VramGiB).FirstOrDefault();
        var other = bigger is null ? null : Find(bigger);
        var described = r.Nodes > 1 ? $"{r.Nodes}x{r.GpusPerNode}x{r.Gpu.Name}" : $"{r.GpusPerNode}x{r.Gpu.Name}";
        var fix = (same, other) switch
        {
            (not null, not null) => $"{label} needs {same} or {other}",
            (not null, null) => $"{label} needs {same}",
            (null, not null) => $"{label} needs {other}",
            _ => $"{label} does not fit even 8 nodes of 8 GPUs",
        };
        return $"{model.Name} cannot be served on {described} at {Name(precision)} with {r.Context:N0} tokens per request. {fix}.";
    }

    private static readonly int[] Powers = [1, 2, 4, 8];

    private static IEnumerable<(int PerNode, int Nodes)> Shapes() =>
        Powers.SelectMany(g => Powers.Select(n => (g, n))).Where(s => s.n == 1 || s.g == 8).OrderBy(s => s.g * s.n).ThenBy(s => s.n);

    /// <summary>"BF16", "FP8", "AWQ", "GPTQ".</summary>
    public static string Name(PlanPrecision p) => p.ToString().ToUpperInvariant();
}
