using ModelScout.Core.Catalog;
using ModelScout.Core.Machines;

namespace ModelScout.Hardware.Tests;

public sealed class RamBandwidthTests : IDisposable
{
    private static readonly MeasuredBandwidth Measured = new(23.4, new DateTimeOffset(2026, 12, 6, 0, 0, 0, TimeSpan.Zero), 2, 512L << 20, 3);
    private readonly string dir = Directory.CreateTempSubdirectory("scout-bw-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    private sealed class FixedBandwidth(MeasuredBandwidth? value) : IRamBandwidthSource
    {
        public MeasuredBandwidth? Read() => value;
    }

    private sealed class FixedTime(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }

    private static Machine Probe(IRamBandwidthSource? bandwidth) => new HardwareProbe(new FakeCommandRunner(), new FakeSystemFiles()
        .With("/proc/cpuinfo", TestFiles.Sample("cpu-only.handwritten.cpuinfo.txt"))
        .With("/proc/meminfo", TestFiles.Sample("cpu-only.handwritten.meminfo.txt")), OsPlatformKind.Linux, Catalog.Embedded, bandwidth: bandwidth).Probe();

    [Fact]
    public void A_measured_bandwidth_replaces_the_assumption_and_says_it_was_measured()
    {
        var assumed = Probe(null);
        var machine = Probe(new FixedBandwidth(Measured));

        Assert.True(assumed.RamBandwidthAssumed);
        Assert.NotEqual(23.4, assumed.RamBandwidthGBps);
        Assert.Equal(23.4, machine.RamBandwidthGBps);
        Assert.False(machine.RamBandwidthAssumed);
        Assert.True(machine.RamBandwidthMeasured);
        Assert.Contains(machine.Assumptions, a => a.StartsWith("RAM bandwidth 23.4 GB/s was measured on 2026-12-06 with 2 thread(s)", StringComparison.Ordinal));
        Assert.DoesNotContain(machine.Assumptions, a => a.Contains("is assumed", StringComparison.Ordinal) && a.StartsWith("RAM bandwidth", StringComparison.Ordinal));
    }

    [Fact]
    public void No_measurement_keeps_the_catalog_assumption()
    {
        var machine = Probe(new FixedBandwidth(null));

        Assert.True(machine.RamBandwidthAssumed);
        Assert.False(machine.RamBandwidthMeasured);
        Assert.Contains(machine.Assumptions, a => a.StartsWith("RAM bandwidth", StringComparison.Ordinal) && a.Contains("is assumed", StringComparison.Ordinal));
    }

    [Fact]
    public void A_machine_built_on_the_probe_keeps_the_measured_figure_unless_one_is_given()
    {
        var probed = Probe(new FixedBandwidth(Measured));

        var cpuOnly = SimulatedMachine.Build(new MachineOptions { CpuOnly = true }, Catalog.Embedded, probed);
        var given = SimulatedMachine.Build(new MachineOptions { CpuOnly = true, RamBandwidthGBps = 60 }, Catalog.Embedded, probed);

        Assert.Equal((23.4, true, false), (cpuOnly.RamBandwidthGBps, cpuOnly.RamBandwidthMeasured, cpuOnly.RamBandwidthAssumed));
        Assert.Equal((60.0, false, false), (given.RamBandwidthGBps, given.RamBandwidthMeasured, given.RamBandwidthAssumed));
    }

    [Fact]
    public void The_file_keeps_a_measurement_and_ignores_what_is_not_one()
    {
        var file = new RamBandwidthFile(Path.Combine(dir, "cache", "ram-bandwidth.json"));
        Assert.Null(file.Read());

        file.Save(Measured);
        Assert.Equal(Measured, file.Read());

        File.WriteAllText(file.Path, "{ not json");
        Assert.Null(file.Read());
        File.WriteAllText(file.Path, """{"gBps": -1}""");
        Assert.Null(file.Read());
    }

    [Fact]
    public void The_probe_reads_its_whole_buffer_and_reports_a_finite_rate()
    {
        var time = new FixedTime(new DateTimeOffset(2026, 12, 6, 12, 0, 0, TimeSpan.Zero));

        var m = RamBandwidthProbe.Measure(threads: 2, bufferBytes: 8L << 20, passes: 2, time: time);

        Assert.True(m.GBps is > 0 and < 1e5, $"{m.GBps} GB/s");
        Assert.Equal((2, 8L << 20, 2), (m.Threads, m.BufferBytes, m.Passes));
        Assert.Equal(time.GetUtcNow(), m.MeasuredAt);
        Assert.Throws<ArgumentOutOfRangeException>(() => RamBandwidthProbe.Measure(threads: 0, bufferBytes: 8L << 20));
        Assert.Throws<ArgumentOutOfRangeException>(() => RamBandwidthProbe.Measure(bufferBytes: 1000));
    }
}
