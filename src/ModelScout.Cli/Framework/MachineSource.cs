using ModelScout.Core.Machines;

namespace ModelScout.Cli.Framework;

/// <summary>What the user said about the machine to plan for; all empty means "probe this machine".</summary>
internal sealed record HardwareArgs(
    IReadOnlyList<string> Gpus,
    double? VramGiB,
    double? RamGiB,
    string? Apple,
    bool CpuOnly,
    string? Profile,
    int? Cores,
    double? RamBandwidthGBps)
{
    public bool IsEmpty => Gpus.Count == 0 && VramGiB is null && RamGiB is null && Apple is null && !CpuOnly && Profile is null && Cores is null && RamBandwidthGBps is null;
}

/// <summary>Turns hardware arguments into a machine: the real probe, or a simulated one.</summary>
internal interface IMachineSource
{
    Machine Get(HardwareArgs args, ModelScout.Core.Catalog.Catalog catalog);
}
