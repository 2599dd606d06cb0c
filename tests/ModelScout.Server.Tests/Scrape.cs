using ModelScout.LoadTest;

namespace ModelScout.Server.Tests;

/// <summary>/metrics read back with the load tester's Prometheus parser.</summary>
internal static class Scrape
{
    public static async Task<IReadOnlyList<PrometheusSample>> GetAsync(HttpClient http) => PrometheusText.Parse(await http.GetStringAsync("/metrics"));

    /// <summary>The value of the one sample named <paramref name="name"/> whose labels include <paramref name="labels"/>; null when none.</summary>
    public static double? Value(this IReadOnlyList<PrometheusSample> samples, string name, params (string Key, string Value)[] labels) =>
        samples.Where(s => s.Name == name && labels.All(l => s.Labels.TryGetValue(l.Key, out var v) && v == l.Value)).Select(s => (double?)s.Value).SingleOrDefault();
}
