using ModelScout.Cli.Output;
using ModelScout.Core.Fit;

namespace ModelScout.Cli.Commands;

/// <summary>scout runtimes: the runtimes, what the guide says of each, how to install and start them, and which to use.</summary>
internal sealed class RuntimesCommand : ICommandBuilder
{
    private readonly Option<string?> model = new("--model", "-m") { Description = "Pick a runtime for this model on this machine and print its commands", HelpName = "MODEL" };

    public Command Build(CommonOptions o) =>
        o.AddPlanning(new Command("runtimes", "Ollama, llama.cpp, vLLM, text-generation-webui (and scout serve): what each is for, install and start commands, and which fits your situation.") { model });

    public int Run(CommandContext ctx)
    {
        var p = ctx.Parse;
        var catalog = ctx.Catalog;
        DeploymentPlan? planned = null;
        if (p.GetValue(model) is { } name)
        {
            var m = ctx.ResolveModel(name, openOnly: true);
            var machine = ctx.Machines.Get(ctx.Options.Hardware(p), catalog);
            var options = new FitOptions(ctx.Options.ContextOr(p, catalog.Document.ContextGuidance.Default), ctx.Options.Kv(p, catalog.Document.Estimator.DefaultUbatch));
            planned = ctx.Deployments.Plan(m, machine, options, ctx.Options.Needs(p));
        }
        if (ctx.Json)
        {
            ctx.WriteJson(new RuntimesJson("modelscout/runtimes/v1", catalog.Document.Runtimes, RuntimeJson.From(planned?.Runtime)), CliJson.Default.RuntimesJson);
            return planned is { Fits: false } ? ExitCodes.Negative : ExitCodes.Ok;
        }
        var con = ctx.Human;
        var t = new Table().Border(TableBorder.Rounded).Expand();
        t.AddColumns("Runtime", "Best for (the guide)", "Claim (the guide)", "Runs");
        foreach (var r in catalog.Document.Runtimes)
        {
            var name2 = r.Available ? $"[bold]{Format.Esc(r.Name)}[/]" : $"[grey]{Format.Esc(r.Name)} (not yet)[/]";
            var claim = r.Guide.SpeedClaim?.Text ?? r.Guide.ThroughputClaim?.Text ?? r.Guide.Tagline;
            t.AddRow(name2, Format.Esc(r.Guide.BestFor), Format.Esc(claim), Format.Esc($"{string.Join(", ", r.Formats)} on {string.Join("/", r.Backends)}"));
        }
        con.Write(t);
        // Install and start commands below the table, one plain line each, so they copy whole.
        con.MarkupLine("[bold]Install (Linux) and start[/]");
        foreach (var r in catalog.Document.Runtimes)
        {
            con.MarkupLine($"  [grey]# {Format.Esc(r.Name)}{(r.Available ? "" : " (not yet)")}[/]");
            if (r.Install.GetValueOrDefault("linux") is { Length: > 0 } install) CommandLines.Write(con, install);
            CommandLines.Write(con, r.Start);
        }
        con.MarkupLine("[grey]Speed and throughput claims are the guide's; check them on your hardware with scout bench (the Verify capability).[/]");
        if (planned is not null) PlanView.Details(con, planned);
        else con.MarkupLine("[grey]Which one for you: scout runtimes --model llama3.1:8b [[--users 8 | --gui | --fastest]][/]");
        return planned is { Fits: false } ? ExitCodes.Negative : ExitCodes.Ok;
    }
}
