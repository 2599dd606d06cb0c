using ModelScout.Core.Fit;
using ModelScout.Core.Memory;
using ModelScout.Core.Recommend;

namespace ModelScout.Core.Tests;

public class RecommenderTests
{
    private static readonly Catalog.Catalog Catalog = ModelScout.Core.Catalog.Catalog.Embedded;
    private readonly Recommender recommender = new(Catalog);

    private Recommendation Run(string useCase, Machines.Machine? machine = null, LicenseMode license = LicenseMode.Commercial, long? mau = null, long? ctx = null)
    {
        var u = Catalog.FindUseCase(useCase)!;
        return recommender.Recommend(new RecommendOptions(u, machine ?? TestMachines.Profile(u.AssumedProfile), ctx ?? u.Context, KvSettings.Default, license, mau));
    }

    public static TheoryData<string> UseCases() => new(Catalog.Document.UseCases.Select(u => u.Id));

    [Theory]
    [MemberData(nameof(UseCases))]
    public void Under_the_guides_assumptions_the_top_pick_is_the_guides_pick(string useCase)
    {
        var r = Run(useCase);
        Assert.Equal(r.UseCase.Guide.Pick.Model, r.Ranked[0].Model.Id);
        if (r.UseCase.Guide.Pick.Quant is { } q) Assert.Equal(q, r.Ranked[0].Fit.Level.Id);
        Assert.StartsWith("Agrees", r.GuidePickNote, StringComparison.Ordinal);
    }

    [Fact]
    public void Research_only_Mistral_Large_is_excluded_for_commercial_use_with_the_reason()
    {
        var r = Run("multilingual");
        var e = r.Excluded.Single(x => x.Model.Id == "mistral-large-2-123b");
        Assert.Contains("research-only licence", e.Reason, StringComparison.Ordinal);
        var any = Run("multilingual", license: LicenseMode.Any);
        Assert.Contains(any.Ranked, c => c.Model.Id == "mistral-large-2-123b" || any.Excluded.Any(x => x.Model.Id == "mistral-large-2-123b" && x.Reason.StartsWith("does not fit", StringComparison.Ordinal)));
    }

    [Fact]
    public void Above_Qwens_user_threshold_multilingual_moves_to_the_next_honest_answer()
    {
        var r = Run("multilingual", mau: 150_000_000);
        Assert.NotEqual("qwen2.5-72b", r.Ranked[0].Model.Id);
        Assert.Contains(r.Excluded, e => e.Model.Id == "qwen2.5-72b" && e.Reason.Contains("user-count", StringComparison.Ordinal));
        Assert.StartsWith("The guide picks", r.GuidePickNote, StringComparison.Ordinal);
    }

    [Fact]
    public void Eu_apache_excludes_models_the_guide_wrongly_lists_as_Apache()
    {
        var r = Run("eu-apache");
        Assert.Contains(r.Excluded, e => e.Model.Id == "qwen2.5-72b" && e.Reason.Contains("the guide says Apache 2.0", StringComparison.Ordinal));
        Assert.Contains(r.Excluded, e => e.Model.Id == "gemma2-9b" && e.Reason.Contains("Gemma", StringComparison.Ordinal));
        Assert.All(r.Ranked, c => Assert.Equal("apache-2.0", c.License.License.Id));
    }

    [Fact]
    public void Enterprise_pick_uses_the_MIT_checkpoint_of_DeepSeek()
    {
        var top = Run("enterprise").Ranked[0];
        Assert.Equal("DeepSeek-V3-0324", top.License.Checkpoint);
        Assert.Contains(top.Reasons, x => x.Contains("DeepSeek-V3-0324", StringComparison.Ordinal));
    }

    [Fact]
    public void Without_a_GPU_the_coding_pick_runs_on_the_CPU_and_still_fits()
    {
        var r = Run("coding", TestMachines.CpuOnly(16, 14));
        Assert.NotEmpty(r.Ranked);
        Assert.All(r.Ranked, c => Assert.Equal(FitKind.CpuOnly, c.Fit.Kind));
        Assert.All(r.Ranked, c => Assert.True(c.Fit.Memory.Total <= 14L << 30));
    }

    [Fact]
    public void A_bigger_GPU_moves_coding_to_the_32B_coder()
    {
        var r = Run("coding", TestMachines.WithGpus("rtx-4090", 1, 64));
        Assert.Equal("qwen2.5-coder-32b", r.Ranked[0].Model.Id);
        Assert.Equal(FitKind.FullGpu, r.Ranked[0].Fit.Kind);
    }

    [Fact]
    public void Long_docs_excludes_models_that_ship_with_short_windows_and_says_why()
    {
        var r = Run("long-docs");
        Assert.Contains(r.Excluded, e => e.Model.Id == "qwen2.5-72b" && e.Reason.Contains("32K", StringComparison.Ordinal));
        Assert.Contains(r.Excluded, e => e.Model.Id == "phi-4-14b" && e.Reason.Contains("16K", StringComparison.Ordinal));
    }

    [Fact]
    public void Wide_gap_use_cases_point_to_scout_eval()
    {
        Assert.Contains("scout eval", Run("stem").GapAdvice, StringComparison.Ordinal);
        Assert.StartsWith("The open/hosted gap is narrow", Run("coding").GapAdvice, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_rank_carries_its_reasons_and_score_parts()
    {
        foreach (var c in Run("general").Ranked)
        {
            Assert.NotEmpty(c.Reasons);
            var s = c.Score;
            Assert.Equal(s.Total, s.Metric * (1 - s.QuantLossPct / 100) + s.Endorsement + s.License + s.Speed - s.Penalty, 6);
        }
    }

    [Fact]
    public void Quantization_loss_without_a_guide_figure_is_interpolated_between_neighbours()
    {
        var q5 = recommender.QuantLoss(Catalog.Quantization("Q5_K_M")!);
        Assert.InRange(q5, Catalog.Quantization("Q6_K")!.QualityLoss!.Mid, Catalog.Quantization("Q4_K_M")!.QualityLoss!.Mid);
    }
}
