namespace ModelScout.Evaluation.Statistics;

/// <summary>How a <see cref="ScoreInterval"/> was computed.</summary>
public enum IntervalMethod
{
    /// <summary>Wilson score interval of a proportion (scores that are all 0 or 1).</summary>
    Wilson,

    /// <summary>
    /// Wilson's formula with the largest variance a score on the scale can have at the observed mean (a 0/1 score's), for
    /// means of bounded scores over fewer than <see cref="ScoreIntervals.StudentMinimum"/> items or with no spread at all:
    /// never narrower than the data allow, and never zero-width.
    /// </summary>
    WilsonBound,

    /// <summary>Student's t interval, mean ± t(n−1)·s/√n, cut to the scale's ends.</summary>
    Student,
}

/// <summary>A 95 % interval on the score scale (0..1, or the rating scale), with the method that gave it.</summary>
public sealed record ScoreInterval(double Lower, double Upper, IntervalMethod Method);

/// <summary>95 % intervals for a suite's mean score that stay honest at small n (see docs/eval-statistics.md).</summary>
public static class ScoreIntervals
{
    /// <summary>Items from which a mean of non-binary scores gets Student's t interval rather than the Wilson bound.</summary>
    public const int StudentMinimum = 30;

    /// <summary>
    /// The Wilson score interval of <paramref name="successes"/> out of <paramref name="count"/>:
    /// (p + z²/2n ± z·√(p(1−p)/n + z²/4n²)) / (1 + z²/n).
    /// </summary>
    public static (double Lower, double Upper) Wilson(int successes, int count, double z = Normal.Z95)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(successes);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(successes, count);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        return WilsonOf((double)successes / count, count, z);
    }

    /// <summary>
    /// The 95 % interval of the mean of <paramref name="scores"/>, each in [<paramref name="min"/>, <paramref name="max"/>]:
    /// Wilson when every score is an end of the scale (a right/wrong suite), otherwise the Wilson bound below
    /// <see cref="StudentMinimum"/> items or when all scores are equal, Student's t from there on. Null for no scores.
    /// </summary>
    public static ScoreInterval? ForMean(IReadOnlyList<double> scores, double min, double max)
    {
        ArgumentNullException.ThrowIfNull(scores);
        if (!(max > min)) throw new ArgumentOutOfRangeException(nameof(max), max, "the scale's top must be above its bottom");
        var n = scores.Count;
        if (n == 0) return null;
        var width = max - min;
        if (scores.All(s => s == min || s == max))
        {
            var (l, u) = Wilson(scores.Count(s => s == max), n);
            return new ScoreInterval(min + l * width, min + u * width, IntervalMethod.Wilson);
        }
        var mean = scores.Average();
        var sum = 0.0;
        foreach (var s in scores) sum += (s - mean) * (s - mean);
        var sd = n > 1 ? Math.Sqrt(sum / (n - 1)) : 0;
        if (n < StudentMinimum || sd == 0)
        {
            var (l, u) = WilsonOf(Math.Clamp((mean - min) / width, 0, 1), n, Normal.Z95);
            return new ScoreInterval(min + l * width, min + u * width, IntervalMethod.WilsonBound);
        }
        var half = StudentQuantile975(n - 1) * sd / Math.Sqrt(n);
        return new ScoreInterval(Math.Max(min, mean - half), Math.Min(max, mean + half), IntervalMethod.Student);
    }

    /// <summary>
    /// The 97.5 % quantile of Student's t with <paramref name="degrees"/> degrees of freedom, by the Cornish–Fisher
    /// expansion around the normal quantile (Abramowitz and Stegun 26.7.5); within 1e-4 of the tables from 10 degrees up.
    /// </summary>
    public static double StudentQuantile975(int degrees)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(degrees);
        const double z = Normal.Z95;
        double v = degrees, z3 = z * z * z, z5 = z3 * z * z, z7 = z5 * z * z, z9 = z7 * z * z;
        var g1 = (z3 + z) / 4;
        var g2 = (5 * z5 + 16 * z3 + 3 * z) / 96;
        var g3 = (3 * z7 + 19 * z5 + 17 * z3 - 15 * z) / 384;
        var g4 = (79 * z9 + 776 * z7 + 1482 * z5 - 1920 * z3 - 945 * z) / 92160;
        return z + g1 / v + g2 / (v * v) + g3 / (v * v * v) + g4 / (v * v * v * v);
    }

    private static (double Lower, double Upper) WilsonOf(double p, int n, double z)
    {
        var z2n = z * z / n;
        var centre = (p + z2n / 2) / (1 + z2n);
        var half = z / (1 + z2n) * Math.Sqrt(p * (1 - p) / n + z2n / (4 * n));
        // At p = 0 or 1 one end is exactly 0 or 1 in exact arithmetic; do not let rounding move it.
        return (p == 0 ? 0 : Math.Max(0, centre - half), p == 1 ? 1 : Math.Min(1, centre + half));
    }
}
