using System.CommandLine;
using ModelScout.Cli.Output;
using ModelScout.Core.Catalog;
using ModelScout.Core.Fit;
using ModelScout.Core.Machines;
using Spectre.Console;

namespace ModelScout.Cli.Commands;

/// <summary>scout fit: what runs on this (or a described) machine, where, how fast, and how to start it.</summary>
internal sealed class FitCommand : ICommandBuilder
{
    private readonly Option<string[]> model = new("--model", "-m") { Description = "Only these models, with the full breakdown (Ollama tag or id)", HelpName = "MODEL" };
    private readonly Option<string?> quant = new("--quant", "-q") { Description = "Force a quantization level (Q4_K_M, Q8_0 ...)", HelpName = "LEVEL" };
    private readonly Option<string> prefer = new("--prefer") { Description = "How to choose the level: balanced (Q4_K_M first), quality or speed", DefaultValueFactory = _ => "balanced" };
    private readonly Option<bool> details = new("--details") { Description = "Show the memory breakdown and every command for each model" };
    private readonly Option<bool> all = new("--all") { Description = "Include models that do not fit (default: listed, greyed out)" };
    private readonly Option<string?> file = new("--file") { Description = "Plan a GGUF file (path or URL) at its exact tensor sizes instead of the catalog's models", HelpName = "GGUF" };

    public Command Build(CommonOptions o)
    {
        var c = new Command("fit", "Probe this machine (or describe one) and show, for every model, the best quantization that fits, where it runs, the memory breakdown, a speed range and the commands to run it.");
        foreach (var x in new Option[] { model, quant, prefer, details, all, file }) c.Options.Add(x);
        o.AddPlanning(c);
        return c;
    }

    public int Run(CommandContext ctx)
    {
        var p = ctx.Parse;
        var o = ctx.Options;
        var catalog = ctx.Catalog;
        var machine = ctx.Machines.Get(o.Hardware(p), catalog);
        var context = o.ContextOr(p, catalog.Document.ContextGuidance.Default);
        var kv = o.Kv(p, catalog.Document.Estimator.DefaultUbatch);
        var preference = Enum.TryParse<QuantPreference>(p.GetValue(prefer), true, out var pref)
            ? pref
            : throw new CliException($"--prefer: '{p.GetValue(prefer)}' is not balanced, quality or speed");
        var options = new FitOptions(context, kv, p.GetValue(quant), preference);
        var needs = o.Needs(p);

        var names = p.GetValue(model) ?? [];
        List<Planned> plans;
        if (p.GetValue(file) is { } path)
        {
            if (names.Length > 0 || p.GetValue(quant) is not null) throw new CliException("--file plans one file as it is; drop --model and --quant");
            plans = [PlanFile(ctx, path, machine, options, explicitContext: p.GetValue(o.Context) is not null)];
            names = [path];
            context = plans[0].Fit.Best?.Placement.Context ?? context;
        }
        else
        {
            var models = names.Length > 0 ? names.Select(n => ctx.ResolveModel(n, openOnly: true)).ToList() : catalog.OpenModels.ToList();
            plans = models.Select(m => Plan(ctx, m, machine, options, needs)).ToList();
        }

        if (ctx.Json)
        {
            ctx.WriteJson(new FitJson("modelscout/fit/v1", MachineJson.From(machine), context, kv.KeyType.ToString().ToLowerInvariant(), kv.FlashAttention,
                plans.Select(x => x.Json).ToList()), CliJson.Default.FitJson);
        }
        else
        {
            Render(ctx, machine, context, kv, plans, names.Length > 0 || p.GetValue(details), p.GetValue(all));
        }
        foreach (var w in machine.Warnings) ctx.Notes.MarkupLine($"[yellow]warning:[/] {Format.Esc(w)}");
        return names.Length > 0 && plans.Any(x => !x.Fit.Fits) ? ExitCodes.Negative : ExitCodes.Ok;
    }

