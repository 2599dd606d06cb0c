using System.Globalization;
using System.Net;
using System.Text;

namespace ModelScout.LoadTest.Exporters;

/// <summary>
/// Writes a <see cref="BenchReport"/> as one self-contained HTML page: no scripts, no external stylesheets, fonts or
/// images; the charts are inline SVG. Every string that came from outside (labels, model names, URLs, settings, failure
/// details, metric names) is HTML-escaped.
/// </summary>
public static class BenchHtmlExporter
{
    private const int FailureExamples = 5;

    private static readonly (string Name, Func<SampleSummary, LatencyStats> Stats)[] LatencyMetrics =
    [
        ("TTFT", s => s.Ttft),
        ("TPOT", s => s.Tpot),
        ("ITL", s => s.Itl),
        ("E2E", s => s.E2E),
    ];

    /// <summary>Writes the page to <paramref name="path"/> (UTF-8).</summary>
    public static void Save(BenchReport report, string path, bool includeCharts = true)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        File.WriteAllText(path, Render(report, includeCharts), new UTF8Encoding(false));
    }

    /// <summary>The page as a string; <paramref name="includeCharts"/> false leaves the charts out (faster, no SkiaSharp).</summary>
    public static string Render(BenchReport report, bool includeCharts = true)
    {
        ArgumentNullException.ThrowIfNull(report);
        var html = new StringBuilder(64 * 1024);
        html.Append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
            .Append("<title>scout bench ").Append(E(report.StartedAt.ToString("yyyy-MM-dd HH:mm:ss zzz", CultureInfo.InvariantCulture))).Append("</title>\n")
            .Append("<style>\n")
            .Append("body{font-family:system-ui,sans-serif;margin:2em;color:#222}\n")
            .Append("table{border-collapse:collapse;margin:0.5em 0 1.5em}\n")
            .Append("th,td{border:1px solid #ccc;padding:0.25em 0.6em;text-align:left}\n")
            .Append("td.n{text-align:right;font-variant-numeric:tabular-nums}\n")
            .Append("th{background:#f3f3f3}\n")
            .Append("figure{margin:1em 0}\n")
            .Append("</style>\n</head>\n<body>\n");
        html.Append("<h1>scout bench</h1>\n<p>Started ")
            .Append(E(report.StartedAt.ToString("yyyy-MM-dd HH:mm:ss zzz", CultureInfo.InvariantCulture)))
            .Append("; ").Append(I(report.Points.Sum(p => p.Samples.Count))).Append(" raw samples in ")
            .Append(I(report.Points.Count)).Append(" measurements.</p>\n");

        Settings(html, report);
        Targets(html, report);
        foreach (var level in report.Levels) Level(html, report, level);
        if (includeCharts && report.Points.Count > 0) Charts(html, report);
        html.Append("</body>\n</html>\n");
        return html.ToString();
    }

    private static void Settings(StringBuilder html, BenchReport report)
    {
        html.Append("<h2>Settings</h2>\n<table>\n");
        foreach (var (key, value) in report.Settings.OrderBy(kv => kv.Key, StringComparer.Ordinal))
            html.Append("<tr><th>").Append(E(key)).Append("</th><td>").Append(E(value)).Append("</td></tr>\n");
        html.Append("</table>\n");
    }

    private static void Targets(StringBuilder html, BenchReport report)
    {
        html.Append("<h2>Targets</h2>\n<table>\n<tr><th>label</th><th>endpoint</th><th>model</th><th>format</th></tr>\n");
        for (var i = 0; i < report.Targets.Count; i++)
        {
            var t = report.Targets[i];
            html.Append("<tr><td>").Append(E(t.Label)).Append(i == 0 && report.Targets.Count > 1 ? " (baseline)" : "")
                .Append("</td><td>").Append(E(t.Endpoint.ToString()))
                .Append("</td><td>").Append(E(t.Model))
                .Append("</td><td>").Append(t.Format).Append("</td></tr>\n");
        }
        html.Append("</table>\n");
    }

    private static void Level(StringBuilder html, BenchReport report, LoadLevel level)
    {
        var points = report.Targets
            .Select(t => report.Points.FirstOrDefault(p => p.Target == t && p.Level == level))
            .ToList();
        html.Append("<h2>").Append(E(level.Label)).Append("</h2>\n<table>\n<tr><th>metric</th>");
        foreach (var t in report.Targets) html.Append("<th>").Append(E(t.Label)).Append("</th>");
        html.Append("</tr>\n");

        Row(html, "raw samples", points, p => I(p.Samples.Count));
        Row(html, "completed", points, p => I(p.Summary.Completed));
        Row(html, "failed", points, p => I(p.Summary.Failed));
        Row(html, "duration (s)", points, p => F(p.Summary.Duration.TotalSeconds, "0.000"));
        Row(html, "request throughput (req/s)", points, p => F(p.Summary.RequestThroughput));
        Row(html, "output token throughput (tok/s)", points, p => F(p.Summary.OutputTokenThroughput));
        Row(html, "total token throughput (tok/s)", points, p => F(p.Summary.TotalTokenThroughput));
        if (points.Any(p => p?.Summary.Goodput is not null))
            Row(html, "goodput (req/s)", points, p => p.Summary.Goodput is { } g ? F(g) : "");
        Row(html, "output tokens", points, p => I(p.Summary.TotalOutputTokens));
        foreach (var (name, stats) in LatencyMetrics)
        {
            Row(html, name + " mean (ms)", points, p => F(stats(p.Summary).Mean));
            Row(html, name + " median (ms)", points, p => F(stats(p.Summary).Median));
            Row(html, name + " p90 (ms)", points, p => F(stats(p.Summary).P90));
            Row(html, name + " p99 (ms)", points, p => F(stats(p.Summary).P99));
            Row(html, name + " min / max (ms)", points, p => F(stats(p.Summary).Min) + " / " + F(stats(p.Summary).Max));
        }
        html.Append("</table>\n");

        var ratios = report.Ratios.Where(r => r.Level == level).ToList();
        if (ratios.Count > 0)
        {
            html.Append("<h3>Ratios against the baseline</h3>\n<p>Median of the per-round ratios, with the interquartile range.</p>\n")
                .Append("<table>\n<tr><th>metric</th><th>target / baseline</th><th>ratio</th><th>IQR</th></tr>\n");
            foreach (var r in ratios)
            {
                html.Append("<tr><td>").Append(E(r.Metric)).Append("</td><td>").Append(E(r.Other)).Append(" / ").Append(E(r.Baseline))
                    .Append("</td><td class=\"n\">").Append(F(r.Median, "0.00")).Append("x</td><td class=\"n\">")
                    .Append(F(r.Low, "0.00")).Append("x – ").Append(F(r.High, "0.00")).Append("x</td></tr>\n");
            }
            html.Append("</table>\n");
        }

        foreach (var point in points.OfType<BenchPoint>().Where(p => p.Summary.Failed > 0)) Failures(html, point);
        foreach (var point in points.OfType<BenchPoint>().Where(p => p.ServerMetrics is { Count: > 0 })) ServerMetrics(html, point);
    }

    private static void Row(StringBuilder html, string metric, IReadOnlyList<BenchPoint?> points, Func<BenchPoint, string> cell)
    {
        html.Append("<tr><th>").Append(E(metric)).Append("</th>");
        foreach (var p in points) html.Append("<td class=\"n\">").Append(p is null ? "–" : E(cell(p))).Append("</td>");
        html.Append("</tr>\n");
    }

    private static void Failures(StringBuilder html, BenchPoint point)
    {
        html.Append("<h3>Failures: ").Append(E(point.Target.Label)).Append("</h3>\n<table>\n<tr><th>reason</th><th>requests</th><th>examples</th></tr>\n");
        foreach (var (kind, count) in point.Summary.FailureReasons.OrderByDescending(kv => kv.Value))
        {
            var examples = point.Samples
                .Where(s => s.Failure?.Kind == kind)
                .Select(s => s.Failure!.Detail)
                .Distinct(StringComparer.Ordinal)
                .Take(FailureExamples);
            html.Append("<tr><td>").Append(kind).Append("</td><td class=\"n\">").Append(I(count)).Append("</td><td>")
                .AppendJoin("<br>", examples.Select(E)).Append("</td></tr>\n");
        }
        html.Append("</table>\n");
    }

    private static void ServerMetrics(StringBuilder html, BenchPoint point)
    {
        html.Append("<h3>Server metrics: ").Append(E(point.Target.Label)).Append("</h3>\n")
            .Append("<table>\n<tr><th>metric</th><th>before</th><th>after</th><th>delta</th></tr>\n");
        foreach (var m in point.ServerMetrics!)
        {
            html.Append("<tr><td>").Append(E(m.Name)).Append("</td><td class=\"n\">").Append(F(m.Before))
                .Append("</td><td class=\"n\">").Append(F(m.After)).Append("</td><td class=\"n\">").Append(F(m.Delta)).Append("</td></tr>\n");
        }
        html.Append("</table>\n");
    }

    private static void Charts(StringBuilder html, BenchReport report)
    {
        html.Append("<h2>Charts</h2>\n");
        if (!BenchChartExporter.FontsAvailable)
        {
            html.Append("<p>No font was found on the machine that drew these charts, so they have no labels. Install a font ")
                .Append("(e.g. fonts-dejavu-core) or point SCOUT_CHART_FONT at a .ttf file and rerun.</p>\n");
        }
        foreach (var chart in new[] { BenchChart.ThroughputLatency, BenchChart.Ttft, BenchChart.Tpot })
        {
            var svg = BenchChartExporter.Svg(report, chart);
            // Inline SVG in HTML takes no XML declaration.
            var start = svg.IndexOf("<svg", StringComparison.Ordinal);
            html.Append("<figure>\n").Append(start > 0 ? svg[start..] : svg).Append("\n</figure>\n");
        }
    }

    private static string E(string text) => WebUtility.HtmlEncode(text);

    private static string I(long value) => value.ToString("N0", CultureInfo.InvariantCulture);

    private static string F(double value, string format = "0.##") =>
        double.IsFinite(value) ? value.ToString(format, CultureInfo.InvariantCulture) : value.ToString(CultureInfo.InvariantCulture);
}
