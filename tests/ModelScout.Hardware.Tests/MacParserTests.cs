namespace ModelScout.Hardware.Tests;

public class MacParserTests
{
    [Fact]
    public void Reads_the_M3_sysctl_sample()
    {
        var reading = SysctlParser.Parse(TestFiles.Sample("apple-m3-16.handwritten.sysctl.txt"));

        Assert.Empty(reading.Warnings);
        Assert.Equal(17179869184, reading.MemSizeBytes);
        Assert.Equal((8, 8, 4), (reading.LogicalCpus!.Value, reading.PhysicalCpus!.Value, reading.PerformanceCores!.Value));
        Assert.Equal("Apple M3", reading.BrandString);
        Assert.Equal(0, reading.WiredLimitMiB);
        Assert.True(reading.IsAppleSilicon);
        Assert.Equal(["neon", "dotprod", "i8mm"], reading.Features);
    }

    [Fact]
    public void Intel_Mac_brand_string_with_colons_is_kept_whole()
    {
        var reading = SysctlParser.Parse("machdep.cpu.brand_string: Intel(R) Core(TM) i9-9880H CPU @ 2.30GHz\nhw.optional.avx2_0: 1\nhw.optional.avx1_0: 1\n");

        Assert.Equal("Intel(R) Core(TM) i9-9880H CPU @ 2.30GHz", reading.BrandString);
        Assert.False(reading.IsAppleSilicon);
        Assert.Equal(["avx", "avx2"], reading.Features);
        Assert.Null(reading.WiredLimitMiB);
    }

    [Fact]
    public void Sysctl_garbage_lines_are_warnings()
    {
        var reading = SysctlParser.Parse("hw.memsize: 17179869184\nsomething odd here\n");

        Assert.Equal(17179869184, reading.MemSizeBytes);
        Assert.Single(reading.Warnings);
    }

    [Fact]
    public void Reads_the_M3_vm_stat_sample()
    {
        var reading = VmStatParser.Parse(TestFiles.Sample("apple-m3-16.handwritten.vm_stat.txt"));

        Assert.Empty(reading.Warnings);
        Assert.Equal(16384, reading.PageSizeBytes);
        Assert.Equal((41522L, 297106L, 3125L), (reading.FreePages!.Value, reading.InactivePages!.Value, reading.SpeculativePages!.Value));
        Assert.Equal((41522L + 297106 + 3125) * 16384, reading.AvailableBytes);
    }

    [Theory]
    [InlineData("")]
    [InlineData("Pages free: 12.\n")]
    [InlineData("Mach Virtual Memory Statistics: (page size of 4096 bytes)\n")]
    public void Vm_stat_without_page_size_or_free_count_has_no_answer(string text)
    {
        var reading = VmStatParser.Parse(text);

        Assert.Null(reading.AvailableBytes);
        Assert.NotEmpty(reading.Warnings);
    }
}
