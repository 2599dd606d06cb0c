namespace ModelScout.Evaluation.Statistics;

/// <summary>A value with its standard error, from <paramref name="Count"/> items.</summary>
public sealed record Estimate(double Value, double StandardError, int Count)
{
    /// <summary>The normal-approximation 95 % interval, Value ± 1.96 SE.</summary>
    public (double Lower, double Upper) Interval95 => (Value - Normal.Z95 * StandardError, Value + Normal.Z95 * StandardError);

    /// <summary>Accuracy of <paramref name="correct"/> out of <paramref name="count"/>, with the binomial standard error √(p(1−p)/n).</summary>
    public static Estimate Accuracy(int correct, int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(correct);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(correct, count);
        if (count == 0) return new Estimate(double.NaN, double.NaN, 0);
        var p = (double)correct / count;
        return new Estimate(p, Math.Sqrt(p * (1 - p) / count), count);
    }

    /// <summary>Mean of <paramref name="values"/> with the standard error s/√n (s with n − 1); NaN SE for fewer than two values.</summary>
    public static Estimate Mean(IReadOnlyList<double> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        var n = values.Count;
        if (n == 0) return new Estimate(double.NaN, double.NaN, 0);
        var mean = values.Average();
        if (n == 1) return new Estimate(mean, double.NaN, 1);
        var sum = 0.0;
        foreach (var v in values) sum += (v - mean) * (v - mean);
        return new Estimate(mean, Math.Sqrt(sum / (n - 1) / n), n);
    }
}
