using ModelScout.Core.Cost;
using ModelScout.Core.Fit;
using ModelScout.Core.Machines;
using ModelScout.Core.Memory;

namespace ModelScout.Core.Tests;

/// <summary>scout cost: one machine named one way throughout, and a break-even statement that agrees with the machine count.</summary>
public class CostEstimatorTests
{
    private static readonly Catalog.Catalog Catalog = ModelScout.Core.Catalog.Catalog.Embedded;

    private static CostReport Compare(Machine machine, double tokensPerDay, double? gpuHour = null)
    {
        var model = Catalog.FindModel("deepseek-v3")!.Model;
        var fit = new FitPlanner(Catalog).Plan(model, machine, new FitOptions(8192, KvSettings.Default));
        Assert.True(fit.Fits, fit.Why);
        var name = $"{machine.Gpus.Count}x {machine.Gpus[0].Name}";
        return CostEstimator.Compare(Catalog, new CostQuery(tokensPerDay, 0.75, Catalog.Document.Cost.Api, fit.Best!, name, machine.Gpus.Count,
            machine.Gpus[0].SpecId, gpuHour, Catalog.Document.Cost.BatchingGain.Value));
    }

    [Fact]
    public void When_a_full_machine_costs_more_per_token_than_GPT_4o_there_is_no_break_even_volume()
    {
        var machine = TestMachines.WithGpus("h100-sxm", 8, 2048, 600);
        var report = Compare(machine, 10e6);
        var self = report.Lines.Single(l => l.Option.StartsWith("Self-hosted", StringComparison.Ordinal));
        Assert.Equal("Self-hosted Q4_K_M on 1 machine (8x H100 SXM 80GB)", self.Option);
        // Every GPU of the machine is priced: 8 x the catalog's hourly rate x 24 h.
        Assert.Equal(8 * Catalog.Document.Cost.GpuHourUsd["h100-sxm"] * 24, self.UsdPerDay, 6);
        Assert.Null(report.BreakEvenTokensPerDay);
        Assert.StartsWith("Self-hosting never breaks even with OpenAI gpt-4o API", report.BreakEven, StringComparison.Ordinal);
        Assert.DoesNotContain("(s)", string.Join(' ', report.Lines.Select(l => l.Option + l.Basis)), StringComparison.Ordinal);
        Assert.Contains(report.Notes, n => n.Contains("uses 6 of the 8 GPUs", StringComparison.Ordinal));
    }

    [Fact]
    public void A_reachable_break_even_is_stated_per_machine_with_the_machines_the_volume_needs()
    {
        var machine = TestMachines.WithGpus("h100-sxm", 6, 512, 100);
        var report = Compare(machine, 100e6, gpuHour: 1.5);
        Assert.Equal(2, report.MachinesNeeded);
        Assert.Equal("Self-hosted Q4_K_M on 2 machines (6x H100 SXM 80GB each)", report.Lines.Single(l => l.Option.StartsWith("Self-hosted", StringComparison.Ordinal)).Option);
        var gpt4o = report.Lines.Single(l => l.Option.Contains("gpt-4o", StringComparison.Ordinal));
        Assert.Equal(6 * 1.5 * 24 / gpt4o.UsdPerMillionTokens * 1e6, report.BreakEvenTokensPerDay!.Value, 3);
        Assert.True(report.BreakEvenTokensPerDay < report.CapacityTokensPerDay);
        Assert.Contains("at 100M tokens/day (2 machines) self-hosting is cheaper", report.BreakEven, StringComparison.Ordinal);
        Assert.DoesNotContain(report.Notes, n => n.Contains("GPUs of each machine", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(1, "1 machine")]
    [InlineData(3, "3 machines")]
    public void Counts_read_in_the_right_number(int n, string expected) => Assert.Equal(expected, CostEstimator.Count(n, "machine"));
}
