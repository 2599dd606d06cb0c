using ModelScout.Core.Catalog;

namespace ModelScout.Cli.Framework;

/// <summary>"Did you mean" for a mistyped command or option name.</summary>
internal static class CommandSuggestions
{
    /// <summary>
    /// The names closest to <paramref name="typed"/>: those at the smallest edit distance (a swapped pair of letters
    /// counts one), when that distance is small for the word's length, else the names it begins; at most three.
    /// </summary>
    public static IReadOnlyList<string> Closest(string typed, IEnumerable<string> names)
    {
        ArgumentNullException.ThrowIfNull(typed);
        var key = typed.ToLowerInvariant();
        var bare = key.TrimStart('-');
        var distinct = names.Distinct(StringComparer.Ordinal).ToList();
        // One edit for short words ("fti" → fit), two from five letters ("recomend" → recommend), three from nine.
        var allowed = bare.Length switch { <= 4 => 1, <= 8 => 2, _ => 3 };
        var scored = distinct.Select(n => (Name: n, Score: NameDistance.Score(key, n.ToLowerInvariant()))).Where(x => x.Score <= allowed).ToList();
        if (scored.Count > 0)
        {
            var best = scored.Min(x => x.Score);
            return [.. scored.Where(x => x.Score == best).Select(x => x.Name).Take(3)];
        }
        if (bare.Length < 2) return [];
        return [.. distinct.Where(n => n.TrimStart('-').StartsWith(bare, StringComparison.OrdinalIgnoreCase)).Take(3)];
    }
}
