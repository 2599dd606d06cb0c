using ModelScout.Core.Catalog;
using ModelScout.Core.Machines;

namespace ModelScout.Hardware.Tests;

public class HardwareProbeLinuxTests
{
    private const long MiB = 1L << 20;
    private const long GiB = 1L << 30;

    private static FakeSystemFiles Desktop() => new FakeSystemFiles()
        .With("/proc/cpuinfo", TestFiles.Sample("cpu-only.handwritten.cpuinfo.txt"))
        .With("/proc/meminfo", TestFiles.Sample("cpu-only.handwritten.meminfo.txt"));

    private static FakeSystemFiles H200Host() => new FakeSystemFiles()
        .With("/proc/cpuinfo", TestFiles.H200("proc-cpuinfo.txt"))
        .With("/proc/meminfo", TestFiles.H200("proc-meminfo.txt"));

    private static Machine Probe(FakeCommandRunner runner, FakeSystemFiles files) =>
        new HardwareProbe(runner, files, OsPlatformKind.Linux, Catalog.Embedded).Probe();

    [Fact]
    public void Recorded_H200_machine()
    {
        var runner = new FakeCommandRunner().With("nvidia-smi", TestFiles.H200("nvidia-smi-query.csv"));

        var machine = Probe(runner, H200Host());

        Assert.Empty(machine.Warnings);
        Assert.False(machine.Simulated);
        Assert.Equal("probe", machine.Source);
        Assert.Equal((16, 16), (machine.Cpu.Threads, machine.Cpu.Cores));
        Assert.Equal("Intel(R) Xeon(R) Processor", machine.Cpu.Model);
        Assert.Equal("x86_64", machine.Cpu.Architecture);
        Assert.Contains("avx512f", machine.Cpu.Features);
        Assert.Equal(131981020L * 1024, machine.Ram.TotalBytes);
        Assert.Equal(131462200L * 1024, machine.Ram.AvailableBytes);
        var gpu = Assert.Single(machine.Gpus);
        Assert.Equal("NVIDIA H200", gpu.Name);
        Assert.Equal(GpuVendor.Nvidia, gpu.Vendor);
        Assert.Equal("cuda", gpu.Backend);
        Assert.Equal(143771 * MiB, gpu.TotalBytes);
        Assert.Equal(143156 * MiB, gpu.FreeBytes);
        Assert.Equal(4800, gpu.BandwidthGBps);
        Assert.Equal("h200", gpu.SpecId);
        Assert.Equal(("580.159.04", "9.0"), (gpu.Driver, gpu.ComputeCapability));
        Assert.False(gpu.UnifiedMemory);
        Assert.True(machine.RamBandwidthAssumed);
        Assert.Equal(40, machine.RamBandwidthGBps);
        Assert.Contains(machine.Assumptions, a => a.StartsWith("RAM bandwidth 40 GB/s is assumed", StringComparison.Ordinal));
    }

    [Fact]
    public void Recorded_H200_short_form_gives_the_same_GPU()
    {
        var runner = new FakeCommandRunner().With("nvidia-smi", TestFiles.H200("nvidia-smi-query-noheader.csv"));

        var gpu = Assert.Single(Probe(runner, H200Host()).Gpus);

        Assert.Equal(("NVIDIA H200", 143771 * MiB, 143156 * MiB, (double?)4800), (gpu.Name, gpu.TotalBytes, gpu.FreeBytes, gpu.BandwidthGBps));
    }

