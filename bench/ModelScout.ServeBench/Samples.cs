namespace ModelScout.ServeBench;

/// <summary>Raw timings of one measured quantity, kept until the summary so medians come from all of them.</summary>
internal sealed class Samples(string name, string unit)
{
    private readonly List<double> values = [];

    public string Name { get; } = name;
    public string Unit { get; } = unit;
    public IReadOnlyList<double> Values => values;

    public void Add(double value) => values.Add(value);

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
}
