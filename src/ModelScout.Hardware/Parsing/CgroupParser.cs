namespace ModelScout.Hardware;

/// <summary>Where this process sits in the cgroup hierarchies, from /proc/self/cgroup.</summary>
/// <param name="UnifiedPath">Path in the cgroup v2 hierarchy ("0::/path"), or null.</param>
/// <param name="MemoryPath">Path in the cgroup v1 memory hierarchy, or null.</param>
/// <param name="CpuPath">Path in the cgroup v1 cpu hierarchy, or null.</param>
public sealed record CgroupMembership(string? UnifiedPath, string? MemoryPath, string? CpuPath);

/// <summary>Parses the cgroup files that limit a container's memory and CPU.</summary>
public static class CgroupParser
{
    // cgroup v1 writes "no limit" as the largest page-aligned long (9223372036854771712); anything this large is no limit.
    private const long Unlimited = 1L << 60;

    /// <summary>A memory limit from <c>memory.max</c> (v2) or <c>memory.limit_in_bytes</c> (v1); null for "max", unlimited, absent or garbage.</summary>
    public static long? ParseMemoryLimit(string? text)
    {
        if (text is null) return null;
        return ParseText.TryLong(text, out var limit) && limit > 0 && limit < Unlimited ? limit : null;
    }

    /// <summary>A byte count such as <c>memory.current</c> or <c>memory.usage_in_bytes</c>; null when absent or garbage.</summary>
    public static long? ParseBytes(string? text) => ParseText.TryLong(text, out var v) && v >= 0 ? v : null;

    /// <summary>One value of a <c>memory.stat</c> file ("inactive_file 123"); null when absent or garbage.</summary>
    public static long? ParseStatValue(string? text, string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        foreach (var line in ParseText.Lines(text ?? ""))
        {
            var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length == 2 && parts[0] == key) return ParseBytes(parts[1]);
        }
        return null;
    }

    /// <summary>CPUs allowed by a v2 <c>cpu.max</c> ("200000 100000" is 2); null for "max ..." or garbage.</summary>
    public static double? ParseCpuMax(string? text)
    {
        var parts = (text ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length != 2) return null;
        return ParseText.TryLong(parts[0], out var quota) && ParseText.TryLong(parts[1], out var period) && quota > 0 && period > 0
            ? quota / (double)period
            : null;
    }

    /// <summary>CPUs allowed by v1 <c>cpu.cfs_quota_us</c> / <c>cpu.cfs_period_us</c>; null when the quota is -1 or unreadable.</summary>
    public static double? ParseCfsQuota(string? quotaText, string? periodText) =>
        ParseText.TryLong(quotaText, out var quota) && ParseText.TryLong(periodText, out var period) && quota > 0 && period > 0
            ? quota / (double)period
            : null;

    /// <summary>Reads /proc/self/cgroup ("hierarchy-id:controllers:path" lines).</summary>
    public static CgroupMembership ParseMembership(string? text)
    {
        string? unified = null, memory = null, cpu = null;
        foreach (var line in ParseText.Lines(text ?? ""))
        {
            var parts = line.Split(':', 3);
            if (parts.Length != 3 || !parts[2].StartsWith('/')) continue;
            var controllers = parts[1].Split(',');
            if (parts[0] == "0" && parts[1].Length == 0) unified ??= parts[2];
            if (controllers.Contains("memory")) memory ??= parts[2];
            if (controllers.Contains("cpu")) cpu ??= parts[2];
        }
        return new CgroupMembership(unified, memory, cpu);
    }
}

/// <summary>Parses /proc/self/status for the CPUs this process may run on.</summary>
public static class ProcStatusParser
{
    /// <summary>How many CPUs <c>Cpus_allowed_list</c> names ("0-3,8-11" is 8); null when absent or garbage.</summary>
    public static int? AllowedCpuCount(string? text)
    {
        foreach (var line in ParseText.Lines(text ?? ""))
        {
            if (!line.StartsWith("Cpus_allowed_list:", StringComparison.Ordinal)) continue;
            return CountCpuList(line["Cpus_allowed_list:".Length..]);
        }
        return null;
    }

    /// <summary>How many CPUs a kernel CPU list names ("0-3,8-11" is 8); null when garbage.</summary>
    public static int? CountCpuList(string list)
    {
        ArgumentNullException.ThrowIfNull(list);
        var count = 0;
        foreach (var range in list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var ends = range.Split('-');
            if (ends.Length == 1 && ParseText.TryInt(ends[0], out _)) count++;
            else if (ends.Length == 2 && ParseText.TryInt(ends[0], out var low) && ParseText.TryInt(ends[1], out var high) && high >= low) count += high - low + 1;
            else return null;
        }
        return count > 0 ? count : null;
    }
}
