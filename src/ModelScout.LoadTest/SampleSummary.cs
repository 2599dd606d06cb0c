namespace ModelScout.LoadTest;

/// <summary>Mean, median, p90, p99, min and max of one metric in milliseconds; all zero when <see cref="Count"/> is 0.</summary>
public sealed record LatencyStats(int Count, double Mean, double Median, double P90, double P99, double Min, double Max)
{
    /// <summary>Statistics of <paramref name="milliseconds"/>; percentiles interpolate linearly between ranks (numpy's default).</summary>
    public static LatencyStats Of(IEnumerable<double> milliseconds)
    {
        ArgumentNullException.ThrowIfNull(milliseconds);
        var sorted = milliseconds.Order().ToArray();
        if (sorted.Length == 0) return new LatencyStats(0, 0, 0, 0, 0, 0, 0);
        return new LatencyStats(sorted.Length, sorted.Average(), Percentile(sorted, 50), Percentile(sorted, 90), Percentile(sorted, 99), sorted[0], sorted[^1]);
    }

    /// <summary>The <paramref name="percent"/>th percentile of ascending <paramref name="sorted"/> values, numpy's "linear" method.</summary>
    public static double Percentile(IReadOnlyList<double> sorted, double percent)
    {
        ArgumentNullException.ThrowIfNull(sorted);
        if (sorted.Count == 0) throw new ArgumentException("no values to take a percentile of", nameof(sorted));
        if (percent is < 0 or > 100) throw new ArgumentOutOfRangeException(nameof(percent), "a percentile lies between 0 and 100");
        var rank = percent / 100 * (sorted.Count - 1);
        var below = (int)Math.Floor(rank);
        var above = Math.Min(below + 1, sorted.Count - 1);
        return sorted[below] + (sorted[above] - sorted[below]) * (rank - below);
    }
}

/// <summary>Service-level objectives for goodput: a completed request is good when it meets every one that is set.</summary>
public sealed record ServiceLevelObjectives(TimeSpan? Ttft = null, TimeSpan? Tpot = null);

/// <summary>
/// A run's figures over its raw samples, as vLLM's benchmark_serving computes them: only completed requests contribute
/// latencies and tokens; TPOT statistics cover requests with more than one output token; ITL pools every gap of every
/// completed request; throughputs divide by the run's wall-clock duration.
/// </summary>
public sealed record SampleSummary
{
    /// <summary>Requests that finished their stream without error.</summary>
    public required int Completed { get; init; }

    /// <summary>Requests that failed, for any reason.</summary>
    public required int Failed { get; init; }

    /// <summary>Failed requests counted by reason.</summary>
    public required IReadOnlyDictionary<FailureKind, int> FailureReasons { get; init; }

    /// <summary>Failed requests counted by <see cref="RequestFailure.Reason"/> ("HTTP 502", "connection refused", ...); a
    /// stream that ended without content counts as "truncated".</summary>
    public IReadOnlyDictionary<string, int> FailuresByReason { get; init; } = new Dictionary<string, int>();

    /// <summary>The run's wall-clock duration the throughputs divide by.</summary>
    public required TimeSpan Duration { get; init; }

    /// <summary>Prompt tokens of completed requests that reported them.</summary>
    public required long TotalInputTokens { get; init; }

    /// <summary>Output tokens of completed requests.</summary>
    public required long TotalOutputTokens { get; init; }

    /// <summary>Completed requests per second.</summary>
    public required double RequestThroughput { get; init; }

    /// <summary>Output tokens per second.</summary>
    public required double OutputTokenThroughput { get; init; }

    /// <summary>Input plus output tokens per second.</summary>
    public required double TotalTokenThroughput { get; init; }

    /// <summary>Completed requests meeting every SLO, per second; null when no SLO was given.</summary>
    public double? Goodput { get; init; }

    /// <summary>Time to first token.</summary>
    public required LatencyStats Ttft { get; init; }

    /// <summary>Time per output token after the first.</summary>
    public required LatencyStats Tpot { get; init; }

    /// <summary>Inter-token latency, every gap of every completed request.</summary>
    public required LatencyStats Itl { get; init; }

    /// <summary>End-to-end latency to the last content chunk.</summary>
    public required LatencyStats E2E { get; init; }

    /// <summary>Summarizes <paramref name="samples"/> taken over <paramref name="duration"/>.</summary>
    public static SampleSummary From(IReadOnlyCollection<RequestSample> samples, TimeSpan duration, ServiceLevelObjectives? slo = null)
    {
        ArgumentNullException.ThrowIfNull(samples);
        if (duration <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(duration), "a run's duration must be positive");
        // A stream that "succeeded" without content has no TTFT; vLLM counts such a request as failed, and so do we.
        var completed = samples.Where(s => s.Succeeded && s.ContentTimestamps.Count > 0).ToList();
        var failed = samples.Where(s => !s.Succeeded).ToList();
        var reasons = failed.GroupBy(s => s.Failure!.Kind).ToDictionary(g => g.Key, g => g.Count());
        var empty = samples.Count - completed.Count - failed.Count;
        if (empty > 0) reasons[FailureKind.Truncated] = reasons.GetValueOrDefault(FailureKind.Truncated) + empty;
        var byReason = failed.GroupBy(s => s.Failure!.Reason, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        if (empty > 0) byReason["truncated"] = byReason.GetValueOrDefault("truncated") + empty;

        var seconds = duration.TotalSeconds;
        long input = completed.Sum(s => (long)(s.PromptTokens ?? 0));
        long output = completed.Sum(s => (long)s.OutputTokens);
        double? goodput = null;
        if (slo is { } objectives && (objectives.Ttft is not null || objectives.Tpot is not null))
        {
            // As in vLLM, a request with one output token has a TPOT of zero for the goodput test.
            var good = completed.Count(s => (objectives.Ttft is not { } ttft || s.Ttft <= ttft)
                && (objectives.Tpot is not { } tpot || (s.Tpot ?? TimeSpan.Zero) <= tpot));
            goodput = good / seconds;
        }
        return new SampleSummary
        {
            Completed = completed.Count,
            Failed = samples.Count - completed.Count,
            FailureReasons = reasons,
            FailuresByReason = byReason,
            Duration = duration,
            TotalInputTokens = input,
            TotalOutputTokens = output,
            RequestThroughput = completed.Count / seconds,
            OutputTokenThroughput = output / seconds,
            TotalTokenThroughput = (input + output) / seconds,
            Goodput = goodput,
            Ttft = LatencyStats.Of(completed.Select(s => s.Ttft!.Value.TotalMilliseconds)),
            Tpot = LatencyStats.Of(completed.Where(s => s.Tpot is not null).Select(s => s.Tpot!.Value.TotalMilliseconds)),
            Itl = LatencyStats.Of(completed.SelectMany(s => s.Itl()).Select(t => t.TotalMilliseconds)),
            E2E = LatencyStats.Of(completed.Select(s => s.E2E!.Value.TotalMilliseconds)),
        };
    }
}
