using System.Globalization;
using ModelScout.Engine;

namespace ModelScout.Cli.Chat;

/// <summary>The timing block <c>--verbose</c> prints after each answer, in <c>ollama run --verbose</c>'s words and order.</summary>
internal static class VerboseStats
{
    public static string Format(GenerationStats s)
    {
        ArgumentNullException.ThrowIfNull(s);
        var lines = new List<string>
        {
            Line("total duration:", Duration(s.TotalDuration)),
            Line("load duration:", Duration(s.LoadDuration)),
            Line("prompt eval count:", $"{s.PromptTokens} token(s)" + (s.CachedPromptTokens > 0 ? $" ({s.CachedPromptTokens} cached)" : "")),
            Line("prompt eval duration:", Duration(s.PromptEvalDuration)),
            Line("prompt eval rate:", Rate(s.PromptTokens - s.CachedPromptTokens, s.PromptEvalDuration)),
            Line("eval count:", $"{s.CompletionTokens} token(s)"),
            Line("eval duration:", Duration(s.EvalDuration)),
            Line("eval rate:", Rate(s.CompletionTokens, s.EvalDuration)),
        };
        return string.Join('\n', lines) + "\n";
    }

    /// <summary>Tokens per second, or null when no time was measured.</summary>
    public static double? PerSecond(int tokens, TimeSpan duration) => duration > TimeSpan.Zero ? tokens / duration.TotalSeconds : null;

    private static string Line(string label, string value) => $"{label,-22}{value}";

    private static string Rate(int tokens, TimeSpan duration) =>
        PerSecond(tokens, duration) is { } r ? r.ToString("0.00", CultureInfo.InvariantCulture) + " tokens/s" : "n/a";

    // Like Go's time.Duration: the unit that keeps the number readable.
    internal static string Duration(TimeSpan d) => d.TotalSeconds switch
    {
        >= 1 => d.TotalSeconds.ToString("0.######", CultureInfo.InvariantCulture) + "s",
        >= 0.001 => d.TotalMilliseconds.ToString("0.######", CultureInfo.InvariantCulture) + "ms",
        _ => (d.Ticks / 10.0).ToString("0.#", CultureInfo.InvariantCulture) + "µs",
    };
}