    [Fact]
    public void Runs_nvidia_smi_once_with_the_query_and_a_short_timeout()
    {
        var runner = new FakeCommandRunner().With("nvidia-smi", TestFiles.Sample("rtx-4090.handwritten.nvidia-smi.csv"));

        Probe(runner, Desktop());

        var call = Assert.Single(runner.Calls, c => c.Executable == "nvidia-smi");
        Assert.Equal(NvidiaSmiParser.QueryArguments, call.Arguments);
        Assert.InRange(call.Timeout, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(10));
        Assert.All(runner.Calls, c => Assert.True(c.Timeout <= TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public void One_RTX_4090()
    {
        var runner = new FakeCommandRunner().With("nvidia-smi", TestFiles.Sample("rtx-4090.handwritten.nvidia-smi.csv"));

        var machine = Probe(runner, Desktop());

        Assert.Empty(machine.Warnings);
        var gpu = Assert.Single(machine.Gpus);
        Assert.Equal(("rtx-4090", (double?)1008, 24564 * MiB, 23975 * MiB), (gpu.SpecId, gpu.BandwidthGBps, gpu.TotalBytes, gpu.FreeBytes));
        Assert.Equal((8, 16), (machine.Cpu.Cores, machine.Cpu.Threads));
        Assert.Equal(32803308L * 1024, machine.Ram.TotalBytes);
    }

    [Fact]
    public void Two_RTX_3090()
    {
        var runner = new FakeCommandRunner().With("nvidia-smi", TestFiles.Sample("2x-rtx-3090.handwritten.nvidia-smi.csv"));

        var machine = Probe(runner, Desktop());

        Assert.Empty(machine.Warnings);
        Assert.Equal(2, machine.Gpus.Count);
        Assert.Equal([0, 1], machine.Gpus.Select(g => g.Index));
        Assert.All(machine.Gpus, g => Assert.Equal(("rtx-3090", (double?)936, 24576 * MiB), (g.SpecId, g.BandwidthGBps, g.TotalBytes)));
    }

    [Fact]
    public void Eight_H100()
    {
        var runner = new FakeCommandRunner().With("nvidia-smi", TestFiles.Sample("8x-h100.handwritten.nvidia-smi.csv"));

        var machine = Probe(runner, H200Host());

        Assert.Equal(8, machine.Gpus.Count);
        Assert.All(machine.Gpus, g => Assert.Equal(("h100-sxm", (double?)3350, 81559 * MiB), (g.SpecId, g.BandwidthGBps, g.TotalBytes)));
    }

    [Fact]
    public void CPU_only_machine_without_any_tool_has_no_warnings()
    {
        var runner = new FakeCommandRunner();

        var machine = Probe(runner, Desktop());

        Assert.Empty(machine.Warnings);
        Assert.Empty(machine.Gpus);
        Assert.False(machine.HasGpu);
        Assert.Equal("AMD Ryzen 7 5800X 8-Core Processor", machine.Cpu.Model);
        Assert.Equal(28734512L * 1024, machine.Ram.AvailableBytes);
        Assert.Equal(40, machine.RamBandwidthGBps);
    }

    [Fact]
    public void AMD_GPU_through_rocm_smi()
    {
        var runner = new FakeCommandRunner().With("rocm-smi", TestFiles.Sample("amd-7900xtx.handwritten.rocm-smi.json"));

        var machine = Probe(runner, Desktop());

        Assert.Empty(machine.Warnings);
        var gpu = Assert.Single(machine.Gpus);
        Assert.Equal("Radeon RX 7900 XTX", gpu.Name);
        Assert.Equal((GpuVendor.Amd, "rocm", "rx-7900-xtx", (double?)960), (gpu.Vendor, gpu.Backend, gpu.SpecId, gpu.BandwidthGBps));
        Assert.Equal((25753026560L, 25753026560L - 1073741824L), (gpu.TotalBytes, gpu.FreeBytes));
        Assert.Equal(RocmSmiParser.QueryArguments, Assert.Single(runner.Calls, c => c.Executable == "rocm-smi").Arguments);
    }

    [Fact]
    public void AMD_GPU_through_sysfs_when_rocm_smi_is_missing()
    {
        var files = Desktop()
            .With("/sys/class/drm/card0/device/vendor", "0x1002\n")
            .With("/sys/class/drm/card0/device/mem_info_vram_total", "25753026560\n")
            .With("/sys/class/drm/card0/device/mem_info_vram_used", "0\n")
            .With("/sys/class/drm/card0/device/product_name", "AMD Radeon RX 7900 XTX\n");

        var machine = Probe(new FakeCommandRunner(), files);

        Assert.Empty(machine.Warnings);
        var gpu = Assert.Single(machine.Gpus);
        Assert.Equal(("rx-7900-xtx", 25753026560L, 25753026560L), (gpu.SpecId, gpu.TotalBytes, gpu.FreeBytes));
        Assert.Contains(machine.Assumptions, a => a.Contains("rocm-smi is not on PATH", StringComparison.Ordinal));
    }

    [Fact]
    public void Garbage_from_rocm_smi_falls_back_to_sysfs()
    {
        var runner = new FakeCommandRunner().With("rocm-smi", TestFiles.Sample("garbage.rocm-smi.json"));
        var files = Desktop()
            .With("/sys/class/drm/card0/device/vendor", "0x1002\n")
            .With("/sys/class/drm/card0/device/mem_info_vram_total", "25753026560\n");

        var machine = Probe(runner, files);

        Assert.Contains(machine.Warnings, w => w.Contains("malformed JSON", StringComparison.Ordinal));
        var gpu = Assert.Single(machine.Gpus);
        Assert.Equal("AMD GPU card0", gpu.Name);
        Assert.Null(gpu.BandwidthGBps);
        Assert.Contains(machine.Assumptions, a => a.Contains("not in the catalog", StringComparison.Ordinal));
    }

    [Fact]
    public void Garbage_from_rocm_smi_without_sysfs_cards_is_CPU_only()
    {
        var runner = new FakeCommandRunner().With("rocm-smi", TestFiles.Sample("garbage.rocm-smi.json"));

        var machine = Probe(runner, Desktop());

        Assert.Empty(machine.Gpus);
        Assert.NotEmpty(machine.Warnings);
    }

    [Fact]
    public void Small_AMD_carve_out_is_ignored()
    {
        var files = Desktop()
            .With("/sys/class/drm/card0/device/vendor", "0x1002\n")
            .With("/sys/class/drm/card0/device/mem_info_vram_total", "536870912\n");

        var machine = Probe(new FakeCommandRunner(), files);

        Assert.Empty(machine.Gpus);
        Assert.Contains(machine.Assumptions, a => a.Contains("512 MiB", StringComparison.Ordinal));
    }

    [Fact]
    public void Nvidia_smi_timing_out_is_a_warning_and_CPU_only()
    {
        var runner = new FakeCommandRunner().With("nvidia-smi", "", exitCode: -1, timedOut: true);

        var machine = Probe(runner, Desktop());

        Assert.Empty(machine.Gpus);
        Assert.Contains("did not answer within 5 s", Assert.Single(machine.Warnings), StringComparison.Ordinal);
    }

    [Fact]
    public void Nvidia_smi_exiting_9_is_a_warning_and_CPU_only()
    {
        var runner = new FakeCommandRunner().With("nvidia-smi", TestFiles.Sample("garbage.nvidia-smi.txt"), exitCode: 9);

        var machine = Probe(runner, Desktop());

        Assert.Empty(machine.Gpus);
        var warning = Assert.Single(machine.Warnings);
        Assert.Contains("exited with code 9", warning, StringComparison.Ordinal);
        Assert.Contains("driver is not loaded", warning, StringComparison.Ordinal);
        Assert.Contains("couldn't communicate", warning, StringComparison.Ordinal);
    }

    [Fact]
    public void Nvidia_smi_printing_garbage_is_a_warning_and_CPU_only()
    {
        var runner = new FakeCommandRunner().With("nvidia-smi", TestFiles.Sample("garbage.nvidia-smi.txt"));

        var machine = Probe(runner, Desktop());

        Assert.Empty(machine.Gpus);
        Assert.Contains(machine.Warnings, w => w.Contains("couldn't communicate", StringComparison.Ordinal));
        Assert.Contains(machine.Warnings, w => w.Contains("continuing without NVIDIA GPUs", StringComparison.Ordinal));
    }

    [Fact]
    public void Truncated_nvidia_smi_output_is_a_warning_and_CPU_only()
    {
        var runner = new FakeCommandRunner().With("nvidia-smi", TestFiles.Sample("truncated.nvidia-smi.csv"));

        var machine = Probe(runner, Desktop());

        Assert.Empty(machine.Gpus);
        Assert.NotEmpty(machine.Warnings);
    }

    [Fact]
    public void Loaded_NVIDIA_driver_without_nvidia_smi_is_a_warning()
    {
        var files = Desktop().With("/proc/driver/nvidia/version", "NVRM version: NVIDIA UNIX x86_64 Kernel Module  550.54.14\n");

        var machine = Probe(new FakeCommandRunner(), files);

        Assert.Empty(machine.Gpus);
        Assert.Contains("nvidia-smi is not on PATH", Assert.Single(machine.Warnings), StringComparison.Ordinal);
    }

    [Fact]
    public void Unknown_card_keeps_null_bandwidth_and_says_so()
    {
        var runner = new FakeCommandRunner().With("nvidia-smi", "0, NVIDIA Quadro P1000, 4096, 4000, 550.54.14, 6.1\n");

        var machine = Probe(runner, Desktop());

        var gpu = Assert.Single(machine.Gpus);
        Assert.Equal(("cuda", (string?)null, (double?)null, 4096 * MiB), (gpu.Backend, gpu.SpecId, gpu.BandwidthGBps, gpu.TotalBytes));
        Assert.Contains(machine.Assumptions, a => a.Contains("('NVIDIA Quadro P1000') is not in the catalog", StringComparison.Ordinal));
        Assert.Empty(machine.Warnings);
    }

    [Fact]
    public void Unreported_memory_falls_back_to_the_catalog_for_known_cards_only()
    {
        var runner = new FakeCommandRunner().With("nvidia-smi",
            "0, NVIDIA H100 80GB HBM3, [N/A], [N/A], 535.161.08, 9.0\n1, NVIDIA Mystery, [N/A], [N/A], 535.161.08, 9.0\n");

        var machine = Probe(runner, H200Host());

        var gpu = Assert.Single(machine.Gpus);
        Assert.Equal(80 * GiB, gpu.TotalBytes);
        Assert.Contains(machine.Assumptions, a => a.Contains("catalog's 80 GiB", StringComparison.Ordinal));
        Assert.Contains(machine.Warnings, w => w.Contains("NVIDIA Mystery", StringComparison.Ordinal));
    }

    [Fact]
    public void Container_memory_limit_below_installed_RAM_wins()
    {
        var files = Desktop()
            .With("/proc/self/cgroup", "0::/\n")
            .With("/sys/fs/cgroup/memory.max", "8589934592\n")
            .With("/sys/fs/cgroup/memory.current", "2147483648\n")
            .With("/sys/fs/cgroup/memory.stat", "anon 1073741824\ninactive_file 1073741824\n");

        var machine = Probe(new FakeCommandRunner(), files);

        Assert.Equal(8 * GiB, machine.Ram.TotalBytes);
        Assert.Equal(7 * GiB, machine.Ram.AvailableBytes);
        Assert.Contains(machine.Assumptions, a => a.Contains("container memory limit of 8 GiB", StringComparison.Ordinal));
    }

    [Fact]
    public void Container_limit_in_the_process_own_v1_cgroup_is_found()
    {
        var files = Desktop()
            .With("/proc/self/cgroup", "4:memory:/docker/abc\n")
            .With("/sys/fs/cgroup/memory/memory.limit_in_bytes", "9223372036854771712\n")
            .With("/sys/fs/cgroup/memory/docker/abc/memory.limit_in_bytes", "4294967296\n");

        var machine = Probe(new FakeCommandRunner(), files);

        Assert.Equal(4 * GiB, machine.Ram.TotalBytes);
        Assert.Equal(4 * GiB, machine.Ram.AvailableBytes);
    }

    [Fact]
    public void Unlimited_cgroup_changes_nothing()
    {
        var files = Desktop().With("/sys/fs/cgroup/memory.max", "max\n");

        var machine = Probe(new FakeCommandRunner(), files);

        Assert.Equal(32803308L * 1024, machine.Ram.TotalBytes);
        Assert.DoesNotContain(machine.Assumptions, a => a.Contains("container", StringComparison.Ordinal));
    }

    [Fact]
    public void CPU_quota_and_affinity_limit_the_usable_processors()
    {
        var files = H200Host()
            .With("/sys/fs/cgroup/cpu.max", "400000 100000\n")
            .With("/proc/self/status", "Name:\ttest\nCpus_allowed_list:\t0-7\n");

        var machine = Probe(new FakeCommandRunner(), files);

        Assert.Equal((4, 4), (machine.Cpu.Cores, machine.Cpu.Threads));
        Assert.Contains(machine.Assumptions, a => a.Contains("4 of the 16 logical processors", StringComparison.Ordinal));
        Assert.Equal(32, machine.RamBandwidthGBps);
    }

    [Fact]
    public void Missing_proc_files_are_warnings_with_what_dotnet_reports()
    {
        var machine = Probe(new FakeCommandRunner(), new FakeSystemFiles());

        Assert.True(machine.Cpu.Cores >= 1);
        Assert.True(machine.Ram.TotalBytes > 0);
        Assert.Contains(machine.Warnings, w => w.Contains("/proc/cpuinfo", StringComparison.Ordinal));
        Assert.Contains(machine.Warnings, w => w.Contains("/proc/meminfo", StringComparison.Ordinal));
    }

    [Fact]
    public void A_runner_that_throws_does_not_escape_the_probe()
    {
        var runner = new FakeCommandRunner().With("nvidia-smi", _ => throw new InvalidOperationException("boom"));

        var machine = Probe(runner, Desktop());

        Assert.Empty(machine.Gpus);
        Assert.Contains(machine.Warnings, w => w.Contains("boom", StringComparison.Ordinal));
        Assert.Equal(8, machine.Cpu.Cores);
    }
}
