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
        // DeepSeek-V3 config.json (V3.1 and R1-0528 keep it): 61 layers, kv_lora_rank 512, qk_rope_head_dim 64; the latent is cached once per layer
        { "deepseek-v3.1", 61L * (512 + 64) * 2, "DS-CFG" },
        { "deepseek-r1-0528", 61L * (512 + 64) * 2, "DS-CFG" },
        // Qwen3 configs (QW3-BLOG heads, QW3-HISIM head_dim 128): layers x KV heads
        { "qwen3-0.6b", 28L * 2 * 8 * 128 * 2, "QW3-HISIM" },
        { "qwen3-1.7b", 28L * 2 * 8 * 128 * 2, "QW3-HISIM" },
        { "qwen3-4b", 36L * 2 * 8 * 128 * 2, "QW3-HISIM" },
        { "qwen3-8b", 36L * 2 * 8 * 128 * 2, "QW3-HISIM" },
        { "qwen3-14b", 40L * 2 * 8 * 128 * 2, "QW3-HISIM" },
        { "qwen3-30b-a3b", 48L * 2 * 4 * 128 * 2, "QW3-HISIM" },
        { "qwen3-235b-a22b", 94L * 2 * 4 * 128 * 2, "QW3-HISIM" },
        { "qwen3-coder-480b-a35b", 62L * 2 * 8 * 128 * 2, "QW3-HISIM" },
        // gpt-oss configs: 24 / 36 layers, 8 KV heads of 64 (every layer counted in full; half of them only ever hold 128 tokens)
        { "gpt-oss-20b", 24L * 2 * 8 * 64 * 2, "GPTOSS-20B-CFG" },
        { "gpt-oss-120b", 36L * 2 * 8 * 64 * 2, "GPTOSS-VLLM" },
        // Llama 4 (L4-MAXTEXT / L4-TRTLLM): 48 layers x 8 KV heads x 128, every layer counted in full (three in four are 8192-token chunks)
        { "llama4-scout", 48L * 2 * 8 * 128 * 2, "L4-MAXTEXT" },
        { "llama4-maverick", 48L * 2 * 8 * 128 * 2, "L4-TRTLLM" },
        // Kimi K2 (KIMI-CFG): DeepSeek-V3 MLA, 61 layers, kv_lora_rank 512 + rope 64
        { "kimi-k2", 61L * (512 + 64) * 2, "KIMI-CFG" },
        // gemma_pytorch config.py (Gemma 3): 1B 26 layers x 1 KV head x 256; 4B 34 x 4 x 256; 12B 48 x 8 x 256; 27B 62 x 16 x 128
        { "gemma3-1b", 26L * 2 * 1 * 256 * 2, "GEM3-PT" },
        { "gemma3-4b", 34L * 2 * 4 * 256 * 2, "GEM3-PT" },
        { "gemma3-12b", 48L * 2 * 8 * 256 * 2, "GEM3-PT" },
        { "gemma3-27b", 62L * 2 * 16 * 128 * 2, "GEM3-PT" },
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
    public void Maverick_alternates_dense_and_moe_blocks_as_llama_models_does()
    {
        // llama-models model.py: MoE when (layer_id + 1) % interleave_moe_layer_step == 0; Maverick's step is 2
        var a = Model("llama4-maverick").Architecture!;
        var layout = TensorLayout.For(a);
        Assert.Contains(layout, t => t.Name == "blk.0.ffn_gate.weight" && t.Rows == 16384);
        Assert.DoesNotContain(layout, t => t.Name == "blk.0.ffn_gate_exps.weight");
        Assert.Contains(layout, t => t.Name == "blk.1.ffn_gate_exps.weight");
        Assert.Equal(24, layout.Count(t => t.Role == TensorRole.ExpertGate));
        Assert.Equal(48, Enumerable.Range(0, 48).Count(i => a.Moe!.IsMoeLayer(i)) * 2);
    }

    [Fact]
    public void Chunked_attention_caches_like_a_window()
    {
        var a = Model("llama4-scout").Architecture!;
        Assert.Equal("chunked", a.SlidingWindow!.Kind);
        var local = KvCache.Cells(a, 0, 1_000_000, 1, 512, false);
        var global = KvCache.Cells(a, 3, 1_000_000, 1, 512, false);
        Assert.Equal(KvCache.Pad(8192 + 512), local);
        Assert.Equal(KvCache.Pad(1_000_000), global);
    }

    [Fact]
    public void Gpt_oss_biases_and_sinks_are_in_the_layout()
    {
        var t = TensorLayout.For(Model("gpt-oss-20b").Architecture!).Where(x => x.Layer == 0).Select(x => x.Name).ToList();
        Assert.Contains("blk.0.attn_output.bias", t);
        Assert.Contains("blk.0.attn_sinks.weight", t);
        Assert.Contains("blk.0.ffn_gate_inp.bias", t);
        Assert.Contains("blk.0.ffn_down_exps.bias", t);
    }

    [Theory]
    // Published totals, rounded as published: gpt-oss model card 20.91B / 116.83B; Qwen3 cards 30.5B / 235B / 480B and the
    // Hugging Face safetensors count of Qwen3-32B (exact); DeepSeek's README 671B. The layout is built from the config facts alone.
    [InlineData("gpt-oss-20b", 20.91e9, 0.0005)]
    [InlineData("gpt-oss-120b", 116.83e9, 0.0005)]
    [InlineData("qwen3-32b", 32_762_123_264, 0.0)]
    [InlineData("qwen3-30b-a3b", 30.5e9, 0.002)]
    [InlineData("qwen3-235b-a22b", 235e9, 0.002)]
    [InlineData("qwen3-coder-480b-a35b", 480e9, 0.002)]
    [InlineData("deepseek-v3.1", 671e9, 0.001)]
    // Kimi K2 README: 1T total (1.03T computed; Kimi-K2 family counts are quoted as 1026B)
    [InlineData("kimi-k2", 1.026e12, 0.001)]
    // Llama 4 card: 400B total for Maverick (text model; the card's figure is rounded)
    [InlineData("llama4-maverick", 400e9, 0.005)]
    public void Tensor_layout_reproduces_the_published_parameter_count(string id, double published, double tolerance)
    {
        var counted = TensorLayout.For(Model(id).Architecture!).Where(t => t.IsParameter).Sum(t => t.Elements);
        Assert.InRange(counted, published * (1 - tolerance), published * (1 + tolerance));
    }

    [Theory]
    // gemma_pytorch attn_types: five LOCAL_SLIDING then one GLOBAL; gpt-oss layer_types: sliding, full, sliding, full ...
    [InlineData("gemma3-27b", new[] { true, true, true, true, true, false, true, true, true, true, true, false })]
    [InlineData("gpt-oss-120b", new[] { true, false, true, false })]
    // Llama 4 model.py: block (layer+1) % 4 == 0 is NoPE global, the others chunked local
    [InlineData("llama4-scout", new[] { true, true, true, false, true, true, true, false })]
    public void Sliding_window_patterns_follow_the_configs(string id, bool[] local)
    {
        var swa = Model(id).Architecture!.SlidingWindow!;
        Assert.Equal(local, Enumerable.Range(0, local.Length).Select(swa.IsLocal).ToArray());
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
        var scout = doc.Models.Single(m => m.Id == "llama4-scout");
        var badLayers = scout with
        {
            Architecture = scout.Architecture! with
            {
                SlidingWindow = scout.Architecture.SlidingWindow! with { Kind = "striped" },
                Moe = scout.Architecture.Moe! with { Interleave = 0 },
            },
        };
        doc.Models = doc.Models.Select(m => m.Id switch
        {
            "qwen3-32b" => broken, "mistral-small-3.2-24b" => noGguf, "llama3.1-8b" => empty, "llama4-scout" => badLayers, _ => m,
        }).ToList();

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
        Assert.Contains("llama4-scout: bad sliding window", problems);
        Assert.Contains("llama4-scout: impossible expert layout", problems);
    }

    [Fact]
    public void The_embedded_catalog_passes_the_serving_rules()
    {
        Assert.Empty(CatalogValidator.Check(ModelScout.Core.Catalog.Catalog.ReadEmbedded()));
    }

    [Fact]
    public void Vllm_serves_gpt_oss_120b_as_released_on_one_H100()
    {
        // Before the serving precisions, vLLM planning assumed bf16 for it (233 GB over 4 GPUs); OpenAI ships MXFP4 experts for one 80 GB GPU.
        var plan = VllmPlanner.Plan(Model("gpt-oss-120b"), TestMachines.WithGpus("h100-sxm", 8, 1024), 8192, Catalog.Document.Estimator.Speed);
        Assert.True(plan.Fits);
        Assert.Equal(1, plan.TensorParallel);
        Assert.Equal("openai/gpt-oss-120b", plan.Checkpoint);
        Assert.StartsWith("MXFP4 weights over 1 GPU", plan.Reason, StringComparison.Ordinal);
        Assert.InRange(plan.BytesPerParameter, 0.5, 0.6);
    }

    [Fact]
    public void Vllm_serves_kimi_k2_in_its_native_fp8_and_says_what_it_needs()
    {
        var m = Model("kimi-k2");
        var plan = VllmPlanner.Plan(m, TestMachines.WithGpus("h100-sxm", 8, 2048), 8192, Catalog.Document.Estimator.Speed);
        Assert.False(plan.Fits);
        // Before the serving precisions it was sized as bf16 (1912 GiB); the block-FP8 release is half that.
        var need = System.Text.RegularExpressions.Regex.Match(plan.Reason, "^FP8 weights and cache need ([0-9]+) GiB");
        Assert.True(need.Success, plan.Reason);
        var gib = ServingWeights.Bytes(m, m.Serving!.Precisions[0]) / (double)(1L << 30);
        Assert.InRange(int.Parse(need.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture), gib - 1, gib + 2);
    }

    [Fact]
    public void Vllm_falls_back_to_a_smaller_official_checkpoint_when_the_released_one_does_not_fit()
    {
        // Qwen3-32B in BF16 (61 GiB) does not fit one 48 GiB L40S at 90%; the official FP8 checkpoint does.
        var plan = VllmPlanner.Plan(Model("qwen3-32b"), TestMachines.WithGpus("l40s", 1, 128), 8192, Catalog.Document.Estimator.Speed);
        Assert.True(plan.Fits);
        Assert.Equal("Qwen/Qwen3-32B-FP8", plan.Checkpoint);
        Assert.StartsWith("FP8 weights over 1 GPU", plan.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void A_model_without_a_GGUF_is_not_fitted_for_llama_cpp_and_its_serving_precisions_are_named()
    {
        var doc = ModelScout.Core.Catalog.Catalog.ReadEmbedded();
        doc.Models = doc.Models.Select(m => m.Id == "qwen3-32b" ? m with { NoGguf = true } : m).ToList();
        var catalog = ModelScout.Core.Catalog.Catalog.FromDocument(doc, "test");
        var model = catalog.ModelById("qwen3-32b")!;
        var fit = new FitPlanner(catalog).Plan(model, TestMachines.WithGpus("h100-sxm", 1, 256), new FitOptions(8192, KvSettings.Default));
        Assert.False(fit.Fits);
        Assert.Empty(fit.Levels);
        Assert.StartsWith("no GGUF of Qwen3-32B exists, so llama.cpp and Ollama cannot run it; serve it on GPUs with vLLM: bf16 (Qwen/Qwen3-32B, 65.5 GB of weights), fp8 (Qwen/Qwen3-32B-FP8,", fit.Why, StringComparison.Ordinal);
    }

    [Theory]
    // Llama 4 Scout's 10M and Maverick's 1M context print as millions, not 10240K
    [InlineData(10_485_760, "10M")]
    [InlineData(1_048_576, "1M")]
    [InlineData(131_072, "128K")]
    [InlineData(1_000, "1,000")]
    public void Token_counts_print_in_the_largest_whole_unit(long tokens, string text)
    {
        Assert.Equal(text, FitPlanner.Tokens(tokens));
    }
}
