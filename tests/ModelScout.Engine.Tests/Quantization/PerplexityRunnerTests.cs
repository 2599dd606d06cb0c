using System.Text;
using LLama.Native;
using ModelScout.Engine.Quantization;
using ModelScout.Testing;
using Xunit.Abstractions;

namespace ModelScout.Engine.Tests.Quantization;

/// <summary>stories260K quantized to three levels its 64-wide rows allow, made once for the class.</summary>
public sealed class StoriesLevels : IDisposable
{
    public StoriesLevels()
    {
        LlamaTestRuntime.EnsureConfigured();
        Dir = Directory.CreateTempSubdirectory("scout-ppl-").FullName;
        foreach (var type in new[] { "Q6_K", "Q4_K_S", "Q2_K" })
        {
            GgufQuantizer.QuantizeAsync(new QuantizeOptions { Source = RepoPaths.Model("stories260K.gguf"), Destination = Path.Combine(Dir, type + ".gguf"), Type = type, Threads = 1 })
                .GetAwaiter().GetResult();
        }
    }

    public string Dir { get; }

    public string Level(string type) => Path.Combine(Dir, type + ".gguf");

    public void Dispose() => Directory.Delete(Dir, recursive: true);
}

public sealed class PerplexityRunnerTests(StoriesLevels levels, ITestOutputHelper output) : IClassFixture<StoriesLevels>, IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("scout-ppl-run-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    private static string Stories => RepoPaths.Model("stories260K.gguf");

    private static PerplexityOptions Options(string model, int ctx = 128, int? chunks = 6, string? text = null) =>
        new() { ModelPath = model, Text = text ?? PerplexitySample.Text, Context = ctx, MaxChunks = chunks, Threads = 1, BatchSize = 512 };

    [Fact]
    public async Task An_all_zero_model_has_perplexity_exactly_its_vocabulary_and_no_divergence_from_itself()
    {
        var zero = TestModels.ZeroWeights(Path.Combine(dir, "zero.gguf"));
        var cache = Path.Combine(dir, "zero.kld");
        var baseRun = await PerplexityRunner.RunAsync(Options(zero, ctx: 64, chunks: 4) with { WriteBaseCache = cache });
        Assert.Equal(300, baseRun.Perplexity.Value, 300 * 1e-9);
        Assert.Equal(0, baseRun.Perplexity.StandardError, 1e-9);
        Assert.Equal(4, baseRun.Chunks);
        Assert.Equal(4 * 31, baseRun.ScoredTokens);
        Assert.Equal(new FileInfo(cache).Length, baseRun.BaseCacheBytes);

        var again = await PerplexityRunner.RunAsync(Options(zero, ctx: 64, chunks: 4) with { BaseCache = cache });
        var d = Assert.IsType<DivergenceResult>(again.Divergence);
        Assert.Equal(0, d.KlDivergence.Value, 1e-12);
        Assert.Equal(0, d.KlMax, 1e-12);
        Assert.Equal(1, d.SameTop.Value);
        Assert.Equal(0, d.DeltaP.Value, 1e-12);
        Assert.Equal(1, d.PerplexityRatio.Value, 1e-12);
        Assert.Equal(300, d.BasePerplexity, 300 * 1e-9);
        // A flat distribution over 300 tokens keeps 256 of them: the lumped 44 add a bound, not an error.
        Assert.InRange(d.CacheError, 0, 1e-6);
    }

    [Fact]
    public async Task Stories_perplexity_equals_an_independent_sum_of_log_softmax_over_raw_logits()
    {
        const int ctx = 128;
        const int chunks = 4;
        var result = await PerplexityRunner.RunAsync(Options(Stories, ctx, chunks));

        // Independent: one chunk at a time in a single sequence, every logit requested, log-softmax summed here.
        var weights = LlamaTestRuntime.Stories;
        var tokens = weights.Tokenize(PerplexitySample.Text, true, false, Encoding.UTF8);
        double nll = 0;
        var count = 0;
        // The runner turns flash attention off for heads narrower than 64 (EngineSettings.FlashAttentionFor): same here.
        var p = LlamaTestRuntime.Parameters(Stories, ctx);
        p.FlashAttention = false;
        using var context = weights.CreateContext(p);
        for (var c = 0; c < chunks; c++)
        {
            context.NativeHandle.MemoryClear(true);
            var batch = new LLamaBatch();
            for (var i = 0; i < ctx; i++) batch.Add(i == 0 ? weights.NativeHandle.Vocab.BOS!.Value : tokens[c * ctx + i], i, LLamaSeqId.Zero, true);
            Assert.Equal(DecodeResult.Ok, context.NativeHandle.Decode(batch));
            for (var i = ctx / 2; i < ctx - 1; i++)
            {
                var logits = context.NativeHandle.GetLogitsIth(i);
                double max = double.NegativeInfinity, sum = 0;
                foreach (var l in logits) max = Math.Max(max, l);
                foreach (var l in logits) sum += Math.Exp(l - max);
                nll -= logits[(int)tokens[c * ctx + i + 1]] - max - Math.Log(sum);
                count++;
            }
        }
        var expected = Math.Exp(nll / count);
        output.WriteLine($"runner {result.Perplexity.Value:F6} ± {result.Perplexity.StandardError:F6}, independent {expected:F6}, {count} tokens");
        Assert.Equal(count, result.ScoredTokens);
        Assert.Equal(expected, result.Perplexity.Value, expected * 1e-4);
        Assert.InRange(result.Perplexity.Value, 1.5, 50); // a trained model on simple English
        Assert.InRange(result.Perplexity.StandardError, 1e-3, result.Perplexity.Value / 5);
        Assert.True(result.ScoringTokensPerSecond > 0);
    }

    [Fact]
    public async Task Stories_against_itself_has_zero_divergence_and_the_quantized_levels_rank_by_bits()
    {
        var cache = Path.Combine(dir, "stories.kld");
        var baseRun = await PerplexityRunner.RunAsync(Options(Stories) with { WriteBaseCache = cache });
        var self = (await PerplexityRunner.RunAsync(Options(Stories) with { BaseCache = cache })).Divergence!;
        Assert.Equal(0, self.KlDivergence.Value, 1e-9);
        Assert.Equal(0, self.KlMax, 1e-9);
        Assert.Equal(1, self.SameTop.Value);
        Assert.Equal(1, self.PerplexityRatio.Value, 1e-9);
        Assert.Equal(baseRun.Perplexity.Value, self.BasePerplexity, 1e-9);

        var kld = new Dictionary<string, DivergenceResult>();
        foreach (var type in new[] { "Q6_K", "Q4_K_S", "Q2_K" })
        {
            var r = await PerplexityRunner.RunAsync(Options(levels.Level(type)) with { BaseCache = cache });
            kld[type] = r.Divergence!;
            output.WriteLine($"{type}: PPL {r.Perplexity.Value:F4} KLD {r.Divergence!.KlDivergence.Value:F6} ± {r.Divergence.KlDivergence.StandardError:F6} same-top {r.Divergence.SameTop.Value:P2} ratio {r.Divergence.PerplexityRatio.Value:F4} cache error {r.Divergence.CacheError:E2}");
            Assert.Equal(r.Perplexity.Value / baseRun.Perplexity.Value, r.Divergence.PerplexityRatio.Value, 1e-9);
        }
        // Q6_K falls back to Q8_0 on 64-wide rows, Q4_K_S to Q5_0, Q2_K to Q4_0.
        Assert.True(kld["Q6_K"].KlDivergence.Value > 0);
        Assert.True(kld["Q6_K"].KlDivergence.Value < kld["Q4_K_S"].KlDivergence.Value);
        Assert.True(kld["Q4_K_S"].KlDivergence.Value < kld["Q2_K"].KlDivergence.Value);
        Assert.True(kld["Q6_K"].SameTop.Value >= kld["Q2_K"].SameTop.Value);
        Assert.True(kld["Q2_K"].SameTop.Value < 1);
    }

    [Fact]
    public async Task The_compact_cache_gives_the_full_distribution_kld_within_its_stated_error()
    {
        var full = Path.Combine(dir, "full.kld");
        var compact = Path.Combine(dir, "compact.kld");
        var fullRun = await PerplexityRunner.RunAsync(Options(Stories) with { WriteBaseCache = full, CacheTokens = 0 });
        var compactRun = await PerplexityRunner.RunAsync(Options(Stories) with { WriteBaseCache = compact });
        var small = Path.Combine(dir, "top64.kld");
        var smallRun = await PerplexityRunner.RunAsync(Options(Stories) with { WriteBaseCache = small, CacheTokens = 64 });
        var exact = (await PerplexityRunner.RunAsync(Options(levels.Level("Q2_K")) with { BaseCache = full })).Divergence!;
        var approx = (await PerplexityRunner.RunAsync(Options(levels.Level("Q2_K")) with { BaseCache = compact })).Divergence!;
        var top64 = (await PerplexityRunner.RunAsync(Options(levels.Level("Q2_K")) with { BaseCache = small })).Divergence!;
        output.WriteLine($"full cache {fullRun.BaseCacheBytes:N0} B: KLD {exact.KlDivergence.Value:E6}");
        output.WriteLine($"default cache {compactRun.BaseCacheBytes:N0} B: KLD {approx.KlDivergence.Value:E6}, stated bound {approx.CacheError:E3}, actual {exact.KlDivergence.Value - approx.KlDivergence.Value:E3}");
        output.WriteLine($"top-64 cache {smallRun.BaseCacheBytes:N0} B: KLD {top64.KlDivergence.Value:E6}, stated bound {top64.CacheError:E3}, actual {exact.KlDivergence.Value - top64.KlDivergence.Value:E3}");
        Assert.Equal(0, exact.CacheError);
        Assert.True(compactRun.BaseCacheBytes < fullRun.BaseCacheBytes);
        Assert.True(smallRun.BaseCacheBytes < fullRun.BaseCacheBytes / 3);
        Assert.InRange(exact.KlDivergence.Value - top64.KlDivergence.Value, -1e-9, top64.CacheError + 1e-9);
        // Lumping can only lower a KLD, and by no more than the stated bound.
        Assert.InRange(exact.KlDivergence.Value - approx.KlDivergence.Value, -1e-9, approx.CacheError + 1e-9);
        Assert.Equal(exact.SameTop.Value, approx.SameTop.Value);
        Assert.Equal(exact.PerplexityRatio.Value, approx.PerplexityRatio.Value, 1e-12);
    }

    [Fact]
    public async Task A_cache_from_another_context_text_or_tokenizer_is_a_clear_error()
    {
        var cache = Path.Combine(dir, "base.kld");
        await PerplexityRunner.RunAsync(Options(Stories, ctx: 64, chunks: 4) with { WriteBaseCache = cache });

        var ctx = await Assert.ThrowsAsync<InferenceException>(() => PerplexityRunner.RunAsync(Options(Stories, ctx: 128, chunks: 4) with { BaseCache = cache }));
        Assert.Contains("context of 64", ctx.Message, StringComparison.Ordinal);
        var text = await Assert.ThrowsAsync<InferenceException>(() => PerplexityRunner.RunAsync(Options(Stories, ctx: 64, chunks: 4, text: PerplexitySample.Text[100..]) with { BaseCache = cache }));
        Assert.Contains("another text", text.Message, StringComparison.Ordinal);
        var zero = TestModels.ZeroWeights(Path.Combine(dir, "zero.gguf"));
        var tokenizer = await Assert.ThrowsAsync<InferenceException>(() => PerplexityRunner.RunAsync(Options(zero, ctx: 64, chunks: 4) with { BaseCache = cache }));
        Assert.Contains("another tokenizer", tokenizer.Message, StringComparison.Ordinal);
        await File.WriteAllTextAsync(Path.Combine(dir, "junk.kld"), "junk");
        var junk = await Assert.ThrowsAsync<InferenceException>(() => PerplexityRunner.RunAsync(Options(Stories, ctx: 64, chunks: 4) with { BaseCache = Path.Combine(dir, "junk.kld") }));
        Assert.Contains("not a ModelScout base-logit cache", junk.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_cancelled_base_run_leaves_no_cache_file()
    {
        using var cts = new CancellationTokenSource();
        var progress = new Progress(p => cts.Cancel());
        var cache = Path.Combine(dir, "cancelled", "base.kld");
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => PerplexityRunner.RunAsync(Options(Stories, ctx: 64, chunks: 12) with { WriteBaseCache = cache, BatchSize = 64 }, progress, cts.Token));
        Assert.Empty(Directory.GetFiles(Path.GetDirectoryName(cache)!));
    }

    [Fact]
    public async Task A_text_shorter_than_two_chunks_is_refused_with_the_token_count()
    {
        var e = await Assert.ThrowsAsync<InferenceException>(() => PerplexityRunner.RunAsync(Options(Stories, ctx: 512, text: "Once upon a time there was a cat.")));
        Assert.Equal(InferenceErrorKind.InvalidRequest, e.Kind);
        Assert.Contains("needs at least 1024", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_128k_vocabulary_over_100k_tokens_stays_far_under_a_gigabyte()
    {
        // The format's worst case: every position keeps the cap.
        var worst = BaseLogitCache.WorstCaseBytes(100_000, 128_256);
        output.WriteLine($"worst case for 128,256 × 100,000: {worst:N0} bytes");
        Assert.True(worst < 250_000_000);

        // A scaled written file: 100 positions of near-flat 128k-vocabulary logits (the cap is always reached).
        var random = new Random(7);
        var logits = new float[128_256];
        var path = Path.Combine(dir, "scaled.kld");
        var header = new BaseLogitCache.Header(logits.Length, new byte[32], new byte[32], 512, 2, 100, BaseLogitCache.MaxTokens, BaseLogitCache.TailTarget);
        using (var w = new BaseLogitCache.Writer(path, header))
        {
            for (var t = 0; t < 100; t++)
            {
                for (var i = 0; i < logits.Length; i++) logits[i] = (float)(random.NextDouble() * 4);
                var logZ = PerplexityRunner.LogSumExp(logits, out _);
                w.Add(logits, logZ, logits[t] - logZ);
            }
            w.Commit();
        }
        var bytes = new FileInfo(path).Length;
        var projected = (bytes - BaseLogitCache.HeaderBytes) * 1000L + BaseLogitCache.HeaderBytes;
        output.WriteLine($"scaled file: {bytes:N0} bytes for 100 positions; 100,000 positions: {projected:N0} bytes");
        Assert.Equal(BaseLogitCache.HeaderBytes + 100 * BaseLogitCache.RecordBytes(256), bytes);
        Assert.True(projected < 1_000_000_000);
    }

    [Fact]
    public void Top_tokens_come_out_in_falling_order_with_ties_by_id()
    {
        float[] logits = [1, 5, 3, 5, -2, 0, 3];
        int[] ids = [];
        float[] values = [];
        var n = BaseLogitCache.TopTokens(logits, 4, ref ids, ref values);
        Assert.Equal(4, n);
        Assert.Equal([1, 3, 2, 6], ids[..4]);
        Assert.Equal([5f, 5f, 3f, 3f], values[..4]);
        n = BaseLogitCache.TopTokens(logits, 50, ref ids, ref values);
        Assert.Equal([1, 3, 2, 6, 0, 5, 4], ids[..n]);
    }

    private sealed class Progress(Action<PerplexityProgress> report) : IProgress<PerplexityProgress>
    {
        public void Report(PerplexityProgress value) => report(value);
    }
}
