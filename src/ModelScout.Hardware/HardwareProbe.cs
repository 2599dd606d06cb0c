using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;
using ModelScout.Core.Catalog;
using ModelScout.Core.Machines;
using static System.FormattableString;

namespace ModelScout.Hardware;

/// <summary>
/// Describes the computer it runs on: CPU and RAM from /proc and cgroups (Linux), sysctl and vm_stat (macOS) or .NET
/// (Windows); GPUs from one nvidia-smi call, rocm-smi or sysfs, or the Apple chip. Problems become
/// <see cref="Machine.Warnings"/>, guesses become <see cref="Machine.Assumptions"/>; <see cref="Probe"/> never throws.
/// </summary>
public sealed class HardwareProbe
{
    /// <summary>How long one tool may run before it is killed.</summary>
    public static readonly TimeSpan DefaultToolTimeout = TimeSpan.FromSeconds(5);

    private const string NvidiaDriverVersionFile = "/proc/driver/nvidia/version";
    private const string CgroupRoot = "/sys/fs/cgroup";
    private const string CgroupV1MemoryRoot = "/sys/fs/cgroup/memory";
    private const string CgroupV1CpuRoot = "/sys/fs/cgroup/cpu";

    // Below this an AMD "GPU" is an APU's carve-out that llama.cpp gains nothing from.
    private const long SmallestUsefulVram = Units.GiB;

    // From nvidia-smi(1), RETURN VALUE.
    private static readonly Dictionary<int, string> NvidiaSmiExitMeanings = new()
    {
        [2] = "an argument or flag is invalid",
        [3] = "the operation is not available on this device",
        [4] = "no permission to run the query",
        [6] = "the query failed",
        [9] = "the NVIDIA driver is not loaded",
        [10] = "the NVIDIA kernel module detected an interrupt issue with a GPU",
        [12] = "the NVML shared library could not be found or loaded",
        [14] = "the infoROM is corrupted",
        [15] = "a GPU has fallen off the bus or is otherwise inaccessible",
    };

    private readonly ICommandRunner runner;
    private readonly ISystemFiles files;
    private readonly OsPlatformKind platform;
    private readonly Catalog catalog;
    private readonly TimeSpan toolTimeout;
    private readonly IRamBandwidthSource? bandwidthSource;

    /// <summary>A probe over the given seams.</summary>
    /// <param name="runner">Runs nvidia-smi, rocm-smi, sysctl and vm_stat.</param>
    /// <param name="files">Reads /proc, /sys and cgroup files.</param>
    /// <param name="platform">Which operating system's sources to read.</param>
    /// <param name="catalog">Gives GPU and Apple chip specs, working-set readings and the RAM assumptions.</param>
    /// <param name="toolTimeout">How long one tool may run; <see cref="DefaultToolTimeout"/> when null.</param>
    /// <param name="bandwidth">A measured RAM bandwidth to use instead of the catalog's assumption (not for Apple chips, whose published figure counts).</param>
    public HardwareProbe(ICommandRunner runner, ISystemFiles files, OsPlatformKind platform, Catalog catalog, TimeSpan? toolTimeout = null,
        IRamBandwidthSource? bandwidth = null)
    {
        ArgumentNullException.ThrowIfNull(runner);
        ArgumentNullException.ThrowIfNull(files);
        ArgumentNullException.ThrowIfNull(catalog);
        this.runner = runner;
        this.files = files;
        this.platform = platform;
        this.catalog = catalog;
        this.toolTimeout = toolTimeout is { } t && t > TimeSpan.Zero ? t : DefaultToolTimeout;
        bandwidthSource = bandwidth;
    }

    /// <summary>A probe of this computer: real processes and files, the platform this process runs on.</summary>
    /// <param name="catalog">As for the constructor.</param>
    /// <param name="bandwidth">Where a measured RAM bandwidth is kept, if anywhere.</param>
    public static HardwareProbe ForThisMachine(Catalog catalog, IRamBandwidthSource? bandwidth = null) =>
        new(new ProcessCommandRunner(), new SystemFiles(), OsPlatformDetector.Current, catalog, bandwidth: bandwidth);

