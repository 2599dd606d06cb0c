using System.Globalization;
using System.Text.Json.Serialization;
using ModelScout.Cli.Output;
using ModelScout.Core.Catalog;
using ModelScout.Core.Serving;

namespace ModelScout.Cli.Commands;

/// <summary>scout plan: the vLLM layout, KV cache, capacity and cost of a model on GPU nodes, and the files that run it.</summary>
internal sealed class PlanCommand : ICommandBuilder
{
    private readonly Argument<string> model = new("MODEL") { Description = "Catalog model (deepseek-v3, llama3.1-70b, qwen3-32b ...)" };
    private readonly Option<string> gpus = new("--gpus") { Description = "GPUs per node: 8xH100, 4xL40S, 1xh200", Required = true, HelpName = "NxGPU" };
    private readonly Option<int> nodes = new("--nodes") { Description = "Nodes of that many GPUs (default 1)", DefaultValueFactory = _ => 1 };
    private readonly Option<string?> users = new("--users") { Description = "Requests served at once (default 1)", HelpName = "N" };
    private readonly Option<string?> ctx = new("--ctx") { Description = "Tokens per request, prompt and output: the planned --max-model-len (default 8K)", HelpName = "TOKENS" };
    private readonly Option<double?> targetTps = new("--target-tps") { Description = "Output tokens per second wanted from the whole cluster", HelpName = "T" };
    private readonly Option<string?> precision = new("--precision") { Description = "bf16, fp8, mxfp4, awq or gptq (default: the native one, smaller only when needed)", HelpName = "P" };
    private readonly Option<string> kvDtype = new("--kv-cache-dtype") { Description = "auto (16-bit) or fp8", DefaultValueFactory = _ => "auto", HelpName = "auto|fp8" };
    private readonly Option<double?> utilization = new("--gpu-memory-utilization") { Description = "Share of each GPU vLLM may use (vLLM's default 0.9)", HelpName = "0..1" };
    private readonly Option<int?> blockSize = new("--block-size") { Description = "KV cache block size in tokens (vLLM's default 16)", HelpName = "N" };
    private readonly Option<int?> outputTokens = new("--output-tokens") { Description = "Average output tokens per request, for requests per second", HelpName = "N" };
    private readonly Option<double?> gpuHour = new("--gpu-hour") { Description = "USD per GPU-hour (default: the catalog's rate, as scout cost)", HelpName = "USD" };
    private readonly Option<string?> emit = new("--emit") { Description = "Write the artefacts (vllm serve lines, docker-compose, Kubernetes, Helm values) to this folder", HelpName = "DIR" };

    public Command Build(CommonOptions o) =>
        new("plan", "Plan a vLLM deployment on GPU nodes: tensor/pipeline/data/expert parallel, precision, the KV cache vLLM will report, capacity and cost; --emit writes the files that run it.")
        {
            model, gpus, nodes, users, ctx, targetTps, precision, kvDtype, utilization, blockSize, outputTokens, gpuHour, emit,
        };

    public int Run(CommandContext ctx0)
    {
        var p = ctx0.Parse;
        var catalog = ctx0.Catalog;
        var m = ctx0.ResolveModel(p.GetValue(model)!, openOnly: true);
        var (perNode, gpu) = ParseGpus(catalog, p.GetValue(gpus)!);
        var nodeCount = p.GetValue(nodes);
        if (nodeCount < 1) throw new CliException("--nodes must be at least 1");
        var userCount = p.GetValue(users) is { } u ? Units.ParseCount(u, "--users") : 1;
        if (userCount < 1) throw new CliException("--users must be at least 1");
        var context = p.GetValue(ctx) is { } c ? Units.ParseContext(c, "--ctx") : catalog.Document.ContextGuidance.Default;
        if (m.Context is { Max: > 0 } mc && context > mc.Max)
            throw new CliException($"--ctx {context:N0} is beyond {m.Name}'s {mc.Max:N0}-token context; vLLM refuses a longer --max-model-len. Ask for {mc.Max / 1024}K or less.");
        var util = p.GetValue(utilization);
        if (util is { } x && x is <= 0 or > 1) throw new CliException("--gpu-memory-utilization must be above 0 and at most 1");
        var request = new ClusterRequest(gpu, perNode, nodeCount, (int)userCount, (int)context, p.GetValue(targetTps), ParsePrecision(p.GetValue(precision)),
            p.GetValue(kvDtype)?.ToLowerInvariant() switch
            {
                "auto" or null => KvCacheDtype.Auto,
                "fp8" or "fp8_e4m3" => KvCacheDtype.Fp8,
                var other => throw new CliException($"--kv-cache-dtype: '{other}' is not auto or fp8"),
            },
            util, p.GetValue(blockSize), p.GetValue(outputTokens), p.GetValue(gpuHour));
        var plan = new ClusterPlanner(catalog).Plan(m, request);

        IReadOnlyList<Artefact> written = [];
        if (plan.Fits && p.GetValue(emit) is { Length: > 0 } dir)
        {
            written = ServingArtefacts.For(plan);
            foreach (var a in written)
            {
                var path = Path.Combine(dir, a.Path);
                Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                File.WriteAllText(path, a.Text);
            }
        }
        if (ctx0.Json)
        {
            ctx0.WriteJson(PlanJson.From(plan, written, p.GetValue(emit)), PlanJsonContext.Default.PlanJson);
            return plan.Fits ? ExitCodes.Ok : ExitCodes.Negative;
        }
        Print(ctx0.Human, plan, written, p.GetValue(emit));
        if (!plan.Fits && p.GetValue(emit) is { Length: > 0 }) ctx0.Notes.MarkupLine("[yellow]Nothing written: no layout fits.[/]");
        return plan.Fits ? ExitCodes.Ok : ExitCodes.Negative;
    }

