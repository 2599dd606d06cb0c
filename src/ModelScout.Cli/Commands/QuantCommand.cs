using ModelScout.Cli.Output;
using ModelScout.Core.Fit;
using ModelScout.Core.Machines;
using ModelScout.Core.Recommend;

namespace ModelScout.Cli.Commands;

/// <summary>scout quant: every quantization level of one model, its real size and loss, and whether it fits.</summary>
internal sealed class QuantCommand : ICommandBuilder
{
    private readonly Argument<string> model = new("model") { Description = "Ollama tag, id or name" };
    private readonly Option<string?> memory = new("--memory") { Description = "A GPU memory budget to test against: weights, cache, buffers and runtime overhead all on one GPU. 24 or 24GiB = 24 GiB; 24GB = 24x10^9 bytes (22.4 GiB)", HelpName = "SIZE" };

    public Command Build(CommonOptions o) =>
        o.AddPlanning(new Command("quant", "Every quantization level of a model: real bits per weight, file size, expected quality loss, whether it fits, and which to use.") { model, memory }, needs: false);

    public int Run(CommandContext ctx)
    {
        var p = ctx.Parse;
        var catalog = ctx.Catalog;
        var m = ctx.ResolveModel(p.GetValue(model)!, openOnly: true);
        var context = ctx.Options.ContextOr(p, catalog.Document.ContextGuidance.Default);
        var kv = ctx.Options.Kv(p, catalog.Document.Estimator.DefaultUbatch);
        var memoryText = p.GetValue(memory);
        double? budgetGiB = memoryText is { } s ? Units.ParseGiB(s, "--memory") : null;
        if (budgetGiB is not null && !ctx.Options.Hardware(p).IsEmpty) throw new CliException("--memory sets the budget directly; drop the hardware options or --memory");
        var machine = budgetGiB is { } gib ? Machine.GpuBudget(gib, "--memory") : ctx.Machines.Get(ctx.Options.Hardware(p), catalog);
        var recommender = new Recommender(catalog, ctx.Planner);
        var fit = ctx.Planner.Plan(m, machine, new FitOptions(context, kv));
        if (budgetGiB is { } budget) fit = InBudget(catalog, fit, budget);
        var rows = fit.Levels.OrderBy(l => l.Level.Rank).Select(l =>
        {
            var loss = l.Level.QualityLoss;
            var need = budgetGiB is null ? l.Memory.Total : ctx.Planner.FullGpuEstimate(m, l.Level, machine, new FitOptions(context, kv)).GpuTotal;
            return new QuantRowJson(l.Level.Id, l.Level.Kind, Math.Round(l.Weights.BitsPerWeight, 3), l.Level.MeasuredBpw.Value, l.Weights.TotalBytes,
                loss?.Low, loss?.High, loss is null, Math.Round(recommender.QuantLoss(l.Level), 2), l.Level.Guide,
                budgetGiB is null ? Format.PlacementId(l.Kind) : l.Kind == FitKind.FullGpu ? "fits" : "too-big",
                budgetGiB is null ? l.Fits : l.Kind == FitKind.FullGpu, need, budgetGiB is null ? SpeedJson.From(l.Speed) : null, fit.Best?.Level.Id == l.Level.Id && fit.Fits);
        }).ToList();
        var corrections = catalog.Document.QuantizationGuidance.Corrections;

        if (ctx.Json)
        {
            ctx.WriteJson(new QuantJson("modelscout/quant/v1", m.Id, context, budgetGiB is { } b ? (long)(b * (1L << 30)) : null,
                budgetGiB is null ? MachineJson.From(machine) : null, rows, fit.Fits ? fit.Best!.Level.Id : null, fit.Why, corrections), CliJson.Default.QuantJson);
            return fit.Fits ? ExitCodes.Ok : ExitCodes.Negative;
        }
        var con = ctx.Human;
        con.MarkupLine($"[bold]{Format.Esc(m.Name)}[/] at {Format.Tokens(context)} context, {(budgetGiB is { } g ? $"in {Budget(memoryText!, g)} of GPU memory" : "on " + Format.Esc(Format.Machine(machine)))}");
        var t = new Table().Border(TableBorder.Rounded);
        t.AddColumns("Level", "Bits/weight", "File (GB)", "Quality loss", "Needs (GiB)", budgetGiB is null ? "Runs on" : "Fits", "tok/s", "Guide says");
        foreach (var r in rows)
        {
            var loss = r.LossLowPct is { } lo ? lo == r.LossHighPct ? $"{lo:0.#}%" : $"{lo:0.#}-{r.LossHighPct:0.#}%" : $"~{r.ExpectedLossPct:0.#}% (interp.)";
            var where = budgetGiB is null ? Format.Placement(fit.Levels.First(l => l.Level.Id == r.Id)) : r.Fits ? "[green]yes[/]" : "[red]no[/]";
            var name = r.Recommended ? $"[bold green]{r.Id} ←[/]" : r.Id;
            t.AddRow(name, r.BitsPerWeight.ToString("0.00", System.Globalization.CultureInfo.InvariantCulture), Format.Gb(r.FileBytes), loss, Format.InGiB(r.NeedBytes), where,
                r.Speed is { } sp ? Format.Speed(new SpeedRange(sp.Low, sp.High, sp.Basis)) : "—", Format.Esc(r.Guide is { } gr ? $"{gr.Bits}, {gr.Size7B} for 7B: {gr.BestFor}" : ""));
        }
        con.Write(t);
        con.MarkupLine("[grey]File: download size in GB (10^9 bytes), as Hugging Face lists it. Needs: memory at run time in GiB (2^30 bytes), as GPUs and RAM are sized.[/]");
        con.MarkupLine(fit.Fits ? $"Recommended: [bold]{Format.Esc(fit.Why)}[/]." : $"[red]Nothing fits:[/] {Format.Esc(fit.Why)}");
        var g2 = catalog.Document.QuantizationGuidance;
        con.MarkupLine($"[grey]The guide: {Format.Esc(g2.Statements.GetValueOrDefault("start"))} {Format.Esc(g2.Statements.GetValueOrDefault("sensitive"))}[/]");
        foreach (var c in corrections) con.MarkupLine($"[grey]Correction: {Format.Esc(c)}[/]");
        return fit.Fits ? ExitCodes.Ok : ExitCodes.Negative;
    }

