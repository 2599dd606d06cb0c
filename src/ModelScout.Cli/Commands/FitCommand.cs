using System.Globalization;
using ModelScout.Cli.Output;
using ModelScout.Core.Fit;
using ModelScout.Core.Machines;

namespace ModelScout.Cli.Commands;

/// <summary>scout fit: what runs on this (or a described) machine, where, how fast, and how to start it.</summary>
internal sealed class FitCommand : ICommandBuilder
{
    private readonly Option<string[]> model = new("--model", "-m") { Description = "Only these models, with the full breakdown (Ollama tag or id)", HelpName = "MODEL" };
    private readonly Option<string?> quant = new("--quant", "-q") { Description = "Force a quantization level (Q4_K_M, Q8_0 ...)", HelpName = "LEVEL" };
    private readonly Option<string> prefer = new("--prefer") { Description = "How to choose the level: balanced (Q4_K_M first), quality or speed", DefaultValueFactory = _ => "balanced" };
    private readonly Option<bool> details = new("--details") { Description = "Show the memory breakdown and every command for each model" };
    private readonly Option<bool> all = new("--all") { Description = "Include models that do not fit (default: listed, greyed out)" };
    private readonly Option<bool> measureBandwidth = new("--measure-bandwidth") { Description = "Measure this machine's RAM bandwidth first (under a second) and keep it for every later fit and recommend, instead of the assumed figure" };
    private readonly Option<string?> file = new("--file") { Description = "Plan a GGUF file (path or URL) at its exact tensor sizes instead of the catalog's models", HelpName = "GGUF" };

    public Command Build(CommonOptions o) =>
        o.AddPlanning(new Command("fit", "Probe this machine (or describe one) and show, for every model, the best quantization that fits, where it runs, the memory breakdown, a speed range and the commands to run it.") { model, quant, prefer, details, all, file, measureBandwidth });

    public int Run(CommandContext ctx)
    {
        var p = ctx.Parse;
        var o = ctx.Options;
        var catalog = ctx.Catalog;
        if (p.GetValue(measureBandwidth))
        {
            var m = ctx.Machines.MeasureBandwidth();
            ctx.Notes.MarkupLine(Format.Esc(string.Create(CultureInfo.InvariantCulture,
                $"RAM bandwidth measured: {m.GBps:0.0} GB/s ({m.Threads} threads reading {m.BufferBytes >> 20} MiB, best of {m.Passes}); kept for later commands")));
        }
        var machine = ctx.Machines.Get(o.Hardware(p), catalog);
        var context = o.ContextOr(p, catalog.Document.ContextGuidance.Default);
        var kv = o.Kv(p, catalog.Document.Estimator.DefaultUbatch);
        var preference = Enum.TryParse<QuantPreference>(p.GetValue(prefer), true, out var pref)
            ? pref
            : throw new CliException($"--prefer: '{p.GetValue(prefer)}' is not balanced, quality or speed");
        var needs = o.Needs(p);

        var names = p.GetValue(model) ?? [];
        List<DeploymentPlan> plans;
        if (p.GetValue(file) is { } path)
        {
            if (names.Length > 0 || p.GetValue(quant) is not null) throw new CliException("--file plans one file as it is; drop --model and --quant");
            var (source, stored) = FileOrStored(ctx, path);
            var (header, _, _) = GgufLoader.LoadValid(source);
            var planned = ctx.Deployments.PlanFile(header, source, machine, o.ContextAsked(p), kv, stored).Plan;
            plans = [planned];
            names = [path];
            context = planned.Fit.Best?.Placement.Context ?? context;
        }
        else
        {
            var options = new FitOptions(context, kv, p.GetValue(quant), preference);
            var models = names.Length > 0 ? names.Select(n => ctx.ResolveModel(n, openOnly: true)).ToList() : catalog.OpenModels.ToList();
            plans = models.Select(m => ctx.Deployments.Plan(m, machine, options, needs)).ToList();
        }

        if (ctx.Json)
        {
            ctx.WriteJson(new FitJson("modelscout/fit/v1", MachineJson.From(machine), context, kv.KeyType.ToString().ToLowerInvariant(), kv.FlashAttention,
                plans.Select(ModelFitJson.From).ToList()), CliJson.Default.FitJson);
        }
        else
        {
            Render(ctx, machine, context, kv, plans, names.Length > 0 || p.GetValue(details), p.GetValue(all));
        }
        foreach (var w in machine.Warnings) ctx.Notes.MarkupLine($"[yellow]warning:[/] {Format.Esc(w)}");
        return names.Length > 0 && plans.Any(x => !x.Fits) ? ExitCodes.Negative : ExitCodes.Ok;
    }

