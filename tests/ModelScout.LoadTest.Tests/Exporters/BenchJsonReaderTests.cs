using System.Text.Json.Nodes;
using ModelScout.LoadTest.Exporters;

namespace ModelScout.LoadTest.Tests.Exporters;

[Collection(nameof(ExporterTests))]
public sealed class BenchJsonReaderTests
{
    [Fact]
    public void A_report_read_back_writes_the_same_document_but_its_raw_samples()
    {
        var json = BenchJsonExporter.ToJson(ExporterTests.Report());
        var again = JsonNode.Parse(BenchJsonExporter.ToJson(BenchJsonReader.Read(json)))!;
        var expected = JsonNode.Parse(json)!;
        foreach (var point in expected["points"]!.AsArray())
        {
            point!["samples"] = new JsonArray();
            point["serverMetrics"] = null;
            // Kinds are kept by reason ("HTTP 503"), which is what the page and the tables show.
            point["summary"]!["failureReasons"] = new JsonObject();
            foreach (var round in point["rounds"]!.AsArray()) round!["failureReasons"] = new JsonObject();
        }
        Assert.True(JsonNode.DeepEquals(expected, again), again.ToJsonString());
        // The charts draw from what was read back.
        Assert.Contains("<svg", BenchChartExporter.Svg(BenchJsonReader.Read(json), BenchChart.Ttft), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{ not json", "not JSON")]
    [InlineData("""{"schema":"modelscout/plan/v1"}""", "not a modelscout/bench/v1 report")]
    [InlineData("""{"schema":"modelscout/bench/v1","settings":{}}""", "a damaged modelscout/bench/v1 report")]
    public void A_file_that_is_not_a_report_says_why(string text, string reason)
    {
        var e = Assert.Throws<BenchReportFileException>(() => BenchJsonReader.Read(text));
        Assert.StartsWith(reason, e.Message, StringComparison.Ordinal);
    }
}
