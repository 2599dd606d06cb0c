using System.Globalization;

namespace ModelScout.LoadTest;

/// <summary>One sample of a Prometheus text exposition: the series (name with its labels), its value and its family's type.</summary>
/// <param name="Series">The name and labels as written, e.g. <c>requests_total{model="a"}</c>.</param>
/// <param name="Type">The family's <c># TYPE</c> (counter, gauge, histogram, summary, untyped).</param>
public sealed record PrometheusSample(string Series, string Name, IReadOnlyDictionary<string, string> Labels, double Value, string Type);

/// <summary>Parses the Prometheus text format (version 0.0.4): comments, TYPE lines, labels with escapes, timestamps.</summary>
public static class PrometheusText
{
    /// <summary>Every sample of <paramref name="text"/>; lines that are not samples are skipped, never fatal.</summary>
    public static IReadOnlyList<PrometheusSample> Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var types = new Dictionary<string, string>(StringComparer.Ordinal);
        var samples = new List<PrometheusSample>();
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.Trim();
            if (line.Length == 0) continue;
            if (line.StartsWith('#'))
            {
                var parts = line.Split(' ', 4, StringSplitOptions.RemoveEmptyEntries);
                if (parts.Length >= 4 && parts[1] == "TYPE") types[parts[2]] = parts[3].Trim();
                continue;
            }
            if (Sample(line, types) is { } sample) samples.Add(sample);
        }
        return samples;
    }

    private static PrometheusSample? Sample(string line, Dictionary<string, string> types)
    {
        var nameEnd = 0;
        while (nameEnd < line.Length && line[nameEnd] is not ('{' or ' ' or '\t')) nameEnd++;
        var name = line[..nameEnd];
        if (name.Length == 0) return null;
        var labels = new SortedDictionary<string, string>(StringComparer.Ordinal);
        var at = nameEnd;
        if (at < line.Length && line[at] == '{')
        {
            at++;
            while (true)
            {
                while (at < line.Length && line[at] is ' ' or ',') at++;
                if (at >= line.Length) return null;
                if (line[at] == '}')
                {
                    at++;
                    break;
                }
                var eq = line.IndexOf('=', at);
                if (eq < 0 || eq + 1 >= line.Length || line[eq + 1] != '"') return null;
                var key = line[at..eq].Trim();
                var value = new System.Text.StringBuilder();
                at = eq + 2;
                while (at < line.Length && line[at] != '"')
                {
                    if (line[at] == '\\' && at + 1 < line.Length)
                    {
                        at++;
                        value.Append(line[at] == 'n' ? '\n' : line[at]);
                    }
                    else
                    {
                        value.Append(line[at]);
                    }
                    at++;
                }
                if (at >= line.Length) return null;
                at++;
                labels[key] = value.ToString();
            }
        }
        var rest = line[at..].Trim().Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
        if (rest.Length == 0 || !TryValue(rest[0], out var number)) return null;
        var series = labels.Count == 0 ? name : $"{name}{{{string.Join(",", labels.Select(l => $"{l.Key}=\"{l.Value}\""))}}}";
        return new PrometheusSample(series, name, labels, number, FamilyType(name, types));
    }

    private static bool TryValue(string text, out double value)
    {
        switch (text)
        {
            case "+Inf": value = double.PositiveInfinity; return true;
            case "-Inf": value = double.NegativeInfinity; return true;
            case "NaN": value = double.NaN; return true;
            default: return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out value);
        }
    }

    // Histogram and summary series carry suffixes their family's TYPE line does not name.
    private static string FamilyType(string name, Dictionary<string, string> types)
    {
        if (types.TryGetValue(name, out var type)) return type;
        foreach (var suffix in new[] { "_bucket", "_sum", "_count", "_total", "_created" })
        {
            if (name.EndsWith(suffix, StringComparison.Ordinal) && types.TryGetValue(name[..^suffix.Length], out var family)) return family;
        }
        return "untyped";
    }

    /// <summary>
    /// The change of every cumulative series (counters, and histogram/summary sums, counts and buckets) found in both
    /// scrapes; gauges and untyped series report their value before and after.
    /// </summary>
    public static IReadOnlyList<ServerMetricDelta> Deltas(IReadOnlyList<PrometheusSample> before, IReadOnlyList<PrometheusSample> after)
    {
        ArgumentNullException.ThrowIfNull(before);
        ArgumentNullException.ThrowIfNull(after);
        var earlier = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var s in before) earlier[s.Series] = s.Value;
        var deltas = new List<ServerMetricDelta>();
        foreach (var s in after)
        {
            if (earlier.TryGetValue(s.Series, out var was) && !double.IsNaN(was) && !double.IsNaN(s.Value)) deltas.Add(new ServerMetricDelta(s.Series, was, s.Value));
        }
        return deltas;
    }
}

/// <summary>Reads an endpoint's <c>/metrics</c>; an endpoint without one gives null (no server view), never an error.</summary>
public sealed class MetricsScraper(HttpClient http)
{
    /// <summary>The samples at <c>{root}metrics</c>, or null when it is missing, fails or is not Prometheus text.</summary>
    public async Task<IReadOnlyList<PrometheusSample>?> ScrapeAsync(Uri root, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(root);
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(10));
            using var response = await http.GetAsync(new Uri(root, "metrics"), timeout.Token);
            if (!response.IsSuccessStatusCode) return null;
            var text = await response.Content.ReadAsStringAsync(timeout.Token);
            var samples = PrometheusText.Parse(text);
            return samples.Count == 0 ? null : samples;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return null;
        }
        catch (Exception e) when (e is HttpRequestException or IOException)
        {
            return null;
        }
    }
}