    // "24GB" is 22.4 GiB: say both so the figure in the table (GiB) matches what was asked.
    private static string Budget(string typed, double gib) =>
        Units.IsDecimalSize(typed) ? $"{typed.Trim()} = {gib:0.0#} GiB" : $"{gib:0.#} GiB";

    // In a GPU budget only whole-model fits count: the guide's default if it fits, else the best level below it that does.
    private static ModelFit InBudget(ModelScout.Core.Catalog.Catalog catalog, ModelFit fit, double gib)
    {
        var full = fit.Levels.Where(l => l.Kind == FitKind.FullGpu).ToList();
        var defaultId = catalog.Document.QuantizationGuidance.Default;
        var defaultRank = fit.Levels.First(l => l.Level.Id == defaultId).Level.Rank;
        var pick = full.FirstOrDefault(l => l.Level.Id == defaultId) ?? full.Where(l => l.Level.Rank > defaultRank).OrderBy(l => l.Level.Rank).FirstOrDefault();
        if (pick is not null)
        {
            var why = pick.Level.Id == defaultId ? $"{defaultId}, the guide's default, fits in {gib:0.#} GiB" : $"{pick.Level.Id} is the best level that fits in {gib:0.#} GiB";
            return fit with { Best = pick, Why = why };
        }
        var smallest = fit.Levels.OrderByDescending(l => l.Level.Rank).First();
        return fit with { Best = smallest with { Kind = FitKind.DoesNotFit }, Why = $"nothing fits in {gib:0.#} GiB of GPU memory" };
    }
}
