using System.Globalization;

namespace ModelScout.Evaluation.Statistics;

/// <summary>The migration verdict for candidate B against incumbent A.</summary>
public enum ComparisonVerdict
{
    /// <summary>The interval of B − A lies above zero: B is better.</summary>
    Superior,

    /// <summary>The interval's lower bound lies above −margin: B loses less than the margin.</summary>
    NonInferior,

    /// <summary>The interval's upper bound lies below −margin: B loses more than the margin.</summary>
    Inferior,

    /// <summary>The interval straddles −margin: more samples are needed.</summary>
    Inconclusive,
}

/// <summary>What a "point" of margin means for a suite's scores.</summary>
public enum ScoreScale
{
    /// <summary>Scores in 0..1 (accuracy, pass fraction); a point is a percentage point, 0.01.</summary>
    Fraction,

    /// <summary>Scores on the suite's own rating scale (MT-Bench 1–10); a point is one rating point.</summary>
    Rating,
}

/// <summary>A verdict with the numbers behind it, on the score scale (not in points).</summary>
/// <param name="Margin">The margin on the score scale (2 points of accuracy = 0.02).</param>
/// <param name="AdditionalSamples">Inconclusive only: about how many more paired items would settle it; null when no count would (the observed difference sits on the margin).</param>
public sealed record NonInferiorityResult(
    ComparisonVerdict Verdict,
    double Difference,
    double Lower,
    double Upper,
    double Margin,
    ScoreScale Scale,
    int Count,
    int? AdditionalSamples)
{
    /// <summary>One line for people, in points: "inconclusive: need ≈ 412 more samples (B − A = -1.5 points, 95 % CI -4.1 … 1.1, margin 2)".</summary>
    public string Summary
    {
        get
        {
            var head = Verdict switch
            {
                ComparisonVerdict.Superior => "superior",
                ComparisonVerdict.NonInferior => "non-inferior",
                ComparisonVerdict.Inferior => "inferior",
                _ when AdditionalSamples is null => "inconclusive: the difference sits on the margin",
                _ when AdditionalSamples == 0 => "inconclusive: the interval just touches the margin",
                _ => string.Create(CultureInfo.InvariantCulture, $"inconclusive: need ≈ {AdditionalSamples} more samples"),
            };
            var f = NonInferiority.PointsPerUnit(Scale);
            return string.Create(CultureInfo.InvariantCulture,
                $"{head} (B − A = {Difference * f:0.0##} points, 95 % CI {Lower * f:0.0##} … {Upper * f:0.0##}, margin {Margin * f:0.##})");
        }
    }
}

/// <summary>
/// Non-inferiority of B against A from an interval of the paired difference B − A. When inconclusive, the sample size
/// comes from the normal approximation of the interval's half-width, z·s/√n, with s the standard deviation of the
/// paired differences: the interval stops straddling −margin once z·s/√n ≤ |d + margin|, so
/// n = ⌈(z·s / |d + margin|)²⌉ and the answer is n minus the items already compared.
/// </summary>
public static class NonInferiority
{
    /// <summary>Converts points to the score scale: 1 point = 0.01 on <see cref="ScoreScale.Fraction"/>, 1 on <see cref="ScoreScale.Rating"/>.</summary>
    public static double PointsPerUnit(ScoreScale scale) => scale == ScoreScale.Fraction ? 100 : 1;

    /// <summary>The bootstrap interval's verdict against a margin given in points.</summary>
    public static NonInferiorityResult Decide(BootstrapInterval interval, double marginPoints, ScoreScale scale)
    {
        ArgumentNullException.ThrowIfNull(interval);
        return Decide(interval.Difference, interval.Lower, interval.Upper, marginPoints / PointsPerUnit(scale), scale, interval.StandardDeviation, interval.Count);
    }

    /// <summary>The verdict for an interval [lower, upper] of B − A and a margin on the score scale.</summary>
    public static NonInferiorityResult Decide(double difference, double lower, double upper, double margin, ScoreScale scale, double differenceStandardDeviation, int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(margin);
        if (double.IsNaN(lower) || double.IsNaN(upper)) return new NonInferiorityResult(ComparisonVerdict.Inconclusive, difference, lower, upper, margin, scale, count, null);
        if (lower > 0) return new NonInferiorityResult(ComparisonVerdict.Superior, difference, lower, upper, margin, scale, count, null);
        if (lower > -margin) return new NonInferiorityResult(ComparisonVerdict.NonInferior, difference, lower, upper, margin, scale, count, null);
        if (upper < -margin) return new NonInferiorityResult(ComparisonVerdict.Inferior, difference, lower, upper, margin, scale, count, null);
        var needed = SamplesNeeded(difference, margin, differenceStandardDeviation);
        int? more = needed is null ? null : (int)Math.Min(int.MaxValue, Math.Max(0, needed.Value - count));
        return new NonInferiorityResult(ComparisonVerdict.Inconclusive, difference, lower, upper, margin, scale, count, more);
    }

    /// <summary>n = ⌈(z·s / |d + margin|)²⌉, the paired items at which the interval would clear −margin if d and s held; null when d = −margin.</summary>
    public static long? SamplesNeeded(double difference, double margin, double differenceStandardDeviation, double z = Normal.Z95)
    {
        var distance = Math.Abs(difference + margin);
        if (distance < 1e-12 || double.IsNaN(distance) || double.IsNaN(differenceStandardDeviation)) return null;
        var n = Math.Ceiling(Math.Pow(z * differenceStandardDeviation / distance, 2));
        return n >= long.MaxValue ? long.MaxValue : Math.Max(1, (long)n);
    }
}
