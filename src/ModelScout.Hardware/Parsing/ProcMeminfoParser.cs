namespace ModelScout.Hardware;

/// <summary>System memory as /proc/meminfo reports it.</summary>
/// <param name="TotalBytes">MemTotal; null when absent.</param>
/// <param name="AvailableBytes">MemAvailable, or MemFree + Buffers + Cached on kernels without it; null when neither is there.</param>
/// <param name="AvailableEstimated">True when <paramref name="AvailableBytes"/> was summed because MemAvailable was missing.</param>
/// <param name="Warnings">What could not be read.</param>
public sealed record MeminfoReading(long? TotalBytes, long? AvailableBytes, bool AvailableEstimated, IReadOnlyList<string> Warnings);

/// <summary>Parses /proc/meminfo ("MemTotal:  131981020 kB").</summary>
public static class ProcMeminfoParser
{
    /// <summary>Reads MemTotal and MemAvailable (with the older fallback); never throws.</summary>
    public static MeminfoReading Parse(string? text)
    {
        var warnings = new List<string>();
        if (string.IsNullOrWhiteSpace(text))
        {
            warnings.Add("/proc/meminfo is empty or missing");
            return new MeminfoReading(null, null, false, warnings);
        }

        var values = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var line in ParseText.Lines(text))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0) continue;
            var parts = line[(colon + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length == 0 || !ParseText.TryLong(parts[0], out var number) || number < 0) continue;
            var scale = parts.Length > 1 && parts[1].Equals("kB", StringComparison.OrdinalIgnoreCase) ? Units.KiB : 1;
            values.TryAdd(line[..colon].Trim(), number * scale);
        }

        long? total = values.TryGetValue("MemTotal", out var t) && t > 0 ? t : null;
        if (total is null) warnings.Add("/proc/meminfo has no MemTotal");
        if (values.TryGetValue("MemAvailable", out var available)) return new MeminfoReading(total, available, false, warnings);
        if (values.TryGetValue("MemFree", out var free))
        {
            var estimate = free + values.GetValueOrDefault("Buffers") + values.GetValueOrDefault("Cached");
            return new MeminfoReading(total, total is { } limit ? Math.Min(estimate, limit) : estimate, true, warnings);
        }
        warnings.Add("/proc/meminfo has neither MemAvailable nor MemFree");
        return new MeminfoReading(total, null, false, warnings);
    }
}