    internal sealed record Planned(ModelFit Fit, IReadOnlyList<RunCommand> Commands, VllmPlan? Vllm, RuntimeChoice? Runtime, ModelFitJson Json);

    private static Planned PlanFile(CommandContext ctx, string path, Machine machine, FitOptions options, bool explicitContext)
    {
        var (header, _, _) = GgufLoader.LoadValid(path);
        var fileModel = FileModel.From(header, ctx.Catalog, Path.GetFileName(path.TrimEnd('/')));
        // Without --ctx, the practical default never exceeds what the file was trained for.
        if (!explicitContext) options = options with { Context = Math.Min(options.Context, fileModel.Entry.Context!.Max) };
        var fit = ctx.Planner.PlanFile(fileModel, machine, options);
        IReadOnlyList<RunCommand> commands = fit.Fits ? RunCommands.ForFile(path, Path.GetFileNameWithoutExtension(path.TrimEnd('/')), fit.Best!, options.Context) : [];
        var json = new ModelFitJson(fileModel.Entry.Id, fileModel.Entry.Name, null, fit.Fits, fit.Why, fit.Best is { } b ? LevelJson.From(b) : null,
            commands.Select(CommandJson.From).ToList(), null, null, fit.Notes);
        return new Planned(fit, commands, null, null, json);
    }

    internal static Planned Plan(CommandContext ctx, ModelEntry m, Machine machine, FitOptions options, RuntimeNeeds needs)
    {
        var catalog = ctx.Catalog;
        var fit = ctx.Planner.Plan(m, machine, options);
        IReadOnlyList<RunCommand> commands = [];
        VllmPlan? vllm = null;
        RuntimeChoice? runtime = null;
        if (fit.Fits)
        {
            vllm = machine.HasGpu ? VllmPlanner.Plan(m, machine, options.Context, catalog.Document.Estimator.Speed) : null;
            commands = RunCommands.For(catalog, m, fit.Best!, options.Context, vllm);
            runtime = RuntimeAdvisor.Choose(catalog, machine, fit.Best, vllm, commands, needs);
        }
        var json = new ModelFitJson(m.Id, m.Name, m.Ollama?.Tags.FirstOrDefault(), fit.Fits, fit.Why, fit.Best is { } b ? LevelJson.From(b) : null,
            commands.Select(CommandJson.From).ToList(), VllmJson.From(vllm),
            runtime is null ? null : new RuntimeJson(runtime.Runtime.Id, runtime.Runtime.Name, runtime.Reason, runtime.Command?.Command), fit.Notes);
        return new Planned(fit, commands, vllm, runtime, json);
    }