    /// <summary>Reads the machine. Never throws: what cannot be read is a warning and the machine falls back to CPU-only.</summary>
    public Machine Probe()
    {
        var found = new Findings();
        try
        {
            return platform switch
            {
                OsPlatformKind.MacOs => ProbeMac(found),
                OsPlatformKind.Windows => ProbeWindows(found),
                _ => ProbeLinux(found),
            };
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            found.Warn($"the hardware probe failed ({e.GetType().Name}: {e.Message}); using what .NET reports");
            return Assemble(RuntimeCpu(), RuntimeRam(found), [], found, knownRamBandwidth: null);
        }
    }

    private Machine ProbeLinux(Findings found)
    {
        var cpu = Guarded(found, "the CPU", () => LinuxCpu(found), RuntimeCpu);
        var ram = Guarded(found, "memory", () => LinuxRam(found), () => RuntimeRam(found));
        var gpus = new List<GpuDevice>();
        gpus.AddRange(Guarded(found, "NVIDIA GPUs", () => NvidiaGpus(found), () => []));
        gpus.AddRange(Guarded(found, "AMD GPUs", () => AmdGpus(found), () => []));
        return Assemble(cpu, ram, gpus, found, knownRamBandwidth: null);
    }

    private Machine ProbeWindows(Findings found)
    {
        var cpu = RuntimeCpu();
        found.Assume("physical cores are not probed on Windows: logical processors are counted as cores");
        var ram = RuntimeRam(found);
        var gpus = Guarded(found, "NVIDIA GPUs", () => NvidiaGpus(found), () => []);
        return Assemble(cpu, ram, gpus, found, knownRamBandwidth: null);
    }

    private Machine ProbeMac(Findings found)
    {
        var sysctl = Guarded(found, "sysctl", () => RunSysctl(found), () => SysctlParser.Parse(null));
        var answered = sysctl.Values.Count > 0;
        var threads = sysctl.LogicalCpus is > 0 ? sysctl.LogicalCpus.Value : Environment.ProcessorCount;
        var cpu = new CpuInfo
        {
            Model = sysctl.BrandString ?? "unknown CPU",
            Threads = threads,
            Cores = sysctl.PhysicalCpus is > 0 and var p ? Math.Min(p, threads) : threads,
            Architecture = !answered ? RuntimeArchitecture() : sysctl.IsAppleSilicon ? "arm64" : "x86_64",
            Features = sysctl.Features,
        };

        MemoryInfo ram;
        if (sysctl.MemSizeBytes is > 0 and var memsize)
        {
            var available = Guarded(found, "vm_stat", () => RunVmStat(found), () => null);
            if (available is null)
            {
                available = memsize - RamAssumptions.OsReserveBytes(catalog, memsize);
                found.Assume($"available memory {ParseText.GiB(available.Value)} GiB is assumed: installed memory less the catalog's OS reserve");
            }
            ram = new MemoryInfo(memsize, Math.Clamp(available.Value, 0, memsize));
        }
        else
        {
            if (answered) found.Warn("sysctl did not report hw.memsize: memory figures come from .NET");
            ram = RuntimeRam(found);
        }

        if (!sysctl.IsAppleSilicon)
        {
            if (answered) found.Assume("the GPU of an Intel Mac is not probed: planning for the CPU only");
            return Assemble(cpu, ram, [], found, knownRamBandwidth: null);
        }
        var (gpu, chip) = AppleGpu(sysctl, ram, found);
        return Assemble(cpu, ram, [gpu], found, chip?.BandwidthGBps);
    }

    private Machine Assemble(CpuInfo cpu, MemoryInfo ram, IReadOnlyList<GpuDevice> gpus, Findings found, double? knownRamBandwidth)
    {
        double bandwidth;
        MeasuredBandwidth? measured = null;
        if (knownRamBandwidth is > 0) bandwidth = knownRamBandwidth.Value;
        else if ((measured = bandwidthSource?.Read()) is { } m)
        {
            bandwidth = m.GBps;
            found.Assume(Invariant(
                $"{RamAssumptions.BandwidthNotePrefix}{ParseText.Number(m.GBps)} GB/s was measured on {m.MeasuredAt:yyyy-MM-dd} with {m.Threads} thread(s); `scout fit --measure-bandwidth` measures it again"));
        }
        else
        {
            bandwidth = RamAssumptions.Bandwidth(catalog, cpu.Cores, out var note);
            found.Assume(note);
        }
        return new Machine
        {
            Name = "this machine",
            Cpu = cpu,
            Ram = ram,
            Gpus = gpus,
            RamBandwidthGBps = bandwidth,
            RamBandwidthAssumed = knownRamBandwidth is not > 0 && measured is null,
            RamBandwidthMeasured = measured is not null,
            Simulated = false,
            Source = "probe",
            Warnings = found.Warnings,
            Assumptions = found.Assumptions,
        };
    }

