using System.Globalization;
using ModelScout.Cli.Output;
using ModelScout.Cli.QuantLoss;
using ModelScout.Core.Catalog;
using ModelScout.Core.Fit;
using ModelScout.Core.Machines;
using ModelScout.Evaluation.Results;

namespace ModelScout.Cli.Commands;

/// <summary>scout quant: every quantization level of one model, its real size and loss, and whether it fits.</summary>
internal sealed class QuantCommand : ICommandBuilder
{
    private readonly Argument<string> model = new("model") { Description = "Ollama tag, id or name" };
    private readonly Option<string?> memory = new("--memory") { Description = "A GPU memory budget to test against: weights, cache, buffers and runtime overhead all on one GPU. 24 or 24GiB = 24 GiB; 24GB = 24x10^9 bytes (22.4 GiB)", HelpName = "SIZE" };

    public Command Build(CommonOptions o) =>
        o.AddPlanning(new Command("quant", "Every quantization level of a model: real bits per weight, file size, published loss measurements beside the guide's figure, whether it fits, and which to use.") { model, memory }, needs: false);

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
        var fit = ctx.Planner.Plan(m, machine, new FitOptions(context, kv));
        if (budgetGiB is { } budget) fit = InBudget(catalog, fit, budget);
        var sets = catalog.PublishedLoss(m);
        var resembles = catalog.GuideLossResembles;
        var here = MeasuredHere(ctx, m.Id);
        var rows = fit.Levels.OrderBy(l => l.Level.Rank).Select(l =>
        {
            var need = budgetGiB is null ? l.Memory.Total : ctx.Planner.FullGpuEstimate(m, l.Level, machine, new FitOptions(context, kv)).GpuTotal;
            return new QuantRowJson(l.Level.Id, l.Level.Kind, Math.Round(l.Weights.BitsPerWeight, 3), l.Level.MeasuredBpw?.Value, l.Weights.TotalBytes,
                GuideLoss(l.Level, resembles), sets.Select(s => Published(s, l.Level.Id)).OfType<PublishedLossJson>().ToList(),
                here.Where(r => string.Equals(r.Key.Type, l.Level.Id, StringComparison.OrdinalIgnoreCase)).Select(Measured).ToList(), l.Level.Guide,
                budgetGiB is null ? Format.PlacementId(l.Kind) : l.Kind == FitKind.FullGpu ? "fits" : "too-big",
                budgetGiB is null ? l.Fits : l.Kind == FitKind.FullGpu, need, budgetGiB is null ? SpeedJson.From(l.Speed) : null, fit.Best?.Level.Id == l.Level.Id && fit.Fits);
        }).ToList();
        var corrections = catalog.Document.QuantizationGuidance.Corrections;
        var measure = sets.Count == 0 ? MeasureCommand(m) : null;

