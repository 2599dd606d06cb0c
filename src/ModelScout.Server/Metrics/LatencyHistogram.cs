namespace ModelScout.Server.Metrics;

/// <summary>A Prometheus histogram: cumulative counts per upper bound (seconds), a sum and a count. Thread-safe.</summary>
public sealed class LatencyHistogram
{
    private readonly Lock gate = new();
    private readonly long[] counts;
    private double sum;
    private long count;

    public LatencyHistogram(IReadOnlyList<double> bounds)
    {
        ArgumentNullException.ThrowIfNull(bounds);
        Bounds = bounds;
        counts = new long[bounds.Count];
    }

    /// <summary>Upper bounds in seconds, ascending; +Inf is implied.</summary>
    public IReadOnlyList<double> Bounds { get; }

    /// <summary>Records one observation.</summary>
    public void Observe(double seconds)
    {
        lock (gate)
        {
            for (var i = 0; i < counts.Length; i++) if (seconds <= Bounds[i]) counts[i]++;
            sum += seconds;
            count++;
        }
    }

    /// <summary>A consistent copy: cumulative bucket counts, sum, count.</summary>
    public (long[] Cumulative, double Sum, long Count) Read()
    {
        lock (gate) return ((long[])counts.Clone(), sum, count);
    }
}
