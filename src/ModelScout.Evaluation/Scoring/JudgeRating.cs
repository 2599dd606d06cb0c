using System.Globalization;
using System.Text.RegularExpressions;

namespace ModelScout.Evaluation.Scoring;

/// <summary>Reads an MT-Bench judge's verdict: a rating written as <c>[[8]]</c> (or <c>[8]</c> when a judge drops a bracket).</summary>
public static partial class JudgeRating
{
    /// <summary>The lowest rating MT-Bench's judge prompt allows.</summary>
    public const double Lowest = 1;

    /// <summary>The highest rating MT-Bench's judge prompt allows.</summary>
    public const double Highest = 10;

    [GeneratedRegex(@"\[\[\s*(\d+(?:\.\d+)?)\s*\]\]")]
    private static partial Regex Double();

    [GeneratedRegex(@"\[\s*(\d+(?:\.\d+)?)\s*\]")]
    private static partial Regex Single();

    /// <summary>The rating 1..10, or null when none can be read or it is out of range.</summary>
    /// <remarks>The last bracketed rating wins: judges explain first and rate at the end.</remarks>
    public static double? Parse(string reply)
    {
        var matches = Double().Matches(reply);
        if (matches.Count == 0) matches = Single().Matches(reply);
        if (matches.Count == 0) return null;
        var value = double.Parse(matches[^1].Groups[1].Value, CultureInfo.InvariantCulture);
        return value is >= Lowest and <= Highest ? value : null;
    }
}
