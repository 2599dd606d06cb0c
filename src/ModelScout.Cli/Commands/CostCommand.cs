using ModelScout.Cli.Output;
using ModelScout.Core.Catalog;
using ModelScout.Core.Cost;
using ModelScout.Core.Fit;

namespace ModelScout.Cli.Commands;

/// <summary>scout cost: hosted API spend against self-hosting for a daily token volume.</summary>
internal sealed class CostCommand : ICommandBuilder
{
    private readonly Option<string> tokens = new("--tokens-per-day") { Description = "Input + output tokens per day (10M, 250000000)", Required = true, HelpName = "N" };
    private readonly Option<string> model = new("--model", "-m") { Description = "Model to self-host (default: the guide's enterprise pick)", HelpName = "MODEL" };
    private readonly Option<double?> inputShare = new("--input-share") { Description = "Share of tokens that are prompt tokens (default 0.75)", HelpName = "0..1" };
    private readonly Option<string[]> api = new("--api") { Description = "Price lists to compare (gpt-4o, gpt-3.5-turbo, deepseek-v3-api); default all", HelpName = "ID" };
    private readonly Option<string[]> apiPrice = new("--api-price") { Description = "Override or add a price: NAME=IN/OUT in USD per 1M tokens, e.g. gpt-4o=2.5/10", HelpName = "NAME=IN/OUT" };
    private readonly Option<double?> gpuHour = new("--gpu-hour") { Description = "USD per GPU-hour for self-hosting (default: the catalog's assumed rate for the card)", HelpName = "USD" };
    private readonly Option<double?> batchingGain = new("--batching-gain") { Description = "Aggregate throughput of a batched server relative to one stream", HelpName = "X" };

    public Command Build(CommonOptions o) =>
        o.AddPlanning(new Command("cost", "Hosted API cost against self-hosting for a daily token volume (the guide's enterprise scenario: DeepSeek-V3 on a multi-GPU server).") { tokens, model, inputShare, api, apiPrice, gpuHour, batchingGain }, needs: false);

