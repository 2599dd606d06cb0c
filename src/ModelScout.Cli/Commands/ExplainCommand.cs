using ModelScout.Cli.Output;
using ModelScout.Core.Catalog;

namespace ModelScout.Cli.Commands;

/// <summary>scout explain: the guide's concepts and FAQ in plain words, with its mistakes corrected.</summary>
internal sealed class ExplainCommand : ICommandBuilder
{
    private readonly Argument<string?> term = new("term") { Description = "A term (mmlu, q4_k_m, k-quants, moe, lost-in-the-middle) or FAQ (replace-gpt-4o, q4km-vs-q8, llama-commercial); omit to list them", Arity = ArgumentArity.ZeroOrOne };

    public Command Build(CommonOptions o) =>
        new("explain", "Short explanations of benchmarks, quantization types, context windows, MoE and the guide's FAQ.") { term };

    public int Run(CommandContext ctx)
    {
        var catalog = ctx.Catalog;
        var name = ctx.Parse.GetValue(term);
        if (name is null)
        {
            var all = catalog.Document.Glossary;
            if (ctx.Json)
            {
                ctx.WriteJson(new ExplainJson("modelscout/explain/v1", all.Select(g => Enrich(catalog, g)).ToList()), CliJson.Default.ExplainJson);
                return ExitCodes.Ok;
            }
            var t = new Table().Border(TableBorder.Rounded);
            t.AddColumns("Term", "What", "Also");
            foreach (var g in all) t.AddRow(Format.Esc(g.Id), Format.Esc(g.Title), Format.Esc(string.Join(", ", g.Aliases.Take(3))));
            ctx.Human.Write(t);
            return ExitCodes.Ok;
        }
        var entry = catalog.FindTerm(name);
        if (entry is null)
        {
            var s = catalog.SuggestTerms(name);
            throw new CliException($"no explanation for '{name}'.{(s.Count > 0 ? $" Did you mean: {string.Join(", ", s)}?" : "")} `scout explain` lists them.", ExitCodes.NotFound) { Suggestions = s };
        }
        if (ctx.Json)
        {
            ctx.WriteJson(new ExplainJson("modelscout/explain/v1", [Enrich(catalog, entry)]), CliJson.Default.ExplainJson);
            return ExitCodes.Ok;
        }
        var con = ctx.Human;
        con.MarkupLine($"[bold]{Format.Esc(entry.Title)}[/]");
        con.WriteLine(entry.Text);
        var facts = Enrich(catalog, entry);
        if (facts.Benchmark is { } b) RenderBenchmark(con, b);
        if (facts.Quantization is { } q) RenderQuant(con, q);
        if (entry.Guide is { } gs) con.MarkupLine($"[grey]The guide:[/] {Format.Esc(gs)}");
        if (entry.Correction is { } c) con.MarkupLine($"[yellow]Correction:[/] {Format.Esc(c)}");
        if (entry.Related.Count > 0) con.MarkupLine($"[grey]See also: {Format.Esc(string.Join(", ", entry.Related))}[/]");
        return ExitCodes.Ok;
    }

    // Benchmark and quantization entries take their figures from the catalog's tables, so each number lives once.
    private static ExplainEntryJson Enrich(ModelScout.Core.Catalog.Catalog catalog, GlossaryEntry g) =>
        new(g, catalog.Benchmark(g.Id.Replace("-", "", StringComparison.Ordinal)), catalog.Quantization(g.Id));

    private static void RenderBenchmark(IAnsiConsole con, BenchmarkInfo b)
    {
        if (b.Items is { } i) con.MarkupLine($"[grey]Size:[/] {i.Count:N0} {Format.Esc(i.Unit)}; {Format.Esc(b.Format)}.");
        con.MarkupLine($"[grey]Proxy for:[/] {Format.Esc(b.ProxyFor)}.");
        foreach (var t in b.Thresholds)
        {
            var at = t.AtLeast is { } a ? $"{a:0.##}% or more" : t.Above is { } ab ? $"above {ab:0.##}%" : t.Below is { } be ? $"below {be:0.##}%" : "";
            con.MarkupLine($"[grey]The guide:[/] {at}: {Format.Esc(t.Label)}.");
        }
        if (b.Reference is { } r)
        {
            var v = r.Value is { } x ? x.ToString("0.##", System.Globalization.CultureInfo.InvariantCulture) : $"{r.Low:0.##}-{r.High:0.##}{(b.IsTenPoint ? "" : "%")}";
            con.MarkupLine($"[grey]The guide:[/] {Format.Esc(r.Label)} scores about {v}.");
        }
        if (b.Caveat is { } c) con.MarkupLine($"[grey]Caveat:[/] {Format.Esc(c)}");
    }

    private static void RenderQuant(IAnsiConsole con, QuantizationLevel q)
    {
        con.MarkupLine(q.MeasuredBpw is { } m
            ? $"[grey]Measured:[/] {m.Value:0.00} bits per weight on {Format.Esc(m.Model)} ({Format.Esc(m.Source)}). {Format.Esc(q.Description)}"
            : $"[grey]Measured:[/] no single figure: the size depends on the model. {Format.Esc(q.Description)}");
        if (q.Guide is { } g)
            con.MarkupLine($"[grey]The guide:[/] {Format.Esc(g.Bits)}, {Format.Esc(g.Size7B)} for a 7B model, {Format.Esc(g.QualityLoss)} quality loss, {Format.Esc(g.MinVram7B)} minimum VRAM for 7B; {Format.Esc(g.BestFor)}.");
        else
            con.MarkupLine("[grey]The guide gives no figures for this level.[/]");
    }
}
