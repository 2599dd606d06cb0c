using System.Globalization;
using System.Net;
using System.Text;

namespace ModelScout.Cli.EvalReports;

/// <summary>
/// One self-contained HTML page for <c>scout eval report --html</c>: inline CSS, no scripts, no external links. Every
/// value from the store (model names, endpoints, subjects) is HTML-encoded, since a model id is whatever an endpoint said.
/// </summary>
internal static class HtmlReport
{
    public static string Render(EvalReportJson report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var h = new StringBuilder();
        var run = report.Run;
        h.Append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>scout eval report: ").Append(E(run.Name)).Append("</title>\n");
        h.Append("<style>body{font-family:system-ui,sans-serif;margin:2em;max-width:70em;color:#222}table{border-collapse:collapse;margin:0.5em 0 1.5em}")
            .Append("th,td{border:1px solid #ccc;padding:0.25em 0.6em;text-align:left}th{background:#f3f3f3}td.n{text-align:right}")
            .Append(".note{color:#666}h2{margin-top:1.5em}</style>\n</head>\n<body>\n");
        h.Append("<h1>Eval report: ").Append(E(run.Name)).Append("</h1>\n");
        h.Append("<table>\n");
        Row(h, "Model", run.Model);
        Row(h, "Endpoint", run.Endpoint);
        Row(h, "Quantization", run.Quantization);
        Row(h, "Model digest", run.ModelDigest);
        Row(h, "Status", run.Status);
        Row(h, "Created", run.Created.ToString("u", CultureInfo.InvariantCulture));
        Row(h, "Catalog model", report.CatalogModel is { } c ? $"{c.Name} ({c.Id})" : null);
        h.Append("</table>\n");
        if (report.CatalogNote is { } note) h.Append("<p class=\"note\">").Append(E(note)).Append("</p>\n");

        h.Append("<h2>Results</h2>\n<table>\n<tr><th>Suite</th><th>Scoring</th><th>n</th><th>Measured</th><th>95 % CI</th><th>Published</th><th>Errors</th><th>Truncated</th><th>Extraction failures</th><th>Tokens in/out</th><th>Mean latency</th></tr>\n");
        foreach (var s in report.Suites)
        {
            h.Append("<tr><td>").Append(E(s.Suite)).Append("</td><td>").Append(E(s.ScoringMode)).Append("</td>");
            Num(h, s.Scored.ToString(CultureInfo.InvariantCulture));
            Num(h, N(s.Score));
            Num(h, s.Ci95 is { } ci ? E(RunReport.Interval(ci, s.Unit == "rating" ? "0.00" : "0.0")) : "—");
            h.Append("<td>").Append(s.Published is { } p ? E(p.Value.ToString("0.0#", CultureInfo.InvariantCulture) + " (" + p.Basis + ")") : "—").Append("</td>");
            Num(h, s.Errors.ToString(CultureInfo.InvariantCulture));
            Num(h, s.Truncated.ToString(CultureInfo.InvariantCulture));
            Num(h, s.ExtractionFailures.ToString(CultureInfo.InvariantCulture) + " (" + (s.ExtractionFailureRate * 100).ToString("0.#", CultureInfo.InvariantCulture) + " %)");
            Num(h, s.PromptTokens.ToString(CultureInfo.InvariantCulture) + " / " + s.CompletionTokens.ToString(CultureInfo.InvariantCulture));
            Num(h, s.MeanLatencyMs is { } l ? l.ToString("0.#", CultureInfo.InvariantCulture) + " ms" : "—");
            h.Append("</tr>\n");
        }
        h.Append("</table>\n");
        foreach (var s in report.Suites)
        {
            h.Append("<p>").Append(E(s.Suite)).Append(": ").Append(E(s.Line)).Append("</p>\n");
        }

        foreach (var s in report.Suites)
        {
            if (s.Metrics.Count == 0 && s.Subjects.Count == 0 && s.Groups.Count == 0) continue;
            h.Append("<h2>").Append(E(s.Suite)).Append(" breakdown</h2>\n");
            if (s.Metrics.Count > 0)
            {
                h.Append("<table>\n<tr><th>Metric</th><th>Value</th></tr>\n");
                foreach (var (k, v) in s.Metrics)
                {
                    h.Append("<tr><td>").Append(E(k)).Append("</td>");
                    Num(h, N(v));
                    h.Append("</tr>\n");
                }
                h.Append("</table>\n");
            }
            Breakdown(h, "Group", s.Groups);
            Breakdown(h, "Subject", s.Subjects);
        }

        if (report.Cost.Count > 0)
        {
            h.Append("<h2>Cost at hosted list prices</h2>\n<table>\n<tr><th>API</th><th>Input $/Mtok</th><th>Output $/Mtok</th><th>This run's tokens</th></tr>\n");
            foreach (var price in report.Cost)
            {
                h.Append("<tr><td>").Append(E(price.Api + (price.RunModel ? " (this run's model)" : ""))).Append("</td><td>")
                    .Append(price.InputUsdPerMTok.ToString("0.###", CultureInfo.InvariantCulture)).Append("</td><td>")
                    .Append(price.OutputUsdPerMTok.ToString("0.###", CultureInfo.InvariantCulture)).Append("</td><td>$")
                    .Append(price.Usd.ToString("0.####", CultureInfo.InvariantCulture)).Append("</td></tr>\n");
            }
            h.Append("</table>\n");
        }

        h.Append("<h2>Reproducibility</h2>\n<table>\n");
        var r = report.Record;
        Row(h, "Endpoint", r.Endpoint);
        Row(h, "Model", r.Model);
        Row(h, "Server version", r.ServerVersion);
        Row(h, "Seed", r.Seed?.ToString(CultureInfo.InvariantCulture));
        Row(h, "Chat template SHA-256", r.ChatTemplateHash);
        Row(h, "ModelScout version", r.ModelScoutVersion);
        Row(h, "HumanEval network isolated", r.SandboxNetworkIsolated is { } iso ? (iso ? "yes" : "no: the sandbox could not cut the network off") : null);
        foreach (var (k, v) in r.Sampling ?? new Dictionary<string, string>()) Row(h, "Sampling " + k, v);
        foreach (var (k, v) in r.ScoringModes ?? new Dictionary<string, string>()) Row(h, "Scoring " + k, v);
        foreach (var (k, v) in r.DatasetHashes ?? new Dictionary<string, string>()) Row(h, "Dataset " + k, v);
        h.Append("</table>\n<p class=\"note\">Written by scout eval report.</p>\n</body>\n</html>\n");
        return h.ToString();
    }

    private static void Breakdown(StringBuilder h, string title, IReadOnlyList<BreakdownJson> rows)
    {
        if (rows.Count == 0) return;
        h.Append("<table>\n<tr><th>").Append(title).Append("</th><th>n</th><th>Score</th></tr>\n");
        foreach (var b in rows)
        {
            h.Append("<tr><td>").Append(E(b.Key)).Append("</td>");
            Num(h, b.Count.ToString(CultureInfo.InvariantCulture));
            Num(h, N(b.Score));
            h.Append("</tr>\n");
        }
        h.Append("</table>\n");
    }

    private static void Row(StringBuilder h, string key, string? value)
    {
        if (string.IsNullOrEmpty(value)) return;
        h.Append("<tr><th>").Append(E(key)).Append("</th><td>").Append(E(value)).Append("</td></tr>\n");
    }

    private static void Num(StringBuilder h, string text) => h.Append("<td class=\"n\">").Append(E(text)).Append("</td>");

    private static string N(double? v) => v is { } x ? x.ToString("0.0##", CultureInfo.InvariantCulture) : "—";

    private static string E(string s) => WebUtility.HtmlEncode(s);
}