    // ---- Linux CPU and memory ----

    private CpuInfo LinuxCpu(Findings found)
    {
        var reading = ProcCpuinfoParser.Parse(files.ReadText("/proc/cpuinfo"));
        int logical = reading.LogicalProcessors, physical = reading.PhysicalCores;
        if (logical <= 0)
        {
            found.Warn("could not count processors in /proc/cpuinfo; using the count .NET reports");
            logical = physical = Environment.ProcessorCount;
        }
        var usable = UsableProcessors(logical);
        if (usable < logical)
        {
            found.Assume(Invariant($"this process may use {usable} of the {logical} logical processors (CPU affinity or a container CPU quota)"));
            physical = Math.Min(physical, usable);
            logical = usable;
        }
        return new CpuInfo
        {
            Model = reading.Model ?? "unknown CPU",
            Cores = Math.Max(1, physical),
            Threads = Math.Max(1, logical),
            Architecture = reading.Architecture ?? RuntimeArchitecture(),
            Features = reading.Features,
        };
    }

    private int UsableProcessors(int logical)
    {
        var limit = logical;
        if (ProcStatusParser.AllowedCpuCount(files.ReadText("/proc/self/status")) is { } allowed) limit = Math.Min(limit, allowed);
        var membership = CgroupParser.ParseMembership(files.ReadText("/proc/self/cgroup"));
        foreach (var dir in CgroupDirectories(CgroupRoot, membership.UnifiedPath))
        {
            if (CgroupParser.ParseCpuMax(files.ReadText(dir + "/cpu.max")) is { } cpus) limit = Math.Min(limit, (int)Math.Ceiling(cpus));
        }
        foreach (var dir in CgroupDirectories(CgroupV1CpuRoot, membership.CpuPath))
        {
            var cpus = CgroupParser.ParseCfsQuota(files.ReadText(dir + "/cpu.cfs_quota_us"), files.ReadText(dir + "/cpu.cfs_period_us"));
            if (cpus is not null) limit = Math.Min(limit, (int)Math.Ceiling(cpus.Value));
        }
        return Math.Max(1, limit);
    }

    private MemoryInfo LinuxRam(Findings found)
    {
        var meminfo = ProcMeminfoParser.Parse(files.ReadText("/proc/meminfo"));
        found.Warnings.AddRange(meminfo.Warnings);
        if (meminfo.TotalBytes is not { } total) return RuntimeRam(found);

        long available;
        if (meminfo.AvailableBytes is { } a)
        {
            available = a;
            if (meminfo.AvailableEstimated) found.Assume("/proc/meminfo has no MemAvailable: available memory is MemFree + Buffers + Cached");
        }
        else
        {
            available = total - RamAssumptions.OsReserveBytes(catalog, total);
            found.Assume($"available memory {ParseText.GiB(available)} GiB is assumed: installed memory less the catalog's OS reserve");
        }

        if (ContainerMemoryLimit() is { } limit && limit.Bytes < total)
        {
            found.Assume($"a container memory limit of {ParseText.GiB(limit.Bytes)} GiB ({limit.File}) is below the {ParseText.GiB(total)} GiB installed: using the limit");
            total = limit.Bytes;
            var free = limit.InUseBytes is { } used ? Math.Max(0, limit.Bytes - used) : limit.Bytes;
            available = Math.Min(available, free);
        }
        return new MemoryInfo(total, Math.Clamp(available, 0, total));
    }