    private static void Render(CommandContext ctx, Machine machine, long context, ModelScout.Core.Memory.KvSettings kv, List<Planned> plans, bool details, bool showAll)
    {
        var con = ctx.Human;
        con.MarkupLine($"[bold]{(machine.Simulated ? "Simulated machine" : "This machine")}:[/] {Format.Esc(Format.Machine(machine))}");
        con.MarkupLine($"Context {Format.Tokens(context)} tokens · KV cache {kv.KeyType.ToString().ToLowerInvariant()} · flash attention {(kv.FlashAttention ? "on" : "off")}{(kv.Sequences > 1 ? $" · {kv.Sequences} parallel sequences" : "")}");
        con.WriteLine();

        var table = new Table().Border(TableBorder.Rounded).Expand();
        table.AddColumns("Model", "Quant", "Runs on", "GPU mem", "RAM", "tok/s", "Run with");
        foreach (var x in plans)
        {
            var f = x.Fit;
            if (!f.Fits)
            {
                if (!showAll && plans.Count > 1 && !details)
                {
                    table.AddRow($"[grey]{Format.Esc(f.Model.Name)}[/]", "[grey]—[/]", "[grey]does not fit[/]", "", "", "", $"[grey]{Format.Esc(Short(f))}[/]");
                    continue;
                }
                table.AddRow(Format.Esc(f.Model.Name), "—", "[red]does not fit[/]", "", "", "", Format.Esc(Short(f)));
                continue;
            }
            var b = f.Best!;
            var gpu = b.Memory.GpuTotal > 0 ? Format.Bytes(b.Memory.GpuTotal) : "—";
            var where = Format.Placement(b) + (b.Tight ? " [yellow](tight)[/]" : "");
            table.AddRow(Format.Esc(f.Model.Name), b.Level.Id, where, gpu, Format.Bytes(b.Memory.Host.Total), Format.Speed(b.Speed),
                Format.Esc(x.Runtime?.Command?.Command ?? x.Commands.FirstOrDefault()?.Command ?? ""));
        }
        con.Write(table);
        var fitting = plans.Count(x => x.Fit.Fits);
        con.MarkupLine($"{fitting} of {plans.Count} models run here. Memory is weights + KV cache + compute buffers + runtime overhead; speed is a bandwidth roofline range.");
        if (!details) con.MarkupLine("[grey]Breakdown and every command: scout fit --model <tag>  ·  JSON: --json[/]");

        if (details)
        {
            foreach (var x in plans) RenderDetails(con, x);
        }
        foreach (var a in machine.Assumptions) con.MarkupLine($"[grey]assumed: {Format.Esc(a)}[/]");
    }

    private static string Short(ModelFit f) => f.Best is { Kind: FitKind.DoesNotFit } b
        ? $"needs {Format.Bytes(b.Memory.Total)} {(f.Levels.Count > 1 ? "even " : "")}at {b.Level.Id}"
        : f.Why;

    internal static void RenderDetails(IAnsiConsole con, Planned x)
    {
        var f = x.Fit;
        con.WriteLine();
        con.Write(new Rule($"[bold]{Format.Esc(f.Model.Name)}[/]").LeftJustified());
        if (!f.Fits)
        {
            con.MarkupLine($"[red]Does not fit:[/] {Format.Esc(f.Why)}");
            return;
        }
        var b = f.Best!;
        con.MarkupLine($"{Format.Esc(char.ToUpperInvariant(f.Why[0]) + f.Why[1..])}. File {Format.Gb(b.Weights.TotalBytes)} ({b.Weights.BitsPerWeight:0.00} bits per weight), runs on {Format.Placement(b)}.");
        var t = new Table().Border(TableBorder.Simple);
        t.AddColumns("Device", "Weights", "KV cache", "Compute", "Overhead", "Total", "Layers");
        foreach (var d in b.Memory.Gpus.Where(g => g.Total > 0).Append(b.Memory.Host))
            t.AddRow(Format.Esc(d.Device), Format.Bytes(d.Weights), Format.Bytes(d.KvCache), Format.Bytes(d.Compute + d.Output), Format.Bytes(d.Overhead), $"[bold]{Format.Bytes(d.Total)}[/]", d.Layers.ToString(System.Globalization.CultureInfo.InvariantCulture));
        con.Write(t);
        if (b.Speed is { } s) con.MarkupLine($"Decode: {Format.Speed(s)} tok/s ({Format.Esc(s.Basis)}).");
        foreach (var n in f.Notes) con.MarkupLine($"[grey]· {Format.Esc(n)}[/]");
        if (x.Runtime is { } r) con.MarkupLine($"Runtime: [bold]{Format.Esc(r.Runtime.Name)}[/] — {Format.Esc(r.Reason)}");
        foreach (var c in x.Commands)
        {
            con.MarkupLine($"  [cyan]{Format.Esc(c.Command)}[/]");
            foreach (var n in c.Notes) con.MarkupLine($"    [grey]{Format.Esc(n)}[/]");
        }
        if (x.Vllm is { Fits: false } v) con.MarkupLine($"  [grey]vLLM: {Format.Esc(v.Reason)}[/]");
    }
}
