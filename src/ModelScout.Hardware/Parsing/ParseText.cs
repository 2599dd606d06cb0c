using System.Globalization;
using static System.FormattableString;

namespace ModelScout.Hardware;

/// <summary>Small text helpers shared by the parsers; all number handling is culture-invariant.</summary>
internal static class ParseText
{
    /// <summary>Most line-level complaints one tool output may add before the rest are summarised.</summary>
    public const int MaxLineWarnings = 3;

    public static IEnumerable<string> Lines(string text) =>
        text.Split('\n').Select(l => l.TrimEnd('\r'));

    public static bool TryLong(string? text, out long value) =>
        long.TryParse(text?.Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out value);

    public static bool TryInt(string? text, out int value) =>
        int.TryParse(text?.Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out value);

    public static bool TryDouble(string? text, out double value) =>
        double.TryParse(text?.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out value)
        && double.IsFinite(value);

    public static long? Long(string? text) => TryLong(text, out var v) ? v : null;

    public static int? Int(string? text) => TryInt(text, out var v) ? v : null;

    /// <summary>A line cut to a length that keeps warnings readable.</summary>
    public static string Clip(string text, int max = 80)
    {
        var oneLine = text.Replace('\t', ' ').Trim();
        return oneLine.Length <= max ? oneLine : string.Concat(oneLine.AsSpan(0, max), "...");
    }

    /// <summary>The first non-blank line of a tool's output, clipped; for error messages.</summary>
    public static string FirstLine(string? text) =>
        Clip(Lines(text ?? "").FirstOrDefault(l => !string.IsNullOrWhiteSpace(l)) ?? "");

    /// <summary>Adds a line-level warning, or counts it once <see cref="MaxLineWarnings"/> have been added.</summary>
    public static void AddCapped(List<string> warnings, ref int count, string warning)
    {
        count++;
        if (count <= MaxLineWarnings) warnings.Add(warning);
    }

    /// <summary>Appends "and N more" when <see cref="AddCapped"/> dropped some.</summary>
    public static void Summarise(List<string> warnings, int count, string what)
    {
        if (count > MaxLineWarnings) warnings.Add(Invariant($"{what}: {count - MaxLineWarnings} more line(s) not understood"));
    }

    public static string Number(double value) => value.ToString("0.##", CultureInfo.InvariantCulture);

    public static string GiB(long bytes) => Number(bytes / (double)Units.GiB);
}

/// <summary>Byte units.</summary>
internal static class Units
{
    public const long KiB = 1024;
    public const long MiB = 1024 * KiB;
    public const long GiB = 1024 * MiB;

    public static long FromGiB(double gib) => (long)Math.Round(gib * GiB);
}
