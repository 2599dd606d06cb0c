using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using ModelScout.Testing;

namespace ModelScout.LoadTest.Tests;

/// <summary>scout bench against a cluster: the plan's predicted capacity, the measured knee, and failures by reason.</summary>
public sealed class ClusterReportTests
{
    [Fact]
    public void A_plan_file_gives_the_predicted_capacity_and_a_wrong_one_says_what_is_wrong()
    {
        var plan = PlanCapacity.Parse(File.ReadAllText(RepoPaths.Fixture("plan", "llama-3.1-8b-2xh100.json")));
        Assert.Equal(2, plan.Replicas);
        Assert.Equal(1, plan.GpusPerReplica);
        Assert.Equal(123, plan.MaxConcurrency);
        Assert.Equal(503808, plan.KvCacheTokensPerReplica);
        Assert.Equal(9000, plan.OutputTokensPerSecond);
        Assert.Null(plan.RequestsPerSecond);

        Assert.Contains("modelscout/plan/v1", Assert.Throws<PlanFileException>(() => PlanCapacity.Parse("""{"schema":"modelscout/bench/v1"}""")).Message, StringComparison.Ordinal);
        Assert.Contains("capacity", Assert.Throws<PlanFileException>(() => PlanCapacity.Parse("""{"schema":"modelscout/plan/v1"}""")).Message, StringComparison.Ordinal);
        Assert.Contains("capacity.gpusPerReplica", Assert.Throws<PlanFileException>(() => PlanCapacity.Parse(
            """{"schema":"modelscout/plan/v1","capacity":{"replicas":2,"maxConcurrencyPerReplica":4,"kvCacheTokensPerReplica":1,"outputTokensPerSecond":1}}""")).Message, StringComparison.Ordinal);
        Assert.Throws<PlanFileException>(() => PlanCapacity.Parse("not json"));
    }

    private static RequestSample Ok(long start, int tokens, double ms)
    {
        var end = start + (long)(ms / 1000 * Stopwatch.Frequency);
        return new RequestSample { StartTimestamp = start, EndTimestamp = end, ContentTimestamps = [start + 1, end], OutputTokens = tokens, OutputTokenSource = TokenCountSource.Usage };
    }

    private static RequestSample Failed(RequestFailure failure) =>
        new() { StartTimestamp = 0, EndTimestamp = 1, ContentTimestamps = [], OutputTokens = 0, OutputTokenSource = TokenCountSource.CountedChunks, Failure = failure };

    [Fact]
    public void The_knee_is_the_lowest_level_within_a_tenth_of_the_best_throughput_and_the_report_shows_it_beside_the_plan()
    {
        var target = new BenchTarget("proxy/m", new Uri("http://127.0.0.1:1/"), "m", StreamFormat.OpenAIChat);
        // Output tok/s over one second: 100, 170, 195, 200 → the knee is c=4 (195 ≥ 0.9 × 200 > 170).
        double[] tokens = [100, 170, 195, 200];
        var levels = new[] { 1.0, 2, 4, 8 }.Select(c => new LoadLevel(LoadKind.Concurrency, c)).ToList();
        var points = levels.Select((l, i) =>
        {
            List<RequestSample> samples = [Ok(0, (int)tokens[i], 50)];
            if (i == 3) samples.AddRange([Failed(new RequestFailure(FailureKind.HttpStatus, "HTTP 502: Bad Gateway", 502)),
                Failed(new RequestFailure(FailureKind.HttpStatus, "HTTP 502: Bad Gateway", 502)),
                Failed(new RequestFailure(FailureKind.ConnectionReset, "Connection refused", Refused: true))]);
            return new BenchPoint(target, l, SampleSummary.From(samples, TimeSpan.FromSeconds(1)), samples);
        }).ToList();
        var plan = PlanCapacity.Parse(File.ReadAllText(RepoPaths.Fixture("plan", "llama-3.1-8b-2xh100.json")));
        var report = new BenchReport(DateTimeOffset.UnixEpoch, [target], levels, new Dictionary<string, string>(), points, []) { Plan = plan };

        var knee = Assert.Single(SweepKnee.Of(report));
        Assert.Equal(levels[2], knee.Level);
        Assert.Equal(195, knee.OutputTokensPerSecond, 6);
        Assert.False(knee.AtLastLevel);

        using var doc = JsonDocument.Parse(BenchJsonExporter.ToJson(report));
        var root = doc.RootElement;
        Assert.Equal(123, root.GetProperty("plan").GetProperty("maxConcurrency").GetDouble());
        Assert.Equal(9000, root.GetProperty("plan").GetProperty("outputTokensPerSecond").GetDouble());
        var k = Assert.Single(root.GetProperty("knees").EnumerateArray().ToList());
        Assert.Equal(4, k.GetProperty("level").GetProperty("value").GetDouble());
        Assert.Equal(195 / 9000.0, k.GetProperty("ofPredictedOutputThroughput").GetDouble(), 4);
        var last = root.GetProperty("points")[3].GetProperty("summary");
        Assert.Equal(3, last.GetProperty("failed").GetInt32());
        Assert.Equal(2, last.GetProperty("failuresByReason").GetProperty("HTTP 502").GetInt32());
        Assert.Equal(1, last.GetProperty("failuresByReason").GetProperty("connection refused").GetInt32());
    }

    [Fact]
    public async Task A_port_nobody_listens_on_is_recorded_as_connection_refused()
    {
        int port;
        using (var listener = new TcpListener(IPAddress.Loopback, 0))
        {
            listener.Start();
            port = ((IPEndPoint)listener.LocalEndpoint).Port;
        }
        using var http = new HttpClient { Timeout = Timeout.InfiniteTimeSpan };
        var client = new StreamingClient(http, new Uri($"http://127.0.0.1:{port}/"), StreamFormat.OpenAIChat, TimeSpan.FromSeconds(10));
        var sample = await client.SendAsync(new BenchPrompt("m", "hi", 4));
        Assert.Equal(FailureKind.ConnectionReset, sample.Failure!.Kind);
        Assert.Equal("connection refused", sample.Failure.Reason);
    }
}
