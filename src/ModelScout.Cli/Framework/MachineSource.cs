using ModelScout.Core.Machines;
using ModelScout.Hardware;

namespace ModelScout.Cli.Framework;

/// <summary>Turns what the user said about the machine into a machine: the real probe when nothing was said, else a simulated one.</summary>
internal interface IMachineSource
{
    Machine Get(MachineOptions options, ModelScout.Core.Catalog.Catalog catalog);

    /// <summary>Measures this machine's RAM bandwidth, keeps it for later commands, and uses it from the next <see cref="Get"/> on.</summary>
    MeasuredBandwidth MeasureBandwidth();
}
