using ModelScout.Core.Catalog;
using ModelScout.Core.Machines;

namespace ModelScout.Hardware.Tests;

public class SimulatedMachineTests
{
    private const long GiB = 1L << 30;

    private static Machine Build(MachineOptions options, Machine? probed = null) =>
        SimulatedMachine.Build(options, Catalog.Embedded, probed);

    private static double GiBOf(long bytes) => bytes / (double)GiB;

    [Fact]
    public void One_RTX_4090_gets_default_RAM_and_cores_and_says_so()
    {
        var machine = Build(new MachineOptions { Gpus = ["RTX 4090"] });

        Assert.True(machine.Simulated);
        Assert.Equal("--gpu RTX 4090", machine.Source);
        Assert.Equal("GeForce RTX 4090 + 32 GiB RAM", machine.Name);
        var gpu = Assert.Single(machine.Gpus);
        Assert.Equal(("rtx-4090", GpuVendor.Nvidia, "cuda", (double?)1008), (gpu.SpecId, gpu.Vendor, gpu.Backend, gpu.BandwidthGBps));
        Assert.Equal((24 * GiB, 24 * GiB), (gpu.TotalBytes, gpu.FreeBytes));
        Assert.Equal(32 * GiB, machine.Ram.TotalBytes);
        Assert.Equal(28.8, GiBOf(machine.Ram.AvailableBytes), 3);
        Assert.Equal(8, machine.Cpu.Cores);
        Assert.Equal(40, machine.RamBandwidthGBps);
        Assert.True(machine.RamBandwidthAssumed);
        Assert.Contains(machine.Assumptions, a => a.StartsWith("32 GiB of RAM is assumed", StringComparison.Ordinal));
        Assert.Contains(machine.Assumptions, a => a.StartsWith("8 CPU cores are assumed", StringComparison.Ordinal));
        Assert.Empty(machine.Warnings);
    }

