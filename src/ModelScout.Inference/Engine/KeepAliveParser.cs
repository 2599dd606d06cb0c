using System.Globalization;
using System.Text.Json;

namespace ModelScout.Inference.Engine;

/// <summary>
/// Ollama's keep_alive: a Go duration string ("5m", "1h30m", "300ms", "-1s"), a bare number of seconds (JSON number or
/// string), zero to unload at once, negative to keep loaded for ever (returned as <see cref="Timeout.InfiniteTimeSpan"/>).
/// </summary>
public static class KeepAliveParser
{
    public static TimeSpan Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var s = text.Trim();
        if (double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds)) return FromSeconds(seconds);
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
            var number = double.Parse(s.AsSpan(start, i - start), NumberStyles.Float, CultureInfo.InvariantCulture);
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
        return FromSeconds(negative ? -total : total);
    }

    /// <summary>Reads the JSON value of a keep_alive field (string or number); null when absent.</summary>
    public static TimeSpan? Parse(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Undefined or JsonValueKind.Null => null,
        JsonValueKind.Number => FromSeconds(value.GetDouble()),
        JsonValueKind.String => Parse(value.GetString()!),
        _ => throw new InferenceException(InferenceErrorKind.InvalidRequest, "keep_alive must be a duration string like \"5m\" or a number of seconds") { Param = "keep_alive" },
    };

    private static TimeSpan FromSeconds(double seconds) => seconds < 0 ? Timeout.InfiniteTimeSpan : TimeSpan.FromSeconds(Math.Min(seconds, TimeSpan.MaxValue.TotalSeconds / 2));

    private static InferenceException Bad(string text) =>
        new(InferenceErrorKind.InvalidRequest, $"keep_alive '{text}' is not a duration: use a number of seconds or a string like \"5m\", \"1h30m\", \"-1\" (forever), \"0\" (unload now)") { Param = "keep_alive" };
}
