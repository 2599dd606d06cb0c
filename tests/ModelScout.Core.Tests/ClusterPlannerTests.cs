using ModelScout.Core.Cost;
using ModelScout.Core.Serving;

namespace ModelScout.Core.Tests;

/// <summary>The layout chooser: vLLM's layout rules, rejected alternatives with reasons, capacity, cost and the smallest change.</summary>
public class ClusterPlannerTests
{
    private static readonly Catalog.Catalog Catalog = ModelScout.Core.Catalog.Catalog.Embedded;

    [Fact]
    public void DeepSeek_V3_on_two_nodes_of_8_H100_is_TP_8_x_PP_2_with_expert_parallel_at_its_native_FP8()
    {
        var plan = ServingArtefactTests.PlanFor("deepseek-v3", "h100-sxm", 8, 2);
        var l = plan.Chosen!.Layout;
        Assert.Equal((PlanPrecision.Fp8, 8, 2, 1, true, false), (l.Precision, l.TensorParallel, l.PipelineParallel, l.Replicas, l.ExpertParallel, l.QuantizeOnLoad));
        Assert.Contains(plan.Reasons, r => r.Contains("TP = GPUs per node, PP = nodes", StringComparison.Ordinal));
        Assert.Contains(plan.Rejected, o => o.Layout.TensorParallel == 8 && o.Layout.PipelineParallel == 1 && !o.Fits);
    }

    [Fact]
    public void When_nothing_fits_the_plan_says_so_with_the_smallest_change()
    {
        var plan = ServingArtefactTests.PlanFor("deepseek-v3", "h100-sxm", 8, 1);
        Assert.False(plan.Fits);
        Assert.Contains("DeepSeek-V3 (671B MoE) FP8 needs 2x8xH100 SXM 80GB or 8xH200 141GB", plan.NothingFits, StringComparison.Ordinal);
        Assert.All(plan.Rejected, o => Assert.False(o.Fits));
    }

    [Fact]
    public void On_L40S_without_NVLink_TP_4_is_weighed_against_TP_2_x_PP_2_and_the_loser_says_why()
    {
        var plan = ServingArtefactTests.PlanFor("llama3.1-70b", "l40s", 4, 1);
        Assert.Equal((4, 1), (plan.Chosen!.Layout.TensorParallel, plan.Chosen.Layout.PipelineParallel));
        Assert.Contains(plan.Reasons, r => r.Contains("PCIe: no NVLink on L40S", StringComparison.Ordinal));
        var pp = plan.Rejected.Single(o => o.Layout is { Precision: PlanPrecision.Bf16, TensorParallel: 2, PipelineParallel: 2 });
        Assert.True(pp.Fits);
        Assert.Contains("pipeline stages re-read their weights", pp.Verdict, StringComparison.Ordinal);
        Assert.True(pp.ClusterTokensPerSecond < plan.Chosen.ClusterTokensPerSecond);
    }

    [Fact]
    public void A_load_beyond_BF16_moves_to_FP8_and_the_reason_is_given()
    {
        // 4 x L40S at BF16 holds about 7 requests of 8K; 32 need the FP8 weights' extra KV room.
        var plan = ServingArtefactTests.PlanFor("llama3.1-70b", "l40s", 4, 1, users: 32);
        Assert.Equal(PlanPrecision.Fp8, plan.Chosen!.Layout.Precision);
        Assert.True(plan.Chosen.ClusterConcurrency >= 32);
        Assert.Contains(plan.Reasons, r => r.StartsWith("BF16 fits, but no BF16 layout carries 32 requests", StringComparison.Ordinal));
    }

    [Fact]
    public void A_small_model_fills_the_node_with_data_parallel_replicas_and_counts_the_replicas_a_load_needs()
    {
        var plan = ServingArtefactTests.PlanFor("llama3.1-8b", "h100-sxm", 8, 1, users: 1000);
        Assert.Equal(8, plan.Chosen!.Layout.GpusPerReplica * plan.Chosen.Layout.Replicas);
        Assert.True(plan.Chosen.Layout.Replicas > 1);
        Assert.Contains(plan.Reasons, r => r.StartsWith("No layout carries the whole load", StringComparison.Ordinal));
        var perReplica = plan.Chosen.Memory.MaxConcurrency;
        Assert.Equal((int)Math.Ceiling(1000 / perReplica), plan.ReplicasNeeded);
    }

    [Fact]
    public void Cost_uses_the_GPU_hour_rate_scout_cost_uses_for_every_GPU_described()
    {
        var plan = ServingArtefactTests.PlanFor("llama3.1-70b", "l40s", 4, 1);
        var rate = CostEstimator.GpuHourRate(Catalog, "l40s")!.Value;
        Assert.Equal(4 * rate, plan.Cost!.UsdPerHour, 6);
        Assert.Equal(plan.Cost.UsdPerHour / (plan.Chosen!.ClusterTokensPerSecond * 3600) * 1e6, plan.Cost.UsdPerMillionOutputTokens!.Value, 6);
    }
}