    [Theory]
    [InlineData("2x RTX 3090")]
    [InlineData("2xRTX 3090")]
    [InlineData("2x\"RTX 3090\"")]
    [InlineData("\"2x RTX 3090\"")]
    [InlineData("2 x rtx-3090")]
    [InlineData("2x-rtx-3090")]
    [InlineData("2X GeForce RTX 3090")]
    public void Two_RTX_3090_in_every_spelling(string text)
    {
        var machine = Build(new MachineOptions { Gpus = [text] });

        Assert.Equal(2, machine.Gpus.Count);
        Assert.Equal([0, 1], machine.Gpus.Select(g => g.Index));
        Assert.All(machine.Gpus, g => Assert.Equal(("rtx-3090", 24 * GiB), (g.SpecId, g.TotalBytes)));
        Assert.Equal(64 * GiB, machine.Ram.TotalBytes);
        Assert.Equal(16, machine.Cpu.Cores);
        Assert.Equal("2x GeForce RTX 3090 + 64 GiB RAM", machine.Name);
        Assert.DoesNotContain("\"", machine.Source, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("rtx-4090", "rtx-4090")]
    [InlineData("rtx4090", "rtx-4090")]
    [InlineData("NVIDIA GeForce RTX 4090", "rtx-4090")]
    [InlineData("H100", "h100-sxm")]
    [InlineData("7900 XTX", "rx-7900-xtx")]
    [InlineData("a6000", "rtx-a6000")]
    public void GPU_names_and_ids_resolve(string text, string id) =>
        Assert.Equal(id, Assert.Single(Build(new MachineOptions { Gpus = [text] }).Gpus).SpecId);

    [Fact]
    public void Several_gpu_options_add_up()
    {
        var machine = Build(new MachineOptions { Gpus = ["RTX 4090", "RTX 3090"] });

        Assert.Equal(["rtx-4090", "rtx-3090"], machine.Gpus.Select(g => g.SpecId));
        Assert.Equal([0, 1], machine.Gpus.Select(g => g.Index));
        Assert.Equal(64 * GiB, machine.Ram.TotalBytes);
    }

    [Fact]
    public void Datacenter_GPUs_get_256_GiB_per_four()
    {
        var eight = Build(new MachineOptions { Gpus = ["8x H100"] });
        var one = Build(new MachineOptions { Gpus = ["H200"] });

        Assert.Equal(8, eight.Gpus.Count);
        Assert.Equal(512 * GiB, eight.Ram.TotalBytes);
        Assert.Equal(256 * GiB, one.Ram.TotalBytes);
        Assert.Contains(eight.Assumptions, a => a.Contains("256 GiB per four datacenter GPUs", StringComparison.Ordinal));
    }

    [Fact]
    public void Given_RAM_replaces_the_default_and_its_note()
    {
        var machine = Build(new MachineOptions { Gpus = ["RTX 4090"], RamGiB = 128 });

        Assert.Equal(128 * GiB, machine.Ram.TotalBytes);
        Assert.Equal(128 * 0.9, GiBOf(machine.Ram.AvailableBytes), 3);
        Assert.DoesNotContain(machine.Assumptions, a => a.Contains("of RAM is assumed", StringComparison.Ordinal));
        Assert.Equal("--gpu RTX 4090 --ram 128", machine.Source);
    }

    [Fact]
    public void Small_RAM_keeps_at_least_the_minimum_reserve()
    {
        var machine = Build(new MachineOptions { RamGiB = 4 });

        Assert.Equal(3 * GiB, machine.Ram.AvailableBytes);
        Assert.Equal("CPU-only machine with 4 GiB RAM", machine.Name);
        Assert.Empty(machine.Gpus);
    }

    [Fact]
    public void Vram_alone_is_one_generic_GPU_with_a_median_bandwidth()
    {
        var machine = Build(new MachineOptions { VramGiB = 24 });

        var gpu = Assert.Single(machine.Gpus);
        Assert.Equal(24 * GiB, gpu.TotalBytes);
        Assert.Null(gpu.SpecId);
        Assert.Equal(GpuVendor.Other, gpu.Vendor);
        // Consumer cards within 25% of 24 GiB: 800, 936, 960, 1008, 1008 GB/s.
        Assert.Equal(960, gpu.BandwidthGBps);
        Assert.Contains(machine.Assumptions, a => a.Contains("median", StringComparison.Ordinal) && a.Contains("rtx-3090", StringComparison.Ordinal));
        Assert.Equal(32 * GiB, machine.Ram.TotalBytes);
        Assert.Equal("--vram 24", machine.Source);
    }

    [Fact]
    public void Vram_with_a_GPU_overrides_its_size()
    {
        var machine = Build(new MachineOptions { Gpus = ["2x RTX 3090"], VramGiB = 48 });

        Assert.All(machine.Gpus, g => Assert.Equal((48 * GiB, (double?)936), (g.TotalBytes, g.BandwidthGBps)));
        Assert.Contains(machine.Assumptions, a => a.Contains("48 GiB of VRAM", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("m3-16", "m3", 16)]
    [InlineData("m3-max-64", "m3-max", 64)]
    [InlineData("M2 Ultra 192", "m2-ultra", 192)]
    [InlineData("apple-m4-pro-48gb", "m4-pro", 48)]
    [InlineData("Apple M1 Max 32GB", "m1-max", 32)]
    public void Apple_chips_with_memory(string text, string chip, double memory)
    {
        var machine = Build(new MachineOptions { Apple = text });

        Assert.Equal(memory * GiB, machine.Ram.TotalBytes);
        var gpu = Assert.Single(machine.Gpus);
        Assert.Equal((chip, GpuVendor.Apple, "metal", true), (gpu.SpecId, gpu.Vendor, gpu.Backend, gpu.UnifiedMemory));
        Assert.Equal(MetalWorkingSet.UsableBytes(Catalog.Embedded.Document.AppleGpuWorkingSet, (long)(memory * GiB)), gpu.TotalBytes);
        Assert.Equal(Catalog.Embedded.FindAppleChip(chip)!.BandwidthGBps, machine.RamBandwidthGBps);
        Assert.False(machine.RamBandwidthAssumed);
        Assert.Equal("arm64", machine.Cpu.Architecture);
    }

    [Fact]
    public void Apple_M3_16_matches_the_catalog_reading()
    {
        var machine = Build(new MachineOptions { Apple = "m3-16" });

        var gpu = Assert.Single(machine.Gpus);
        Assert.Equal(11.84, GiBOf(gpu.TotalBytes), 6);
        Assert.Equal(gpu.TotalBytes, gpu.FreeBytes);
        Assert.Equal((double?)100, gpu.BandwidthGBps);
        Assert.Equal(16 * GiB, machine.Ram.TotalBytes);
        Assert.Equal(14.4, GiBOf(machine.Ram.AvailableBytes), 3);
        Assert.Equal("--apple m3-16", machine.Source);
        Assert.Equal("Apple M3 with 16 GiB unified memory", machine.Name);
        Assert.Contains(machine.Assumptions, a => a.Contains("11.84 GiB", StringComparison.Ordinal));
    }

    [Fact]
    public void Apple_chip_without_memory_takes_the_smallest_option_and_says_so()
    {
        var machine = Build(new MachineOptions { Apple = "m3-max" });

        Assert.Equal(36 * GiB, machine.Ram.TotalBytes);
        Assert.Contains(machine.Assumptions, a => a.Contains("smallest memory option", StringComparison.Ordinal));
    }

    [Fact]
    public void Apple_chip_without_memory_takes_ram_when_given()
    {
        var machine = Build(new MachineOptions { Apple = "m3-max", RamGiB = 128 });

        Assert.Equal(128 * GiB, machine.Ram.TotalBytes);
        Assert.Equal(107.52, GiBOf(Assert.Single(machine.Gpus).TotalBytes), 6);
    }

    [Fact]
    public void Cpu_only_alone_is_the_probed_machine_without_its_GPUs()
    {
        var probed = new HardwareProbe(
            new FakeCommandRunner().With("nvidia-smi", TestFiles.H200("nvidia-smi-query.csv")),
            new FakeSystemFiles().With("/proc/cpuinfo", TestFiles.H200("proc-cpuinfo.txt")).With("/proc/meminfo", TestFiles.H200("proc-meminfo.txt")),
            OsPlatformKind.Linux,
            Catalog.Embedded).Probe();

        var machine = Build(new MachineOptions { CpuOnly = true }, probed);

        Assert.Single(probed.Gpus);
        Assert.Empty(machine.Gpus);
        Assert.True(machine.Simulated);
        Assert.Equal("--cpu-only", machine.Source);
        Assert.Equal("this machine without its GPUs", machine.Name);
        Assert.Equal(probed.Ram, machine.Ram);
        Assert.Equal(probed.Cpu, machine.Cpu);
        Assert.Equal(probed.RamBandwidthGBps, machine.RamBandwidthGBps);
    }

    [Fact]
    public void Cpu_only_without_a_probed_machine_is_an_error()
    {
        var e = Assert.Throws<ArgumentException>(() => Build(new MachineOptions { CpuOnly = true }));
        Assert.Contains("probed", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Cpu_only_drops_the_GPUs_of_a_described_machine()
    {
        var machine = Build(new MachineOptions { Gpus = ["RTX 4090"], CpuOnly = true });

        Assert.Empty(machine.Gpus);
        Assert.Equal(32 * GiB, machine.Ram.TotalBytes);
        Assert.Equal("--gpu RTX 4090 --cpu-only", machine.Source);
    }

    [Fact]
    public void Apple_cpu_only_keeps_the_chip_bandwidth()
    {
        var machine = Build(new MachineOptions { Apple = "m3-16", CpuOnly = true });

        Assert.Empty(machine.Gpus);
        Assert.Equal(100, machine.RamBandwidthGBps);
        Assert.Equal(16 * GiB, machine.Ram.TotalBytes);
    }

    [Theory]
    [InlineData("pi5-8gb", 8, 7.2, 4, 17)]
    [InlineData("phone-8gb", 8, 4.5, 8, 51)]
    [InlineData("edge-4gb", 4, 3.4, 4, 17)]
    [InlineData("cpu-32gb", 32, 28.8, 8, 51)]
    public void CPU_profiles(string id, double ram, double usable, int cores, double bandwidth)
    {
        var machine = Build(new MachineOptions { Profile = id });

        Assert.Empty(machine.Gpus);
        Assert.Equal(ram * GiB, machine.Ram.TotalBytes);
        Assert.Equal(usable, GiBOf(machine.Ram.AvailableBytes), 3);
        Assert.Equal(cores, machine.Cpu.Cores);
        Assert.Equal((bandwidth, false), (machine.RamBandwidthGBps, machine.RamBandwidthAssumed));
        Assert.Equal($"profile {id}", machine.Source);
        Assert.Equal(Catalog.Embedded.Profile(id)!.Name, machine.Name);
        Assert.True(machine.Simulated);
    }

    [Fact]
    public void Phone_profile_says_where_its_usable_RAM_comes_from()
    {
        var machine = Build(new MachineOptions { Profile = "phone-8gb" });

        Assert.Contains(machine.Assumptions, a => a.Contains("4.5 of 8 GiB", StringComparison.Ordinal) && a.Contains("phone-8gb", StringComparison.Ordinal));
    }

    [Fact]
    public void GPU_profiles()
    {
        var h100 = Build(new MachineOptions { Profile = "8x-h100" });
        var rtx = Build(new MachineOptions { Profile = "RTX-4090" });

        Assert.Equal(8, h100.Gpus.Count);
        Assert.All(h100.Gpus, g => Assert.Equal("h100-sxm", g.SpecId));
        Assert.Equal(2048 * GiB, h100.Ram.TotalBytes);
        Assert.Equal(112, h100.Cpu.Cores);
        Assert.Equal("rtx-4090", Assert.Single(rtx.Gpus).SpecId);
        Assert.Equal(64 * GiB, rtx.Ram.TotalBytes);
        Assert.Equal(57.6, GiBOf(rtx.Ram.AvailableBytes), 3);
        Assert.Equal(83, rtx.RamBandwidthGBps);
    }

    [Fact]
    public void Apple_profile()
    {
        var machine = Build(new MachineOptions { Profile = "apple-m3-16" });

        var gpu = Assert.Single(machine.Gpus);
        Assert.Equal(("m3", true), (gpu.SpecId, gpu.UnifiedMemory));
        Assert.Equal(11.84, GiBOf(gpu.TotalBytes), 6);
        Assert.Equal(8, machine.Cpu.Cores);
    }

    [Fact]
    public void Profile_with_overrides()
    {
        var machine = Build(new MachineOptions { Profile = "2x-rtx-3090", RamGiB = 128, CpuCores = 4, CpuOnly = true });

        Assert.Empty(machine.Gpus);
        Assert.Equal(128 * GiB, machine.Ram.TotalBytes);
        Assert.Equal(4, machine.Cpu.Cores);
        Assert.Equal(51, machine.RamBandwidthGBps);
        Assert.EndsWith(", CPU only", machine.Name, StringComparison.Ordinal);
        Assert.Equal("profile 2x-rtx-3090 --ram 128 --cpu-cores 4 --cpu-only", machine.Source);
    }

    [Fact]
    public void Cores_and_bandwidth_options()
    {
        var fewCores = Build(new MachineOptions { Gpus = ["RTX 4090"], CpuCores = 2 });
        var given = Build(new MachineOptions { Gpus = ["RTX 4090"], RamBandwidthGBps = 90 });

        Assert.Equal((16, true), (fewCores.RamBandwidthGBps, fewCores.RamBandwidthAssumed));
        Assert.DoesNotContain(fewCores.Assumptions, a => a.Contains("CPU cores are assumed", StringComparison.Ordinal));
        Assert.Equal((90, false), (given.RamBandwidthGBps, given.RamBandwidthAssumed));
        Assert.DoesNotContain(given.Assumptions, a => a.StartsWith("RAM bandwidth", StringComparison.Ordinal));
    }

    [Fact]
    public void Unknown_GPU_suggests_close_names()
    {
        var e = Assert.Throws<UnknownHardwareException>(() => Build(new MachineOptions { Gpus = ["RTX 4091"] }));

        Assert.Contains("unknown GPU 'RTX 4091'", e.Message, StringComparison.Ordinal);
        Assert.Contains("rtx-4090", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Unknown_counted_GPU_suggests_for_the_name_part()
    {
        var e = Assert.Throws<UnknownHardwareException>(() => Build(new MachineOptions { Gpus = ["2x RTX 3909"] }));

        Assert.Contains("'RTX 3909'", e.Message, StringComparison.Ordinal);
        Assert.Contains("rtx-3090", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Partial_GPU_name_suggests_the_cards_that_contain_it()
    {
        var e = Assert.Throws<UnknownHardwareException>(() => Build(new MachineOptions { Gpus = ["4090"] }));

        Assert.Contains("rtx-4090", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Unknown_profile_suggests_close_ids()
    {
        var e = Assert.Throws<UnknownHardwareException>(() => Build(new MachineOptions { Profile = "pi5-16gb" }));

        Assert.Contains("unknown profile 'pi5-16gb'", e.Message, StringComparison.Ordinal);
        Assert.Contains("pi5-8gb", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Unknown_Apple_chip_suggests_close_ids()
    {
        var e = Assert.Throws<UnknownHardwareException>(() => Build(new MachineOptions { Apple = "m3-maxx-64" }));

        Assert.Contains("unknown Apple chip 'm3-maxx'", e.Message, StringComparison.Ordinal);
        Assert.Contains("m3-max", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Nothing_matching_lists_some_known_names()
    {
        var e = Assert.Throws<UnknownHardwareException>(() => Build(new MachineOptions { Gpus = ["Voodoo Banshee"] }));

        Assert.Contains("the catalog has", e.Message, StringComparison.Ordinal);
    }

    public static TheoryData<MachineOptions> Contradictions => new()
    {
        new MachineOptions(),
        new MachineOptions { Apple = "m3-16", Gpus = ["RTX 4090"] },
        new MachineOptions { Apple = "m3-16", RamGiB = 32 },
        new MachineOptions { Apple = "m3-16", Profile = "rtx-4090" },
        new MachineOptions { Profile = "apple-m3-16", Gpus = ["RTX 4090"] },
        new MachineOptions { Profile = "pi5-8gb", VramGiB = 8 },
        new MachineOptions { Gpus = ["RTX 4090"], RamGiB = 0 },
        new MachineOptions { VramGiB = -1 },
        new MachineOptions { VramGiB = double.NaN },
        new MachineOptions { Gpus = ["RTX 4090"], CpuCores = 0 },
        new MachineOptions { Gpus = ["  "] },
        new MachineOptions { Gpus = ["\"\""] },
    };

    [Theory]
    [MemberData(nameof(Contradictions))]
    public void Bad_or_contradicting_options_are_argument_errors(MachineOptions options) =>
        Assert.ThrowsAny<ArgumentException>(() => Build(options));

    [Fact]
    public void Ram_alone_with_a_probed_machine_adjusts_it()
    {
        var probed = new Machine { Name = "this machine", Ram = new MemoryInfo(16 * GiB, 8 * GiB), Cpu = new CpuInfo { Cores = 6, Threads = 12 }, RamBandwidthGBps = 40, RamBandwidthAssumed = true };

        var machine = Build(new MachineOptions { RamGiB = 64 }, probed);

        Assert.Equal(64 * GiB, machine.Ram.TotalBytes);
        Assert.Equal(6, machine.Cpu.Cores);
        Assert.Equal("this machine (adjusted)", machine.Name);
    }
}
