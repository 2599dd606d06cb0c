using ModelScout.Cli.Framework;
using ModelScout.Core.Catalog;
using ModelScout.Core.Machines;
using ModelScout.Hardware;

namespace ModelScout.Cli.Tests;

/// <summary>A fixed "this machine" so outputs are the same everywhere; described machines go through the real builder.</summary>
internal sealed class FixedMachineSource : IMachineSource
{
    public static Machine Desktop { get; } = new()
    {
        Name = "this machine",
        Cpu = new CpuInfo { Model = "Test CPU", Cores = 8, Threads = 16, Architecture = "x86_64", Features = ["avx2"] },
        Ram = new MemoryInfo(32L << 30, 28L << 30),
        Gpus = [new GpuDevice { Name = "NVIDIA GeForce RTX 4060", Vendor = GpuVendor.Nvidia, Backend = "cuda", TotalBytes = 8188L << 20, FreeBytes = 7900L << 20, BandwidthGBps = 272, SpecId = "rtx-4060" }],
        RamBandwidthGBps = 51,
        Warnings = ["rocm-smi printed nothing useful (test warning)"],
        Source = "probe",
    };

    /// <summary>What <see cref="MeasureBandwidth"/> "measures": a figure no catalog assumption gives.</summary>
    public static MeasuredBandwidth Measured { get; } = new(23.4, new DateTimeOffset(2026, 12, 6, 0, 0, 0, TimeSpan.Zero), 2, 512L << 20, 3);

    private Machine? measured;

    public MeasuredBandwidth MeasureBandwidth()
    {
        measured = Desktop with { RamBandwidthGBps = Measured.GBps, RamBandwidthAssumed = false, RamBandwidthMeasured = true };
        return Measured;
    }

    public Machine Get(MachineOptions args, Catalog catalog) => args.IsEmpty
        ? measured ?? Desktop
        : SimulatedMachine.Build(new MachineOptions
        {
            Gpus = args.Gpus, VramGiB = args.VramGiB, RamGiB = args.RamGiB, Apple = args.Apple, CpuOnly = args.CpuOnly, Profile = args.Profile,
            CpuCores = args.CpuCores, RamBandwidthGBps = args.RamBandwidthGBps,
        }, catalog, measured ?? Desktop);
}

internal sealed record CliRun(int ExitCode, string Stdout, string Stderr);

internal static class Scout
{
    public static CliRun Run(params string[] args) => RunWith(null, args);

    /// <summary>The profile folder the CLI sees in tests: no variable is set, so nothing of the real user's home is read.</summary>
    public static string IsolatedHome { get; } = Directory.CreateTempSubdirectory("scout-cli-home-").FullName;

    /// <summary>Runs with <paramref name="run"/> as stdin, engine and Ctrl-C for <c>scout run</c>.</summary>
    public static CliRun RunWith(RunEnvironment? run, params string[] args) =>
        RunIn(new ModelScout.Core.Settings.ScoutSettings(_ => null, IsolatedHome), run, args);

    /// <summary>Runs with <paramref name="settings"/> as the environment and home the CLI sees.</summary>
    public static CliRun RunIn(ModelScout.Core.Settings.ScoutSettings settings, RunEnvironment? run, params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var code = new ScoutApp(new FixedMachineSource(), settings, 140, run).Run(args, stdout, stderr);
        return new CliRun(code, stdout.ToString().ReplaceLineEndings("\n"), stderr.ToString().ReplaceLineEndings("\n"));
    }
}

/// <summary>Compares output with a file under Snapshots/; SCOUT_UPDATE_SNAPSHOTS=1 rewrites them.</summary>
internal static class Snapshot
{
    private static string Dir => Path.Combine(ModelScout.Testing.RepoPaths.Root, "tests", "ModelScout.Cli.Tests", "Snapshots");

    public static void Match(string name, string actual)
    {
        var path = Path.Combine(Dir, name);
        var update = Environment.GetEnvironmentVariable("SCOUT_UPDATE_SNAPSHOTS") == "1";
        if (update || !File.Exists(path))
        {
            File.WriteAllText(path, actual);
            if (!update) Assert.Fail($"new snapshot written to {path}; review it and run again");
            return;
        }
        var expected = File.ReadAllText(path).ReplaceLineEndings("\n");
        if (expected != actual)
        {
            File.WriteAllText(path + ".received", actual);
            var line = FirstDifference(expected, actual);
            Assert.Fail($"{name} differs from its snapshot at line {line.Number}:\n  expected: {line.Expected}\n  actual:   {line.Actual}\nReceived output: {path}.received (SCOUT_UPDATE_SNAPSHOTS=1 accepts it)");
        }
    }

    private static (int Number, string Expected, string Actual) FirstDifference(string a, string b)
    {
        var x = a.Split('\n');
        var y = b.Split('\n');
        for (var i = 0; i < Math.Max(x.Length, y.Length); i++)
        {
            var l = i < x.Length ? x[i] : "<end>";
            var r = i < y.Length ? y[i] : "<end>";
            if (l != r) return (i + 1, l, r);
        }
        return (0, "", "");
    }
}
