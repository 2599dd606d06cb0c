using System.Globalization;

namespace ModelScout.Cli.Framework;

/// <summary>Parses the sizes and counts people type ("24", "24GB", "8 GiB", "128K", "10M", "700000000").</summary>
internal static class Units
{
    /// <summary>Memory in GiB. GPU and RAM sizes are sold in binary gigabytes, so GB and GiB both mean 2^30 bytes here.</summary>
    public static double ParseGiB(string text, string option)
    {
        var t = text.Trim().Replace(" ", "", StringComparison.Ordinal).ToUpperInvariant();
        var multiplier = 1.0;
        foreach (var (suffix, m) in new[] { ("GIB", 1.0), ("GB", 1.0), ("G", 1.0), ("TIB", 1024.0), ("TB", 1024.0), ("T", 1024.0), ("MIB", 1 / 1024.0), ("MB", 1 / 1024.0) })
        {
            if (t.EndsWith(suffix, StringComparison.Ordinal))
            {
                t = t[..^suffix.Length];
                multiplier = m;
                break;
            }
        }
        if (!double.TryParse(t, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) || v <= 0)
            throw new CliException($"{option}: '{text}' is not a memory size; write it like 24, 24GB or 0.5TB");
        return v * multiplier;
    }

    /// <summary>A count with an optional K/M/B suffix (K = 1,000 for users and tokens per day, except contexts, see <see cref="ParseContext"/>).</summary>
    public static long ParseCount(string text, string option)
    {
        var t = text.Trim().Replace("_", "", StringComparison.Ordinal).Replace(",", "", StringComparison.Ordinal).ToUpperInvariant();
        var multiplier = 1.0;
        if (t.EndsWith('K')) { multiplier = 1e3; t = t[..^1]; }
        else if (t.EndsWith('M')) { multiplier = 1e6; t = t[..^1]; }
        else if (t.EndsWith('B')) { multiplier = 1e9; t = t[..^1]; }
        if (!double.TryParse(t, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) || v < 0)
            throw new CliException($"{option}: '{text}' is not a number; write it like 700000000, 700M or 10M");
        return (long)Math.Round(v * multiplier);
    }

    /// <summary>A context length: 8192, 8K (= 8192), 128K (= 131072).</summary>
    public static long ParseContext(string text, string option)
    {
        var t = text.Trim().ToUpperInvariant();
        long value;
        if (t.EndsWith('K') && long.TryParse(t[..^1], NumberStyles.Integer, CultureInfo.InvariantCulture, out var k)) value = k * 1024;
        else if (!long.TryParse(t, NumberStyles.Integer, CultureInfo.InvariantCulture, out value)) throw new CliException($"{option}: '{text}' is not a context length; write 8192 or 8K");
        if (value < 256 || value > 10_000_000) throw new CliException($"{option}: {value} tokens is outside 256 .. 10,000,000");
        return value;
    }
}
