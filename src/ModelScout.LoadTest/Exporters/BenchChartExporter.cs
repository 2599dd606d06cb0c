using System.Globalization;
using ScottPlot;

namespace ModelScout.LoadTest.Exporters;

/// <summary>The charts a bench report draws; each is its own image.</summary>
public enum BenchChart
{
    /// <summary>Output tokens/s against median end-to-end latency, one line per target across the levels.</summary>
    ThroughputLatency,

    /// <summary>TTFT median, p90 and p99 by level, per target.</summary>
    Ttft,

    /// <summary>TPOT median, p90 and p99 by level, per target.</summary>
    Tpot,
}

/// <summary>Image formats the chart exporter writes.</summary>
public enum ChartFormat
{
    /// <summary>Portable Network Graphics.</summary>
    Png,

    /// <summary>Scalable Vector Graphics (XML).</summary>
    Svg,
}

/// <summary>
/// Draws a <see cref="BenchReport"/> with ScottPlot (SkiaSharp underneath, its native library bundled without
/// fontconfig, so it renders on a bare Linux machine). Each chart is a separate image rather than one image with
/// subplots: the files stay readable at their natural size and the HTML report can place them one by one.
/// </summary>
public static class BenchChartExporter
{
    /// <summary>Default image width in pixels.</summary>
    public const int DefaultWidth = 900;

    /// <summary>Default image height in pixels.</summary>
    public const int DefaultHeight = 540;

    private const string CustomFontName = "ScoutChartFont";

    private static readonly BenchChart[] AllCharts = [BenchChart.ThroughputLatency, BenchChart.Ttft, BenchChart.Tpot];

    private static bool customFont;

    /// <summary>
    /// False when SkiaSharp finds no font: no system fonts (its Linux library reads /usr/share/fonts without fontconfig)
    /// and no file given to <see cref="UseFontFile"/>. The charts then render without any text, so callers should say so.
    /// </summary>
    public static bool FontsAvailable => customFont || SystemFonts.Value;

    private static readonly Lazy<bool> SystemFonts = new(() => SkiaSharp.SKFontManager.Default.FontFamilyCount > 0);

    /// <summary>Draws the charts' text with the TrueType/OpenType file at <paramref name="file"/>; false when there is no such file.</summary>
    public static bool UseFontFile(string file)
    {
        if (string.IsNullOrWhiteSpace(file) || !File.Exists(file)) return false;
        Fonts.AddFontFile(CustomFontName, file);
        Fonts.Default = CustomFontName;
        customFont = true;
        return true;
    }

    /// <summary>
    /// Writes every chart next to <paramref name="path"/>: the throughput/latency chart to the path itself, the others with
    /// <c>-ttft</c> and <c>-tpot</c> before the extension (<c>run.png</c>, <c>run-ttft.png</c>, <c>run-tpot.png</c>). The
    /// extension (<c>.png</c> or <c>.svg</c>) picks the format. Returns the paths written.
    /// </summary>
    public static IReadOnlyList<string> Save(BenchReport report, string path, int width = DefaultWidth, int height = DefaultHeight)
    {
        ArgumentNullException.ThrowIfNull(report);
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var extension = Path.GetExtension(path);
        var format = extension.ToUpperInvariant() switch
        {
            ".PNG" => ChartFormat.Png,
            ".SVG" => ChartFormat.Svg,
            _ => throw new ArgumentException($"a chart file must end in .png or .svg, not '{extension}'", nameof(path)),
        };
        var written = new List<string>();
        foreach (var chart in AllCharts)
        {
            var target = chart == BenchChart.ThroughputLatency ? path : SiblingPath(path, chart);
            var bytes = format == ChartFormat.Png
                ? Png(report, chart, width, height)
                : System.Text.Encoding.UTF8.GetBytes(Svg(report, chart, width, height));
            File.WriteAllBytes(target, bytes);
            written.Add(target);
        }
        return written;
    }

    /// <summary>The file a secondary chart goes to, beside <paramref name="path"/>.</summary>
    public static string SiblingPath(string path, BenchChart chart)
    {
        ArgumentNullException.ThrowIfNull(path);
        var suffix = chart switch
        {
            BenchChart.ThroughputLatency => "",
            BenchChart.Ttft => "-ttft",
            _ => "-tpot",
        };
        var directory = Path.GetDirectoryName(path);
        var name = Path.GetFileNameWithoutExtension(path) + suffix + Path.GetExtension(path);
        return string.IsNullOrEmpty(directory) ? name : Path.Combine(directory, name);
    }

    /// <summary>One chart as PNG bytes.</summary>
    public static byte[] Png(BenchReport report, BenchChart chart, int width = DefaultWidth, int height = DefaultHeight)
    {
        var plot = Build(report, chart);
        return plot.GetImageBytes(width, height, ImageFormat.Png);
    }