    /// <summary>The lowest memory limit among this process's cgroup and its root, v2 then v1, with the memory it already holds.</summary>
    private MemoryLimit? ContainerMemoryLimit()
    {
        var membership = CgroupParser.ParseMembership(files.ReadText("/proc/self/cgroup"));
        MemoryLimit? lowest = null;
        void Consider(string dir, string limitFile, string usageFile, string inactiveKey)
        {
            if (CgroupParser.ParseMemoryLimit(files.ReadText($"{dir}/{limitFile}")) is not { } bytes) return;
            if (lowest is not null && lowest.Bytes <= bytes) return;
            // Page cache counts as used in a cgroup but the kernel reclaims it, as MemAvailable assumes outside one.
            long? inUse = CgroupParser.ParseBytes(files.ReadText($"{dir}/{usageFile}")) is { } usage
                ? Math.Max(0, usage - (CgroupParser.ParseStatValue(files.ReadText($"{dir}/memory.stat"), inactiveKey) ?? 0))
                : null;
            lowest = new MemoryLimit(bytes, $"{dir}/{limitFile}", inUse);
        }
        foreach (var dir in CgroupDirectories(CgroupRoot, membership.UnifiedPath)) Consider(dir, "memory.max", "memory.current", "inactive_file");
        foreach (var dir in CgroupDirectories(CgroupV1MemoryRoot, membership.MemoryPath)) Consider(dir, "memory.limit_in_bytes", "memory.usage_in_bytes", "total_inactive_file");
        return lowest;
    }

    private static IEnumerable<string> CgroupDirectories(string root, string? ownPath)
    {
        if (ownPath is { Length: > 1 } && !ownPath.Contains("..", StringComparison.Ordinal)) yield return root + ownPath.TrimEnd('/');
        yield return root;
    }

    // ---- NVIDIA ----

    private List<GpuDevice> NvidiaGpus(Findings found)
    {
        var result = runner.Run("nvidia-smi", NvidiaSmiParser.QueryArguments, toolTimeout);
        if (result is null)
        {
            if (platform == OsPlatformKind.Linux && files.ReadText(NvidiaDriverVersionFile) is not null)
            {
                found.Warn($"the NVIDIA driver is loaded ({NvidiaDriverVersionFile} exists) but nvidia-smi is not on PATH: NVIDIA GPUs were not probed");
            }
            return [];
        }
        if (!Finished(result, "nvidia-smi", "continuing without NVIDIA GPUs", found, NvidiaSmiExitMeanings)) return [];

        var reading = NvidiaSmiParser.Parse(result.StandardOutput);
        found.Warnings.AddRange(reading.Warnings);
        if (reading.Gpus.Count == 0)
        {
            if (reading.Warnings.Count > 0) found.Warn("no GPU could be read from nvidia-smi's output: continuing without NVIDIA GPUs");
            return [];
        }
        var devices = new List<GpuDevice>();
        foreach (var gpu in reading.Gpus)
        {
            var spec = catalog.FindGpu(gpu.Name);
            var total = MemoryOrSpec(gpu.TotalMiB * Units.MiB, spec, Invariant($"GPU {gpu.Index} ('{gpu.Name}')"), "nvidia-smi", found);
            if (total is null) continue;
            NoteUnknownCard(spec, gpu.Index, gpu.Name, found);
            devices.Add(new GpuDevice
            {
                Index = gpu.Index,
                Name = gpu.Name,
                Vendor = GpuVendor.Nvidia,
                Backend = spec?.Backend ?? "cuda",
                TotalBytes = total.Value,
                FreeBytes = gpu.FreeMiB is { } free ? Math.Min(free * Units.MiB, total.Value) : total.Value,
                BandwidthGBps = spec?.BandwidthGBps,
                SpecId = spec?.Id,
                Driver = gpu.DriverVersion,
                ComputeCapability = gpu.ComputeCapability,
            });
        }
        return devices;
    }

    // ---- AMD ----

