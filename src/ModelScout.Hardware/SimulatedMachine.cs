using System.Text.RegularExpressions;
using ModelScout.Core.Catalog;
using ModelScout.Core.Machines;
using static System.FormattableString;

namespace ModelScout.Hardware;

/// <summary>
/// Builds the <see cref="Machine"/> a user describes (<see cref="MachineOptions"/>) from catalog specs. Whatever had to be
/// guessed (RAM beside a GPU, core counts, a generic GPU's bandwidth, the Metal working set) is said in
/// <see cref="Machine.Assumptions"/>. Unknown names throw <see cref="ArgumentException"/> listing close matches.
/// </summary>
public static partial class SimulatedMachine
{
    private const string Datacenter = "datacenter";
    private const string Consumer = "consumer";

    // "2x RTX 3090", "2xRTX 3090", "2 x rtx-3090", "8*H100": a small count, an x, then the name.
    [GeneratedRegex(@"^(\d{1,3})\s*[x×*]\s*[-_]?\s*(\S.*)$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex CountedGpu();

    // "rtx4090" → "rtx 4090", so names typed without spaces still match the catalog's patterns.
    [GeneratedRegex(@"(?<=[a-z])(?=\d)|(?<=\d)(?=[a-z])", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex LetterDigitBoundary();

    /// <summary>
    /// The machine <paramref name="options"/> describe. <paramref name="probed"/> is this computer as probed: the base when
    /// the options only adjust it (<c>--cpu-only</c> alone means this machine without its GPUs).
    /// </summary>
    /// <exception cref="ArgumentException">An unknown GPU, chip or profile (the message lists close matches), a bad number, or options that contradict each other.</exception>
    public static Machine Build(MachineOptions options, Catalog catalog, Machine? probed = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(catalog);
        Validate(options);
        var draft = Describe(options, catalog, probed);
        return Finish(draft, options, catalog);
    }

    /// <summary>A GPU as the user wrote it, resolved: how many, and which catalog spec.</summary>
    /// <exception cref="ArgumentException">The name matches no catalog GPU; the message lists close matches.</exception>
    public static (int Count, GpuSpec Spec) ResolveGpu(string text, Catalog catalog)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(catalog);
        // Quotes survive some shells' parsing: 2x"RTX 3090" arrives with its quotes.
        var cleaned = Unquote(text);
        if (cleaned.Length == 0) throw new ArgumentException("an empty GPU name was given");
        var counted = CountedGpu().Match(cleaned);
        if (counted.Success
            && ParseText.TryInt(counted.Groups[1].Value, out var count) && count >= 1
            && FindGpu(counted.Groups[2].Value.Trim(), catalog) is { } spec)
        {
            return (count, spec);
        }
        if (FindGpu(cleaned, catalog) is { } single) return (1, single);
        var query = counted.Success ? counted.Groups[2].Value.Trim() : cleaned;
        throw Unknown("GPU", query, catalog.Document.Gpus.Select(g => (g.Id, (IReadOnlyList<string>)[g.Id, g.Name, .. g.Match])));
    }

    /// <summary>An Apple Mac as the user wrote it ("m3-16", "m3-max-64", "M2 Ultra 192"): chip, and unified memory when given.</summary>
    /// <exception cref="ArgumentException">The chip is not in the catalog; the message lists close matches.</exception>
    public static (AppleChip Chip, double? MemoryGiB) ResolveApple(string text, Catalog catalog)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(catalog);
        var words = CloseNames.Normalize(Unquote(text)).Split('-', StringSplitOptions.RemoveEmptyEntries).ToList();
        if (words.Count > 0 && words[0] == "apple") words.RemoveAt(0);
        double? memory = null;
        if (words.Count > 1)
        {
            var last = words[^1];
            foreach (var unit in new[] { "gib", "gb", "g" })
            {
                if (last.EndsWith(unit, StringComparison.Ordinal) && last.Length > unit.Length)
                {
                    last = last[..^unit.Length];
                    break;
                }
            }
            if (ParseText.TryDouble(last, out var gib))
            {
                memory = gib;
                words.RemoveAt(words.Count - 1);
            }
        }
        var chipKey = string.Join('-', words);
        var chip = chipKey.Length > 0 ? catalog.FindAppleChip(chipKey) : null;
        return chip is not null
            ? (chip, memory)
            : throw Unknown("Apple chip", chipKey.Length > 0 ? chipKey : text, catalog.Document.AppleChips.Select(c => (c.Id, (IReadOnlyList<string>)[c.Id, c.Name])));
    }

    private static void Validate(MachineOptions options)
    {
        static void Positive(double? value, string what)
        {
            if (value is { } v && !(v > 0 && double.IsFinite(v))) throw new ArgumentException($"{what} must be a positive number, not {ParseText.Number(v)}");
        }
        Positive(options.VramGiB, "--vram (GiB)");
        Positive(options.RamGiB, "--ram (GiB)");
        Positive(options.RamBandwidthGBps, "RAM bandwidth (GB/s)");
        if (options.CpuCores is <= 0) throw new ArgumentException(Invariant($"the CPU core count must be positive, not {options.CpuCores}"));
        if (options.Gpus.Any(g => Unquote(g ?? "").Length == 0)) throw new ArgumentException("an empty GPU name was given");
        if (options.Profile is { } p && string.IsNullOrWhiteSpace(p)) throw new ArgumentException("an empty profile name was given");
        if (options.Apple is { } a && string.IsNullOrWhiteSpace(a)) throw new ArgumentException("an empty Apple chip was given");
    }

    private static Draft Describe(MachineOptions options, Catalog catalog, Machine? probed)
    {
        if (options.Profile is { } profile)
        {
            if (options.Apple is not null) throw new ArgumentException("a profile and --apple both describe the whole machine: give one of them");
            return FromProfile(profile.Trim(), options, catalog);
        }
        if (options.Apple is { } apple)
        {
            if (options.Gpus.Count > 0 || options.VramGiB is not null) throw new ArgumentException("--apple already describes the GPU: it cannot be combined with --gpu or --vram");
            var (chip, memory) = ResolveApple(apple, catalog);
            if (memory is { } m && options.RamGiB is { } r && Math.Abs(m - r) > 1e-9)
            {
                throw new ArgumentException($"--apple {Unquote(apple)} has {ParseText.Number(m)} GiB of unified memory but --ram says {ParseText.Number(r)} GiB");
            }
            var notes = new List<string>();
            memory ??= options.RamGiB;
            if (memory is null)
            {
                memory = chip.MemoryOptionsGiB.Count > 0 ? chip.MemoryOptionsGiB.Min() : throw new ArgumentException($"--apple {Unquote(apple)}: say how much unified memory, e.g. {chip.Id}-16");
                notes.Add($"{chip.Name} with its smallest memory option, {ParseText.Number(memory.Value)} GiB, is assumed: add the size (e.g. {chip.Id}-{ParseText.Number(memory.Value)})");
            }
            return FromApple(chip, memory.Value, notes);
        }
        if (options.Gpus.Count > 0 || options.VramGiB is not null) return FromGpus(options, catalog);
        if (probed is not null) return FromProbed(probed);
        if (options.RamGiB is not null || options.CpuCores is not null || options.RamBandwidthGBps is not null)
        {
            return new Draft { DefaultRamGiB = 32, DefaultCores = 8, DefaultsReason = "a machine described only in part" };
        }
        if (options.CpuOnly) throw new ArgumentException("--cpu-only on its own means this machine without its GPUs, but no probed machine was given");
        throw new ArgumentException("nothing describes the machine: give a profile, --gpu, --vram, --apple or --ram");
    }

    private static Draft FromProfile(string id, MachineOptions options, Catalog catalog)
    {
        var profile = catalog.Profile(id)
            ?? throw Unknown("profile", id, catalog.Document.Profiles.Select(p => (p.Id, (IReadOnlyList<string>)[p.Id, p.Name])));
        Draft draft;
        if (profile.Apple is { } apple)
        {
            if (options.Gpus.Count > 0 || options.VramGiB is not null) throw new ArgumentException($"profile {profile.Id} is an Apple Mac: --gpu and --vram do not apply");
            var chip = catalog.FindAppleChip(apple.Chip) ?? throw new ArgumentException($"profile {profile.Id} names Apple chip '{apple.Chip}', which the catalog does not have");
            if (options.RamGiB is { } r && Math.Abs(r - apple.MemoryGiB) > 1e-9)
            {
                throw new ArgumentException($"profile {profile.Id} has {ParseText.Number(apple.MemoryGiB)} GiB of unified memory but --ram says {ParseText.Number(r)} GiB");
            }
            draft = FromApple(chip, apple.MemoryGiB, []);
        }
        else
        {
            draft = options.Gpus.Count > 0 ? FromGpus(options, catalog) : new Draft();
            if (options.Gpus.Count > 0)
            {
                draft.Assumptions.Add($"the GPUs of profile {profile.Id} are replaced by those given with --gpu");
            }
            else
            {
                var index = 0;
                foreach (var entry in profile.Gpus)
                {
                    var spec = catalog.GpuById(entry.Gpu) ?? throw new ArgumentException($"profile {profile.Id} names GPU '{entry.Gpu}', which the catalog does not have");
                    for (var i = 0; i < entry.Count; i++) draft.Gpus.Add(Device(spec, index++, options.VramGiB));
                }
                if (options.VramGiB is { } vram && draft.Gpus.Count > 0)
                {
                    draft.Assumptions.Add($"each GPU of profile {profile.Id} is given {ParseText.Number(vram)} GiB of VRAM (--vram) instead of its catalog size");
                }
                else if (options.VramGiB is not null)
                {
                    throw new ArgumentException($"profile {profile.Id} has no GPU for --vram to resize");
                }
            }
            draft.RamGiB = profile.RamGiB;
        }
        draft.Name = profile.Name;
        draft.UsableRamGiB = profile.UsableRamGiB;
        draft.UsableRamSource = $"profile {profile.Id}" + (profile.Note is { Length: > 0 } note ? $" ({note})" : "");
        if (profile.CpuCores > 0) draft.Cores = profile.CpuCores;
        if (profile.RamBandwidthGBps > 0)
        {
            draft.RamBandwidthGBps = profile.RamBandwidthGBps;
            draft.RamBandwidthAssumed = false;
        }
        return draft;
    }

    private static Draft FromApple(AppleChip chip, double memoryGiB, List<string> notes)
    {
        if (chip.MemoryOptionsGiB.Count > 0 && !chip.MemoryOptionsGiB.Any(o => Math.Abs(o - memoryGiB) < 1e-9))
        {
            notes.Add($"{chip.Name} is not sold with {ParseText.Number(memoryGiB)} GiB (options: {string.Join(", ", chip.MemoryOptionsGiB.Select(o => ParseText.Number(o)))} GiB); simulated as asked");
        }
        var draft = new Draft
        {
            Name = $"{chip.Name} with {ParseText.Number(memoryGiB)} GiB unified memory",
            RamGiB = memoryGiB,
            AppleChip = chip,
            Architecture = "arm64",
            DefaultCores = 8,
            DefaultsReason = "the catalog has no core counts for Apple chips",
            RamBandwidthGBps = chip.BandwidthGBps > 0 ? chip.BandwidthGBps : null,
            RamBandwidthAssumed = false,
        };
        draft.Assumptions.AddRange(notes);
        return draft;
    }

    private static Draft FromGpus(MachineOptions options, Catalog catalog)
    {
        var draft = new Draft();
        var specs = new List<GpuSpec>();
        foreach (var text in options.Gpus)
        {
            var (count, spec) = ResolveGpu(text, catalog);
            for (var i = 0; i < count; i++)
            {
                draft.Gpus.Add(Device(spec, draft.Gpus.Count, options.VramGiB));
                specs.Add(spec);
            }
        }
        if (options.Gpus.Count == 0 && options.VramGiB is { } genericVram)
        {
            draft.Gpus.Add(GenericGpu(genericVram, catalog, draft.Assumptions));
        }
        else if (options.VramGiB is { } vram)
        {
            draft.Assumptions.Add($"each GPU is given {ParseText.Number(vram)} GiB of VRAM (--vram) instead of its catalog size");
        }

        var datacenter = specs.Count(s => string.Equals(s.Kind, Datacenter, StringComparison.OrdinalIgnoreCase));
        if (datacenter > 0)
        {
            var fours = (int)Math.Ceiling(datacenter / 4.0);
            draft.DefaultRamGiB = 256 * fours;
            draft.DefaultCores = 32 * fours;
            draft.DefaultsReason = Invariant($"{datacenter} datacenter GPU(s)");
        }
        else
        {
            var several = draft.Gpus.Count >= 2;
            draft.DefaultRamGiB = several ? 64 : 32;
            draft.DefaultCores = several ? 16 : 8;
            draft.DefaultsReason = several ? "two or more consumer GPUs" : "one consumer GPU";
        }
        return draft;
    }

    private static Draft FromProbed(Machine probed)
    {
        var draft = new Draft
        {
            Name = "this machine",
            Probed = probed,
            RamBandwidthGBps = probed.RamBandwidthGBps > 0 ? probed.RamBandwidthGBps : null,
            RamBandwidthAssumed = probed.RamBandwidthAssumed,
            RamBandwidthMeasured = probed.RamBandwidthMeasured,
        };
        draft.Gpus.AddRange(probed.Gpus);
        draft.Warnings.AddRange(probed.Warnings);
        draft.Assumptions.AddRange(probed.Assumptions);
        return draft;
    }

    private static Machine Finish(Draft draft, MachineOptions options, Catalog catalog)
    {
        var notes = draft.Assumptions;

        int cores;
        if (options.CpuCores is { } c) cores = c;
        else if (draft.Probed is { } p) cores = p.Cpu.Cores;
        else if (draft.Cores is { } dc) cores = dc;
        else
        {
            cores = draft.DefaultCores;
            notes.Add(Invariant($"{cores} CPU cores are assumed ({draft.DefaultsReason}); give the core count to change it"));
        }
        var cpu = draft.Probed is { } probedCpu
            ? (options.CpuCores is { } n ? probedCpu.Cpu with { Cores = n, Threads = n } : probedCpu.Cpu)
            : new CpuInfo
            {
                Model = Invariant($"simulated {cores}-core CPU"),
                Cores = cores,
                Threads = cores,
                Architecture = draft.Architecture ?? "",
            };

        long total, available;
        if (options.RamGiB is { } ram)
        {
            total = Units.FromGiB(ram);
            available = total - RamAssumptions.OsReserveBytes(catalog, total);
            notes.Add(ReserveNote(catalog, total, available));
        }
        else if (draft.Probed is { } probedRam)
        {
            (total, available) = (probedRam.Ram.TotalBytes, probedRam.Ram.AvailableBytes);
        }
        else
        {
            var gib = draft.RamGiB ?? draft.DefaultRamGiB;
            if (draft.RamGiB is null)
            {
                notes.Add($"{ParseText.Number(gib)} GiB of RAM is assumed beside {draft.DefaultsReason} "
                    + "(the rule: 32 GiB beside one consumer GPU, 64 GiB beside two or more, 256 GiB per four datacenter GPUs); give --ram to change it");
            }
            total = Units.FromGiB(gib);
            if (draft.UsableRamGiB is { } usable)
            {
                available = Math.Min(total, Units.FromGiB(usable));
                notes.Add($"usable RAM {ParseText.Number(usable)} of {ParseText.Number(gib)} GiB is the figure of {draft.UsableRamSource}");
            }
            else
            {
                available = total - RamAssumptions.OsReserveBytes(catalog, total);
                notes.Add(ReserveNote(catalog, total, available));
            }
        }

        var gpus = draft.Gpus;
        if (draft.AppleChip is { } chip) gpus = [AppleGpu(chip, total, catalog, notes)];
        else if (options.RamGiB is not null && gpus.Any(g => g.UnifiedMemory))
        {
            // The probed Mac's working set followed its real memory; it follows the memory asked for instead.
            var workingSet = MetalWorkingSet.UsableBytes(catalog.Document.AppleGpuWorkingSet, total);
            gpus = gpus.Select(g => g.UnifiedMemory ? g with { TotalBytes = workingSet, FreeBytes = workingSet } : g).ToList();
            notes.Add(WorkingSetNote(workingSet, total));
        }
        var droppedGpus = options.CpuOnly && gpus.Count > 0;
        if (options.CpuOnly) gpus = [];

        double bandwidth;
        bool bandwidthAssumed;
        var bandwidthMeasured = false;
        if (options.RamBandwidthGBps is { } given)
        {
            (bandwidth, bandwidthAssumed) = (given, false);
            notes.RemoveAll(n => draft.Probed is not null && n.StartsWith(RamAssumptions.BandwidthNotePrefix, StringComparison.Ordinal));
        }
        else if (draft.RamBandwidthGBps is { } known && !(draft.RamBandwidthAssumed && options.CpuCores is not null))
        {
            (bandwidth, bandwidthAssumed, bandwidthMeasured) = (known, draft.RamBandwidthAssumed, draft.RamBandwidthMeasured);
        }
        else
        {
            notes.RemoveAll(n => n.StartsWith(RamAssumptions.BandwidthNotePrefix, StringComparison.Ordinal));
            bandwidth = RamAssumptions.Bandwidth(catalog, cores, out var note);
            bandwidthAssumed = true;
            notes.Add(note);
        }

        return new Machine
        {
            Name = MachineName(draft, gpus, total, options.CpuOnly && (droppedGpus || draft.Probed is not null)),
            Cpu = cpu,
            Ram = new MemoryInfo(total, Math.Clamp(available, 0, total)),
            Gpus = gpus,
            RamBandwidthGBps = bandwidth,
            RamBandwidthAssumed = bandwidthAssumed,
            RamBandwidthMeasured = bandwidthMeasured,
            Simulated = true,
            Source = Source(options),
            Warnings = draft.Warnings,
            Assumptions = notes,
        };
    }

    private static GpuDevice Device(GpuSpec spec, int index, double? vramGiB)
    {
        var total = Units.FromGiB(vramGiB ?? spec.VramGiB);
        return new GpuDevice
        {
            Index = index,
            Name = spec.Name,
            Vendor = VendorOf(spec.Vendor),
            Backend = spec.Backend,
            TotalBytes = total,
            FreeBytes = total,
            BandwidthGBps = spec.BandwidthGBps,
            SpecId = spec.Id,
        };
    }

    private static GpuDevice GenericGpu(double vramGiB, Catalog catalog, List<string> notes)
    {
        var consumer = catalog.Document.Gpus
            .Where(g => string.Equals(g.Kind, Consumer, StringComparison.OrdinalIgnoreCase) && g.BandwidthGBps > 0 && g.VramGiB > 0)
            .ToList();
        var similar = consumer.Where(g => Math.Abs(g.VramGiB - vramGiB) <= 0.25 * vramGiB).ToList();
        if (similar.Count == 0 && consumer.Count > 0)
        {
            var nearest = consumer.Min(g => Math.Abs(g.VramGiB - vramGiB));
            similar = consumer.Where(g => Math.Abs(Math.Abs(g.VramGiB - vramGiB) - nearest) < 1e-9).ToList();
        }
        double? bandwidth = similar.Count > 0 ? Median(similar.Select(g => g.BandwidthGBps)) : null;
        notes.Add(bandwidth is { } b
            ? $"a generic {ParseText.Number(vramGiB)} GiB GPU, treated as a CUDA card: its bandwidth {ParseText.Number(b)} GB/s is assumed, "
                + $"the median of the catalog's consumer GPUs of similar size ({string.Join(", ", similar.Select(g => g.Id))})"
            : $"a generic {ParseText.Number(vramGiB)} GiB GPU, treated as a CUDA card: its bandwidth is unknown");
        var total = Units.FromGiB(vramGiB);
        return new GpuDevice
        {
            Index = 0,
            Name = $"generic {ParseText.Number(vramGiB)} GiB GPU",
            Vendor = GpuVendor.Other,
            Backend = "cuda",
            TotalBytes = total,
            FreeBytes = total,
            BandwidthGBps = bandwidth,
        };
    }

    private static GpuDevice AppleGpu(AppleChip chip, long totalBytes, Catalog catalog, List<string> notes)
    {
        var workingSet = MetalWorkingSet.UsableBytes(catalog.Document.AppleGpuWorkingSet, totalBytes);
        notes.Add(WorkingSetNote(workingSet, totalBytes));
        return new GpuDevice
        {
            Index = 0,
            Name = chip.Name,
            Vendor = GpuVendor.Apple,
            Backend = "metal",
            TotalBytes = workingSet,
            FreeBytes = workingSet,
            BandwidthGBps = chip.BandwidthGBps > 0 ? chip.BandwidthGBps : null,
            UnifiedMemory = true,
            SpecId = chip.Id,
        };
    }

    private static string WorkingSetNote(long workingSet, long total) =>
        $"Metal may use about {ParseText.GiB(workingSet)} GiB of the {ParseText.GiB(total)} GiB unified memory: interpolated from the catalog's working-set readings";

    private static string ReserveNote(Catalog catalog, long total, long available)
    {
        var reserve = catalog.Document.Estimator.OsReserve;
        return $"{ParseText.GiB(available)} of {ParseText.GiB(total)} GiB RAM is taken as available: the OS and other programs keep "
            + $"max({ParseText.Number(reserve.Fraction * 100)}%, {ParseText.Number(reserve.MinGiB)} GiB)";
    }

    private static string MachineName(Draft draft, List<GpuDevice> gpus, long totalRam, bool withoutGpus)
    {
        if (draft.Name is { } name)
        {
            if (!withoutGpus) return draft.Probed is null ? name : $"{name} (adjusted)";
            return draft.Probed is null ? $"{name}, CPU only" : $"{name} without its GPUs";
        }
        var ram = $"{ParseText.GiB(totalRam)} GiB RAM";
        if (gpus.Count == 0) return $"CPU-only machine with {ram}";
        var cards = gpus.GroupBy(g => g.Name).Select(g => g.Count() > 1 ? Invariant($"{g.Count()}x {g.Key}") : g.Key);
        return $"{string.Join(" + ", cards)} + {ram}";
    }

    private static string Source(MachineOptions options)
    {
        var parts = new List<string>();
        if (options.Profile is { } profile) parts.Add($"profile {profile.Trim()}");
        if (options.Apple is { } apple) parts.Add($"--apple {Unquote(apple)}");
        parts.AddRange(options.Gpus.Select(g => $"--gpu {Unquote(g)}"));
        if (options.VramGiB is { } vram) parts.Add($"--vram {ParseText.Number(vram)}");
        if (options.RamGiB is { } ram) parts.Add($"--ram {ParseText.Number(ram)}");
        if (options.CpuCores is { } cores) parts.Add(Invariant($"--cpu-cores {cores}"));
        if (options.RamBandwidthGBps is { } bandwidth) parts.Add($"--ram-bandwidth {ParseText.Number(bandwidth)}");
        if (options.CpuOnly) parts.Add("--cpu-only");
        return string.Join(' ', parts);
    }

    private static GpuSpec? FindGpu(string name, Catalog catalog)
    {
        if (catalog.FindGpu(name) is { } spec) return spec;
        var spaced = LetterDigitBoundary().Replace(name, " ");
        return spaced != name ? catalog.FindGpu(spaced) : null;
    }

    private static UnknownHardwareException Unknown(string what, string name, IEnumerable<(string Key, IReadOnlyList<string> Names)> candidates)
    {
        var list = candidates.ToList();
        var close = CloseNames.Find(name, list);
        var hint = close.Count > 0
            ? $"; did you mean {string.Join(", ", close)}?"
            : Invariant($"; the catalog has {list.Count}, e.g. {string.Join(", ", list.Take(5).Select(c => c.Key))}");
        return new UnknownHardwareException($"unknown {what} '{name}'{hint}", close);
    }

    private static GpuVendor VendorOf(string vendor) => vendor.ToLowerInvariant() switch
    {
        "nvidia" => GpuVendor.Nvidia,
        "amd" => GpuVendor.Amd,
        "apple" => GpuVendor.Apple,
        "intel" => GpuVendor.Intel,
        _ => GpuVendor.Other,
    };

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToList();
        var mid = sorted.Count / 2;
        return sorted.Count % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }

    private static string Unquote(string text) => text.Replace("\"", "", StringComparison.Ordinal).Replace("'", "", StringComparison.Ordinal).Trim();

    /// <summary>What the options said before defaults are filled in.</summary>
    private sealed class Draft
    {
        public string? Name { get; set; }
        public List<GpuDevice> Gpus { get; } = [];
        public double? RamGiB { get; set; }
        public double? UsableRamGiB { get; set; }
        public string UsableRamSource { get; set; } = "";
        public int? Cores { get; set; }
        public double? RamBandwidthGBps { get; set; }
        public bool RamBandwidthMeasured { get; set; }
        public bool RamBandwidthAssumed { get; set; } = true;
        public AppleChip? AppleChip { get; set; }
        public string? Architecture { get; set; }
        public Machine? Probed { get; set; }
        public double DefaultRamGiB { get; set; } = 32;
        public int DefaultCores { get; set; } = 8;
        public string DefaultsReason { get; set; } = "";
        public List<string> Warnings { get; } = [];
        public List<string> Assumptions { get; } = [];
    }
}

/// <summary>A GPU, Apple chip or profile name the catalog does not know; <see cref="Suggestions"/> holds close matches.</summary>
public sealed class UnknownHardwareException : ArgumentException
{
    public UnknownHardwareException() { }

    public UnknownHardwareException(string message) : base(message) { }

    public UnknownHardwareException(string message, Exception inner) : base(message, inner) { }

    public UnknownHardwareException(string message, IReadOnlyList<string> suggestions) : base(message) => Suggestions = suggestions;

    /// <summary>Close catalog names.</summary>
    public IReadOnlyList<string> Suggestions { get; } = [];
}
