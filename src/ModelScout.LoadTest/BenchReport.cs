namespace ModelScout.LoadTest;

// What a scout bench run produced, as the exporters (JSON, HTML, chart) read it: raw samples → summary → exporters.

/// <summary>One endpoint under test.</summary>
/// <param name="Label">Short name used in tables and charts (defaults to host:port/model).</param>
public sealed record BenchTarget(string Label, Uri Endpoint, string Model, StreamFormat Format);

/// <summary>How load is applied at one level of a sweep.</summary>
public enum LoadKind
{
    /// <summary>Closed loop: this many requests in flight at all times.</summary>
    Concurrency,

    /// <summary>Open loop: requests arrive at this many per second (Poisson or gamma); infinity sends all at once.</summary>
    Rate,
}

/// <summary>One level of a sweep: concurrency 4, or rate 2 req/s.</summary>
/// <param name="Value">The concurrency or the rate; <see cref="double.PositiveInfinity"/> for rate inf.</param>
public sealed record LoadLevel(LoadKind Kind, double Value)
{
    public string Label => Kind == LoadKind.Concurrency
        ? $"c={Value:0.##}"
        : double.IsPositiveInfinity(Value) ? "rate=inf" : $"rate={Value:0.##}/s";
}

/// <summary>A Prometheus metric the endpoint reported, before and after a level.</summary>
public sealed record ServerMetricDelta(string Name, double Before, double After)
{
    public double Delta => After - Before;
}

/// <summary>The measurement of one target at one level.</summary>
/// <param name="Rounds">The summary of each round's slice, in round order (the ratios are taken round by round).</param>
public sealed record BenchPoint(
    BenchTarget Target,
    LoadLevel Level,
    SampleSummary Summary,
    IReadOnlyList<RequestSample> Samples,
    IReadOnlyList<ServerMetricDelta>? ServerMetrics = null,
    IReadOnlyList<SampleSummary>? Rounds = null);

/// <summary>A ratio between two targets on one metric at one level (the second target over the baseline, the first).</summary>
/// <param name="Median">Median of the per-round ratios.</param>
/// <param name="Low">25th percentile of the per-round ratios.</param>
/// <param name="High">75th percentile of the per-round ratios.</param>
public sealed record BenchRatio(string Metric, LoadLevel Level, string Baseline, string Other, double Median, double Low, double High);

/// <summary>A whole run: settings, every point, and the ratios between targets.</summary>
public sealed record BenchReport(
    DateTimeOffset StartedAt,
    IReadOnlyList<BenchTarget> Targets,
    IReadOnlyList<LoadLevel> Levels,
    IReadOnlyDictionary<string, string> Settings,
    IReadOnlyList<BenchPoint> Points,
    IReadOnlyList<BenchRatio> Ratios)
{
    /// <summary>The <see cref="System.Diagnostics.Stopwatch"/> timestamp of the run's start, the origin raw samples are placed against.</summary>
    public long OriginTimestamp { get; init; }

    /// <summary>True when the run was stopped (Ctrl-C) before every level finished; the points hold what was measured.</summary>
    public bool Interrupted { get; init; }

    /// <summary>The capacity <c>scout plan</c> predicted for the deployment under test (<c>scout bench --plan</c>); null without one.</summary>
    public PlanCapacity? Plan { get; init; }
}
