using System.Text.RegularExpressions;
using ModelScout.Core.Catalog;

namespace ModelScout.Hardware;

/// <summary>"Did you mean" candidates for an unknown GPU, chip or profile name.</summary>
internal static partial class CloseNames
{
    /// <summary>Up to <paramref name="max"/> keys whose names contain the query or lie within a few edits of it, best first.</summary>
    public static IReadOnlyList<string> Find(string query, IEnumerable<(string Key, IReadOnlyList<string> Names)> candidates, int max = 3)
    {
        var key = Normalize(query);
        if (key.Length == 0) return [];
        var limit = Math.Max(2, key.Length / 3);
        return candidates
            .Select(c => (c.Key, Score: c.Names.Select(Normalize).Where(n => n.Length > 0).Select(n => Score(key, n)).DefaultIfEmpty(int.MaxValue).Min()))
            .Where(c => c.Score <= limit)
            .OrderBy(c => c.Score)
            .ThenBy(c => c.Key.Length)
            .ThenBy(c => c.Key, StringComparer.Ordinal)
            .Select(c => c.Key)
            .Distinct(StringComparer.OrdinalIgnoreCase)
            .Take(max)
            .ToList();
    }

    /// <summary>Lowercase words joined by '-': "GeForce RTX 4090" and "rtx_4090" compare as "geforce-rtx-4090" and "rtx-4090".</summary>
    public static string Normalize(string name) =>
        string.Join('-', NonWord().Split(name.ToLowerInvariant()).Where(w => w.Length > 0));

    // A query that is part of a name ("4090" in "rtx-4090") is as close as an exact match.
    private static int Score(string query, string name) =>
        query.Length >= 3 && name.Contains(query, StringComparison.Ordinal) ? 0 : NameDistance.Score(query, name);

    [GeneratedRegex("[^a-z0-9]+", RegexOptions.CultureInvariant)]
    private static partial Regex NonWord();
}