    public int Run(CommandContext ctx)
    {
        var p = ctx.Parse;
        var catalog = ctx.Catalog;
        var perDay = Units.ParseCount(p.GetValue(tokens)!, "--tokens-per-day");
        if (perDay <= 0) throw new CliException("--tokens-per-day must be above zero");
        var enterprise = catalog.FindUseCase("enterprise")!;
        var m = ctx.ResolveModel(p.GetValue(model) ?? enterprise.Guide.Pick.Model, openOnly: true);
        var hardware = ctx.Options.Hardware(p);
        var machine = ctx.Machines.Get(hardware.IsEmpty ? hardware with { Profile = enterprise.AssumedProfile } : hardware, catalog);
        var share = p.GetValue(inputShare) ?? catalog.Document.Cost.DefaultInputShare;
        if (share is < 0 or > 1) throw new CliException("--input-share must be between 0 and 1");

        var prices = Prices(catalog, p.GetValue(api) ?? [], p.GetValue(apiPrice) ?? []);
        var fit = ctx.Planner.Plan(m, machine, new FitOptions(ctx.Options.ContextOr(p, catalog.Document.ContextGuidance.Default), ctx.Options.Kv(p, catalog.Document.Estimator.DefaultUbatch)));
        if (!fit.Fits) throw new CliException($"{m.Name} does not fit the self-hosting machine ({Format.Machine(machine)}): {fit.Why}. Give a bigger machine with --profile or --gpu.", ExitCodes.Negative);
        // The machine is named one way throughout: the table row, the break-even sentence and the header.
        var gpus = Math.Max(1, machine.Gpus.Count);
        var machineName = machine.Gpus.Count == 0
            ? "CPU only"
            : string.Join(" + ", machine.Gpus.GroupBy(g => g.Name).Select(g => g.Count() > 1 ? $"{g.Count()}x {g.Key}" : g.Key));
        var report = CostEstimator.Compare(catalog, new CostQuery(perDay, share, prices, fit.Best!, machineName, gpus, machine.Gpus.FirstOrDefault()?.SpecId,
            p.GetValue(gpuHour), p.GetValue(batchingGain) ?? catalog.Document.Cost.BatchingGain.Value));
        var guide = catalog.Document.Cost.Guide;
        var guideClaim = $"The guide: {guide.DeepseekSavingsPct?.Text}; the cost difference matters above {guide.HighVolumeText}.";
        var deepseek = report.Lines.FirstOrDefault(l => l.Option.StartsWith("DeepSeek", StringComparison.Ordinal));
        var gpt4o = report.Lines.FirstOrDefault(l => l.Option.Contains("gpt-4o", StringComparison.Ordinal));
        var notes = report.Notes.ToList();
        if (deepseek is not null && gpt4o is not null && gpt4o.UsdPerDay > 0)
            notes.Insert(0, $"At these list prices DeepSeek's API is {(1 - deepseek.UsdPerDay / gpt4o.UsdPerDay) * 100:0}% cheaper than GPT-4o (the guide says 50-70%).");

        if (ctx.Json)
        {
            ctx.WriteJson(new CostJson("modelscout/cost/v1", perDay, share, m.Id, fit.Best!.Level.Id, MachineJson.From(machine), report.Lines.Select(CostLineJson.From).ToList(),
                report.BreakEvenTokensPerDay, report.BreakEven, report.MachinesNeeded, report.CapacityTokensPerDay, guideClaim, notes), CliJson.Default.CostJson);
            return ExitCodes.Ok;
        }
        var con = ctx.Human;
        con.MarkupLine($"[bold]{perDay:N0} tokens per day[/] ({share * 100:0}% input). Self-hosting {Format.Esc(m.Name)} {fit.Best!.Level.Id}; one machine = {Format.Esc(Format.Machine(machine))}.");
        var t = new Table().Border(TableBorder.Rounded);
        t.AddColumns("Option", "USD per day", "USD per month", "USD per 1M tokens", "Basis");
        foreach (var l in report.Lines.OrderBy(l => l.UsdPerDay))
            t.AddRow(Format.Esc(l.Option), $"{l.UsdPerDay:N2}", $"{l.UsdPerDay * 30:N0}", $"{l.UsdPerMillionTokens:N3}", Format.Esc(l.Basis));
        con.Write(t);
        if (report.BreakEven is { } be) con.MarkupLine(Format.Esc(be));
        con.MarkupLine(Format.Esc(guideClaim));
        foreach (var n in notes) con.MarkupLine($"[grey]{Format.Esc(n)}[/]");
        return ExitCodes.Ok;
    }

    private static List<ApiPrice> Prices(Catalog catalog, string[] ids, string[] overrides)
    {
        var list = ids.Length == 0
            ? catalog.Document.Cost.Api.ToList()
            : ids.Select(id => catalog.Document.Cost.Api.FirstOrDefault(a => string.Equals(a.Id, id, StringComparison.OrdinalIgnoreCase))
                ?? throw new CliException($"--api: unknown price list '{id}'; known: {string.Join(", ", catalog.Document.Cost.Api.Select(a => a.Id))}", ExitCodes.NotFound)).ToList();
        foreach (var o in overrides)
        {
            var eq = o.Split('=', 2);
            var parts = eq.Length == 2 ? eq[1].Split('/') : [];
            if (parts.Length != 2 || !double.TryParse(parts[0], System.Globalization.CultureInfo.InvariantCulture, out var input) || !double.TryParse(parts[1], System.Globalization.CultureInfo.InvariantCulture, out var output))
                throw new CliException($"--api-price: '{o}' should look like gpt-4o=2.5/10 (USD per 1M input/output tokens)");
            var existing = list.FindIndex(a => string.Equals(a.Id, eq[0], StringComparison.OrdinalIgnoreCase));
            var price = new ApiPrice { Id = eq[0], Provider = existing >= 0 ? list[existing].Provider : "custom", Model = existing >= 0 ? list[existing].Model : eq[0], InputUsdPerMTok = input, OutputUsdPerMTok = output, Source = "--api-price" };
            if (existing >= 0) list[existing] = price;
            else list.Add(price);
        }
        return list;
    }
}