    internal static (int PerNode, GpuSpec Gpu) ParseGpus(Catalog catalog, string text)
    {
        var t = text.Trim();
        var x = t.IndexOfAny(['x', 'X', '*']);
        var count = 1;
        var name = t;
        if (x > 0 && int.TryParse(t[..x].Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var n))
        {
            count = n;
            name = t[(x + 1)..].Trim();
        }
        if (count is < 1 or > 64) throw new CliException($"--gpus: {count} GPUs per node is outside 1 .. 64");
        var spec = catalog.FindGpu(name) ?? throw new CliException(
            $"--gpus: unknown GPU '{name}'. Known data-centre cards: {string.Join(", ", catalog.Document.Gpus.Where(g => g.Serving is not null).Select(g => g.Id))}.", ExitCodes.NotFound);
        if (spec.Backend is not ("cuda" or "rocm"))
            throw new CliException($"--gpus: vLLM needs CUDA or ROCm GPUs; {spec.Name} is not one.");
        return (count, spec);
    }

    private static PlanPrecision? ParsePrecision(string? text) => text?.ToLowerInvariant() switch
    {
        null => null,
        "bf16" or "bfloat16" or "fp16" => PlanPrecision.Bf16,
        "fp8" => PlanPrecision.Fp8,
        "mxfp4" => PlanPrecision.Mxfp4,
        "awq" or "int4" => PlanPrecision.Awq,
        "gptq" => PlanPrecision.Gptq,
        var other => throw new CliException($"--precision: '{other}' is not bf16, fp8, mxfp4, awq or gptq"),
    };

    private static string Gib(double v) => v.ToString("0.00", CultureInfo.InvariantCulture);

