namespace ModelScout.Hardware;

/// <summary>One AMD GPU read from rocm-smi or sysfs.</summary>
/// <param name="Index">Card number (card0 is 0).</param>
/// <param name="Names">Names the tool gave for the card, best first (never empty).</param>
/// <param name="TotalBytes">Dedicated VRAM in bytes; null when not reported.</param>
/// <param name="UsedBytes">VRAM in use in bytes; null when not reported.</param>
public sealed record AmdGpuReading(int Index, IReadOnlyList<string> Names, long? TotalBytes, long? UsedBytes)
{
    /// <summary>The best name.</summary>
    public string Name => Names[0];
}

/// <summary>The AMD GPUs one source listed and what could not be read.</summary>
public sealed record AmdGpuListing(IReadOnlyList<AmdGpuReading> Gpus, IReadOnlyList<string> Warnings);