    private List<GpuDevice> AmdGpus(Findings found)
    {
        var result = runner.Run("rocm-smi", RocmSmiParser.QueryArguments, toolTimeout);
        IReadOnlyList<AmdGpuReading> cards = [];
        if (result is not null && Finished(result, "rocm-smi", "reading AMD GPUs from sysfs instead", found, null))
        {
            var listing = RocmSmiParser.Parse(result.StandardOutput);
            found.Warnings.AddRange(listing.Warnings);
            cards = listing.Gpus;
        }
        if (cards.Count == 0)
        {
            var listing = AmdSysfsReader.Read(files);
            found.Warnings.AddRange(listing.Warnings);
            cards = listing.Gpus;
            if (cards.Count > 0 && result is null) found.Assume("rocm-smi is not on PATH: AMD GPUs were read from sysfs (llama.cpp needs ROCm or Vulkan to use them)");
        }

        var devices = new List<GpuDevice>();
        foreach (var card in cards)
        {
            var (name, spec) = card.Names.Select(n => (Name: n, Spec: catalog.FindGpu(n))).FirstOrDefault(c => c.Spec is not null, (card.Name, null));
            var total = MemoryOrSpec(card.TotalBytes, spec, Invariant($"AMD GPU card{card.Index} ('{name}')"), "the AMD driver", found);
            if (total is null) continue;
            if (total < SmallestUsefulVram)
            {
                found.Assume(Invariant($"AMD GPU card{card.Index} ('{name}') is ignored: only {total / Units.MiB} MiB of dedicated VRAM (an integrated GPU's carve-out)"));
                continue;
            }
            NoteUnknownCard(spec, card.Index, name, found);
            devices.Add(new GpuDevice
            {
                Index = card.Index,
                Name = name,
                Vendor = GpuVendor.Amd,
                Backend = spec?.Backend ?? "rocm",
                TotalBytes = total.Value,
                FreeBytes = card.UsedBytes is { } used ? Math.Clamp(total.Value - used, 0, total.Value) : total.Value,
                BandwidthGBps = spec?.BandwidthGBps,
                SpecId = spec?.Id,
            });
        }
        return devices;
    }

    private static long? MemoryOrSpec(long? reported, GpuSpec? spec, string gpu, string tool, Findings found)
    {
        if (reported is > 0) return reported;
        if (spec is null)
        {
            found.Warn($"{tool} did not report the memory of {gpu} and the catalog does not know the card: it is left out");
            return null;
        }
        found.Assume($"{tool} did not report the memory of {gpu}: assuming the catalog's {ParseText.Number(spec.VramGiB)} GiB");
        return Units.FromGiB(spec.VramGiB);
    }

    private static void NoteUnknownCard(GpuSpec? spec, int index, string name, Findings found)
    {
        if (spec is null) found.Assume(Invariant($"GPU {index} ('{name}') is not in the catalog: its memory bandwidth is unknown"));
    }

    /// <summary>True when the tool ran to the end with status 0; otherwise says why in a warning.</summary>
    private bool Finished(CommandResult result, string tool, string consequence, Findings found, Dictionary<int, string>? exitMeanings)
    {
        if (result.TimedOut)
        {
            found.Warn($"{tool} did not answer within {ParseText.Number(toolTimeout.TotalSeconds)} s and was stopped: {consequence}");
            return false;
        }
        if (result.ExitCode == 0) return true;
        var said = ParseText.FirstLine(string.IsNullOrWhiteSpace(result.StandardError) ? result.StandardOutput : result.StandardError);
        var meaning = exitMeanings?.GetValueOrDefault(result.ExitCode);
        var why = string.Join(": ", new[] { meaning, said }.Where(s => !string.IsNullOrEmpty(s)));
        found.Warn(Invariant($"{tool} exited with code {result.ExitCode}{(why.Length > 0 ? $" ({why})" : "")}: {consequence}"));
        return false;
    }

    // ---- macOS ----

    private SysctlReading RunSysctl(Findings found)
    {
        var result = runner.Run("sysctl", SysctlParser.QueryKeys, toolTimeout);
        if (result is null)
        {
            found.Warn("sysctl is not on PATH: CPU and memory figures come from .NET");
            return SysctlParser.Parse(null);
        }
        if (result.TimedOut)
        {
            found.Warn($"sysctl did not answer within {ParseText.Number(toolTimeout.TotalSeconds)} s and was stopped: CPU and memory figures come from .NET");
            return SysctlParser.Parse(null);
        }
        // sysctl exits non-zero when this macOS lacks one of the keys (iogpu.wired_limit_mb before Sonoma) but still prints the rest.
        var reading = SysctlParser.Parse(result.StandardOutput);
        found.Warnings.AddRange(reading.Warnings);
        if (reading.Values.Count == 0)
        {
            found.Warn(Invariant($"sysctl exited with code {result.ExitCode} and printed nothing usable ('{ParseText.FirstLine(result.StandardError)}'): CPU and memory figures come from .NET"));
        }
        return reading;
    }

    private long? RunVmStat(Findings found)
    {
        var result = runner.Run("vm_stat", [], toolTimeout);
        if (result is null) return null;
        if (!Finished(result, "vm_stat", "available memory is estimated", found, null)) return null;
        var reading = VmStatParser.Parse(result.StandardOutput);
        found.Warnings.AddRange(reading.Warnings);
        return reading.AvailableBytes;
    }

