using ModelScout.Core.Catalog;
using ModelScout.Core.Machines;
using ModelScout.Hardware;

namespace ModelScout.Cli;

/// <summary>The real machine source: probes this computer once, or builds the machine the user described.</summary>
internal sealed class SystemMachineSource : IMachineSource
{
    private Machine? probed;

    public Machine Get(HardwareArgs args, Catalog catalog)
    {
        ArgumentNullException.ThrowIfNull(args);
        if (args.IsEmpty) return probed ??= HardwareProbe.ForThisMachine(catalog).Probe();
        var options = new MachineOptions
        {
            Gpus = args.Gpus,
            VramGiB = args.VramGiB,
            RamGiB = args.RamGiB,
            Apple = args.Apple,
            CpuOnly = args.CpuOnly,
            Profile = args.Profile,
            CpuCores = args.Cores,
            RamBandwidthGBps = args.RamBandwidthGBps,
        };
        // --cpu-only alone means this machine without its GPUs, so it needs the probe as a base.
        var needsBase = args.CpuOnly && args.Gpus.Count == 0 && args.Profile is null && args.Apple is null && args.RamGiB is null;
        return SimulatedMachine.Build(options, catalog, needsBase ? probed ??= HardwareProbe.ForThisMachine(catalog).Probe() : null);
    }
}
