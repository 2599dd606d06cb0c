using System.Globalization;
using ModelScout.Core.Memory;
using ModelScout.Gguf;
using ModelScout.Testing;

namespace ModelScout.Calibration.Tests;

/// <summary>
/// Loads zero-weight GGUFs of each calibrated architecture's structure through LLamaSharp (llama.cpp, CPU backend,
/// mmap on, one thread) and holds the estimator to what llama.cpp reports: weights, repack buffer, KV cache and output
/// buffer exactly (at the two decimals llama.cpp prints), the compute buffer within <see cref="ComputeTolerance"/>.
/// </summary>
public sealed class LlamaCppAgreementTests : IDisposable
{
    /// <summary>The CPU compute-buffer rule's allowance: llama.cpp's graph allocator packs tensors with some slack the rule does not model.</summary>
    private const double ComputeTolerance = 0.05;
    private const double MiB = 1024.0 * 1024.0;

    private static readonly QuantRecipe Q4KM = QuantRecipe.Find("Q4_K_M")!;

    // Two contexts with flash attention (llama.cpp's default), and the larger without it.
    private static readonly ContextSetting[] Settings =
    [
        new(2048, GgmlType.F16, true),
        new(8192, GgmlType.F16, true),
        new(8192, GgmlType.F16, false),
    ];

    private readonly string dir = Directory.CreateTempSubdirectory("modelscout-calibration-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    public static TheoryData<string> Small => [.. SmallModels.All.Select(m => m.Name)];

    [Theory]
    [MemberData(nameof(Small))]
    public void Llama_cpp_allocates_what_the_estimator_says(string name)
    {
        var a = SmallModels.All.Single(m => m.Name == name).Architecture;
        var weights = ModelWeights.For(a, Q4KM);
        var path = Path.Combine(dir, name + ".gguf");
        ZeroWeightModel.WriteFile(a, Q4KM, path);

        var (load, contexts) = LlamaProbe.Measure(path, Settings);

        Assert.Equal(weights.TotalBytes, load.SizeBytes);
        // llama.cpp counts rope_freqs, a derived constant the estimator leaves out of the parameter count.
        var ropeFreqs = weights.Tensors.Where(t => !t.Shape.IsParameter).Sum(t => t.Shape.Elements);
        Assert.Equal(weights.Parameters + ropeFreqs, load.Parameters);
        var mapped = load.ModelBuffersMiB.Where(b => b.Key != "CPU_REPACK").Sum(b => b.Value);
        Assert.Equal(Mib2(weights.TotalBytes), mapped, 2);
        if (load.ModelBuffersMiB.TryGetValue("CPU_REPACK", out var repack)) Assert.Equal(Mib2(CpuRepack.Bytes(weights)), repack, 2);

        foreach (var (setting, report) in contexts)
        {
            var est = CpuEstimate.For(a, Q4KM, setting);
            Assert.True(Mib2(est.Kv) == report.KvMiB, $"{name} {setting}: KV llama.cpp {report.KvMiB} MiB, estimator {est.Kv / MiB:F2}");
            Assert.True(Mib2(est.Output) == report.OutputMiB, $"{name} {setting}: output llama.cpp {report.OutputMiB} MiB, estimator {est.Output / MiB:F2}");
            var error = (est.Compute / MiB - report.ComputeBestMiB) / report.ComputeBestMiB;
            Assert.True(Math.Abs(error) <= ComputeTolerance,
                $"{name} {setting}: compute llama.cpp {report.ComputeBestMiB:F4} MiB, estimator {est.Compute / MiB:F4} ({error:+0.0%;-0.0%})");
            Assert.Equal(1, report.GraphSplits);
        }
    }

    [Fact]
    public void DeepSeek_latent_attention_and_experts_load_with_exact_weights_and_cache()
    {
        // The CPU compute rule was fitted to dense models; for latent attention and experts only the exact parts are held.
        var a = SmallModels.DeepSeek2;
        var weights = ModelWeights.For(a, Q4KM);
        var path = Path.Combine(dir, "deepseek2.gguf");
        ZeroWeightModel.WriteFile(a, Q4KM, path);

        var (load, contexts) = LlamaProbe.Measure(path, Settings.Take(2));

        Assert.Equal(weights.TotalBytes, load.SizeBytes);
        Assert.Equal(weights.Parameters, load.Parameters);
        if (load.ModelBuffersMiB.TryGetValue("CPU_REPACK", out var repack)) Assert.Equal(Mib2(CpuRepack.Bytes(weights)), repack, 2);
        foreach (var (setting, report) in contexts)
        {
            var est = CpuEstimate.For(a, Q4KM, setting);
            Assert.Equal(Mib2(est.Kv), report.KvMiB);
            Assert.Equal(Mib2(est.Output), report.OutputMiB);
        }
    }

    [Fact]
    public void Gemma_2s_sliding_window_blocks_get_their_own_window_sized_cache()
    {
        var a = SmallModels.Gemma2;
        var path = Path.Combine(dir, "gemma2.gguf");
        ZeroWeightModel.WriteFile(a, Q4KM, path);
        var (_, contexts) = LlamaProbe.Measure(path, [new ContextSetting(8192, GgmlType.F16, true)]);

        var caches = contexts[0].Report.Caches;
        Assert.Equal(2, caches.Count);
        Assert.Contains(caches, c => c.Cells == 8192 && c.Layers == a.Layers / 2);
        Assert.Contains(caches, c => c.Cells == KvCache.Cells(a, 0, 8192, 1, 512, fullWindowCache: false) && c.Layers == a.Layers / 2);
    }

    [Fact]
    public void Llama_cpp_and_the_gguf_reader_agree_on_stories260K()
    {
        var path = RepoPaths.Model("stories260K.gguf");
        var info = GgufModelInfo.From(GgufReader.ReadFile(path));
        Assert.Equal(292_800, info.Parameters);

        var (load, _) = LlamaProbe.Measure(path, []);

        Assert.Equal(info.Parameters, load.Parameters);
        Assert.Equal(info.TensorBytes, load.SizeBytes);
        Assert.NotNull(load.ParamsText);
        Assert.Equal(info.Parameters, Scaled(load.ParamsText!), 0.005 * Unit(load.ParamsText!));
        // "1.12 MiB (32.00 BPW)": the tensor bytes, and the model buffer holds exactly those.
        Assert.NotNull(load.FileSizeText);
        var fileSize = load.FileSizeText!.Split(' ');
        Assert.Equal("MiB", fileSize[1]);
        Assert.Equal(Mib2(info.TensorBytes), double.Parse(fileSize[0], CultureInfo.InvariantCulture));
        Assert.Equal(Mib2(info.TensorBytes), load.ModelMiB, 2);
        Assert.Equal(info.BitsPerWeight, double.Parse(fileSize[2].TrimStart('('), CultureInfo.InvariantCulture), 2);
    }

    private static double Mib2(long bytes) => Math.Round(bytes / MiB, 2);

    // "292.80 K" → 292800; llama.cpp prints K, M, B or T.
    private static double Scaled(string text) => double.Parse(text.Split(' ')[0], CultureInfo.InvariantCulture) * Unit(text);

    private static double Unit(string text) => text.Split(' ')[1] switch
    {
        "K" => 1e3,
        "M" => 1e6,
        "B" => 1e9,
        "T" => 1e12,
        var u => throw new FormatException($"unknown unit '{u}' in '{text}'"),
    };
}
