using System.Diagnostics;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using ModelScout.LoadTest.Exporters;

namespace ModelScout.LoadTest.Tests.Exporters;

// Rendering is CPU-heavy (first use loads SkiaSharp and fonts); run alone so it cannot delay the timing tests'
// scripted servers past their timeouts.
[CollectionDefinition(nameof(ExporterTests), DisableParallelization = true)]
public sealed class RenderingRunsAlone;

[Collection(nameof(ExporterTests))]
public sealed partial class ExporterTests
{
    private const string Hostile = "<script>alert('x')</script>&co";

    private static long Ms(double ms) => (long)(ms * Stopwatch.Frequency / 1000);

    // Requests whose chunks arrive at ttft, ttft+gap, ... : TTFT = ttft, TPOT = gap, E2E = ttft + gap * (tokens - 1).
    private static RequestSample Sample(double ttft, double gap, int tokens, RequestFailure? failure = null) => new()
    {
        StartTimestamp = 0,
        EndTimestamp = Ms(ttft + gap * (tokens - 1)),
        ContentTimestamps = Enumerable.Range(0, tokens).Select(i => Ms(ttft + gap * i)).ToArray(),
        OutputTokens = tokens,
        OutputTokenSource = TokenCountSource.Usage,
        PromptTokens = 10,
        Failure = failure,
    };

    private static BenchPoint Point(BenchTarget target, LoadLevel level, double ttft, double gap, int requests, int failures = 0)
    {
        var samples = Enumerable.Range(0, requests).Select(i => Sample(ttft + i, gap, 8)).ToList();
        for (var i = 0; i < failures; i++)
            samples.Add(Sample(0, 0, 0, new RequestFailure(FailureKind.HttpStatus, "HTTP 503: <b>busy</b>", 503)));
        return new BenchPoint(target, level, SampleSummary.From(samples, TimeSpan.FromSeconds(2)), samples,
            [new ServerMetricDelta("llamacpp:tokens_predicted_total", 100, 164.5)]);
    }

    internal static BenchReport Report()
    {
        var a = new BenchTarget("llama.cpp", new Uri("http://127.0.0.1:8080/"), "stories", StreamFormat.OpenAIChat);
        var b = new BenchTarget("ollama " + Hostile, new Uri("http://127.0.0.1:11434/?q=<x>"), Hostile, StreamFormat.OllamaChat);
        var c1 = new LoadLevel(LoadKind.Concurrency, 1);
        var c4 = new LoadLevel(LoadKind.Concurrency, 4);
        return new BenchReport(
            new DateTimeOffset(2026, 11, 28, 12, 0, 0, TimeSpan.Zero),
            [a, b],
            [c1, c4],
            new Dictionary<string, string> { ["requests"] = "4", ["prompts"] = "synthetic <512> tokens" },
            [
                Point(a, c1, ttft: 20, gap: 5, requests: 4),
                Point(b, c1, ttft: 30, gap: 6, requests: 4),
                Point(a, c4, ttft: 40, gap: 7, requests: 4),
                Point(b, c4, ttft: 60, gap: 9, requests: 3, failures: 1),
            ],
            [new BenchRatio("output_throughput", c4, a.Label, b.Label, 0.8125, 0.75, 0.875)]);
    }

