using System.Text.RegularExpressions;

namespace ModelScout.Hardware;

/// <summary>Page counts from macOS vm_stat.</summary>
/// <param name="PageSizeBytes">Page size from the first line; null when missing.</param>
/// <param name="FreePages">"Pages free".</param>
/// <param name="InactivePages">"Pages inactive".</param>
/// <param name="SpeculativePages">"Pages speculative".</param>
/// <param name="Warnings">What could not be read.</param>
public sealed record VmStatReading(long? PageSizeBytes, long? FreePages, long? InactivePages, long? SpeculativePages, IReadOnlyList<string> Warnings)
{
    /// <summary>Memory a new process can take: free + inactive + speculative pages; null without a page size or free count.</summary>
    public long? AvailableBytes => PageSizeBytes is { } size && FreePages is { } free
        ? (free + (InactivePages ?? 0) + (SpeculativePages ?? 0)) * size
        : null;
}

/// <summary>Parses vm_stat ("Mach Virtual Memory Statistics: (page size of 16384 bytes)", "Pages free:   3036.").</summary>
public static partial class VmStatParser
{
    /// <summary>Reads the page size and the free, inactive and speculative counts; never throws.</summary>
    public static VmStatReading Parse(string? output)
    {
        var warnings = new List<string>();
        var text = output ?? "";
        var pageMatch = PageSize().Match(text);
        long? pageSize = pageMatch.Success && ParseText.TryLong(pageMatch.Groups[1].Value, out var p) && p > 0 ? p : null;
        if (pageSize is null) warnings.Add("vm_stat did not print its page size");

        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var line in ParseText.Lines(text))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0 || !ParseText.TryLong(line[(colon + 1)..].Trim().TrimEnd('.'), out var n)) continue;
            counts.TryAdd(line[..colon].Trim(), n);
        }
        long? Count(string key) => counts.TryGetValue(key, out var v) ? v : null;
        var free = Count("Pages free");
        if (free is null) warnings.Add("vm_stat did not print 'Pages free'");
        return new VmStatReading(pageSize, free, Count("Pages inactive"), Count("Pages speculative"), warnings);
    }

    [GeneratedRegex(@"page size of (\d+) bytes", RegexOptions.CultureInvariant)]
    private static partial Regex PageSize();
}
