namespace ModelScout.Core.Machines;

/// <summary>GPU makers we tell apart.</summary>
public enum GpuVendor
{
    Nvidia,
    Amd,
    Apple,
    Intel,
    Other,
}

/// <summary>One GPU as probed or simulated.</summary>
public sealed record GpuDevice
{
    /// <summary>Device index as the driver numbers it.</summary>
    public int Index { get; init; }
    /// <summary>Name as the driver prints it ("NVIDIA GeForce RTX 4090").</summary>
    public required string Name { get; init; }
    /// <summary>Maker; unknown unless a probe or spec says otherwise.</summary>
    public GpuVendor Vendor { get; init; } = GpuVendor.Other;
    /// <summary>llama.cpp backend that would drive it: cuda, rocm, metal or vulkan.</summary>
    public string Backend { get; init; } = "cuda";
    /// <summary>Memory the GPU has (for Apple, the Metal working-set limit).</summary>
    public long TotalBytes { get; init; }
    /// <summary>Memory free now (equal to total for simulated GPUs).</summary>
    public long FreeBytes { get; init; }
    /// <summary>Peak memory bandwidth in GB/s, from the catalog's spec for this card; null when unknown.</summary>
    public double? BandwidthGBps { get; init; }
    /// <summary>True when the GPU shares system memory (Apple silicon).</summary>
    public bool UnifiedMemory { get; init; }
    /// <summary>Catalog GPU spec id the name matched, if any.</summary>
    public string? SpecId { get; init; }
    /// <summary>Driver version, when probed.</summary>
    public string? Driver { get; init; }
    /// <summary>CUDA compute capability, when probed.</summary>
    public string? ComputeCapability { get; init; }
}

/// <summary>The CPU as probed or simulated.</summary>
public sealed record CpuInfo
{
    /// <summary>Model name.</summary>
    public string Model { get; init; } = "unknown CPU";
    /// <summary>Physical cores available to this process.</summary>
    public int Cores { get; init; } = 1;
    /// <summary>Logical processors available to this process.</summary>
    public int Threads { get; init; } = 1;
    /// <summary>Instruction set architecture (x86_64, arm64).</summary>
    public string Architecture { get; init; } = "";
    /// <summary>Vector extensions that matter to llama.cpp (avx2, avx512f, neon ...).</summary>
    public IReadOnlyList<string> Features { get; init; } = [];
}

/// <summary>System memory.</summary>
/// <param name="TotalBytes">Installed (or cgroup-limited) memory.</param>
/// <param name="AvailableBytes">Memory a new process can take without swapping.</param>
public sealed record MemoryInfo(long TotalBytes, long AvailableBytes);

/// <summary>A machine to plan for: probed from this computer, or described by the user.</summary>
public sealed record Machine
{
    /// <summary>Short description ("this machine", "RTX 4090 + 64 GiB").</summary>
    public required string Name { get; init; }
    /// <summary>The CPU.</summary>
    public CpuInfo Cpu { get; init; } = new();
    /// <summary>System memory.</summary>
    public required MemoryInfo Ram { get; init; }
    /// <summary>GPUs, in device order; empty for CPU-only machines.</summary>
    public IReadOnlyList<GpuDevice> Gpus { get; init; } = [];
    /// <summary>System memory bandwidth in GB/s.</summary>
    public double RamBandwidthGBps { get; init; }
    /// <summary>True when <see cref="RamBandwidthGBps"/> is an assumption rather than a known figure.</summary>
    public bool RamBandwidthAssumed { get; init; }
    /// <summary>True when <see cref="RamBandwidthGBps"/> was measured on this machine (<c>scout fit --measure-bandwidth</c>).</summary>
    public bool RamBandwidthMeasured { get; init; }
    /// <summary>True when the user described the machine instead of probing it.</summary>
    public bool Simulated { get; init; }
    /// <summary>Where the description came from ("probe", "profile rtx-4090", "--gpu RTX 4090").</summary>
    public string Source { get; init; } = "probe";
    /// <summary>Problems met while probing; the machine is still usable.</summary>
    public IReadOnlyList<string> Warnings { get; init; } = [];
    /// <summary>Values that were assumed rather than read.</summary>
    public IReadOnlyList<string> Assumptions { get; init; } = [];

    /// <summary>True when a GPU shares system memory with the CPU.</summary>
    public bool UnifiedMemory => Gpus.Any(g => g.UnifiedMemory);

    /// <summary>True when the machine has any GPU llama.cpp can use.</summary>
    public bool HasGpu => Gpus.Count > 0;

    /// <summary>
    /// A GPU memory budget as a machine: one CUDA GPU of <paramref name="gib"/> GiB and host RAM that never limits,
    /// for questions like "does it fit in 24 GB of VRAM?".
    /// </summary>
    public static Machine GpuBudget(double gib, string source)
    {
        var bytes = (long)(gib * (1L << 30));
        return new Machine
        {
            Name = $"{gib:0.#} GiB GPU",
            Ram = new MemoryInfo(1L << 40, 1L << 40),
            Gpus = [new GpuDevice { Name = $"{gib:0.#} GiB GPU", TotalBytes = bytes, FreeBytes = bytes, Backend = "cuda" }],
            RamBandwidthGBps = 50,
            Simulated = true,
            Source = source,
        };
    }
}