    private (GpuDevice Gpu, AppleChip? Chip) AppleGpu(SysctlReading sysctl, MemoryInfo ram, Findings found)
    {
        var brand = sysctl.BrandString ?? "Apple silicon";
        var chip = catalog.FindAppleChip(brand);
        if (chip is null) found.Assume($"Apple chip '{brand}' is not in the catalog: its memory bandwidth is unknown");

        long workingSet;
        if (sysctl.WiredLimitMiB is > 0 and var wired)
        {
            workingSet = Math.Min(wired * Units.MiB, ram.TotalBytes);
        }
        else
        {
            workingSet = MetalWorkingSet.UsableBytes(catalog.Document.AppleGpuWorkingSet, ram.TotalBytes);
            found.Assume($"Metal may use about {ParseText.GiB(workingSet)} GiB of the {ParseText.GiB(ram.TotalBytes)} GiB unified memory: "
                + "interpolated from the catalog's working-set readings because iogpu.wired_limit_mb is not set");
        }
        var gpu = new GpuDevice
        {
            Index = 0,
            Name = brand,
            Vendor = GpuVendor.Apple,
            Backend = "metal",
            TotalBytes = workingSet,
            FreeBytes = Math.Min(workingSet, ram.AvailableBytes),
            BandwidthGBps = chip?.BandwidthGBps,
            UnifiedMemory = true,
            SpecId = chip?.Id,
        };
        return (gpu, chip);
    }

    // ---- what .NET itself reports (Windows, and fallbacks) ----

    private static CpuInfo RuntimeCpu() => new()
    {
        Model = Environment.GetEnvironmentVariable("PROCESSOR_IDENTIFIER") is { Length: > 0 } id ? id : "unknown CPU",
        Cores = Environment.ProcessorCount,
        Threads = Environment.ProcessorCount,
        Architecture = RuntimeArchitecture(),
        Features = RuntimeFeatures(),
    };

    private MemoryInfo RuntimeRam(Findings found)
    {
        var info = GC.GetGCMemoryInfo();
        var total = info.TotalAvailableMemoryBytes;
        if (total <= 0)
        {
            found.Warn("no memory size could be read: RAM is unknown");
            return new MemoryInfo(0, 0);
        }
        if (info.MemoryLoadBytes > 0) return new MemoryInfo(total, Math.Clamp(total - info.MemoryLoadBytes, 0, total));
        var available = total - RamAssumptions.OsReserveBytes(catalog, total);
        found.Assume($"available memory {ParseText.GiB(available)} GiB is assumed: installed memory less the catalog's OS reserve");
        return new MemoryInfo(total, available);
    }

    private static string RuntimeArchitecture() => RuntimeInformation.OSArchitecture switch
    {
        System.Runtime.InteropServices.Architecture.X64 => "x86_64",
        System.Runtime.InteropServices.Architecture.Arm64 => "arm64",
        System.Runtime.InteropServices.Architecture.Arm => "armv7",
        System.Runtime.InteropServices.Architecture.X86 => "x86",
        var other => other.ToString().ToLowerInvariant(),
    };

    private static List<string> RuntimeFeatures()
    {
        var present = new HashSet<string>(StringComparer.Ordinal);
        if (Avx.IsSupported) present.Add("avx");
        if (Avx2.IsSupported) present.Add("avx2");
        if (Avx512F.IsSupported) present.Add("avx512f");
        if (Fma.IsSupported) present.Add("fma");
        if (AdvSimd.IsSupported) present.Add("neon");
        if (Dp.IsSupported) present.Add("dotprod");
        return ProcCpuinfoParser.KnownFeatures.Where(present.Contains).ToList();
    }

    private static T Guarded<T>(Findings found, string what, Func<T> read, Func<T> fallback)
    {
        try
        {
            return read();
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            found.Warn($"reading {what} failed ({e.GetType().Name}: {e.Message})");
            return fallback();
        }
    }

    private sealed record MemoryLimit(long Bytes, string File, long? InUseBytes);

    private sealed class Findings
    {
        public List<string> Warnings { get; } = [];
        public List<string> Assumptions { get; } = [];
        public void Warn(string warning) => Warnings.Add(warning);
        public void Assume(string assumption) => Assumptions.Add(assumption);
    }
}
