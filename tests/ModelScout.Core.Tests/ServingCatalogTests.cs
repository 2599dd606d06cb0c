using ModelScout.Core.Catalog;
using ModelScout.Core.Fit;
using ModelScout.Core.Memory;
using ModelScout.Gguf;

namespace ModelScout.Core.Tests;

/// <summary>The models added for serving beyond one machine (issue 16): their architecture facts, serving precisions and schema rules.</summary>
public class ServingCatalogTests
{
    private static readonly Catalog.Catalog Catalog = ModelScout.Core.Catalog.Catalog.Embedded;

    private static ModelEntry Model(string id) => Catalog.Document.Models.Single(m => m.Id == id);

    /// <summary>
    /// KV bytes per token at 16-bit, every layer attending in full, written out from each model's published config
    /// (layers x 2 (K and V) x KV heads x head_dim x 2 bytes; for MLA the latent plus the RoPE key, once per layer),
    /// independent of the catalog's architecture block. The source of each row is named.
    /// </summary>
    public static TheoryData<string, long, string> KvFromConfigs => new()
    {
        // Qwen/Qwen3-32B config.json: num_hidden_layers 64, num_key_value_heads 8, head_dim 128
        { "qwen3-32b", 64L * 2 * 8 * 128 * 2, "QW3-32B-CFG" },
        // Mistral-Small-3.2 text config: 40 layers, 8 KV heads, head_dim 128; llm-d-benchmark reports 163,840 B/token from vLLM
        { "mistral-small-3.2-24b", 40L * 2 * 8 * 128 * 2, "MS32-CFG" },
    };

    [Theory]
    [MemberData(nameof(KvFromConfigs))]
    public void Kv_bytes_per_token_from_the_architecture_match_the_config(string id, long expected, string source)
    {
        var m = Model(id);
        var a = m.Architecture!;
        Assert.Contains(source, a.Source ?? "", StringComparison.Ordinal);
        var perToken = KvCache.BytesPerCell(a, GgmlType.F16, GgmlType.F16, LatentCacheLayout.LatentKeyOnly) * a.Layers;
        Assert.Equal(expected, (long)perToken);
    }

    [Fact]
    public void Mistral_small_3_2_kv_per_token_is_what_vllm_reported()
    {
        // llm-d-benchmark: 184,832 tokens in 28.20 GiB = 163,840 B/token (the catalog's LLMD-MEM source)
        var a = Model("mistral-small-3.2-24b").Architecture!;
        Assert.Equal(28.20 * (1L << 30) / 184_832, KvCache.BytesPerCell(a, GgmlType.F16, GgmlType.F16, LatentCacheLayout.LatentKeyOnly) * a.Layers, 163_840 * 0.001);
    }

    [Fact]
    public void Qwen3_32b_tensor_layout_counts_exactly_the_published_parameters()
    {
        var m = Model("qwen3-32b");
        var counted = TensorLayout.For(m.Architecture!).Where(t => t.IsParameter).Sum(t => t.Elements);
        Assert.Equal(m.Parameters!.Total, counted);
    }

    [Fact]
    public void Qk_norm_adds_two_head_wide_norms_per_block()
    {
        var a = Model("qwen3-32b").Architecture!;
        var without = a with { QkNorm = false };
        var diff = TensorLayout.For(a).Sum(t => t.Elements) - TensorLayout.For(without).Sum(t => t.Elements);
        Assert.Equal(a.Layers * 2L * a.KeyLength, diff);
        Assert.Contains(TensorLayout.For(a), t => t.Name == "blk.0.attn_k_norm.weight" && t.Role == TensorRole.Norm);
    }

    [Fact]
    public void Attention_sinks_add_one_value_per_head_per_block()
    {
        var a = Model("qwen3-32b").Architecture! with { AttentionSinks = true, QkNorm = false };
        var sinks = TensorLayout.For(a).Where(t => t.Name.EndsWith("attn_sinks.weight", StringComparison.Ordinal)).ToList();
        Assert.Equal(a.Layers, sinks.Count);
        Assert.All(sinks, s => Assert.Equal(a.HeadCount, s.Elements));
    }

    public static TheoryData<string, string> MeasuredPrecisions()
    {
        var data = new TheoryData<string, string>();
        foreach (var m in Catalog.Document.Models.Where(m => m.Serving is not null))
            foreach (var p in m.Serving!.Precisions.Where(p => p.MeasuredWeightsGiB is not null))
                data.Add(m.Id, p.Id);
        return data;
    }

    [Theory]
    [MemberData(nameof(MeasuredPrecisions))]
    public void Serving_weights_match_what_vllm_loaded_within_one_percent(string id, string precision)
    {
        var m = Model(id);
        var p = m.Serving!.Precisions.Single(x => x.Id == precision);
        var gib = ServingWeights.Bytes(m, p) / (double)(1L << 30);
        Assert.InRange(gib, p.MeasuredWeightsGiB!.Value * 0.99, p.MeasuredWeightsGiB.Value * 1.01);
    }