    private static void Print(IAnsiConsole con, ClusterPlan plan, IReadOnlyList<Artefact> written, string? dir)
    {
        var r = plan.Request;
        var where = r.Nodes > 1 ? $"{r.Nodes} nodes x {r.GpusPerNode} x {r.Gpu.Name}" : $"{r.GpusPerNode} x {r.Gpu.Name}";
        con.MarkupLine($"[bold]{Format.Esc(plan.Model.Name)}[/] on {Format.Esc(where)}: {r.Users} request{(r.Users > 1 ? "s" : "")} of {r.Context:N0} tokens" +
            (r.TargetTokensPerSecond is { } t ? $", {t:N0} output tok/s wanted" : ""));
        if (plan.Chosen is not { } c)
        {
            con.MarkupLine($"[red]{Format.Esc(plan.NothingFits)}[/]");
            var table = new Table().Border(TableBorder.Rounded).AddColumns("Layout", "Precision", "Weights/GPU GiB", "Why not");
            foreach (var o in plan.Rejected.Take(8))
                table.AddRow(o.Layout.Describe(), ClusterPlanner.Name(o.Layout.Precision), Gib(o.Memory.WeightsGiB), Format.Esc(o.Memory.Problem ?? o.Verdict));
            con.Write(table);
            return;
        }
        var l = c.Layout;
        con.MarkupLine($"[green]Layout: {Format.Esc(l.Describe())}[/], {ClusterPlanner.Name(l.Precision)}, checkpoint {Format.Esc(l.Checkpoint)}");
        foreach (var reason in plan.Reasons) con.MarkupLine($"  - {Format.Esc(reason)}");
        con.MarkupLine("[bold]vLLM should log at start-up[/] (per replica; CUDA-graph capture then moves it by about ±1 GiB):");
        foreach (var line in c.Memory.StartupLines()) con.MarkupLine($"  {Format.Esc(line)}");
        con.MarkupLine($"  [grey]{Gib(c.Memory.RequestedGiB)} GiB requested - {Gib(c.Memory.WeightsGiB)} weights - {Gib(c.Memory.ActivationGiB)} activation - {Gib(c.Memory.NonTorchGiB)} non-torch; {Format.Esc(c.Memory.Rule)}[/]");
        var s = c.Speed!;
        con.MarkupLine($"[bold]Capacity:[/] {l.Replicas} replica{(l.Replicas > 1 ? "s" : "")} x {c.Memory.MaxConcurrency:0.##} requests at full length; at this load {s.Concurrency:0} per replica, " +
            $"{c.ClusterTokensPerSecond:N0} output tok/s in all ({s.OutputTokensPerSecond:N0} per replica, {s.InterTokenMs:0.#} ms between tokens), first token ~{s.TimeToFirstTokenMs:N0} ms for a half-context prompt; one request alone ~{s.SingleStreamTokensPerSecond:0} tok/s.");
        if (plan.ReplicasNeeded > l.Replicas)
            con.MarkupLine($"[yellow]The load needs {plan.ReplicasNeeded} replicas of {l.GpusPerReplica} GPU{(l.GpusPerReplica > 1 ? "s" : "")}; these GPUs hold {l.Replicas}.[/]");
        if (plan.RequestsPerSecond is { } rps) con.MarkupLine($"  {rps:0.##} requests per second at {r.OutputTokensPerRequest} output tokens each.");
        if (plan.Cost is { } cost)
            con.MarkupLine($"[bold]Cost:[/] ${cost.UsdPerHour:0.00} per hour" + (cost.UsdPerMillionOutputTokens is { } pm ? $", ${pm:0.###} per 1M output tokens at this load" : "") + $" [grey]({Format.Esc(cost.Basis)})[/]");
        var rejected = new Table().Border(TableBorder.Rounded).AddColumns("Alternative", "Precision", "KV tokens", "Max conc.", "tok/s", "Why not chosen");
        foreach (var o in plan.Rejected.Take(10))
            rejected.AddRow(o.Layout.Describe(), ClusterPlanner.Name(o.Layout.Precision), o.Fits ? $"{o.Memory.Tokens:N0}" : "-", o.Fits ? $"{o.Memory.MaxConcurrency:0.##}" : "-",
                o.Fits ? $"{o.ClusterTokensPerSecond:N0}" : "-", Format.Esc(o.Verdict));
        con.Write(rejected);
        foreach (var a in plan.Assumptions) con.MarkupLine($"[grey]{Format.Esc(a)}[/]");
        if (written.Count > 0)
        {
            con.MarkupLine($"[bold]Wrote {written.Count} files to {Format.Esc(dir)}[/] (docs/plan.md says how to apply each):");
            foreach (var a in written) con.MarkupLine($"  {Format.Esc(a.Path)}: {Format.Esc(a.Purpose)}");
        }
    }
}

