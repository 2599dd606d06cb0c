namespace ModelScout.Hardware;

/// <summary>A machine described by the user instead of probed; <see cref="SimulatedMachine.Build"/> turns it into a machine.</summary>
public sealed record MachineOptions
{
    /// <summary>GPUs by name or catalog id, each optionally with a count: "RTX 4090", "2x RTX 3090", "2x\"RTX 3090\"", "rtx-4090".</summary>
    public IReadOnlyList<string> Gpus { get; init; } = [];

    /// <summary>VRAM per GPU in GiB: alone, one generic GPU of this size; with <see cref="Gpus"/> or a profile, overrides each card's VRAM.</summary>
    public double? VramGiB { get; init; }

    /// <summary>System RAM in GiB.</summary>
    public double? RamGiB { get; init; }

    /// <summary>An Apple silicon Mac: chip and unified memory in GiB ("m3-16", "m3-max-64", "M2 Ultra 192").</summary>
    public string? Apple { get; init; }

    /// <summary>Plan without GPUs; alone it means the probed machine without its GPUs.</summary>
    public bool CpuOnly { get; init; }

    /// <summary>A catalog hardware profile id ("rtx-4090", "pi5-8gb").</summary>
    public string? Profile { get; init; }

    /// <summary>Physical CPU cores.</summary>
    public int? CpuCores { get; init; }

    /// <summary>System RAM bandwidth in GB/s.</summary>
    public double? RamBandwidthGBps { get; init; }

    /// <summary>True when nothing at all is set.</summary>
    public bool IsEmpty =>
        Gpus.Count == 0 && VramGiB is null && RamGiB is null && Apple is null && !CpuOnly && Profile is null
        && CpuCores is null && RamBandwidthGBps is null;
}