    [Fact]
    public void The_measured_precisions_include_the_three_plan_checks_against()
    {
        var names = Catalog.Document.Models.Where(m => m.Serving is not null)
            .SelectMany(m => m.Serving!.Precisions.Where(p => p.MeasuredWeightsGiB is not null).Select(p => $"{m.Id}/{p.Id}")).ToList();
        Assert.Contains("qwen3-32b/bf16", names);
        Assert.Contains("mistral-small-3.2-24b/bf16", names);
        Assert.Contains("llama3.3-70b/fp8", names);
    }

    [Fact]
    public void Fp8_covering_linear_layers_keeps_embeddings_and_head_at_bf16()
    {
        var m = Model("llama3.3-70b");
        var fp8 = m.Serving!.Precisions.Single(p => p.Id == "fp8");
        var a = m.Architecture!;
        long embeddings = (long)a.VocabSize * a.EmbeddingLength;
        var all = fp8 with { Covers = "all" };
        // "all" also stores the embedding and the head in FP8: two matrices of one byte less per weight
        Assert.Equal(2 * embeddings, ServingWeights.Bytes(m, fp8) - ServingWeights.Bytes(m, all));
    }

    [Fact]
    public void Experts_coverage_quantizes_only_expert_matrices()
    {
        var a = new Architecture
        {
            GgufArchitecture = "test", Layers = 2, EmbeddingLength = 64, HeadCount = 4, KvHeadCount = 2, KeyLength = 16,
            FeedForwardLength = 128, VocabSize = 100,
            Moe = new MixtureOfExperts { Experts = 4, ExpertsUsed = 2, ExpertFeedForwardLength = 32 },
        };
        var m = new ModelEntry { Id = "t", Name = "t", Architecture = a, Parameters = new ParameterInfo { Total = 1 } };
        var bf16 = new ServingPrecision { Id = "bf16", Checkpoint = "x", Format = "bf16" };
        var mx = new ServingPrecision { Id = "mxfp4", Checkpoint = "x", Format = "mxfp4", Covers = "experts" };
        long experts = 2L * 3 * 64 * 32 * 4; // layers x (gate, up, down) x hidden x expert width x experts
        Assert.Equal((long)Math.Ceiling(experts * (2 - 4.25 / 8)), ServingWeights.Bytes(m, bf16) - ServingWeights.Bytes(m, mx));
    }

    [Fact]
    public void A_vision_tower_is_counted_at_bf16()
    {
        var m = Model("mistral-small-3.2-24b");
        var p = m.Serving!.Precisions[0];
        var without = m with { Parameters = m.Parameters! with { VisionEncoder = null } };
        Assert.Equal(m.Parameters!.VisionEncoder!.Value * 2, ServingWeights.Bytes(m, p) - ServingWeights.Bytes(without, p));
    }

    [Fact]
    public void Broken_serving_blocks_are_rejected_with_each_problem_named()
    {
        var doc = ModelScout.Core.Catalog.Catalog.ReadEmbedded();
        var q = doc.Models.Single(m => m.Id == "qwen3-32b");
        var broken = q with
        {
            Serving = new ServingInfo
            {
                Native = "fp4",
                Precisions =
                [
                    new ServingPrecision { Id = "a", Checkpoint = "x", Format = "fp6" },
                    new ServingPrecision { Id = "a", Checkpoint = "", Format = "bf16", Covers = "attention", MeasuredWeightsGiB = 0, Source = "NOPE" },
                ],
            },
        };
        var noGguf = doc.Models.Single(m => m.Id == "mistral-small-3.2-24b") with { Serving = null, NoGguf = true };
        var empty = doc.Models.Single(m => m.Id == "llama3.1-8b") with { Serving = new ServingInfo { Native = "fp8" } };
        doc.Models = doc.Models.Select(m => m.Id switch { "qwen3-32b" => broken, "mistral-small-3.2-24b" => noGguf, "llama3.1-8b" => empty, _ => m }).ToList();

        var problems = CatalogValidator.Check(doc);
        Assert.Contains("qwen3-32b: unknown native precision 'fp4'", problems);
        Assert.Contains("qwen3-32b: serving precision a has unknown format 'fp6'", problems);
        Assert.Contains("qwen3-32b: serving precision id 'a' appears 2 times", problems);
        Assert.Contains("qwen3-32b: serving precision a covers 'attention' (all, linear or experts)", problems);
        Assert.Contains("qwen3-32b: serving precision a names no checkpoint", problems);
        Assert.Contains("qwen3-32b: serving precision a has a measured size that is not positive", problems);
        Assert.Contains("qwen3-32b: serving precision a cites unknown source 'NOPE'", problems);
        Assert.Contains("qwen3-32b: no serving precision is in the native format 'fp4'", problems);
        Assert.Contains("mistral-small-3.2-24b: a model without a GGUF must name its serving precisions", problems);
        Assert.Contains("llama3.1-8b: serving lists no precisions", problems);
    }

    [Fact]
    public void The_embedded_catalog_passes_the_serving_rules()
    {
        Assert.Empty(CatalogValidator.Check(ModelScout.Core.Catalog.Catalog.ReadEmbedded()));
    }
}