// The plan's --json document (schema modelscout/plan/v1; `scout bench --plan` reads "capacity").
internal sealed record PlanJson(string Schema, string Model, string ModelName, PlanHardwareJson Hardware, PlanRequestJson Request, bool Fits, string? NothingFits,
    PlanLayoutJson? Layout, PlanMemoryJson? Memory, IReadOnlyList<string> VllmLog, PlanCapacityJson? Capacity, PlanSpeedJson? Speed, PlanCostJson? Cost,
    IReadOnlyList<string> Reasons, IReadOnlyList<PlanOptionJson> Rejected, IReadOnlyList<string> Assumptions, IReadOnlyList<PlanArtefactJson> Artefacts)
{
    public static PlanJson From(ClusterPlan plan, IReadOnlyList<Artefact> written, string? dir)
    {
        var r = plan.Request;
        var c = plan.Chosen;
        return new PlanJson("modelscout/plan/v1", plan.Model.Id, plan.Model.Name,
            new PlanHardwareJson(r.Gpu.Id, r.Gpu.Name, r.GpusPerNode, r.Nodes, r.Gpu.Serving?.Nvlink ?? false),
            new PlanRequestJson(r.Users, r.Context, r.TargetTokensPerSecond, r.OutputTokensPerRequest),
            plan.Fits, plan.NothingFits,
            c is null ? null : PlanLayoutJson.From(c.Layout, plan),
            c is null ? null : PlanMemoryJson.From(c.Memory),
            c?.Memory.StartupLines() ?? [],
            c is null ? null : new PlanCapacityJson(c.Layout.Replicas, c.Layout.GpusPerReplica, Math.Round(c.Memory.MaxConcurrency, 2), c.Memory.Tokens,
                Math.Round(c.ClusterTokensPerSecond, 1), plan.RequestsPerSecond is { } rps ? Math.Round(rps, 3) : null, plan.ReplicasNeeded),
            c?.Speed is { } s ? new PlanSpeedJson(s.Concurrency, Math.Round(s.OutputTokensPerSecond, 1), Math.Round(s.InterTokenMs, 2), Math.Round(s.TimeToFirstTokenMs, 1), Math.Round(s.SingleStreamTokensPerSecond, 1), s.Basis) : null,
            plan.Cost is { } cost ? new PlanCostJson(Math.Round(cost.UsdPerHour, 2), cost.UsdPerMillionOutputTokens is { } pm ? Math.Round(pm, 4) : null, cost.GpuHourUsd, cost.Basis) : null,
            plan.Reasons,
            plan.Rejected.Select(o => new PlanOptionJson(o.Layout.Describe(), ClusterPlanner.Name(o.Layout.Precision).ToLowerInvariant(), o.Layout.TensorParallel, o.Layout.PipelineParallel,
                o.Layout.Replicas, o.Fits, o.Fits ? o.Memory.Tokens : null, o.Fits ? Math.Round(o.Memory.MaxConcurrency, 2) : null, o.Fits ? Math.Round(o.ClusterTokensPerSecond, 1) : null,
                string.IsNullOrEmpty(o.Verdict) ? o.Memory.Problem ?? "" : o.Verdict)).ToList(),
            plan.Assumptions,
            written.Select(a => new PlanArtefactJson(dir is null ? a.Path : Path.Combine(dir, a.Path), a.Purpose)).ToList());
    }
}

internal sealed record PlanHardwareJson(string Gpu, string GpuName, int GpusPerNode, int Nodes, bool Nvlink);

internal sealed record PlanRequestJson(int Users, int Context, double? TargetTokensPerSecond, int? OutputTokensPerRequest);

internal sealed record PlanLayoutJson(string Description, string Precision, string Checkpoint, bool QuantizeOnLoad, int TensorParallel, int PipelineParallel, int DataParallel,
    bool ExpertParallel, int MaxModelLen, double GpuMemoryUtilization, string KvCacheDtype, int BlockSize)
{
    public static PlanLayoutJson From(ClusterLayout l, ClusterPlan plan) => new(l.Describe(), ClusterPlanner.Name(l.Precision).ToLowerInvariant(), l.Checkpoint, l.QuantizeOnLoad,
        l.TensorParallel, l.PipelineParallel, l.Replicas, l.ExpertParallel, plan.Request.Context, plan.Utilization, plan.Request.KvDtype == ModelScout.Core.Serving.KvCacheDtype.Fp8 ? "fp8" : "auto", plan.BlockSize);
}

internal sealed record PlanMemoryJson(double RequestedGiB, double WeightsGiB, double ActivationGiB, double NonTorchGiB, double KvCacheGiB, long KvBytesPerToken, string Rule)
{
    public static PlanMemoryJson From(VllmMemory m) => new(Math.Round(m.RequestedGiB, 3), Math.Round(m.WeightsGiB, 3), Math.Round(m.ActivationGiB, 3), Math.Round(m.NonTorchGiB, 3),
        Math.Round(m.KvGiB, 3), m.KvBytesPerToken, m.Rule);
}

/// <summary>The contract `scout bench --plan` reads.</summary>
internal sealed record PlanCapacityJson(int Replicas, int GpusPerReplica, double MaxConcurrencyPerReplica, long KvCacheTokensPerReplica, double OutputTokensPerSecond,
    double? RequestsPerSecond, int ReplicasNeeded)
{
    // Written even when null: the contract names it.
    [JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    public double? RequestsPerSecond { get; init; } = RequestsPerSecond;
}

internal sealed record PlanSpeedJson(double ConcurrencyPerReplica, double OutputTokensPerSecondPerReplica, double InterTokenMs, double TimeToFirstTokenMs, double SingleStreamTokensPerSecond, string Basis);

internal sealed record PlanCostJson(double UsdPerHour, double? UsdPerMillionOutputTokens, double GpuHourUsd, string Basis);

internal sealed record PlanOptionJson(string Layout, string Precision, int TensorParallel, int PipelineParallel, int Replicas, bool Fits, long? KvCacheTokens, double? MaxConcurrency,
    double? OutputTokensPerSecond, string Verdict);

internal sealed record PlanArtefactJson(string Path, string Purpose);

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    WriteIndented = true)]
[JsonSerializable(typeof(PlanJson))]
internal sealed partial class PlanJsonContext : JsonSerializerContext;
