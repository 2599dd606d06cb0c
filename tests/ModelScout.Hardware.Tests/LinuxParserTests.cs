namespace ModelScout.Hardware.Tests;

public class LinuxParserTests
{
    [Fact]
    public void Reads_the_recorded_H200_meminfo()
    {
        var reading = ProcMeminfoParser.Parse(TestFiles.H200("proc-meminfo.txt"));

        Assert.Empty(reading.Warnings);
        Assert.Equal(131981020L * 1024, reading.TotalBytes);
        Assert.Equal(131462200L * 1024, reading.AvailableBytes);
        Assert.False(reading.AvailableEstimated);
    }

    [Fact]
    public void Reads_the_desktop_meminfo()
    {
        var reading = ProcMeminfoParser.Parse(TestFiles.Sample("cpu-only.handwritten.meminfo.txt"));

        Assert.Equal((32803308L * 1024, 28734512L * 1024), (reading.TotalBytes!.Value, reading.AvailableBytes!.Value));
    }

    [Fact]
    public void Old_kernels_without_MemAvailable_sum_free_buffers_and_cached()
    {
        var reading = ProcMeminfoParser.Parse("MemTotal: 1000 kB\nMemFree: 100 kB\nBuffers: 20 kB\nCached: 300 kB\n");

        Assert.Equal(420L * 1024, reading.AvailableBytes);
        Assert.True(reading.AvailableEstimated);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("this is not meminfo\n:::\nMemTotal: lots kB")]
    public void Meminfo_without_MemTotal_is_a_warning(string? text)
    {
        var reading = ProcMeminfoParser.Parse(text);

        Assert.Null(reading.TotalBytes);
        Assert.NotEmpty(reading.Warnings);
    }

    [Fact]
    public void Reads_the_recorded_H200_cpuinfo()
    {
        var reading = ProcCpuinfoParser.Parse(TestFiles.H200("proc-cpuinfo.txt"));

        Assert.Equal("Intel(R) Xeon(R) Processor", reading.Model);
        Assert.Equal(16, reading.LogicalProcessors);
        Assert.Equal(16, reading.PhysicalCores);
        Assert.Equal("x86_64", reading.Architecture);
        Assert.Equal(["avx", "avx2", "avx512f", "avx512_vnni", "avx512_bf16", "amx_tile", "fma", "f16c"], reading.Features);
    }

    [Fact]
    public void Reads_the_desktop_cpuinfo_with_SMT()
    {
        var reading = ProcCpuinfoParser.Parse(TestFiles.Sample("cpu-only.handwritten.cpuinfo.txt"));

        Assert.Equal("AMD Ryzen 7 5800X 8-Core Processor", reading.Model);
        Assert.Equal(16, reading.LogicalProcessors);
        Assert.Equal(8, reading.PhysicalCores);
        Assert.Equal(["avx", "avx2", "fma", "f16c"], reading.Features);
    }

    [Fact]
    public void Reads_a_Raspberry_Pi_5()
    {
        var block = "processor\t: {0}\nBogoMIPS\t: 108.00\nFeatures\t: fp asimd evtstrm aes pmull sha1 sha2 crc32 atomics fphp asimdhp cpuid asimdrdm lrcpc dcpop asimddp\n"
            + "CPU implementer\t: 0x41\nCPU architecture: 8\nCPU variant\t: 0x4\nCPU part\t: 0xd0b\nCPU revision\t: 1\n\n";
        var text = string.Concat(Enumerable.Range(0, 4).Select(i => string.Format(System.Globalization.CultureInfo.InvariantCulture, block, i)))
            + "Revision\t: d04170\nSerial\t\t: 5d3fb1d2a1b6c7e8\nModel\t\t: Raspberry Pi 5 Model B Rev 1.0\n";

        var reading = ProcCpuinfoParser.Parse(text);

        Assert.Equal("Raspberry Pi 5 Model B Rev 1.0", reading.Model);
        Assert.Equal((4, 4), (reading.LogicalProcessors, reading.PhysicalCores));
        Assert.Equal("arm64", reading.Architecture);
        Assert.Equal(["neon", "dotprod"], reading.Features);
    }

    [Fact]
    public void ARM_server_without_a_model_is_named_by_its_core()
    {
        var text = "processor\t: 0\nFeatures\t: fp asimd sve i8mm asimddp\nCPU implementer\t: 0x41\nCPU architecture: 8\nCPU part\t: 0xd4f\n";

        var reading = ProcCpuinfoParser.Parse(text);

        Assert.Equal("Arm Neoverse-V2", reading.Model);
        Assert.Equal(["neon", "sve", "dotprod", "i8mm"], reading.Features);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("garbage without colons")]
    public void Cpuinfo_without_processors_counts_zero(string? text)
    {
        var reading = ProcCpuinfoParser.Parse(text);

        Assert.Equal((0, 0), (reading.LogicalProcessors, reading.PhysicalCores));
        Assert.Null(reading.Model);
        Assert.Empty(reading.Features);
    }

    [Theory]
    [InlineData("max\n", null)]
    [InlineData("8589934592\n", 8589934592L)]
    [InlineData("9223372036854771712\n", null)]
    [InlineData("", null)]
    [InlineData(null, null)]
    [InlineData("lots", null)]
    public void Cgroup_memory_limit(string? text, long? expected) =>
        Assert.Equal(expected, CgroupParser.ParseMemoryLimit(text));

    [Theory]
    [InlineData("max 100000", null)]
    [InlineData("200000 100000", 2.0)]
    [InlineData("150000 100000\n", 1.5)]
    [InlineData("garbage", null)]
    public void Cgroup_cpu_max(string text, double? expected) =>
        Assert.Equal(expected, CgroupParser.ParseCpuMax(text));

    [Fact]
    public void Cgroup_v1_cfs_quota()
    {
        Assert.Equal(4.0, CgroupParser.ParseCfsQuota("400000\n", "100000\n"));
        Assert.Null(CgroupParser.ParseCfsQuota("-1\n", "100000\n"));
    }

    [Fact]
    public void Cgroup_membership_for_v1_and_v2()
    {
        var membership = CgroupParser.ParseMembership("12:cpu,cpuacct:/docker/abc\n4:memory:/docker/abc\n0::/system.slice/x.service\n");

        Assert.Equal(new CgroupMembership("/system.slice/x.service", "/docker/abc", "/docker/abc"), membership);
    }

    [Fact]
    public void Memory_stat_value() =>
        Assert.Equal(4096, CgroupParser.ParseStatValue("anon 1\ninactive_file 4096\nactive_file 2\n", "inactive_file"));

    [Theory]
    [InlineData("Name:\tdotnet\nCpus_allowed_list:\t0-3,8-11\n", 8)]
    [InlineData("Cpus_allowed_list:\t5\n", 1)]
    [InlineData("Cpus_allowed_list:\t0-1\n", 2)]
    [InlineData("Cpus_allowed_list:\tx-y\n", null)]
    [InlineData("Name:\tdotnet\n", null)]
    public void Allowed_cpu_list(string text, int? expected) =>
        Assert.Equal(expected, ProcStatusParser.AllowedCpuCount(text));
}
