using ModelScout.Cli.QuantLoss;
using ModelScout.Engine.Quantization;
using ModelScout.Evaluation.Results;
using ModelScout.Gguf;

namespace ModelScout.Cli.Tests.QuantLoss;

/// <summary>The sweep's bookkeeping: what a rerun skips. The engine steps are counted by a stand-in; the real ones run in the end-to-end test.</summary>
public sealed class QuantLossSweepTests : IDisposable
{
    private readonly DirectoryInfo dir = Directory.CreateTempSubdirectory("scout-quant-loss-");

    private string Source => Path.Combine(dir.FullName, "tiny-F32.gguf");

    private string Db => Path.Combine(dir.FullName, "eval.db");

    public QuantLossSweepTests() => TinyGguf("F32").WriteFile(Source);

    private QuantLossRequest Request(string text = "Once upon a time there was a little model.") =>
        new(Source, ["Q8_0", "Q4_K_M", "Q2_K"], text, "test text", 64, null, 1, Path.Combine(dir.FullName, "work"), "llama3.1-8b");

    [Fact]
    public async Task A_sweep_killed_mid_level_resumes_without_requantizing_or_remeasuring_what_is_done()
    {
        using (var store = EvalStore.Open(Db))
        {
            var killed = new CountingEngine { FailPerplexityOf = "Q4_K_M" };
            await Assert.ThrowsAsync<OperationCanceledException>(() => new QuantLossSweep(store, killed).RunAsync(Request()));
            Assert.Equal(["Q8_0", "Q4_K_M"], killed.Quantized);
            Assert.Equal([QuantLossSweep.BaseType, "Q8_0"], killed.Measured);
        }

        using (var store = EvalStore.Open(Db))
        {
            var resumed = new CountingEngine();
            var result = await new QuantLossSweep(store, resumed).RunAsync(Request());
            // Q4_K_M's file was complete and valid: measured, not made again; the base cache was kept, Q8_0 was stored.
            Assert.Equal(["Q2_K"], resumed.Quantized);
            Assert.Equal(["Q4_K_M", "Q2_K"], resumed.Measured);
            Assert.Equal([true, false, false], result.Levels.Select(l => l.FromStore));
            Assert.Equal([false, false, true], result.Levels.Select(l => l.QuantizedNow));
            Assert.All(result.Levels, l => Assert.NotNull(l.Record!.Kld));
            Assert.Equal(0.02, result.Levels.Single(l => l.Type == "Q4_K_M").Record!.Kld!.Value);
            Assert.Equal(12.5, result.Levels.Single(l => l.Type == "Q4_K_M").Record!.DeltaPplPct!.Value, 6);
        }

        using (var store = EvalStore.Open(Db))
        {
            var again = new CountingEngine();
            var result = await new QuantLossSweep(store, again).RunAsync(Request());
            Assert.Empty(again.Quantized);
            Assert.Empty(again.Measured);
            Assert.All(result.Levels, l => Assert.True(l.FromStore));
            Assert.Equal(4, store.QuantLossFor("llama3.1-8b").Count);

            // Another text is another measurement: every level is scored again, but no file is made again.
            var other = new CountingEngine();
            await new QuantLossSweep(store, other).RunAsync(Request("A different text, from the user's own domain."));
            Assert.Empty(other.Quantized);
            Assert.Equal([QuantLossSweep.BaseType, "Q8_0", "Q4_K_M", "Q2_K"], other.Measured);
        }
    }

    [Fact]
    public async Task A_quantized_file_of_the_wrong_type_or_truncated_is_made_again()
    {
        using var store = EvalStore.Open(Db);
        var first = new CountingEngine();
        var result = await new QuantLossSweep(store, first).RunAsync(Request() with { Types = ["Q8_0"] });
        var q8 = result.Levels[0].Record!.FilePath;
        Assert.True(QuantLossSweep.IsQuantizedAs(q8, "Q8_0"));
        Assert.False(QuantLossSweep.IsQuantizedAs(q8, "Q2_K"));
        var bytes = File.ReadAllBytes(q8);
        File.WriteAllBytes(q8, bytes[..(bytes.Length / 2)]);
        Assert.False(QuantLossSweep.IsQuantizedAs(q8, "Q8_0"));
        Assert.False(QuantLossSweep.IsQuantizedAs(Path.Combine(dir.FullName, "missing.gguf"), "Q8_0"));
    }

    [Fact]
    public void The_source_identity_changes_with_the_file()
    {
        var before = QuantLossSweep.SourceIdentity(Source);
        Assert.Equal(before, QuantLossSweep.SourceIdentity(Source));
        TinyGguf("F32", extra: "changed").WriteFile(Source);
        Assert.NotEqual(before, QuantLossSweep.SourceIdentity(Source));
    }

    private static GgufWriter TinyGguf(string fileType, string extra = "") => new GgufWriter()
        .Add("general.architecture", "llama")
        .Add("general.name", "tiny" + extra)
        .Add("general.file_type", (uint)LlamaFileTypes.Find(fileType)!.Id)
        .AddZeroTensor("token_embd.weight", [32, 4], GgmlType.F32);

    public void Dispose() => dir.Delete(true);

    /// <summary>Writes real (tiny) GGUF files of the asked type and cache files, returns fixed figures, and counts each call.</summary>
    private sealed class CountingEngine : IQuantLossEngine
    {
        public List<string> Quantized { get; } = [];

        public List<string> Measured { get; } = [];

        public string? FailPerplexityOf { get; init; }

        public Task<QuantizeResult> QuantizeAsync(QuantizeOptions options, IProgress<QuantizeProgress>? progress, CancellationToken cancellationToken)
        {
            Quantized.Add(options.Type);
            TinyGguf(options.Type).WriteFile(options.Destination);
            return Task.FromResult(new QuantizeResult(options.Destination, options.Type, new FileInfo(options.Destination).Length, 8, 128, TimeSpan.Zero, new Dictionary<string, int>()));
        }

        public Task<PerplexityResult> PerplexityAsync(PerplexityOptions options, IProgress<PerplexityProgress>? progress, CancellationToken cancellationToken)
        {
            var type = options.WriteBaseCache is not null ? QuantLossSweep.BaseType : LlamaFileTypes.Find(GgufModelInfo.From(GgufReader.ReadFile(options.ModelPath)).FileType!.Name)!.Name;
            if (type == FailPerplexityOf) throw new OperationCanceledException("killed");
            Measured.Add(type);
            if (options.WriteBaseCache is { } cache) File.WriteAllText(cache, "base logits");
            var divergence = options.BaseCache is null ? null : new DivergenceResult(new(0.02, 0.001), 0.01, 0.2, 1.5, new(-0.01, 0.001), new(0.9, 0.01), new(1.125, 0.01), 8, 0.0001);
            return Task.FromResult(new PerplexityResult(options.ModelPath, options.Context, 2, 128, 64, new(divergence is null ? 8 : 9, 0.5), 1000, TimeSpan.Zero, divergence));
        }

        public Task<(double Prompt, double Generate)> SpeedAsync(string modelPath, int threads, int? gpuLayers, string? llamaLibrary, CancellationToken cancellationToken) =>
            Task.FromResult((500.0, 50.0));
    }
}
