namespace ModelScout.Hardware.Tests;

public class NvidiaSmiParserTests
{
    [Fact]
    public void Reads_the_recorded_H200_headered_query_with_units()
    {
        var reading = NvidiaSmiParser.Parse(TestFiles.H200("nvidia-smi-query.csv"));

        Assert.Empty(reading.Warnings);
        var gpu = Assert.Single(reading.Gpus);
        Assert.Equal(0, gpu.Index);
        Assert.Equal("NVIDIA H200", gpu.Name);
        Assert.Equal(143771, gpu.TotalMiB);
        Assert.Equal(143156, gpu.FreeMiB);
        Assert.Equal("580.159.04", gpu.DriverVersion);
        Assert.Equal("9.0", gpu.ComputeCapability);
    }

    [Fact]
    public void Reads_the_recorded_H200_short_noheader_form()
    {
        var reading = NvidiaSmiParser.Parse(TestFiles.H200("nvidia-smi-query-noheader.csv"));

        Assert.Empty(reading.Warnings);
        var gpu = Assert.Single(reading.Gpus);
        Assert.Equal(("NVIDIA H200", 143771L, 143156L), (gpu.Name, gpu.TotalMiB!.Value, gpu.FreeMiB!.Value));
        Assert.Null(gpu.DriverVersion);
        Assert.Null(gpu.ComputeCapability);
    }

    [Fact]
    public void Reads_one_RTX_4090()
    {
        var reading = NvidiaSmiParser.Parse(TestFiles.Sample("rtx-4090.handwritten.nvidia-smi.csv"));

        Assert.Empty(reading.Warnings);
        Assert.Equal(new NvidiaGpuReading(0, "NVIDIA GeForce RTX 4090", 24564, 23975, "550.54.14", "8.9"), Assert.Single(reading.Gpus));
    }

    [Fact]
    public void Reads_two_RTX_3090()
    {
        var reading = NvidiaSmiParser.Parse(TestFiles.Sample("2x-rtx-3090.handwritten.nvidia-smi.csv"));

        Assert.Empty(reading.Warnings);
        Assert.Equal([0, 1], reading.Gpus.Select(g => g.Index));
        Assert.All(reading.Gpus, g => Assert.Equal(("NVIDIA GeForce RTX 3090", 24576L), (g.Name, g.TotalMiB!.Value)));
        Assert.Equal(24259, reading.Gpus[1].FreeMiB);
    }

    [Fact]
    public void Reads_eight_H100()
    {
        var reading = NvidiaSmiParser.Parse(TestFiles.Sample("8x-h100.handwritten.nvidia-smi.csv"));

        Assert.Empty(reading.Warnings);
        Assert.Equal(Enumerable.Range(0, 8), reading.Gpus.Select(g => g.Index));
        Assert.All(reading.Gpus, g => Assert.Equal(("NVIDIA H100 80GB HBM3", 81559L), (g.Name, g.TotalMiB!.Value)));
    }

    [Fact]
    public void Driver_error_message_is_a_warning_not_a_GPU()
    {
        var reading = NvidiaSmiParser.Parse(TestFiles.Sample("garbage.nvidia-smi.txt"));

        Assert.Empty(reading.Gpus);
        Assert.Contains(reading.Warnings, w => w.Contains("couldn't communicate with the NVIDIA driver", StringComparison.Ordinal));
    }

    [Fact]
    public void Truncated_row_is_a_warning_not_a_GPU()
    {
        var reading = NvidiaSmiParser.Parse(TestFiles.Sample("truncated.nvidia-smi.csv"));

        Assert.Empty(reading.Gpus);
        Assert.Contains(reading.Warnings, w => w.Contains("line 1", StringComparison.Ordinal));
    }

    [Fact]
    public void Rows_before_a_cut_off_row_are_kept()
    {
        var reading = NvidiaSmiParser.Parse("0, NVIDIA GeForce RTX 3090, 24576, 24161, 550.54.14, 8.6\n1, NVIDIA GeForce RTX 30");

        Assert.Equal("NVIDIA GeForce RTX 3090", Assert.Single(reading.Gpus).Name);
        Assert.Contains(reading.Warnings, w => w.Contains("line 2", StringComparison.Ordinal));
    }

    [Fact]
    public void Unavailable_values_blank_lines_and_extra_spaces_are_tolerated()
    {
        var text = "\n\n   0 ,  NVIDIA GH200 480GB ,  [N/A] , [Not Supported] ,  550.54.14 ,  [N/A]  \r\n\n";

        var reading = NvidiaSmiParser.Parse(text);

        Assert.Empty(reading.Warnings);
        Assert.Equal(new NvidiaGpuReading(0, "NVIDIA GH200 480GB", null, null, "550.54.14", null), Assert.Single(reading.Gpus));
    }

    [Fact]
    public void Headered_form_with_columns_in_another_order_is_read_by_name()
    {
        var text = "memory.free [MiB], name, memory.total [MiB], index\n1000 MiB, NVIDIA L4, 23034 MiB, 3\n";

        var gpu = Assert.Single(NvidiaSmiParser.Parse(text).Gpus);

        Assert.Equal(new NvidiaGpuReading(3, "NVIDIA L4", 23034, 1000, null, null), gpu);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   \n  ")]
    [InlineData(null)]
    public void Nothing_printed_is_a_warning(string? text)
    {
        var reading = NvidiaSmiParser.Parse(text);

        Assert.Empty(reading.Gpus);
        Assert.Single(reading.Warnings);
    }

    [Theory]
    [InlineData("0, NVIDIA GeForce RTX 4090, lots, 23975, 550.54.14, 8.9", "memory.total")]
    [InlineData("x, NVIDIA GeForce RTX 4090, 24564, 23975, 550.54.14, 8.9", "index")]
    [InlineData("0, , 24564, 23975, 550.54.14, 8.9", "name")]
    [InlineData("0, NVIDIA GeForce RTX 4090, 24564 furlongs, 23975, 550.54.14, 8.9", "memory.total")]
    public void Malformed_fields_are_warnings(string line, string mentioned)
    {
        var reading = NvidiaSmiParser.Parse(line);

        Assert.Empty(reading.Gpus);
        Assert.Contains(mentioned, Assert.Single(reading.Warnings), StringComparison.Ordinal);
    }

    [Fact]
    public void A_flood_of_garbage_gives_a_few_warnings_and_a_count()
    {
        var text = string.Join('\n', Enumerable.Repeat("something went wrong", 50));

        var reading = NvidiaSmiParser.Parse(text);

        Assert.Empty(reading.Gpus);
        Assert.Equal(4, reading.Warnings.Count);
        Assert.Contains("47 more", reading.Warnings[^1], StringComparison.Ordinal);
    }
}
