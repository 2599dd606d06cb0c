using ModelScout.Core.Machines;

namespace ModelScout.Core.Tests;

/// <summary>Machines built straight from catalog specs, so Core tests need no hardware probing.</summary>
internal static class TestMachines
{
    private static readonly Catalog.Catalog Catalog = ModelScout.Core.Catalog.Catalog.Embedded;

    public static Machine WithGpus(string gpuId, int count, double ramGiB, double ramBandwidth = 50)
    {
        var spec = Catalog.GpuById(gpuId)!;
        var bytes = (long)(spec.VramGiB * (1L << 30));
        return new Machine
        {
            Name = $"{count}x {spec.Name}",
            Ram = new MemoryInfo((long)(ramGiB * (1L << 30)), (long)(ramGiB * 0.9 * (1L << 30))),
            Gpus = Enumerable.Range(0, count).Select(i => new GpuDevice
            {
                Index = i, Name = spec.Name, Backend = spec.Backend, TotalBytes = bytes, FreeBytes = bytes, BandwidthGBps = spec.BandwidthGBps, SpecId = spec.Id,
            }).ToList(),
            RamBandwidthGBps = ramBandwidth,
            Simulated = true,
        };
    }

    public static Machine CpuOnly(double ramGiB, double availableGiB, double bandwidth = 40) => new()
    {
        Name = $"CPU {ramGiB} GiB",
        Ram = new MemoryInfo((long)(ramGiB * (1L << 30)), (long)(availableGiB * (1L << 30))),
        RamBandwidthGBps = bandwidth,
        Simulated = true,
    };

    public static Machine Profile(string id)
    {
        var p = Catalog.Profile(id)!;
        var gpus = p.Gpus.SelectMany(g => Enumerable.Repeat(Catalog.GpuById(g.Gpu)!, g.Count)).Select((spec, i) => new GpuDevice
        {
            Index = i, Name = spec.Name, Backend = spec.Backend, TotalBytes = (long)(spec.VramGiB * (1L << 30)), FreeBytes = (long)(spec.VramGiB * (1L << 30)),
            BandwidthGBps = spec.BandwidthGBps, SpecId = spec.Id,
        }).ToList();
        var total = (long)(p.RamGiB * (1L << 30));
        var usable = p.UsableRamGiB is { } u ? (long)(u * (1L << 30)) : total - (long)(Math.Max(0.1 * p.RamGiB, 1) * (1L << 30));
        return new Machine { Name = p.Name, Ram = new MemoryInfo(total, usable), Gpus = gpus, RamBandwidthGBps = p.RamBandwidthGBps, Simulated = true, Source = "profile " + id };
    }
}
