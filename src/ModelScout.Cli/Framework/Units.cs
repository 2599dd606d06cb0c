using System.Globalization;

namespace ModelScout.Cli.Framework;

/// <summary>Parses the sizes and counts people type ("24", "24GB", "8 GiB", "128K", "10M", "700000000").</summary>
internal static class Units
{
    private const double BytesPerGiB = 1024.0 * 1024 * 1024;

    /// <summary>
    /// Memory in GiB. Decimal units are decimal: GB = 10^9 bytes, TB = 10^12, MB = 10^6, so "24GB" is 22.35 GiB.
    /// Binary units (GiB, TiB, MiB) and a bare number or a bare G/T/M suffix are binary: "24", "24G" and "24GiB" are
    /// 24 GiB, which is what a card or a RAM kit sold as "24GB" really holds.
    /// </summary>
    public static double ParseGiB(string text, string option)
    {
        ArgumentNullException.ThrowIfNull(text);
        var t = text.Trim().Replace(" ", "", StringComparison.Ordinal).ToUpperInvariant();
        var multiplier = 1.0;
        foreach (var (suffix, m) in new[]
        {
            ("GIB", 1.0), ("TIB", 1024.0), ("MIB", 1 / 1024.0),
            ("GB", 1e9 / BytesPerGiB), ("TB", 1e12 / BytesPerGiB), ("MB", 1e6 / BytesPerGiB),
            ("G", 1.0), ("T", 1024.0), ("M", 1 / 1024.0),
        })
        {
            if (t.EndsWith(suffix, StringComparison.Ordinal))
            {
                t = t[..^suffix.Length];
                multiplier = m;
                break;
            }
        }
        if (!double.TryParse(t, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) || v <= 0 || double.IsInfinity(v))
            throw new CliException($"{option}: '{text}' is not a memory size; write it like 24 (GiB), 24GiB, 24GB (10^9 bytes) or 0.5TB");
        return v * multiplier;
    }

    /// <summary>True when <paramref name="text"/> names a decimal unit (GB, TB, MB), whose GiB figure differs from what was typed.</summary>
    public static bool IsDecimalSize(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var t = text.Trim().ToUpperInvariant();
        return (t.EndsWith("GB", StringComparison.Ordinal) || t.EndsWith("TB", StringComparison.Ordinal) || t.EndsWith("MB", StringComparison.Ordinal))
            && !t.EndsWith("IB", StringComparison.Ordinal);
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
