using System.Globalization;
using ModelScout.Cli.EvalReports;
using ModelScout.Cli.Output;

namespace ModelScout.Cli.Commands;

/// <summary>scout eval report RUN: a run's results beside the catalog's published scores, breakdowns, failure rates, tokens, latency and the reproducibility record.</summary>
internal sealed class EvalReportCommand : ICommandBuilder
{
    private readonly Argument<string> run = new("run") { Description = "The run's name (`scout eval list` shows them)" };
    private readonly Option<string?> html = new("--html") { Description = "Also write the report as one self-contained HTML page", HelpName = "FILE" };
    private readonly Option<string?> db = EvalDatabase.Option();

    public Command Build(CommonOptions o) =>
        new("report", "Show an eval run's results next to the catalog's published scores for that model: per-subject and category breakdowns, extraction-failure rates, tokens, latency and how to reproduce it.") { run, html, db };

    public int Run(CommandContext ctx)
    {
        using var store = EvalDatabase.OpenExisting(EvalDatabase.PathFrom(ctx, db));
        var info = EvalDatabase.FindRun(store, ctx.Parse.GetValue(run)!);
        var report = RunReport.Build(store, info, ctx.Catalog);
        if (ctx.Parse.GetValue(html) is { Length: > 0 } file)
        {
            try
            {
                var full = Path.GetFullPath(file);
                if (Path.GetDirectoryName(full) is { } dir) Directory.CreateDirectory(dir);
                File.WriteAllText(full, HtmlReport.Render(report));
                ctx.Notes.MarkupLine($"[grey]Wrote {Format.Esc(full)}[/]");
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException)
            {
                throw new CliException($"cannot write the HTML report to {file}: {e.Message}. Pick another path with --html.", ExitCodes.Error);
            }
        }
        if (ctx.Json)
        {
            ctx.WriteJson(report, EvalReportsJson.Default.EvalReportJson);
            return ExitCodes.Ok;
        }
        Render(ctx, report);
        return ExitCodes.Ok;
    }

    internal static void Render(CommandContext ctx, EvalReportJson r)
    {
        var con = ctx.Human;
        var run = r.Run;
        con.Write(new Rule($"[bold]{Format.Esc(run.Name)}[/]").LeftJustified());
        con.MarkupLine($"{Format.Esc(run.Model)}{(run.Quantization is { Length: > 0 } q ? " " + Format.Esc(q) : "")} via {Format.Esc(run.Endpoint)} — {Format.Esc(run.Status)}, {run.Created.ToString("u", CultureInfo.InvariantCulture)}");
        if (r.CatalogModel is { } c) con.MarkupLine($"[grey]Catalog model: {Format.Esc(c.Name)} ({Format.Esc(c.Id)})[/]");
        if (r.CatalogNote is { } note) con.MarkupLine($"[grey]Note: {Format.Esc(note)}[/]");
        if (r.Suites.Count == 0)
        {
            con.MarkupLine("This run has no results yet; rerun the same `scout eval` command to resume it.");
            return;
        }
        var t = new Table().Border(TableBorder.Rounded);
        t.AddColumns("Suite", "Scoring", "n", "Score", "95 % CI", "Published", "Errors", "Truncated", "Extraction failed", "Tokens in/out", "Latency");
        foreach (var s in r.Suites)
        {
            t.AddRow(Format.Esc(s.Suite), Format.Esc(s.ScoringMode), s.Scored.ToString(CultureInfo.InvariantCulture), N(s.Score), Ci(s),
                s.Published is { } p ? p.Value.ToString("0.0#", CultureInfo.InvariantCulture) + (p.Verified ? "" : "*") : "—",
                s.Errors.ToString(CultureInfo.InvariantCulture), s.Truncated.ToString(CultureInfo.InvariantCulture),
                string.Create(CultureInfo.InvariantCulture, $"{s.ExtractionFailures} ({s.ExtractionFailureRate * 100:0.#} %)"),
                string.Create(CultureInfo.InvariantCulture, $"{s.PromptTokens} / {s.CompletionTokens}"),
                s.MeanLatencyMs is { } l ? string.Create(CultureInfo.InvariantCulture, $"{l:0.#} ms") : "—");
        }
        con.Write(t);
        foreach (var s in r.Suites)
        {
            con.MarkupLine($"{Format.Esc(s.Suite)}: {Format.Esc(s.Line)}");
            if (s.Metrics.Count > 0)
                con.MarkupLine("[grey]  " + Format.Esc(string.Join(", ", s.Metrics.Select(kv => $"{kv.Key} {kv.Value.ToString("0.0#", CultureInfo.InvariantCulture)}"))) + "[/]");
            if (s.Groups.Count > 0)
                con.MarkupLine("[grey]  by group: " + Format.Esc(string.Join(", ", s.Groups.Select(g => $"{g.Key} {N(g.Score)} (n={g.Count})"))) + "[/]");
            if (s.Subjects.Count > 0)
                con.MarkupLine("[grey]  by subject: " + Format.Esc(string.Join(", ", s.Subjects.Select(g => $"{g.Key} {N(g.Score)} (n={g.Count})"))) + "[/]");
        }
        if (r.Cost.Count > 0)
        {
            var prices = r.Cost.Select(c => string.Create(CultureInfo.InvariantCulture, $"{c.Api} ${c.Usd:0.####}{(c.RunModel ? " (this run's model)" : "")}"));
            con.MarkupLine(Format.Esc(string.Create(CultureInfo.InvariantCulture,
                $"Cost of these {r.Cost[0].PromptTokens:N0} prompt + {r.Cost[0].CompletionTokens:N0} completion tokens at list prices: ")) + Format.Esc(string.Join(", ", prices)));
        }
        var rec = r.Record;
        var facts = new List<string>();
        if (rec.ServerVersion is { } sv) facts.Add("server " + sv);
        if (rec.Seed is { } seed) facts.Add("seed " + seed.ToString(CultureInfo.InvariantCulture));
        if (rec.Sampling is { Count: > 0 } sampling) facts.Add(string.Join(", ", sampling.Select(kv => $"{kv.Key}={kv.Value}")));
        if (rec.ChatTemplateHash is { } th) facts.Add("chat template sha256 " + th[..Math.Min(12, th.Length)]);
        if (rec.ModelScoutVersion is { } v) facts.Add("ModelScout " + v);
        if (rec.DatasetHashes is { Count: > 0 } ds) facts.Add($"{ds.Count} dataset file(s) hashed");
        if (rec.SandboxNetworkIsolated == false) facts.Add("HumanEval ran WITHOUT network isolation");
        if (facts.Count > 0) con.MarkupLine("[grey]Reproducibility: " + Format.Esc(string.Join("; ", facts)) + " (--json shows the whole record)[/]");
    }

    private static string Ci(SuiteReportJson s) => s.Ci95 is { } ci ? RunReport.Interval(ci, s.Unit == "rating" ? "0.00" : "0.0") : "—";

    private static string N(double? v) => v is { } x ? x.ToString("0.0#", CultureInfo.InvariantCulture) : "—";
}
