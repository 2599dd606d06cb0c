using ModelScout.Engine.Quantization;
using ModelScout.Gguf;
using ModelScout.Testing;

namespace ModelScout.Engine.Tests.Quantization;

public sealed class GgufQuantizerTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("scout-quant-").FullName;

    public GgufQuantizerTests() => LlamaTestRuntime.EnsureConfigured();

    public void Dispose() => Directory.Delete(dir, recursive: true);

    private static string Stories => RepoPaths.Model("stories260K.gguf");

    private static QuantizeOptions Options(string source, string destination, string type) =>
        new() { Source = source, Destination = destination, Type = type, Threads = 1 };

    private static Dictionary<string, GgmlType> TypesOf(string path) => GgufReader.ReadFile(path).Tensors.ToDictionary(t => t.Name, t => t.Type);

    [Theory]
    [InlineData("Q8_0", GgmlType.Q8_0)]
    [InlineData("Q4_0", GgmlType.Q4_0)]
    public async Task A_legacy_type_writes_every_weight_matrix_in_it_and_keeps_norms_f32(string type, GgmlType expected)
    {
        var source = TestModels.ZeroWeights(Path.Combine(dir, "zero.gguf"));
        var dst = Path.Combine(dir, "out", type + ".gguf");
        var progress = new List<QuantizeProgress>();
        var r = await GgufQuantizer.QuantizeAsync(Options(source, dst, type), new SyncProgress<QuantizeProgress>(progress.Add));

        Assert.Equal(dst, r.Path);
        Assert.True(File.Exists(dst));
        Assert.Equal(new FileInfo(dst).Length, r.Bytes);
        Assert.Empty(Directory.GetFiles(Path.GetDirectoryName(dst)!, "*.partial"));
        var types = TypesOf(dst);
        // llama.cpp keeps the output matrix at Q8_0-or-better in every mix (Q6_K for Q4_0's mix falls back to Q8_0 at 64-wide rows).
        foreach (var (name, t) in types.Where(kv => kv.Key.EndsWith("norm.weight", StringComparison.Ordinal))) Assert.Equal(GgmlType.F32, t);
        Assert.Equal(expected, types["blk.0.attn_q.weight"]);
        Assert.Equal(expected, types["blk.0.ffn_down.weight"]);
        Assert.Equal(types.Count, r.TensorTypes.Values.Sum());
        Assert.Equal(types.Values.Count(t => t == expected), r.TensorTypes[expected.ToString()]);
        Assert.Empty(r.Fallbacks);
        Assert.InRange(r.BitsPerWeight, GgmlTypes.Get(expected).BitsPerWeight * 0.99, 32);
        Assert.Equal(GgufReader.ReadFile(source).Tensors.Sum(t => t.Elements), r.Parameters);
        Assert.NotEmpty(progress);
        Assert.Equal(r.Bytes, progress[^1].BytesWritten);
    }

    [Fact]
    public async Task Stories_to_a_k_quant_falls_back_per_tensor_and_reports_each_fallback()
    {
        var dst = Path.Combine(dir, "q4km.gguf");
        var r = await GgufQuantizer.QuantizeAsync(Options(Stories, dst, "Q4_K_M"));

        var types = TypesOf(dst);
        // 64-wide rows cannot hold 256-value K blocks: Q4_K falls back to Q5_0; ffn_down's 172-wide rows to F16.
        Assert.Equal(GgmlType.Q5_0, types["blk.0.attn_q.weight"]);
        Assert.Equal(GgmlType.F16, types["blk.0.ffn_down.weight"]);
        Assert.DoesNotContain(types.Values, t => t == GgmlType.Q4_K);
        Assert.Equal(5, r.TensorTypes["F16"]);
        var down = Assert.Single(r.Fallbacks, f => f.Tensor == "blk.0.ffn_down.weight");
        Assert.Equal(172, down.RowLength);
        Assert.Equal("F16", down.Written);
        Assert.Contains(r.Fallbacks, f => f.Tensor == "blk.0.attn_q.weight" && f.Written == "Q5_0" && f.Wanted == "Q4_K");
        Assert.True(r.Bytes < new FileInfo(Stories).Length / 3);
    }

    [Theory]
    [InlineData("Q8_0")]
    [InlineData("Q4_0")]
    public async Task Stories_to_a_legacy_type_is_refused_naming_the_172_wide_tensors(string type)
    {
        var dst = Path.Combine(dir, type + ".gguf");
        var e = await Assert.ThrowsAsync<InferenceException>(() => GgufQuantizer.QuantizeAsync(Options(Stories, dst, type)));
        Assert.Equal(InferenceErrorKind.InvalidRequest, e.Kind);
        Assert.Contains("blk.0.ffn_down.weight", e.Message, StringComparison.Ordinal);
        Assert.Contains("172", e.Message, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(dir));
    }

    [Fact]
    public async Task A_quantized_source_is_refused_unless_requantizing_is_allowed()
    {
        var q = Path.Combine(dir, "q2k.gguf");
        await GgufQuantizer.QuantizeAsync(Options(Stories, q, "Q2_K"));
        var e = await Assert.ThrowsAsync<InferenceException>(() => GgufQuantizer.QuantizeAsync(Options(q, Path.Combine(dir, "again.gguf"), "Q6_K")));
        Assert.Contains("already quantized", e.Message, StringComparison.Ordinal);
        Assert.Contains("--allow-requantize", e.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(dir, "again.gguf")));

        var r = await GgufQuantizer.QuantizeAsync(Options(q, Path.Combine(dir, "again.gguf"), "Q6_K") with { AllowRequantize = true });
        Assert.Equal(GgmlType.Q8_0, TypesOf(r.Path)["blk.0.attn_q.weight"]);
    }

    [Theory]
    [InlineData("Q4_K_X")]
    [InlineData("Q4_2")]
    [InlineData("IQ2_XXS")]
    public async Task An_unknown_retired_or_imatrix_only_type_is_refused_before_any_work(string type)
    {
        var e = await Assert.ThrowsAsync<InferenceException>(() => GgufQuantizer.QuantizeAsync(Options(Stories, Path.Combine(dir, "x.gguf"), type)));
        Assert.Equal(InferenceErrorKind.InvalidRequest, e.Kind);
        Assert.Equal("type", e.Param);
        Assert.Contains(type.StartsWith("IQ", StringComparison.Ordinal) ? "importance matrix" : "Q4_K_M", e.Message, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(dir));
    }

    [Fact]
    public void Types_lists_what_llama_quantize_writes_and_leaves_out_retired_and_imatrix_only_ones()
    {
        Assert.Contains("Q4_K_M", GgufQuantizer.Types);
        Assert.Contains("Q8_0", GgufQuantizer.Types);
        Assert.Contains("IQ4_XS", GgufQuantizer.Types);
        Assert.Contains("F16", GgufQuantizer.Types);
        Assert.DoesNotContain("Q4_2", GgufQuantizer.Types);
        Assert.DoesNotContain("IQ1_S", GgufQuantizer.Types);
    }

    [Fact]
    public async Task An_importance_matrix_is_refused_with_the_reason()
    {
        var e = await Assert.ThrowsAsync<InferenceException>(() => GgufQuantizer.QuantizeAsync(Options(Stories, Path.Combine(dir, "x.gguf"), "Q4_K_M") with { ImportanceMatrix = Stories }));
        Assert.Equal("imatrix", e.Param);
        Assert.Contains("LLamaSharp 0.30", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_source_that_is_not_a_gguf_or_is_missing_gets_a_clear_error()
    {
        var bad = Path.Combine(dir, "bad.gguf");
        await File.WriteAllTextAsync(bad, "this is not a model");
        await Assert.ThrowsAsync<GgufFormatException>(() => GgufQuantizer.QuantizeAsync(Options(bad, Path.Combine(dir, "x.gguf"), "Q4_K_M")));
        var missing = await Assert.ThrowsAsync<InferenceException>(() => GgufQuantizer.QuantizeAsync(Options(Path.Combine(dir, "none.gguf"), Path.Combine(dir, "x.gguf"), "Q4_K_M")));
        Assert.Equal(InferenceErrorKind.ModelNotFound, missing.Kind);
        Assert.False(File.Exists(Path.Combine(dir, "x.gguf")));
    }

    [Fact]
    public async Task Cancelling_leaves_neither_the_destination_nor_a_partial_file()
    {
        // Large enough (about 144 MB of F32) that quantizing to IQ4_XS takes a while on one thread.
        var source = TestModels.ZeroWeights(Path.Combine(dir, "big.gguf"), TestModels.Llama(width: 1024, vocab: 8192) with { Layers = 2 });
        var outDir = Path.Combine(dir, "out");
        using var cts = new CancellationTokenSource();
        var progress = new SyncProgress<QuantizeProgress>(p =>
        {
            if (p.BytesWritten > 0) cts.Cancel();
        });
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => GgufQuantizer.QuantizeAsync(Options(source, Path.Combine(outDir, "q.gguf"), "IQ4_XS"), progress, cts.Token));
        // The partial file was there (progress saw its bytes) and is gone at once; the native call runs on, writing to a
        // file without a name, and nothing reappears when it returns.
        Assert.Empty(Directory.GetFiles(outDir));
        await Task.Delay(TimeSpan.FromSeconds(3));
        Assert.Empty(Directory.GetFiles(outDir));
    }

    private sealed class SyncProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}