        if (ctx.Json)
        {
            ctx.WriteJson(new QuantJson("modelscout/quant/v2", m.Id, context, budgetGiB is { } b ? (long)(b * (1L << 30)) : null,
                budgetGiB is null ? MachineJson.From(machine) : null, rows, fit.Fits ? fit.Best!.Level.Id : null, fit.Why,
                sets.Select(s => Source(catalog, s)).ToList(), resembles is null ? null : Source(catalog, resembles), measure, corrections), CliJson.Default.QuantJson);
            return fit.Fits ? ExitCodes.Ok : ExitCodes.Negative;
        }
        var con = ctx.Human;
        con.MarkupLine($"[bold]{Format.Esc(m.Name)}[/] at {Format.Tokens(context)} context, {(budgetGiB is { } g ? $"in {Budget(memoryText!, g)} of GPU memory" : "on " + Format.Esc(Format.Machine(machine)))}");
        var t = new Table().Border(TableBorder.Rounded);
        var withHere = rows.Any(r => r.MeasuredHere.Count > 0);
        t.AddColumns("Level", "Bits/weight", "File (GB)", sets.Count > 0 ? "Published (1)" : "Published");
        if (withHere) t.AddColumn("Measured here (2)");
        t.AddColumns("Guide's loss (3)", "Needs (GiB)", budgetGiB is null ? "Runs on" : "Fits", "tok/s", "Guide says");
        foreach (var r in rows)
        {
            var where = budgetGiB is null ? Format.Placement(fit.Levels.First(l => l.Level.Id == r.Id)) : r.Fits ? "[green]yes[/]" : "[red]no[/]";
            var name = r.Recommended ? $"[bold green]{r.Id} ←[/]" : r.Id;
            var published = r.Published.FirstOrDefault() is { } pub
                ? Format.Esc(LossText(pub.DeltaPplPct, pub.Kld, pub.SameTopPct) + (pub.ImatrixDeltaPplPct is { } im ? string.Create(CultureInfo.InvariantCulture, $"\nimatrix: PPL {im:+0.00}%") : ""))
                : "—";
            var cells = new List<string> { name, r.BitsPerWeight.ToString("0.00", CultureInfo.InvariantCulture), Format.Gb(r.FileBytes), published };
            if (withHere) cells.Add(r.MeasuredHere.FirstOrDefault() is { } mh ? Format.Esc(LossText(mh.DeltaPplPct, mh.Kld, mh.SameTopPct)) : "—");
            cells.AddRange([r.GuideLoss is { } gl ? Format.Esc(gl.Text) : "—", Format.InGiB(r.NeedBytes), where,
                r.Speed is { } sp ? Format.Speed(new SpeedRange(sp.Low, sp.High, sp.Basis)) : "—", Format.Esc(r.Guide is { } gr ? $"{gr.Bits}, {gr.Size7B} for 7B: {gr.BestFor}" : "")]);
            t.AddRow(cells.ToArray());
        }
        con.Write(t);
        foreach (var set in sets)
        {
            con.MarkupLine($"[grey](1) Published: perplexity change, KL divergence and same top token against FP16, measured on {Format.Esc(set.MeasuredOn)}"
                + $"{(set.Text is { } tx ? " over " + Format.Esc(tx) : "")}{(set.Hardware is { } hw ? $" ({Format.Esc(hw)})" : "")}, not on this model"
                + $"{(set.Relation is { } rel ? ": " + Format.Esc(rel) : "")}. Source: {Format.Esc(catalog.SourceTitle(set.Source))}.[/]");
        }
        if (measure is not null)
            con.MarkupLine($"Published: nothing is published for {Format.Esc(m.Family ?? m.Name)}. Measure it on your own text: [bold]{Format.Esc(measure)}[/]");
        if (withHere)
        {
            var runs = here.Select(x => $"{x.SourceName} on {x.TextLabel}, {x.Key.Context}-token chunks").Distinct();
            con.MarkupLine($"[grey](2) Measured here by `scout quant-loss` (the newest result per level): {Format.Esc(string.Join("; ", runs))}.[/]");
        }
        if (resembles is not null)
        {
            var column = string.Join(", ", resembles.Levels.Select(l => string.Create(CultureInfo.InvariantCulture, $"{l.Quant} {l.DeltaPplPct:+0.00}%")));
            con.MarkupLine($"[grey](3) The guide's loss is one figure per level for every model, not a measurement of this one; it is close to llama.cpp's old "
                + $"{Format.Esc(resembles.Metric)} for {Format.Esc(resembles.MeasuredOn)} ({Format.Esc(column)}). Source: {Format.Esc(catalog.SourceTitle(resembles.Source))}.[/]");
        }
        con.MarkupLine("[grey]File: download size in GB (10^9 bytes), as Hugging Face lists it. Needs: memory at run time in GiB (2^30 bytes), as GPUs and RAM are sized.[/]");
        con.MarkupLine(fit.Fits ? $"Recommended: [bold]{Format.Esc(fit.Why)}[/]." : $"[red]Nothing fits:[/] {Format.Esc(fit.Why)}");
        var g2 = catalog.Document.QuantizationGuidance;
        con.MarkupLine($"[grey]The guide: {Format.Esc(g2.Statements.GetValueOrDefault("start"))} {Format.Esc(g2.Statements.GetValueOrDefault("sensitive"))}[/]");
        foreach (var c in corrections) con.MarkupLine($"[grey]Correction: {Format.Esc(c)}[/]");
        return fit.Fits ? ExitCodes.Ok : ExitCodes.Negative;
    }

    // The guide's figure only where the guide prints one; the levels it skips get none (no interpolation).
    private static GuideLossJson? GuideLoss(QuantizationLevel level, QuantLossSet? resembles)
    {
        if (level.QualityLoss is not { } loss) return null;
        var text = level.Guide?.QualityLoss is { Length: > 0 } printed ? printed : string.Create(CultureInfo.InvariantCulture, $"{loss.Low:0.#}-{loss.High:0.#}%");
        return new GuideLossJson(text, loss.Low, loss.High, "the guide's single figure for every model", resembles is null ? null : Published(resembles, level.Id));
    }

    private static PublishedLossJson? Published(QuantLossSet set, string level)
    {
        var plain = set.Levels.FirstOrDefault(l => !l.Imatrix && string.Equals(l.Quant, level, StringComparison.OrdinalIgnoreCase));
        var imatrix = set.Levels.FirstOrDefault(l => l.Imatrix && string.Equals(l.Quant, level, StringComparison.OrdinalIgnoreCase));
        if (plain is null && imatrix is null) return null;
        return new PublishedLossJson(set.Id, set.MeasuredOn, plain?.Perplexity, plain?.DeltaPplPct, plain?.Kld, plain?.SameTopPct, imatrix?.DeltaPplPct, set.Source);
    }

    private static LossSourceJson Source(ModelScout.Core.Catalog.Catalog catalog, QuantLossSet s) =>
        new(s.Id, s.MeasuredOn, s.Relation, s.Metric, s.Text, s.Hardware, s.Source, catalog.SourceTitle(s.Source));

    private static MeasuredLossJson Measured(QuantLossRecord r) => new(r.SourceName, r.TextLabel, r.Key.Context, r.ScoredTokens, r.DeltaPplPct?.Value, r.Kld?.Value,
        r.SameTopPct?.Value, r.BitsPerWeight, r.FileBytes, r.PromptTokensPerSecond, r.GenerateTokensPerSecond, r.Created);

    /// <summary>What `scout quant-loss` recorded for the model in the home folder's results file; none when there is no file yet.</summary>
    private static List<QuantLossRecord> MeasuredHere(CommandContext ctx, string modelId)
    {
        var path = ctx.Settings.EvalDatabase;
        if (!File.Exists(path)) return [];
        try
        {
            using var store = EvalStore.Open(path);
            return store.QuantLossFor(modelId).Where(r => r.Key.Type != QuantLossSweep.BaseType).ToList();
        }
        catch (Exception e) when (e is Microsoft.Data.Sqlite.SqliteException or InvalidOperationException)
        {
            ctx.Stderr.WriteLine($"note: results measured here are not shown: {path}: {e.Message}");
            return [];
        }
    }

    private static string MeasureCommand(ModelEntry m) =>
        $"scout quant-loss {(m.HuggingFace is { } hf ? hf.Split('/')[^1] : m.Id)}-F16.gguf --model {m.Id} --types {QuantLossCommand.DefaultTypes} --text YOUR-TEXT.txt";

    // One figure per line, so a narrow column never breaks a figure from its name.
    private static string LossText(double? delta, double? kld, double? top) => string.Join("\n", new[]
    {
        delta is { } d ? string.Create(CultureInfo.InvariantCulture, $"PPL {d:+0.00;-0.00}%") : null,
        kld is { } k ? string.Create(CultureInfo.InvariantCulture, $"KLD {k:0.0000}") : null,
        top is { } t ? string.Create(CultureInfo.InvariantCulture, $"top {t:0.#}%") : null,
    }.OfType<string>());

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
