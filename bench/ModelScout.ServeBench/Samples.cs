namespace ModelScout.ServeBench;

/// <summary>Raw timings of one measured quantity, kept until the summary so medians come from all of them.</summary>
internal sealed class Samples(string name, string unit)
{
    private readonly List<double> values = [];

    public string Name { get; } = name;
    public string Unit { get; } = unit;
    public IReadOnlyList<double> Values => values;

    public void Add(double value) => values.Add(value);

    /// <summary>The value below which <paramref name="q"/> of the samples lie (linear interpolation).</summary>
    public double Quantile(double q)
    {
        if (values.Count == 0) return double.NaN;
        var sorted = values.Order().ToArray();
        var at = q * (sorted.Length - 1);
        var lo = (int)Math.Floor(at);
        var hi = Math.Min(lo + 1, sorted.Length - 1);
        return sorted[lo] + (sorted[hi] - sorted[lo]) * (at - lo);
    }

    public double Median
    {
        get
        {
            if (values.Count == 0) return double.NaN;
            var sorted = values.Order().ToArray();
            var mid = sorted.Length / 2;
            return sorted.Length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
        }
    }
}

/// <summary>Everything one run measured, and why a part was not measured.</summary>
internal sealed class BenchResults
{
    public Dictionary<string, Samples> Measures { get; } = new(StringComparer.Ordinal);
    public Dictionary<string, string> Skipped { get; } = new(StringComparer.Ordinal);
    public Dictionary<string, string> Facts { get; } = new(StringComparer.Ordinal);

    public Samples Get(string name, string unit)
    {
        if (!Measures.TryGetValue(name, out var s)) Measures[name] = s = new Samples(name, unit);
        return s;
    }

    public double? Median(string name) => Measures.TryGetValue(name, out var s) && s.Values.Count > 0 ? s.Median : null;

    /// <summary>"p25-p75" of a measure, to show how much the shared machine moved it.</summary>
    public string Spread(string name) => Measures.TryGetValue(name, out var s) && s.Values.Count > 1
        ? string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{s.Quantile(0.25):0.00}-{s.Quantile(0.75):0.00}")
        : "";
}
