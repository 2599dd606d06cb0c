namespace ModelScout.Hardware;

/// <summary>The CPU as /proc/cpuinfo describes it.</summary>
/// <param name="Model">Model name (x86 "model name"; ARM board "Model", "Hardware" or the core named by "CPU part"); null when none.</param>
/// <param name="LogicalProcessors">Number of "processor" entries; 0 when none could be read.</param>
/// <param name="PhysicalCores">Distinct (physical id, core id) pairs, or the logical count when the kernel does not print them.</param>
/// <param name="Architecture">x86_64, arm64 or armv7 as far as the text tells; null when it does not.</param>
/// <param name="Features">The vector extensions llama.cpp uses, from "flags" or "Features", in <see cref="ProcCpuinfoParser.KnownFeatures"/> order.</param>
public sealed record CpuinfoReading(string? Model, int LogicalProcessors, int PhysicalCores, string? Architecture, IReadOnlyList<string> Features);

/// <summary>Parses /proc/cpuinfo on x86 and ARM.</summary>
public static class ProcCpuinfoParser
{
    /// <summary>The extensions llama.cpp selects kernels by, in the names this library reports them with.</summary>
    public static IReadOnlyList<string> KnownFeatures { get; } =
        ["avx", "avx2", "avx512f", "avx512_vnni", "avx512_bf16", "amx_tile", "fma", "f16c", "neon", "sve", "dotprod", "i8mm"];

    // Kernel flag spellings that differ from ours: ARM calls NEON "asimd" and the dot-product extension "asimddp".
    private static readonly Dictionary<string, string> FlagAliases = new(StringComparer.Ordinal)
    {
        ["asimd"] = "neon",
        ["asimddp"] = "dotprod",
    };

    // Arm Ltd. core part numbers common on boards and servers that print no model name.
    private static readonly Dictionary<string, string> ArmCoreParts = new(StringComparer.OrdinalIgnoreCase)
    {
        ["0xd03"] = "Cortex-A53",
        ["0xd05"] = "Cortex-A55",
        ["0xd07"] = "Cortex-A57",
        ["0xd08"] = "Cortex-A72",
        ["0xd0b"] = "Cortex-A76",
        ["0xd0c"] = "Neoverse-N1",
        ["0xd40"] = "Neoverse-V1",
        ["0xd49"] = "Neoverse-N2",
        ["0xd4f"] = "Neoverse-V2",
    };

    /// <summary>Reads model, counts and features; missing pieces come back empty, never as an exception.</summary>
    public static CpuinfoReading Parse(string? text)
    {
        string? modelName = null, boardModel = null, hardware = null, cpuPart = null, armArchitecture = null;
        string? x86Flags = null, armFeatures = null;
        var logical = 0;
        var cores = new HashSet<(string Physical, string Core)>();
        string? physicalId = null, coreId = null;

        void EndProcessor()
        {
            if (physicalId is not null && coreId is not null) cores.Add((physicalId, coreId));
            physicalId = coreId = null;
        }

        foreach (var line in ParseText.Lines(text ?? ""))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0)
            {
                if (string.IsNullOrWhiteSpace(line)) EndProcessor();
                continue;
            }
            var key = line[..colon].Trim();
            var value = line[(colon + 1)..].Trim();
            switch (key)
            {
                case "processor" when ParseText.TryInt(value, out _):
                    EndProcessor();
                    logical++;
                    break;
                case "model name":
                    modelName ??= NonEmpty(value);
                    break;
                case "Model":
                    boardModel ??= NonEmpty(value);
                    break;
                case "Hardware":
                    hardware ??= NonEmpty(value);
                    break;
                case "CPU part":
                    cpuPart ??= NonEmpty(value);
                    break;
                case "CPU architecture":
                    armArchitecture ??= NonEmpty(value);
                    break;
                case "physical id":
                    physicalId = value;
                    break;
                case "core id":
                    coreId = value;
                    break;
                case "flags":
                    x86Flags ??= value;
                    break;
                case "Features":
                    armFeatures ??= value;
                    break;
                default:
                    break;
            }
        }
        EndProcessor();

        var isX86 = x86Flags is not null;
        var model = isX86
            ? modelName
            : boardModel ?? hardware ?? modelName ?? (cpuPart is null ? null : ArmCoreParts.TryGetValue(cpuPart, out var core) ? $"Arm {core}" : $"ARM CPU part {cpuPart}");
        var architecture = isX86 ? "x86_64"
            : armArchitecture is "8" or "AArch64" || armFeatures?.Contains("asimd", StringComparison.Ordinal) == true ? "arm64"
            : armArchitecture is "7" ? "armv7"
            : null;
        var physical = cores.Count > 0 ? Math.Min(cores.Count, logical) : logical;
        return new CpuinfoReading(model, logical, physical, architecture, Features(x86Flags ?? armFeatures));
    }

    private static string? NonEmpty(string value) => value.Length > 0 ? value : null;

    private static List<string> Features(string? flags)
    {
        if (flags is null) return [];
        var present = flags.Split(' ', StringSplitOptions.RemoveEmptyEntries)
            .Select(f => FlagAliases.GetValueOrDefault(f, f))
            .ToHashSet(StringComparer.Ordinal);
        return KnownFeatures.Where(present.Contains).ToList();
    }
}
