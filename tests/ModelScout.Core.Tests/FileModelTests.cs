using ModelScout.Core.Fit;
using ModelScout.Core.Memory;
using ModelScout.Gguf;
using ModelScout.Testing;

namespace ModelScout.Core.Tests;

public class FileModelTests
{
    private static readonly Catalog.Catalog Catalog = ModelScout.Core.Catalog.Catalog.Embedded;

    internal static GgufFile Read(GgufWriter w)
    {
        var bytes = w.ToArray();
        return GgufReader.Read(new MemoryStream(bytes), bytes.Length);
    }

    // A two-block llama with GQA, written tensor by tensor as llama.cpp names them.
    internal static GgufWriter TinyLlama(string arch = "llama", bool output = true)
    {
        const int e = 256, heads = 4, kv = 2, hd = 64, ff = 512, vocab = 1000, blocks = 2;
        var w = new GgufWriter()
            .Add("general.architecture", arch).Add("general.name", "tiny").Add("general.file_type", 15u)
            .Add($"{arch}.block_count", (uint)blocks).Add($"{arch}.context_length", 4096u).Add($"{arch}.embedding_length", (uint)e)
            .Add($"{arch}.feed_forward_length", (uint)ff).Add($"{arch}.attention.head_count", (uint)heads).Add($"{arch}.attention.head_count_kv", (uint)kv)
            .Add("tokenizer.ggml.model", "llama").Add("tokenizer.ggml.tokens", GgufValue.Array(Enumerable.Range(0, vocab).Select(i => "t" + i).ToArray()));
        w.AddZeroTensor("token_embd.weight", [e, vocab], GgmlType.Q4_K);
        for (var i = 0; i < blocks; i++)
        {
            w.AddZeroTensor($"blk.{i}.attn_norm.weight", [e], GgmlType.F32);
            w.AddZeroTensor($"blk.{i}.attn_q.weight", [e, heads * hd], GgmlType.Q4_K);
            w.AddZeroTensor($"blk.{i}.attn_k.weight", [e, kv * hd], GgmlType.Q4_K);
            w.AddZeroTensor($"blk.{i}.attn_v.weight", [e, kv * hd], GgmlType.Q6_K);
            w.AddZeroTensor($"blk.{i}.attn_output.weight", [heads * hd, e], GgmlType.Q4_K);
            w.AddZeroTensor($"blk.{i}.ffn_norm.weight", [e], GgmlType.F32);
            w.AddZeroTensor($"blk.{i}.ffn_gate.weight", [e, ff], GgmlType.Q4_K);
            w.AddZeroTensor($"blk.{i}.ffn_up.weight", [e, ff], GgmlType.Q4_K);
            w.AddZeroTensor($"blk.{i}.ffn_down.weight", [ff, e], GgmlType.Q6_K);
        }
        w.AddZeroTensor("output_norm.weight", [e], GgmlType.F32);
        if (output) w.AddZeroTensor("output.weight", [e, vocab], GgmlType.Q6_K);
        return w;
    }

    [Fact]
    public void A_file_becomes_an_architecture_and_its_own_exact_weights()
    {
        var f = Read(TinyLlama());
        var m = FileModel.From(f, Catalog, "tiny.gguf");
        Assert.Null(m.Problem);
        var a = m.Entry.Architecture!;
        Assert.Equal((2, 256, 4, 2, 64, 512, 1000, false), (a.Layers, a.EmbeddingLength, a.HeadCount, a.KvHeadCount, a.KeyLength, a.FeedForwardLength, a.VocabSize, a.TiedEmbeddings));
        Assert.Equal("Q4_K_M", m.Level.Id);
        Assert.Equal(f.Tensors.Sum(t => t.Bytes), m.Weights!.TotalBytes);
        Assert.Equal(f.Tensors.Single(t => t.Name == "token_embd.weight").Bytes, m.Weights.TokenEmbeddingBytes);
        Assert.Equal(f.Tensors.Where(t => t.Block == 1).Sum(t => t.Bytes), m.Weights.LayerBytes[1]);
        Assert.Equal(4096, m.Entry.Context!.Max);
    }

