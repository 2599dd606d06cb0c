using System.Globalization;
using System.Text.RegularExpressions;

namespace ModelScout.Evaluation.Scoring;

/// <summary>GSM8K answer extraction as lm-evaluation-harness reports it: strict <c>#### N</c> and flexible last number.</summary>
public static partial class Gsm8kAnswer
{
    [GeneratedRegex(@"####\s*(-?[$0-9.,]+)")]
    private static partial Regex StrictPattern();

    [GeneratedRegex(@"(-?[$0-9.,]{2,})|(-?[0-9]+)")]
    private static partial Regex NumberPattern();

    /// <summary>The number after the first <c>####</c>, cleaned (see <see cref="Clean"/>); null when there is none. Also reads the gold answer.</summary>
    public static string? Strict(string text)
    {
        var match = StrictPattern().Match(text);
        return match.Success ? Clean(match.Groups[1].Value) : null;
    }

    /// <summary>The last number anywhere in the reply, cleaned; null when there is none.</summary>
    public static string? Flexible(string text)
    {
        var matches = NumberPattern().Matches(text);
        for (var i = matches.Count - 1; i >= 0; i--)
        {
            var cleaned = Clean(matches[i].Value);
            if (cleaned is not null) return cleaned;
        }
        return null;
    }

    /// <summary>Drops thousands commas, <c>$</c> and a trailing full stop; null when what is left is not a number.</summary>
    public static string? Clean(string raw)
    {
        var text = raw.Replace(",", "", StringComparison.Ordinal).Replace("$", "", StringComparison.Ordinal).TrimEnd('.');
        return decimal.TryParse(text, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value)
            ? Canonical(value)
            : null;
    }

    /// <summary>Numeric equality of two cleaned answers, so 3.50 equals 3.5 and 007 equals 7.</summary>
    public static bool Same(string? extracted, string gold)
    {
        if (extracted is null) return false;
        var a = Clean(extracted);
        var b = Clean(gold);
        return a is not null && a == b;
    }

    private static string Canonical(decimal value) => value.ToString("0.############################", CultureInfo.InvariantCulture);
}
