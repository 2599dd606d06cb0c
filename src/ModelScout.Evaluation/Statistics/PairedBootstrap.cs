namespace ModelScout.Evaluation.Statistics;

/// <summary>The mean of B − A over paired items and its bootstrap percentile interval.</summary>
/// <param name="Difference">Observed mean of the per-item differences B − A.</param>
/// <param name="StandardDeviation">Sample standard deviation of the per-item differences (n − 1); feeds the sample-size estimate.</param>
public sealed record BootstrapInterval(double Difference, double Lower, double Upper, double Confidence, int Resamples, int Count, double StandardDeviation);

/// <summary>
/// Paired bootstrap of the mean difference: resample items with replacement (the pair moves together), take the mean
/// difference of each resample, and read the interval off the sorted means at (1 − confidence)/2 and (1 + confidence)/2
/// with linear interpolation between neighbours. The same seed gives the same interval.
/// </summary>
public static class PairedBootstrap
{
    /// <summary>Default number of resamples.</summary>
    public const int DefaultResamples = 10_000;

    /// <summary>Works for any per-item scores: 0/1 accuracy, pass fractions, 1–10 ratings.</summary>
    public static BootstrapInterval MeanDifference(
        IReadOnlyList<double> a,
        IReadOnlyList<double> b,
        int resamples = DefaultResamples,
        int seed = 0,
        double confidence = 0.95)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        if (a.Count != b.Count) throw new ArgumentException($"paired scores need the same items: A has {a.Count}, B has {b.Count}", nameof(b));
        ArgumentOutOfRangeException.ThrowIfLessThan(resamples, 1);
        if (confidence is <= 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(confidence), confidence, "confidence must lie strictly between 0 and 1");
        var n = a.Count;
        if (n == 0) return new BootstrapInterval(double.NaN, double.NaN, double.NaN, confidence, resamples, 0, double.NaN);

        var diffs = new double[n];
        for (var i = 0; i < n; i++) diffs[i] = b[i] - a[i];
        var mean = diffs.Average();
        var sd = 0.0;
        if (n > 1)
        {
            foreach (var d in diffs) sd += (d - mean) * (d - mean);
            sd = Math.Sqrt(sd / (n - 1));
        }

        var random = new Random(seed);
        var means = new double[resamples];
        for (var r = 0; r < resamples; r++)
        {
            var sum = 0.0;
            for (var i = 0; i < n; i++) sum += diffs[random.Next(n)];
            means[r] = sum / n;
        }
        Array.Sort(means);
        var alpha = (1 - confidence) / 2;
        return new BootstrapInterval(mean, Quantile(means, alpha), Quantile(means, 1 - alpha), confidence, resamples, n, sd);
    }

    /// <summary>Quantile of sorted values with linear interpolation between order statistics (position q·(m − 1)).</summary>
    internal static double Quantile(double[] sorted, double q)
    {
        var position = q * (sorted.Length - 1);
        var low = (int)Math.Floor(position);
        var high = Math.Min(low + 1, sorted.Length - 1);
        return sorted[low] + (position - low) * (sorted[high] - sorted[low]);
    }
}
