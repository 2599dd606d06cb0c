using System.Text.Json;

namespace ModelScout.Cli.Tests;

public class BandwidthTests
{
    private static JsonElement Ram(CliRun run) => JsonDocument.Parse(run.Stdout).RootElement.GetProperty("machine").GetProperty("ram");

    [Fact]
    public void Fit_says_the_bandwidth_is_assumed_until_it_is_measured()
    {
        var ram = Ram(Scout.Run("fit", "--json", "--model", "llama3.1:8b"));
        var text = Scout.Run("fit", "--model", "llama3.1:8b").Stdout;

        Assert.Equal("known", ram.GetProperty("bandwidthBasis").GetString());
        Assert.Equal("assumed", Ram(Scout.Run("fit", "--json", "--model", "llama3.1:8b", "--gpu", "RTX 4090")).GetProperty("bandwidthBasis").GetString());
        Assert.DoesNotContain("(measured)", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Measure_bandwidth_uses_the_measured_figure_and_says_so()
    {
        var run = Scout.Run("fit", "--json", "--measure-bandwidth", "--model", "llama3.1:8b");
        var text = Scout.Run("fit", "--measure-bandwidth", "--model", "llama3.1:8b", "--cpu-only");

        var ram = Ram(run);
        Assert.Equal(0, run.ExitCode);
        Assert.Equal(FixedMachineSource.Measured.GBps, ram.GetProperty("bandwidthGBps").GetDouble());
        Assert.Equal("measured", ram.GetProperty("bandwidthBasis").GetString());
        Assert.False(ram.GetProperty("bandwidthAssumed").GetBoolean());
        Assert.Contains("RAM bandwidth measured: 23.4 GB/s", run.Stderr, StringComparison.Ordinal);
        Assert.Contains("RAM ~23 GB/s (measured)", text.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void The_cpu_speed_estimate_follows_the_measured_bandwidth()
    {
        static double Fastest(CliRun run) => JsonDocument.Parse(run.Stdout).RootElement.GetProperty("models")[0].GetProperty("best").GetProperty("speed").GetProperty("high").GetDouble();

        var assumed = Fastest(Scout.Run("fit", "--json", "--cpu-only", "--model", "llama3.1:8b"));
        var measured = Fastest(Scout.Run("fit", "--json", "--cpu-only", "--measure-bandwidth", "--model", "llama3.1:8b"));

        // The fixed machine's RAM streams 51 GB/s; the measurement says 23.4: CPU decoding is bandwidth-bound.
        Assert.Equal(23.4 / 51, measured / assumed, 2);
    }
}