    [Fact]
    public void A_file_plan_puts_exact_tensor_bytes_on_the_devices()
    {
        var m = FileModel.From(Read(TinyLlama()), Catalog, "tiny.gguf");
        var fit = new FitPlanner(Catalog).PlanFile(m, TestMachines.WithGpus("rtx-4090", 1, 32), new FitOptions(2048, KvSettings.Default));
        Assert.Equal(FitKind.FullGpu, fit.Best!.Kind);
        Assert.Equal(m.Weights!.TotalBytes - m.Weights.TokenEmbeddingBytes, fit.Best.Memory.Gpus[0].Weights);
        Assert.Equal(m.Weights.TokenEmbeddingBytes, fit.Best.Memory.Host.Weights);
        // KV: 2 blocks x 2048 cells x 2 KV heads x (64 + 64) x 2 bytes.
        Assert.Equal(2L * 2048 * 2 * 128 * 2, fit.Best.Memory.KvCache);
    }

    [Fact]
    public void Tied_embeddings_and_known_sliding_window_patterns_are_recognised()
    {
        var w = TinyLlama("gemma2", output: false).Add("gemma2.attention.sliding_window", 128u);
        var m = FileModel.From(Read(w), Catalog, "g.gguf");
        Assert.True(m.Entry.Architecture!.TiedEmbeddings);
        Assert.Equal(2, m.Entry.Architecture.SlidingWindow!.GlobalEvery);
        Assert.DoesNotContain(m.Assumptions, x => x.Contains("window", StringComparison.Ordinal));

        var unknown = FileModel.From(Read(TinyLlama("newarch").Add("newarch.attention.sliding_window", 128u)), Catalog, "n.gguf");
        Assert.Contains(unknown.Assumptions, x => x.Contains("every block is taken to use the window", StringComparison.Ordinal));
    }

    [Fact]
    public void Latent_attention_without_MLA_metadata_is_sized_as_the_legacy_full_cache()
    {
        var w = TinyLlama("deepseek2").Add("deepseek2.attention.kv_lora_rank", 512u).Add("deepseek2.rope.dimension_count", 64u);
        var m = FileModel.From(Read(w), Catalog, "d.gguf");
        Assert.NotNull(m.Entry.Architecture!.Mla);
        Assert.Equal(LatentCacheLayout.FullHeads, m.LatentLayout);
        Assert.Contains(m.Assumptions, x => x.Contains("before April 2025", StringComparison.Ordinal));
    }

    [Fact]
    public void A_file_missing_hyper_parameters_still_reads_but_gets_no_plan()
    {
        var w = new GgufWriter().Add("general.architecture", "llama");
        w.AddZeroTensor("x", [32], GgmlType.F32);
        var m = FileModel.From(Read(w), Catalog, "x.gguf");
        Assert.Null(m.Weights);
        Assert.Contains("llama.block_count", m.Problem!, StringComparison.Ordinal);
        var fit = new FitPlanner(Catalog).PlanFile(m, TestMachines.CpuOnly(8, 6), new FitOptions(2048, KvSettings.Default));
        Assert.False(fit.Fits);
        Assert.StartsWith("no memory plan", fit.Why, StringComparison.Ordinal);
    }

    [Fact]
    public void Stories260K_matches_no_catalog_model_and_plans_on_a_CPU()
    {
        var f = GgufReader.ReadFile(RepoPaths.Model("stories260K.gguf"));
        var m = FileModel.From(f, Catalog, "stories260K.gguf");
        Assert.Null(m.CatalogMatch);
        Assert.Equal(292_800, m.Info.Parameters);
        var fit = new FitPlanner(Catalog).PlanFile(m, TestMachines.CpuOnly(8, 6), new FitOptions(2048, KvSettings.Default));
        Assert.Equal(FitKind.CpuOnly, fit.Best!.Kind);
        Assert.Equal(f.Tensors.Sum(t => t.Bytes), fit.Best.Memory.Host.Weights);
    }
}