    /// <summary>One chart as an SVG document.</summary>
    public static string Svg(BenchReport report, BenchChart chart, int width = DefaultWidth, int height = DefaultHeight)
    {
        var plot = Build(report, chart);
        return plot.GetSvgXml(width, height);
    }

    /// <summary>The ScottPlot figure for <paramref name="chart"/>, for callers that want to style or save it themselves.</summary>
    public static Plot Build(BenchReport report, BenchChart chart)
    {
        ArgumentNullException.ThrowIfNull(report);
        return chart switch
        {
            BenchChart.ThroughputLatency => ThroughputLatency(report),
            BenchChart.Ttft => Percentiles(report, "Time to first token", s => s.Ttft),
            BenchChart.Tpot => Percentiles(report, "Time per output token", s => s.Tpot),
            _ => throw new ArgumentOutOfRangeException(nameof(chart)),
        };
    }

    private static Plot ThroughputLatency(BenchReport report)
    {
        var plot = new Plot();
        var palette = new ScottPlot.Palettes.Category10();
        for (var t = 0; t < report.Targets.Count; t++)
        {
            var target = report.Targets[t];
            // Levels where nothing completed have no latency to place.
            var points = PointsOf(report, target).Where(p => p.Summary.Completed > 0).ToList();
            if (points.Count == 0) continue;
            var xs = points.Select(p => p.Summary.OutputTokenThroughput).ToArray();
            var ys = points.Select(p => p.Summary.E2E.Median).ToArray();
            var color = palette.GetColor(t);
            var line = plot.Add.Scatter(xs, ys, color);
            line.LegendText = target.Label;
            line.MarkerSize = 8;
            line.LineWidth = 2;
            for (var i = 0; i < points.Count; i++)
            {
                var label = plot.Add.Text(points[i].Level.Label, xs[i], ys[i]);
                label.LabelFontColor = color;
                label.LabelFontSize = 12;
                label.OffsetX = 6;
                label.OffsetY = -6;
            }
        }
        // Room for the level labels beside the outermost points and for the legend.
        plot.Axes.Margins(0.2, 0.25);
        plot.Title("Throughput against latency");
        plot.XLabel("Output tokens/s");
        plot.YLabel("Median end-to-end latency (ms)");
        plot.ShowLegend(Alignment.UpperLeft);
        return plot;
    }

    private static Plot Percentiles(BenchReport report, string title, Func<SampleSummary, LatencyStats> metric)
    {
        var plot = new Plot();
        var palette = new ScottPlot.Palettes.Category10();
        var levels = report.Levels;
        // Percentiles differ by marker and line width, not dash pattern: Skia's SVG canvas cannot draw path effects
        // (it drops them and prints a warning per line), so dashes would vanish from the SVG.
        (string Name, Func<LatencyStats, double> Value, MarkerShape Marker, float Width)[] series =
        [
            ("median", s => s.Median, MarkerShape.FilledCircle, 2.5f),
            ("p90", s => s.P90, MarkerShape.FilledSquare, 1.5f),
            ("p99", s => s.P99, MarkerShape.FilledTriangleUp, 1f),
        ];
        for (var t = 0; t < report.Targets.Count; t++)
        {
            var target = report.Targets[t];
            var color = palette.GetColor(t);
            var xs = new List<double>();
            var stats = new List<LatencyStats>();
            for (var l = 0; l < levels.Count; l++)
            {
                var point = report.Points.FirstOrDefault(p => p.Target == target && p.Level == levels[l]);
                if (point is null || metric(point.Summary).Count == 0) continue;
                xs.Add(l);
                stats.Add(metric(point.Summary));
            }
            if (xs.Count == 0) continue;
            foreach (var (name, value, marker, width) in series)
            {
                var line = plot.Add.Scatter(xs.ToArray(), stats.Select(value).ToArray(), color);
                line.LegendText = $"{target.Label} {name}";
                line.LineWidth = width;
                line.MarkerShape = marker;
                line.MarkerSize = 7;
            }
        }
        plot.Axes.Bottom.SetTicks(
            Enumerable.Range(0, levels.Count).Select(i => (double)i).ToArray(),
            levels.Select(l => l.Label).ToArray());
        plot.Axes.Margins(0.1, 0.25);
        plot.Title(title + " by level");
        plot.XLabel("Load level");
        plot.YLabel("Milliseconds");
        plot.ShowLegend(Alignment.UpperLeft);
        return plot;
    }

    private static IEnumerable<BenchPoint> PointsOf(BenchReport report, BenchTarget target) =>
        report.Levels.Select(level => report.Points.FirstOrDefault(p => p.Target == target && p.Level == level)).OfType<BenchPoint>();

    internal static string Number(double value, string format = "0.##") => value.ToString(format, CultureInfo.InvariantCulture);
}
