using ModelScout.Core.Catalog;
using ModelScout.Core.Machines;

namespace ModelScout.Hardware.Tests;

public class HardwareProbeMacAndWindowsTests
{
    private const long MiB = 1L << 20;
    private const long GiB = 1L << 30;

    private static readonly string M3Sysctl = TestFiles.Sample("apple-m3-16.handwritten.sysctl.txt");
    private static readonly string M3VmStat = TestFiles.Sample("apple-m3-16.handwritten.vm_stat.txt");

    private static Machine ProbeMac(FakeCommandRunner runner) =>
        new HardwareProbe(runner, new FakeSystemFiles(), OsPlatformKind.MacOs, Catalog.Embedded).Probe();

    [Fact]
    public void Apple_M3_without_a_wired_limit_interpolates_the_working_set()
    {
        var runner = new FakeCommandRunner().With("sysctl", M3Sysctl).With("vm_stat", M3VmStat);

        var machine = ProbeMac(runner);

        Assert.Empty(machine.Warnings);
        Assert.Equal(("Apple M3", 8, 8, "arm64"), (machine.Cpu.Model, machine.Cpu.Cores, machine.Cpu.Threads, machine.Cpu.Architecture));
        Assert.Equal(16 * GiB, machine.Ram.TotalBytes);
        Assert.Equal((41522L + 297106 + 3125) * 16384, machine.Ram.AvailableBytes);
        var gpu = Assert.Single(machine.Gpus);
        Assert.True(gpu.UnifiedMemory);
        Assert.True(machine.UnifiedMemory);
        Assert.Equal((GpuVendor.Apple, "metal", "m3", (double?)100), (gpu.Vendor, gpu.Backend, gpu.SpecId, gpu.BandwidthGBps));
        Assert.Equal(11.84, gpu.TotalBytes / (double)GiB, 6);
        Assert.Equal(machine.Ram.AvailableBytes, gpu.FreeBytes);
        Assert.Contains(machine.Assumptions, a => a.Contains("11.84 GiB", StringComparison.Ordinal) && a.Contains("interpolated", StringComparison.Ordinal));
        Assert.Equal(100, machine.RamBandwidthGBps);
        Assert.False(machine.RamBandwidthAssumed);
        Assert.Equal(SysctlParser.QueryKeys, Assert.Single(runner.Calls, c => c.Executable == "sysctl").Arguments);
        Assert.Equal(0, runner.CallsTo("nvidia-smi"));
    }

    [Fact]
    public void Apple_M3_with_a_wired_limit_uses_it()
    {
        var sysctl = M3Sysctl.Replace("iogpu.wired_limit_mb: 0", "iogpu.wired_limit_mb: 14336", StringComparison.Ordinal);
        var runner = new FakeCommandRunner().With("sysctl", sysctl).With("vm_stat", M3VmStat);

        var machine = ProbeMac(runner);

        Assert.Equal(14336 * MiB, Assert.Single(machine.Gpus).TotalBytes);
        Assert.DoesNotContain(machine.Assumptions, a => a.Contains("interpolated", StringComparison.Ordinal));
    }

    [Fact]
    public void Unknown_sysctl_keys_on_stderr_and_a_non_zero_exit_are_not_warnings()
    {
        var sysctl = M3Sysctl.Replace("iogpu.wired_limit_mb: 0\n", "", StringComparison.Ordinal);
        var runner = new FakeCommandRunner()
            .With("sysctl", sysctl, exitCode: 1, stderr: "sysctl: unknown oid 'iogpu.wired_limit_mb'\n")
            .With("vm_stat", M3VmStat);

        var machine = ProbeMac(runner);

        Assert.Empty(machine.Warnings);
        Assert.Equal(11.84, Assert.Single(machine.Gpus).TotalBytes / (double)GiB, 6);
    }

    [Fact]
    public void Failing_vm_stat_is_a_warning_and_an_assumed_reserve()
    {
        var runner = new FakeCommandRunner().With("sysctl", M3Sysctl).With("vm_stat", "", exitCode: 1, stderr: "vm_stat: failed");

        var machine = ProbeMac(runner);

        Assert.Contains(machine.Warnings, w => w.Contains("vm_stat exited with code 1", StringComparison.Ordinal));
        Assert.Equal(16 * GiB - (long)(0.1 * 16 * GiB), machine.Ram.AvailableBytes);
        Assert.Contains(machine.Assumptions, a => a.Contains("OS reserve", StringComparison.Ordinal));
    }

    [Fact]
    public void Missing_sysctl_is_a_warning_and_dotnet_figures()
    {
        var machine = ProbeMac(new FakeCommandRunner());

        Assert.Contains(machine.Warnings, w => w.Contains("sysctl is not on PATH", StringComparison.Ordinal));
        Assert.True(machine.Ram.TotalBytes > 0);
        Assert.Empty(machine.Gpus);
    }

    [Fact]
    public void Intel_Mac_plans_for_the_CPU_only()
    {
        var runner = new FakeCommandRunner()
            .With("sysctl", "hw.memsize: 34359738368\nhw.ncpu: 16\nhw.physicalcpu: 8\nmachdep.cpu.brand_string: Intel(R) Core(TM) i9-9880H CPU @ 2.30GHz\nhw.optional.avx2_0: 1\n")
            .With("vm_stat", M3VmStat);

        var machine = ProbeMac(runner);

        Assert.Empty(machine.Gpus);
        Assert.Equal(("x86_64", 8, 16), (machine.Cpu.Architecture, machine.Cpu.Cores, machine.Cpu.Threads));
        Assert.True(machine.RamBandwidthAssumed);
    }

    [Fact]
    public void Unknown_Apple_chip_has_no_bandwidth_and_says_so()
    {
        var sysctl = M3Sysctl.Replace("Apple M3", "Apple M9 Hyper", StringComparison.Ordinal);
        var runner = new FakeCommandRunner().With("sysctl", sysctl).With("vm_stat", M3VmStat);

        var machine = ProbeMac(runner);

        Assert.Null(Assert.Single(machine.Gpus).BandwidthGBps);
        Assert.True(machine.RamBandwidthAssumed);
        Assert.Contains(machine.Assumptions, a => a.Contains("Apple M9 Hyper", StringComparison.Ordinal));
    }

    [Fact]
    public void Windows_reads_RAM_from_dotnet_and_GPUs_from_nvidia_smi()
    {
        var runner = new FakeCommandRunner().With("nvidia-smi", TestFiles.Sample("rtx-4090.handwritten.nvidia-smi.csv"));

        var machine = new HardwareProbe(runner, new FakeSystemFiles(), OsPlatformKind.Windows, Catalog.Embedded).Probe();

        Assert.True(machine.Ram.TotalBytes > 0);
        Assert.InRange(machine.Ram.AvailableBytes, 0, machine.Ram.TotalBytes);
        Assert.Equal(Environment.ProcessorCount, machine.Cpu.Threads);
        Assert.Equal("rtx-4090", Assert.Single(machine.Gpus).SpecId);
        Assert.Empty(machine.Warnings);
    }

    [Fact]
    public void Windows_without_nvidia_smi_is_CPU_only_without_warnings()
    {
        var machine = new HardwareProbe(new FakeCommandRunner(), new FakeSystemFiles(), OsPlatformKind.Windows, Catalog.Embedded).Probe();

        Assert.Empty(machine.Gpus);
        Assert.Empty(machine.Warnings);
    }
}
