namespace ModelScout.Hardware;

/// <summary>The macOS sysctl values the probe asks for.</summary>
/// <param name="Values">Every "key: value" pair read.</param>
/// <param name="Warnings">What could not be read.</param>
public sealed record SysctlReading(IReadOnlyDictionary<string, string> Values, IReadOnlyList<string> Warnings)
{
    /// <summary>hw.memsize: installed memory in bytes.</summary>
    public long? MemSizeBytes => Long("hw.memsize");

    /// <summary>hw.ncpu: logical processors.</summary>
    public int? LogicalCpus => Int("hw.ncpu");

    /// <summary>hw.physicalcpu: physical cores.</summary>
    public int? PhysicalCpus => Int("hw.physicalcpu");

    /// <summary>hw.perflevel0.physicalcpu: performance cores on Apple silicon.</summary>
    public int? PerformanceCores => Int("hw.perflevel0.physicalcpu");

    /// <summary>machdep.cpu.brand_string ("Apple M3 Max").</summary>
    public string? BrandString => Values.TryGetValue("machdep.cpu.brand_string", out var v) && v.Length > 0 ? v : null;

    /// <summary>iogpu.wired_limit_mb: the user's override of the Metal working set in MiB (0 means the default).</summary>
    public long? WiredLimitMiB => Long("iogpu.wired_limit_mb");

    /// <summary>True on Apple silicon (hw.optional.arm64 = 1, or an "Apple" brand string).</summary>
    public bool IsAppleSilicon =>
        Flag("hw.optional.arm64") || BrandString?.StartsWith("Apple", StringComparison.OrdinalIgnoreCase) == true;

    /// <summary>The vector extensions llama.cpp uses, from the hw.optional.* keys.</summary>
    public IReadOnlyList<string> Features
    {
        get
        {
            var present = SysctlParser.FeatureKeys.Where(p => Flag(p.Key)).Select(p => p.Value).ToHashSet(StringComparer.Ordinal);
            return ProcCpuinfoParser.KnownFeatures.Where(present.Contains).ToList();
        }
    }

    private long? Long(string key) => ParseText.Long(Values.GetValueOrDefault(key));

    private int? Int(string key) => ParseText.Int(Values.GetValueOrDefault(key));

    private bool Flag(string key) => Values.GetValueOrDefault(key) == "1";
}

/// <summary>Parses <c>sysctl key ...</c> output ("hw.memsize: 17179869184").</summary>
public static class SysctlParser
{
    /// <summary>hw.optional.* keys and the feature each one reports.</summary>
    internal static readonly KeyValuePair<string, string>[] FeatureKeys =
    [
        new("hw.optional.avx1_0", "avx"),
        new("hw.optional.avx2_0", "avx2"),
        new("hw.optional.avx512f", "avx512f"),
        new("hw.optional.fma", "fma"),
        new("hw.optional.neon", "neon"),
        new("hw.optional.AdvSIMD", "neon"),
        new("hw.optional.arm.FEAT_DotProd", "dotprod"),
        new("hw.optional.arm.FEAT_I8MM", "i8mm"),
    ];

    /// <summary>The keys the probe asks for. Unknown ones (iogpu.wired_limit_mb on Intel Macs) only cost a line on stderr.</summary>
    public static IReadOnlyList<string> QueryKeys { get; } =
    [
        "hw.memsize", "hw.ncpu", "hw.physicalcpu", "hw.perflevel0.physicalcpu", "machdep.cpu.brand_string",
        "iogpu.wired_limit_mb", "hw.optional.arm64", .. FeatureKeys.Select(k => k.Key),
    ];

    /// <summary>Reads every "key: value" line; other lines become (capped) warnings.</summary>
    public static SysctlReading Parse(string? output)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        var warnings = new List<string>();
        var bad = 0;
        foreach (var line in ParseText.Lines(output ?? ""))
        {
            if (string.IsNullOrWhiteSpace(line)) continue;
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            var key = colon > 0 ? line[..colon].Trim() : "";
            if (key.Length == 0 || key.Contains(' ', StringComparison.Ordinal))
            {
                ParseText.AddCapped(warnings, ref bad, $"sysctl line not understood: '{ParseText.Clip(line)}'");
                continue;
            }
            values[key] = line[(colon + 1)..].Trim();
        }
        ParseText.Summarise(warnings, bad, "sysctl");
        return new SysctlReading(values, warnings);
    }
}
