using System.Globalization;
using System.Net;
using System.Text;
using ModelScout.LoadTest.Exporters;
using ScottPlot;

namespace ModelScout.Cli.QuantLoss;

/// <summary>
/// The sweep as one self-contained HTML page, like the bench report: no scripts or external files, the chart inline SVG
/// drawn by ScottPlot (fonts as the bench charts find them), every string from outside HTML-escaped.
/// </summary>
internal static class QuantLossReport
{
    public static void Save(QuantLossJson sweep, string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        File.WriteAllText(path, Render(sweep), new UTF8Encoding(false));
    }

    public static string Render(QuantLossJson sweep)
    {
        ArgumentNullException.ThrowIfNull(sweep);
        var html = new StringBuilder(32 * 1024);
        html.Append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
            .Append("<title>scout quant-loss ").Append(E(Path.GetFileName(sweep.Source))).Append("</title>\n")
            .Append("<style>\nbody{font-family:system-ui,sans-serif;margin:2em;color:#222}\ntable{border-collapse:collapse;margin:0.5em 0 1.5em}\n")
            .Append("th,td{border:1px solid #ccc;padding:0.25em 0.6em;text-align:left}\ntd.n{text-align:right;font-variant-numeric:tabular-nums}\n")
            .Append("th{background:#f3f3f3}\nfigure{margin:1em 0}\n</style>\n</head>\n<body>\n");
        html.Append("<h1>Quantization loss: ").Append(E(Path.GetFileName(sweep.Source))).Append("</h1>\n<p>")
            .Append("Text: ").Append(E(sweep.Text.Label)).Append(" (sha256 ").Append(E(sweep.Text.Sha256[..Math.Min(16, sweep.Text.Sha256.Length)])).Append("…), ")
            .Append(I(sweep.Text.ScoredTokens)).Append(" scored tokens in ").Append(I(sweep.Context)).Append("-token chunks; ")
            .Append(I(sweep.Threads)).Append(" threads on ").Append(E(sweep.Machine.Cpu.Model)).Append('.')
            .Append(sweep.Model is { } m ? $" Recorded for catalog model {E(m)}." : "").Append("</p>\n");
        html.Append("<table>\n<tr><th>level</th><th>file</th><th>bits/weight</th><th>PPL</th><th>ΔPPL %</th><th>KLD</th><th>KLD p99</th><th>same top %</th><th>pp t/s</th><th>tg t/s</th><th>fits</th></tr>\n");
        foreach (var r in sweep.Levels.Prepend(sweep.Base))
        {
            html.Append("<tr><td>").Append(E(r.Type == QuantLossSweep.BaseType ? "source" : r.Type)).Append("</td>");
            if (r.Error is { } error)
            {
                html.Append("<td colspan=\"10\">failed: ").Append(E(error)).Append("</td></tr>\n");
                continue;
            }
            html.Append("<td class=\"n\">").Append(r.FileBytes is { } b ? E(Output.Format.Bytes(b)) : "").Append("</td>")
                .Append(Cell(r.BitsPerWeight, "0.00")).Append(Cell(r.Perplexity, "0.000")).Append(Cell(r.DeltaPplPct, "+0.00;-0.00")).Append(Cell(r.Kld, "0.0000"))
                .Append(Cell(r.KldP99, "0.000")).Append(Cell(r.SameTopPct, "0.0")).Append(Cell(r.PromptTokensPerSecond, "0.0")).Append(Cell(r.GenerateTokensPerSecond, "0.0"))
                .Append("<td>").Append(r.Fit is { } f ? E(f.Fits ? f.Placement : "no") : "").Append("</td></tr>\n");
        }
        html.Append("</table>\n<p>KLD: mean KL divergence of each next-token distribution from the source's, in nats (0 = identical). ")
            .Append("Same top: how often both put the same token first. ± is one standard error.</p>\n");
        var points = sweep.Levels.Where(l => l.FileBytes is not null && l.Kld is not null).ToList();
        if (points.Count > 0)
        {
            html.Append("<h2>Size against KL divergence</h2>\n");
            if (!BenchChartExporter.FontsAvailable)
                html.Append("<p>No font was found on the machine that drew this chart, so it has no labels. Install a font (e.g. fonts-dejavu-core) or point SCOUT_CHART_FONT at a .ttf file and rerun.</p>\n");
            var svg = Chart(points).GetSvgXml(BenchChartExporter.DefaultWidth, BenchChartExporter.DefaultHeight);
            // Inline SVG in HTML takes no XML declaration.
            var start = svg.IndexOf("<svg", StringComparison.Ordinal);
            html.Append("<figure>\n").Append(start > 0 ? svg[start..] : svg).Append("\n</figure>\n");
        }
        html.Append("</body>\n</html>\n");
        return html.ToString();
    }

    /// <summary>One point per level: file size in GB across, mean KLD up, each labelled with its type.</summary>
    public static Plot Chart(IReadOnlyList<QuantLossRowJson> levels)
    {
        ArgumentNullException.ThrowIfNull(levels);
        var plot = new Plot();
        var xs = levels.Select(l => l.FileBytes!.Value / 1e9).ToArray();
        var ys = levels.Select(l => l.Kld!.Value).ToArray();
        var color = new ScottPlot.Palettes.Category10().GetColor(0);
        var line = plot.Add.Scatter(xs, ys, color);
        line.MarkerSize = 8;
        line.LineWidth = 1;
        for (var i = 0; i < levels.Count; i++)
        {
            var label = plot.Add.Text(levels[i].Type, xs[i], ys[i]);
            label.LabelFontColor = color;
            label.LabelFontSize = 12;
            label.OffsetX = 6;
            label.OffsetY = -6;
        }
        plot.Axes.Margins(0.2, 0.25);
        plot.Title("File size against KL divergence from the source");
        plot.XLabel("File size (GB)");
        plot.YLabel("Mean KLD (nats per token)");
        return plot;
    }

    private static string Cell(double? v, string format) => "<td class=\"n\">" + (v is { } x ? E(x.ToString(format, CultureInfo.InvariantCulture)) : "") + "</td>";

    private static string Cell(EstimateJson? e, string format) => "<td class=\"n\">" + (e is null ? ""
        : E(e.Value.ToString(format, CultureInfo.InvariantCulture)) + " ± " + E(Math.Abs(e.StandardError).ToString(format.Split(';')[0].TrimStart('+'), CultureInfo.InvariantCulture))) + "</td>";

    private static string E(string text) => WebUtility.HtmlEncode(text);

    private static string I(long value) => value.ToString("N0", CultureInfo.InvariantCulture);
}
