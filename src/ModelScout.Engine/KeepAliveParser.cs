using System.Globalization;
using System.Text.Json;

namespace ModelScout.Engine;

/// <summary>
/// Ollama's keep_alive: a Go duration string ("5m", "1h30m", "300ms", "-1s"), a bare number of seconds (JSON number or
/// string), zero to unload at once, negative to keep loaded for ever (returned as <see cref="Timeout.InfiniteTimeSpan"/>).
/// Positive values are accepted up to <see cref="Max"/>, Go's largest duration (what Ollama itself can hold); anything
/// longer, NaN or infinity is refused naming the field, so no request can store a value later arithmetic overflows on.
/// </summary>
public static class KeepAliveParser
{
    /// <summary>The longest keep-alive accepted: 2^63-1 ns (Go's <c>time.Duration</c> maximum, about 292 years).</summary>
    public static readonly TimeSpan Max = TimeSpan.FromTicks(long.MaxValue / TimeSpan.NanosecondsPerTick);

    public static TimeSpan Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var s = text.Trim();
        if (s.Length > 0 && (char.IsAsciiDigit(s[^1]) || s[^1] == '.')
            && double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds)) return FromSeconds(seconds, text);
        var negative = s.StartsWith('-');
        if (negative || s.StartsWith('+')) s = s[1..];
        if (s.Length == 0) throw Bad(text);
        double total = 0;
        var i = 0;
        while (i < s.Length)
        {
            var start = i;
            while (i < s.Length && (char.IsAsciiDigit(s[i]) || s[i] == '.')) i++;
            if (start == i) throw Bad(text);
            if (!double.TryParse(s.AsSpan(start, i - start), NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var number)) throw Bad(text);
            var unitStart = i;
            while (i < s.Length && !char.IsAsciiDigit(s[i]) && s[i] != '.') i++;
            var scale = s[unitStart..i] switch
            {
                "ns" => 1e-9,
                "us" or "µs" => 1e-6,
                "ms" => 1e-3,
                "s" => 1,
                "m" => 60,
                "h" => 3600,
                _ => throw Bad(text),
            };
            total += number * scale;
        }
        return FromSeconds(negative ? -total : total, text);
    }

    /// <summary>Reads the JSON value of a keep_alive field (string or number); null when absent.</summary>
    public static TimeSpan? Parse(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Undefined or JsonValueKind.Null => null,
        JsonValueKind.Number => FromSeconds(value.GetDouble(), value.GetRawText()),
        JsonValueKind.String => Parse(value.GetString()!),
        _ => throw new InferenceException(InferenceErrorKind.InvalidRequest, "keep_alive must be a duration string like \"5m\" or a number of seconds") { Param = "keep_alive" },
    };

    /// <summary>
    /// <paramref name="start"/> + <paramref name="keepAlive"/>, saturating at <see cref="DateTimeOffset.MaxValue"/>: an infinite or
    /// negative keep-alive, or one that runs past the calendar's end, never expires.
    /// </summary>
    public static DateTimeOffset ExpiryFrom(DateTimeOffset start, TimeSpan keepAlive) =>
        keepAlive < TimeSpan.Zero || keepAlive >= DateTimeOffset.MaxValue - start ? DateTimeOffset.MaxValue : start + keepAlive;

    private static TimeSpan FromSeconds(double seconds, string text)
    {
        if (double.IsNaN(seconds) || double.IsInfinity(seconds)) throw Bad(text);
        if (seconds < 0) return Timeout.InfiniteTimeSpan;
        if (seconds > Max.TotalSeconds) throw TooLong(text);
        // Max.Ticks is not exact as a double: at the top of the range the product can round past it.
        var ticks = seconds * TimeSpan.TicksPerSecond;
        return ticks >= Max.Ticks ? Max : TimeSpan.FromTicks((long)ticks);
    }

    private static InferenceException Bad(string text) =>
        new(InferenceErrorKind.InvalidRequest, $"keep_alive '{Shorten(text)}' is not a duration: use a number of seconds or a string like \"5m\", \"1h30m\", \"-1\" (forever), \"0\" (unload now)") { Param = "keep_alive" };

    private static InferenceException TooLong(string text) =>
        new(InferenceErrorKind.InvalidRequest, $"keep_alive '{Shorten(text)}' is longer than the longest accepted ({Max.TotalSeconds:F0} seconds, about 292 years); use a negative value such as -1 to keep the model loaded for ever") { Param = "keep_alive" };

    private static string Shorten(string text) => text.Length <= 40 ? text : text[..40] + "…";
}
