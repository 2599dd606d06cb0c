using ModelScout.Core.Fit;

namespace ModelScout.Core.Tests;

public class GuideMinimumsTests
{
    private static readonly Catalog.Catalog Catalog = ModelScout.Core.Catalog.Catalog.Embedded;
    private readonly FitPlanner planner = new(Catalog);

    private IReadOnlyList<GuideClaimCheck> Checks(string id) => GuideMinimums.Check(Catalog, planner, Catalog.ModelById(id)!);

    [Fact]
    public void Llama_8B_fits_the_guide_6GB_GPU_and_8GB_RAM_claims_at_a_practical_context()
    {
        var checks = Checks("llama3.1-8b");
        Assert.All(checks, c => Assert.Equal(ClaimVerdict.Consistent, c.Verdict));
        Assert.Equal(2, checks.Count);
    }

    [Fact]
    public void Qwen_coder_32B_fits_one_24GB_GPU()
    {
        var vram = Checks("qwen2.5-coder-32b").Single(c => c.Memory == "VRAM");
        Assert.Equal(ClaimVerdict.Consistent, vram.Verdict);
        Assert.True(vram.MaxContext >= 16384, $"max context {vram.MaxContext}");
    }

    [Fact]
    public void The_40GB_RAM_claim_for_70B_is_flagged_optimistic()
    {
        var ram = Checks("llama3.1-70b").Single(c => c.Memory == "RAM");
        Assert.Equal(ClaimVerdict.Optimistic, ram.Verdict);
        Assert.StartsWith("optimistic", ram.Text, StringComparison.Ordinal);
    }

    [Fact]
    public void Phi_4_mini_claims_are_checked_and_explained()
    {
        var checks = Checks("phi-4-mini-3.8b");
        Assert.Equal(2, checks.Count);
        Assert.All(checks, c => Assert.False(string.IsNullOrWhiteSpace(c.Text)));
    }
}