    [Fact]
    public void Png_charts_are_png_images_of_the_requested_size()
    {
        var report = Report();
        foreach (var chart in new[] { BenchChart.ThroughputLatency, BenchChart.Ttft, BenchChart.Tpot })
        {
            var png = BenchChartExporter.Png(report, chart, 640, 400);

            Assert.True(png.Length > 5_000, $"{chart}: only {png.Length} bytes");
            Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A }, png[..8]);
            // IHDR: width and height, big-endian, at bytes 16..23.
            Assert.Equal(640, (png[16] << 24) | (png[17] << 16) | (png[18] << 8) | png[19]);
            Assert.Equal(400, (png[20] << 24) | (png[21] << 16) | (png[22] << 8) | png[23]);
        }
    }

    [Fact]
    public void Svg_charts_parse_as_xml_and_name_every_target()
    {
        Assert.True(BenchChartExporter.FontsAvailable, $"no font on this machine: install one (fonts-dejavu-core) or set SCOUT_CHART_FONT");
        var report = Report();
        foreach (var chart in new[] { BenchChart.ThroughputLatency, BenchChart.Ttft, BenchChart.Tpot })
        {
            var svg = BenchChartExporter.Svg(report, chart);

            var document = XDocument.Parse(svg);
            Assert.Equal("svg", document.Root!.Name.LocalName);
            var text = string.Concat(document.Descendants().Where(e => e.Name.LocalName == "text").Select(e => e.Value));
            foreach (var target in report.Targets) Assert.Contains(target.Label, text, StringComparison.Ordinal);
            Assert.DoesNotContain("<script", svg, StringComparison.OrdinalIgnoreCase);
        }
        var levels = string.Concat(XDocument.Parse(BenchChartExporter.Svg(report, BenchChart.ThroughputLatency))
            .Descendants().Where(e => e.Name.LocalName == "text").Select(e => e.Value));
        Assert.Contains("c=1", levels, StringComparison.Ordinal);
        Assert.Contains("c=4", levels, StringComparison.Ordinal);
    }

    [Fact]
    public void Save_writes_one_file_per_chart_beside_the_path()
    {
        var directory = Directory.CreateTempSubdirectory("scout-chart-");
        try
        {
            var written = BenchChartExporter.Save(Report(), Path.Combine(directory.FullName, "run.svg"));

            Assert.Equal(["run.svg", "run-ttft.svg", "run-tpot.svg"], written.Select(Path.GetFileName));
            foreach (var file in written) XDocument.Load(file);
            Assert.Throws<ArgumentException>(() => BenchChartExporter.Save(Report(), Path.Combine(directory.FullName, "run.jpg")));
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    [Fact]
    public void Html_holds_the_figures_formatted_invariantly()
    {
        var report = Report();
        var html = BenchHtmlExporter.Render(report);

        // c=1, llama.cpp: TTFTs 20..23 ms -> median 21.5; TPOT 5; E2E median 21.5 + 35 = 56.5; 4 requests x 8 tokens over 2 s.
        var c1 = Section(html, "c=1");
        Assert.Contains("<th>TTFT median (ms)</th><td class=\"n\">21.5</td><td class=\"n\">31.5</td>", c1, StringComparison.Ordinal);
        Assert.Contains("<th>TPOT mean (ms)</th><td class=\"n\">5</td><td class=\"n\">6</td>", c1, StringComparison.Ordinal);
        Assert.Contains("<th>E2E median (ms)</th><td class=\"n\">56.5</td><td class=\"n\">73.5</td>", c1, StringComparison.Ordinal);
        Assert.Contains("<th>output token throughput (tok/s)</th><td class=\"n\">16</td><td class=\"n\">16</td>", c1, StringComparison.Ordinal);
        // c=4, the second target: 3 completed, 1 failed, 4 raw samples; the ratio with its IQR.
        var c4 = Section(html, "c=4");
        Assert.Contains("<th>completed</th><td class=\"n\">4</td><td class=\"n\">3</td>", c4, StringComparison.Ordinal);
        Assert.Contains("<th>failed</th><td class=\"n\">0</td><td class=\"n\">1</td>", c4, StringComparison.Ordinal);
        Assert.Contains("<th>raw samples</th><td class=\"n\">4</td><td class=\"n\">4</td>", c4, StringComparison.Ordinal);
        Assert.Contains("0.81x", c4, StringComparison.Ordinal);
        Assert.Contains("0.75x – 0.88x", c4, StringComparison.Ordinal);
        Assert.Contains("HttpStatus", c4, StringComparison.Ordinal);
        Assert.Contains("HTTP 503: &lt;b&gt;busy&lt;/b&gt;", c4, StringComparison.Ordinal);
        Assert.Contains("<td>llamacpp:tokens_predicted_total</td><td class=\"n\">100</td><td class=\"n\">164.5</td><td class=\"n\">64.5</td>", c4, StringComparison.Ordinal);
        Assert.Contains("16 raw samples", html, StringComparison.Ordinal);
    }

    [Fact]
    public void Html_escapes_everything_from_outside_and_fetches_nothing()
    {
        var html = BenchHtmlExporter.Render(Report());

        Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<b>busy", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<x>", html, StringComparison.Ordinal);
        Assert.Contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;co", html, StringComparison.Ordinal);
        Assert.Contains("synthetic &lt;512&gt; tokens", html, StringComparison.Ordinal);
        Assert.DoesNotMatch(ExternalReference(), html);
        Assert.Equal(3, Regex.Count(html, "<svg"));
    }

    [Fact]
    public void Html_is_well_formed_markup()
    {
        var html = BenchHtmlExporter.Render(Report());

        // The page is written as XHTML-compatible markup apart from the doctype and void <meta>/<br> tags, so an XML parser
        // reading it with those patched is a strict check that every element is closed and every text escaped.
        var xml = html.Replace("<!DOCTYPE html>", "", StringComparison.Ordinal)
            .Replace("<meta charset=\"utf-8\">", "<meta charset=\"utf-8\"/>", StringComparison.Ordinal)
            .Replace("<br>", "<br/>", StringComparison.Ordinal);
        var document = XDocument.Parse(xml);

        var headings = document.Descendants("h2").Select(h => h.Value).ToList();
        Assert.Equal(["Settings", "Targets", "c=1", "c=4", "Charts"], headings);
        Assert.Equal(3, document.Descendants().Count(e => e.Name.LocalName == "svg"));
        // Three inline charts share one document: a clip-path id used twice would clip one chart with another's box.
        var ids = document.Descendants().Select(e => (string?)e.Attribute("id")).OfType<string>().ToList();
        Assert.NotEmpty(ids);
        Assert.Equal(ids.Count, ids.Distinct(StringComparer.Ordinal).Count());
        foreach (Match reference in Regex.Matches(html, "url\\(#([^)]+)\\)")) Assert.Contains(reference.Groups[1].Value, ids);
    }

    private static string Section(string html, string level)
    {
        var start = html.IndexOf($"<h2>{level}</h2>", StringComparison.Ordinal);
        Assert.True(start >= 0, $"no section for {level}");
        var end = html.IndexOf("<h2>", start + 4, StringComparison.Ordinal);
        return html[start..(end < 0 ? html.Length : end)];
    }

    [GeneratedRegex("(src|href)\\s*=\\s*[\"']?(https?:|//)|url\\(\\s*[\"']?(?!#)|@import", RegexOptions.IgnoreCase)]
    private static partial Regex ExternalReference();
}
