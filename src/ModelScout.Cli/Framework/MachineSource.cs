using ModelScout.Core.Machines;
using ModelScout.Hardware;

namespace ModelScout.Cli.Framework;

/// <summary>Turns what the user said about the machine into a machine: the real probe when nothing was said, else a simulated one.</summary>
internal interface IMachineSource
{
    Machine Get(MachineOptions options, ModelScout.Core.Catalog.Catalog catalog);
}
