using ModelScout.Core.Catalog;
using ModelScout.Core.Machines;
using ModelScout.Hardware;

namespace ModelScout.Cli;

/// <summary>
/// The real machine source: probes this computer once (with the RAM bandwidth measured earlier, kept in
/// <see cref="ScoutSettings.RamBandwidthCache"/>), or builds the machine the user described.
/// </summary>
internal sealed class SystemMachineSource(ScoutSettings settings) : IMachineSource
{
    private readonly RamBandwidthFile bandwidth = new(settings.RamBandwidthCache);
    private Machine? probed;

    public Machine Get(MachineOptions options, Catalog catalog)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.IsEmpty) return probed ??= Probe(catalog);
        // --cpu-only alone means this machine without its GPUs, so it needs the probe as a base.
        var needsBase = options.CpuOnly && options.Gpus.Count == 0 && options.Profile is null && options.Apple is null && options.RamGiB is null;
        return SimulatedMachine.Build(options, catalog, needsBase ? probed ??= Probe(catalog) : null);
    }

    public MeasuredBandwidth MeasureBandwidth()
    {
        var measured = RamBandwidthProbe.Measure();
        bandwidth.Save(measured);
        probed = null;
        return measured;
    }

    private Machine Probe(Catalog catalog) => HardwareProbe.ForThisMachine(catalog, bandwidth).Probe();
}
