using System.Xml.Linq;
using ModelScout.Cli.Output;
using ModelScout.Cli.QuantLoss;

namespace ModelScout.Cli.Tests.QuantLoss;

public class QuantLossReportTests
{
    private static QuantLossRowJson Row(string type, long bytes, double? kld) =>
        new(type, $"/w/{type}.gguf", bytes, 8.5 * bytes / 1e9, new(9.1, 0.2), kld is null ? null : new(1.5, 0.1), kld is null ? null : new(kld.Value, 0.001), 0.3,
            kld is null ? null : new(95.5, 0.4), 500, 50, new LevelFitJson("cpu-only", true, bytes + 1000, 8192, null), false, true, null);

    private static QuantLossJson Sweep() => new("modelscout/quant-loss/v1", "/models/evil<script>alert(1)<\\script>.gguf", "1:2:3", "llama3.1-8b",
        new QuantLossTextJson("notes & <b>claims</b>.txt", new string('a', 64), 1024), 512, null, 2, MachineJson.From(FixedMachineSource.Desktop),
        Row("BASE", 16_000_000_000, null), [Row("Q8_0", 8_500_000_000, 0.002), Row("Q4_K_M", 4_900_000_000, 0.03), new("Q2_K", null, null, null, null, null, null, null, null, null, null, null, false, false, "tensor <x> rows")],
        "/w", "report.html");

    [Fact]
    public void The_page_escapes_every_name_and_holds_one_well_formed_svg_chart_of_size_against_KLD()
    {
        var html = QuantLossReport.Render(Sweep());
        Assert.StartsWith("<!DOCTYPE html>", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<script", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<b>claims", html, StringComparison.Ordinal);
        Assert.Contains("evil&lt;script&gt;", html, StringComparison.Ordinal);
        Assert.Contains("notes &amp; &lt;b&gt;claims&lt;/b&gt;.txt", html, StringComparison.Ordinal);
        Assert.Contains("failed: tensor &lt;x&gt; rows", html, StringComparison.Ordinal);
        Assert.Contains("0.0300 ± 0.0010", html, StringComparison.Ordinal);
        var start = html.IndexOf("<svg", StringComparison.Ordinal);
        var end = html.IndexOf("</svg>", StringComparison.Ordinal);
        Assert.True(start > 0 && end > start, "an inline SVG chart");
        Assert.Equal(1, html.Split("<svg").Length - 1);
        var svg = XDocument.Parse(html[start..(end + "</svg>".Length)]);
        Assert.Equal("svg", svg.Root!.Name.LocalName);
        // Two measured levels: two markers joined by one line, and each labelled.
        var plot = QuantLossReport.Chart([.. Sweep().Levels.Where(l => l.Kld is not null)]);
        Assert.Equal(2, plot.GetPlottables().OfType<ScottPlot.Plottables.Scatter>().Single().Data.GetScatterPoints().Count);
        Assert.Equal(["Q8_0", "Q4_K_M"], plot.GetPlottables().OfType<ScottPlot.Plottables.Text>().Select(t => t.LabelText));
        // The page is well-formed as far as an XML reader can tell once the HTML-only head is set aside.
        var body = html[html.IndexOf("<body>", StringComparison.Ordinal)..(html.IndexOf("</body>", StringComparison.Ordinal) + "</body>".Length)];
        XDocument.Parse(body);
    }
}
