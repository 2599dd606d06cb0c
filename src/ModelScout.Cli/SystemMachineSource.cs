using ModelScout.Core.Catalog;
using ModelScout.Core.Machines;
using ModelScout.Hardware;

namespace ModelScout.Cli;

/// <summary>The real machine source: probes this computer once, or builds the machine the user described.</summary>
internal sealed class SystemMachineSource : IMachineSource
{
    private Machine? probed;

    public Machine Get(MachineOptions options, Catalog catalog)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.IsEmpty) return probed ??= HardwareProbe.ForThisMachine(catalog).Probe();
        // --cpu-only alone means this machine without its GPUs, so it needs the probe as a base.
        var needsBase = options.CpuOnly && options.Gpus.Count == 0 && options.Profile is null && options.Apple is null && options.RamGiB is null;
        return SimulatedMachine.Build(options, catalog, needsBase ? probed ??= HardwareProbe.ForThisMachine(catalog).Probe() : null);
    }
}
