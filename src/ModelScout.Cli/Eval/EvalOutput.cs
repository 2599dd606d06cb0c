using System.Globalization;
using ModelScout.Evaluation;
using ModelScout.Evaluation.Results;
using ModelScout.Evaluation.Running;
using ModelScout.Evaluation.Statistics;
using ModelScout.Evaluation.Suites;

namespace ModelScout.Cli.Eval;

/// <summary>The result of <c>scout eval</c>: built from the store (so a resumed run counts every invocation), rendered as tables or JSON.</summary>
internal static class EvalOutput
{
    public static EvalJson Build(EvalStore store, EvalRunInfo run, IReadOnlyList<BuiltSuite> built, EvalRunResult result, string target, string? server,
        MmluMode mode, TimeSpan elapsed, string resume, string status)
    {
        var suites = new List<EvalSuiteJson>();
        foreach (var b in built)
        {
            var name = b.Suite.Name;
            var summary = result.Suites.FirstOrDefault(s => s.Suite == name) ?? store.Summarize(run, name);
            var scores = store.Scores(run, name);
            var values = scores.Select(s => s.Score.Score).ToList();
            var binary = values.All(v => v is 0 or 1);
            var estimate = binary ? Estimate.Accuracy(values.Count(v => v == 1), values.Count) : Estimate.Mean(values);
            var metrics = scores.Where(s => s.Score.Metrics is not null)
                .SelectMany(s => s.Score.Metrics!)
                .GroupBy(kv => kv.Key, StringComparer.Ordinal)
                .OrderBy(g => g.Key, StringComparer.Ordinal)
                .ToDictionary(g => g.Key, g => Round(g.Average(kv => kv.Value)), StringComparer.Ordinal);
            suites.Add(new EvalSuiteJson(
                name,
                summary.ScoringMode ?? b.Suite.ScoringMode,
                b.Suite.Items.Count,
                summary.Scored,
                summary.Scored > 0 ? Round(summary.Mean) : null,
                double.IsFinite(estimate.StandardError) && values.Count >= 2 ? Round(estimate.StandardError) : null,
                summary.Errors,
                summary.Truncated,
                summary.Shortened ?? 0,
                summary.ExtractionFailures,
                summary.Scored > 0 ? Round((double)summary.ExtractionFailures / summary.Scored) : null,
                metrics,
                [.. summary.Subjects.Select(a => new EvalBreakdownJson(a.Key, a.Count, Round(a.Mean)))],
                [.. summary.Groups.Select(a => new EvalBreakdownJson(a.Key, a.Count, Round(a.Mean)))],
                summary.PromptTokens,
                summary.CompletionTokens,
                summary.Replies > 0 ? Math.Round(summary.LatencyMs / summary.Replies, 1) : null,
                b.FromSamples));
        }
        return new EvalJson("modelscout/eval/v1", run.Name, store.FilePath, target, run.Key.ModelId, run.Key.ModelDigest, run.Key.Quantization, server,
            built.Any(b => b.Suite.Name == "mmlu") ? mode.ToString().ToLowerInvariant() : null, status, result.Sent, result.Reused,
            Math.Round(elapsed.TotalSeconds, 2), resume, suites, run.Record);
    }

    private static double Round(double v) => Math.Round(v, 4);

    public static void Render(IAnsiConsole console, EvalJson json)
    {
        console.MarkupLine($"[bold]{Markup.Escape(json.Run)}[/]: {Markup.Escape(json.Target)}");
        var table = new Table().Border(TableBorder.Rounded)
            .AddColumn("Suite").AddColumn("Scoring").AddColumn(new TableColumn("Score").RightAligned()).AddColumn(new TableColumn("± SE").RightAligned())
            .AddColumn(new TableColumn("n").RightAligned()).AddColumn(new TableColumn("Errors").RightAligned()).AddColumn(new TableColumn("Truncated").RightAligned())
            .AddColumn(new TableColumn("No answer").RightAligned()).AddColumn("Side scores");
        foreach (var s in json.Suites)
        {
            var scale = s.Suite == "mtbench" ? 1 : 100;
            table.AddRow(
                s.Suite,
                Markup.Escape(s.ScoringMode ?? ""),
                s.Score is { } v ? Number(v * scale, scale == 1 ? "0.00" : "0.0") : "-",
                s.StandardError is { } se ? Number(se * scale, scale == 1 ? "0.00" : "0.0") : "-",
                $"{s.N}/{s.Total}",
                s.Errors.ToString(CultureInfo.InvariantCulture),
                s.Truncated.ToString(CultureInfo.InvariantCulture),
                s.ExtractionFailureRate is { } r ? $"{Number(r * 100, "0")}%" : "-",
                Markup.Escape(string.Join("  ", s.Metrics.Select(kv => SideScore(kv.Key, kv.Value, scale)))));
        }
        console.Write(table);
        foreach (var s in json.Suites)
        {
            var rows = Breakdown(s);
            if (rows.Count == 0) continue;
            var scale = s.Suite == "mtbench" ? 1 : 100;
            var t = new Table().Border(TableBorder.Simple).Title(Markup.Escape($"{s.Suite} by {BreakdownName(s.Suite)}"))
                .AddColumn("").AddColumn(new TableColumn("Score").RightAligned()).AddColumn(new TableColumn("n").RightAligned());
            foreach (var (label, row) in rows)
                t.AddRow(Markup.Escape(label), Number(row.Mean * scale, scale == 1 ? "0.00" : "0.0"), row.Count.ToString(CultureInfo.InvariantCulture));
            console.Write(t);
        }
        if (json.Suites.Any(s => s.FromSamples))
            console.MarkupLine("[grey]Scores on the built-in samples only show that the pipeline works; use --data DIR for real numbers.[/]");
    }

    // Side scores are fractions shown as percentages, except counts such as MMLU's mean shots per prompt.
    private static string SideScore(string key, double value, int scale) => SideScores.IsCount(key)
        ? $"{key} {Number(value, "0.##")}"
        : $"{key} {Number(value * scale, scale == 1 ? "0.00" : "0.0")}";

    private static string BreakdownName(string suite) => suite switch
    {
        "mmlu" => "category and subject",
        "math" => "level and type",
        "mtbench" or "bfcl" => "category",
        _ => "subject",
    };

    // Groups first (MMLU categories, MATH levels), then subjects; suites with neither print nothing.
    private static List<(string Label, EvalBreakdownJson Row)> Breakdown(EvalSuiteJson s) =>
        [.. s.Groups.Select(g => (g.Key, g)), .. s.Subjects.Select(x => ("  " + x.Key, x))];

    private static string Number(double v, string format) => v.ToString(format, CultureInfo.InvariantCulture);
}
