using ModelScout.Core.Catalog;

namespace ModelScout.Hardware;

/// <summary>The catalog's stand-ins for RAM figures nobody measured.</summary>
internal static class RamAssumptions
{
    /// <summary>How the sentence from <see cref="Bandwidth"/> starts, so a rebuilt machine can drop a stale one.</summary>
    public const string BandwidthNotePrefix = "RAM bandwidth ";

    /// <summary>Memory kept for the OS and other programs: max(fraction × total, minimum).</summary>
    public static long OsReserveBytes(Catalog catalog, long totalBytes)
    {
        var reserve = catalog.Document.Estimator.OsReserve;
        return Math.Min(totalBytes, Math.Max((long)(reserve.Fraction * totalBytes), Units.FromGiB(reserve.MinGiB)));
    }

    /// <summary>RAM bandwidth a CPU of <paramref name="cores"/> cores streams weights at, with the sentence that says so.</summary>
    public static double Bandwidth(Catalog catalog, int cores, out string note)
    {
        var speed = catalog.Document.Estimator.Speed;
        var byCores = Math.Max(1, cores) * speed.CpuBandwidthPerCoreGBps;
        var value = Math.Min(speed.DefaultRamBandwidthGBps, byCores);
        note = $"{BandwidthNotePrefix}{ParseText.Number(value)} GB/s is assumed: the smaller of the catalog default "
            + $"({ParseText.Number(speed.DefaultRamBandwidthGBps)} GB/s) and {Math.Max(1, cores)} cores x {ParseText.Number(speed.CpuBandwidthPerCoreGBps)} GB/s";
        return value;
    }
}