    /// <summary>
    /// --file: a URL or an existing file as it is (named by its file name), else a model in the store (named as stored).
    /// </summary>
    private static (string Source, string? StoredName) FileOrStored(CommandContext ctx, string path)
    {
        if (Uri.TryCreate(path, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https" || File.Exists(path)) return (path, null);
        try
        {
            var stored = ctx.Store.Resolve(path);
            return (stored.GgufPath, stored.Name);
        }
        catch (ModelScout.Store.StoreException e) when (e.Kind is ModelScout.Store.StoreErrorKind.NotFound or ModelScout.Store.StoreErrorKind.InvalidName)
        {
            throw new CliException($"no such file: {path}, and no stored model of that name. Give a GGUF path or URL, or a name from `scout list`.", ExitCodes.NotFound);
        }
    }

    private static void Render(CommandContext ctx, Machine machine, long context, ModelScout.Core.Memory.KvSettings kv, List<DeploymentPlan> plans, bool details, bool showAll)
    {
        var con = ctx.Human;
        con.MarkupLine($"[bold]{(machine.Simulated ? "Simulated machine" : "This machine")}:[/] {Format.Esc(Format.Machine(machine))}");
        con.MarkupLine($"Context {Format.Tokens(context)} tokens · KV cache {kv.KeyType.ToString().ToLowerInvariant()} · flash attention {(kv.FlashAttention ? "on" : "off")}{(kv.Sequences > 1 ? $" · {kv.Sequences} parallel sequences" : "")}");
        con.WriteLine();

        var table = new Table().Border(TableBorder.Rounded).Expand();
        table.AddColumns("Model", "Quant", "Runs on", "GPU mem", "RAM", "tok/s");
        // Commands go below the table, one plain line each: wrapped inside a cell they cannot be copied.
        var commands = new List<string>();
        foreach (var x in plans)
        {
            var f = x.Fit;
            if (!f.Fits)
            {
                if (!showAll && plans.Count > 1 && !details)
                {
                    table.AddRow($"[grey]{Format.Esc(f.Model.Name)}[/]", "[grey]—[/]", $"[grey]does not fit: {Format.Esc(Short(f))}[/]", "", "", "");
                    continue;
                }
                table.AddRow(Format.Esc(f.Model.Name), "—", $"[red]does not fit[/]: {Format.Esc(Short(f))}", "", "", "");
                continue;
            }
            var b = f.Best!;
            var gpu = b.Memory.GpuTotal > 0 ? Format.Bytes(b.Memory.GpuTotal) : "—";
            var where = Format.Placement(b) + (b.Tight ? " [yellow](tight)[/]" : "");
            table.AddRow(Format.Esc(f.Model.Name), b.Level.Id, where, gpu, Format.Bytes(b.Memory.Host.Total), Format.Speed(b.Speed));
            if ((x.Runtime?.Command?.Command ?? x.Commands.FirstOrDefault()?.Command) is { Length: > 0 } command) commands.Add(command);
        }
        con.Write(table);
        if (commands.Count > 0 && !details)
        {
            con.MarkupLine("Run with (each command names its model):");
            foreach (var command in commands) CommandLines.Write(con, command);
        }
        var fitting = plans.Count(x => x.Fit.Fits);
        con.MarkupLine($"{fitting} of {plans.Count} models run here. Memory is weights + KV cache + compute buffers + runtime overhead; speed is a bandwidth roofline range.");
        if (!details) con.MarkupLine("[grey]Breakdown and every command: scout fit --model <tag>  ·  JSON: --json[/]");

        if (details)
        {
            foreach (var x in plans) PlanView.Details(con, x);
        }
        foreach (var a in machine.Assumptions) con.MarkupLine($"[grey]assumed: {Format.Esc(a)}[/]");
    }

    private static string Short(ModelFit f) => f.Best is { Kind: FitKind.DoesNotFit } b
        ? $"needs {Format.Bytes(b.Memory.Total)} {(f.Levels.Count > 1 ? "even " : "")}at {b.Level.Id}"
        : f.Why;
}
