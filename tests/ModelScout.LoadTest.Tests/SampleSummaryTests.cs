using System.Diagnostics;

namespace ModelScout.LoadTest.Tests;

public sealed class SampleSummaryTests
{
    private static long Ms(double ms) => (long)(ms * Stopwatch.Frequency / 1000);

    private static RequestSample Sample(double[] chunksMs, int tokens, int? prompt = null, RequestFailure? failure = null) => new()
    {
        StartTimestamp = 0,
        EndTimestamp = chunksMs.Length == 0 ? 0 : Ms(chunksMs[^1]),
        ContentTimestamps = chunksMs.Select(Ms).ToArray(),
        OutputTokens = tokens,
        OutputTokenSource = TokenCountSource.Usage,
        PromptTokens = prompt,
        Failure = failure,
    };

    [Fact]
    public void Percentiles_interpolate_linearly_like_numpy()
    {
        double[] values = [1, 2, 3, 4, 10];

        // numpy.percentile([1,2,3,4,10], [50, 90, 99]) == [3.0, 7.6, 9.76]
        Assert.Equal(3.0, LatencyStats.Percentile(values, 50), 9);
        Assert.Equal(7.6, LatencyStats.Percentile(values, 90), 9);
        Assert.Equal(9.76, LatencyStats.Percentile(values, 99), 9);
        Assert.Equal(1.0, LatencyStats.Percentile(values, 0), 9);
        Assert.Equal(10.0, LatencyStats.Percentile(values, 100), 9);
        Assert.Equal(5.0, LatencyStats.Percentile([5.0], 90), 9);
    }

    [Fact]
    public void Per_request_metrics_follow_vllm()
    {
        var sample = Sample([100, 110, 130], tokens: 5);

        Assert.Equal(100, sample.Ttft!.Value.TotalMilliseconds, 3);
        Assert.Equal(130, sample.E2E!.Value.TotalMilliseconds, 3);
        Assert.Equal(7.5, sample.Tpot!.Value.TotalMilliseconds, 3);
        Assert.Equal([10.0, 20.0], sample.Itl().Select(t => Math.Round(t.TotalMilliseconds, 3)));
        Assert.Null(Sample([40], tokens: 1).Tpot);
    }

    [Fact]
    public void A_run_counts_throughput_goodput_and_failures()
    {
        RequestSample[] samples =
        [
            Sample([100, 110, 130], tokens: 5, prompt: 7), // TPOT 7.5
            Sample([300, 400], tokens: 3, prompt: 3), // TPOT 50
            Sample([50], tokens: 1), // TPOT counts as 0 for goodput, absent from TPOT stats
            Sample([20], tokens: 1, failure: new RequestFailure(FailureKind.HttpStatus, "HTTP 503", 503)),
            Sample([], tokens: 0, failure: new RequestFailure(FailureKind.Timeout, "late")),
            Sample([], tokens: 0), // succeeded without content: vLLM counts it failed
        ];

        var summary = SampleSummary.From(samples, TimeSpan.FromSeconds(2), new ServiceLevelObjectives(Ttft: TimeSpan.FromMilliseconds(200), Tpot: TimeSpan.FromMilliseconds(10)));

        Assert.Equal(3, summary.Completed);
        Assert.Equal(3, summary.Failed);
        Assert.Equal(1, summary.FailureReasons[FailureKind.HttpStatus]);
        Assert.Equal(1, summary.FailureReasons[FailureKind.Timeout]);
        Assert.Equal(1, summary.FailureReasons[FailureKind.Truncated]);
        Assert.Equal(9, summary.TotalOutputTokens);
        Assert.Equal(10, summary.TotalInputTokens);
        Assert.Equal(1.5, summary.RequestThroughput, 9);
        Assert.Equal(4.5, summary.OutputTokenThroughput, 9);
        Assert.Equal(9.5, summary.TotalTokenThroughput, 9);
        Assert.Equal(1.0, summary.Goodput!.Value, 9); // the first and the third meet both SLOs
        Assert.Equal(2, summary.Tpot.Count);
        Assert.Equal(28.75, summary.Tpot.Mean, 3);
        Assert.Equal(3, summary.Itl.Count);
        Assert.Equal(130.0 / 3, summary.Itl.Mean, 3);
        Assert.Equal(100, summary.Ttft.Median, 3);
        Assert.Equal(50, summary.Ttft.Min, 3);
        Assert.Equal(400, summary.E2E.Max, 3);
        Assert.Null(SampleSummary.From(samples, TimeSpan.FromSeconds(2)).Goodput);
    }

    [Fact]
    public void An_empty_metric_reports_zero_count()
    {
        var summary = SampleSummary.From([Sample([], 0, failure: new RequestFailure(FailureKind.ConnectionReset, "reset"))], TimeSpan.FromSeconds(1));

        Assert.Equal(0, summary.Completed);
        Assert.Equal(0, summary.Ttft.Count);
        Assert.Equal(0, summary.RequestThroughput);
    }
}
