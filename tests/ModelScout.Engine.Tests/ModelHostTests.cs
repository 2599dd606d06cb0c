using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using ModelScout.Prompting;
using ModelScout.Store;
using ModelScout.Testing;

namespace ModelScout.Engine.Tests;

/// <summary>Names → files, for tests that do not need the store.</summary>
internal sealed class PathResolver(IReadOnlyDictionary<string, string> paths, IReadOnlyDictionary<string, ModelOptions>? parameters = null) : IModelResolver
{
    public ResolvedModel Resolve(string name) => paths.TryGetValue(name, out var path)
        ? new ResolvedModel { Name = name, GgufPath = path, Parameters = parameters?.GetValueOrDefault(name) ?? new ModelOptions() }
        : throw new InferenceException(InferenceErrorKind.ModelNotFound, $"model '{name}' not found");
}

public sealed class ModelHostTests : IDisposable
{
    // llama.cpp's greedy continuation of BOS + "Once upon a time" on stories260K (tests/Fixtures/models/README.md and issue 4).
    private static readonly int[] PromptIds = [1, 403, 407, 261, 378];
    private static readonly int[] GreedyIds = [432, 383, 286, 261, 376, 298, 315, 421, 395, 317];

    private static readonly ModelOptions Greedy = new() { Temperature = 0, NumCtx = 256 };
    private readonly string temp = Directory.CreateTempSubdirectory("scout-engine-").FullName;

    internal static string Stories => RepoPaths.Model("stories260K.gguf");

    private static EngineSettings Settings(int parallel = 4, int maxQueue = 64) => new() { Threads = 1, Parallel = parallel, MaxQueue = maxQueue, KeepAlive = TimeSpan.FromMinutes(5) };

    internal static ModelHost Host(EngineSettings? settings = null, TimeProvider? time = null, params (string Name, string Path)[] extra)
    {
        var map = new Dictionary<string, string> { ["stories"] = Stories };
        foreach (var (n, p) in extra) map[n] = p;
        return new ModelHost(new PathResolver(map), settings ?? Settings(), time: time);
    }

    internal static async Task<(string Text, List<int> Ids, GenerationStats Stats)> Run(IInferenceService host, GenerationRequest request, CancellationToken ct = default)
    {
        var text = new StringBuilder();
        var ids = new List<int>();
        GenerationStats? stats = null;
        await foreach (var u in host.GenerateAsync(request, ct))
        {
            switch (u)
            {
                case GenerationToken t:
                    text.Append(t.Text);
                    if (t.TokenId >= 0) ids.Add(t.TokenId);
                    break;
                case GenerationCompleted c:
                    stats = c.Stats;
                    break;
            }
        }
        Assert.NotNull(stats);
        return (text.ToString(), ids, stats);
    }

    [Fact]
    public async Task Greedy_continuation_matches_llama_cpp()
    {
        await using var host = Host();
        var tokens = await host.TokenizeAsync("stories", "Once upon a time", addSpecial: true, parseSpecial: true);
        Assert.Equal(PromptIds, tokens);

        var (text, ids, stats) = await Run(host, new GenerationRequest { Model = "stories", Prompt = "Once upon a time", Options = Greedy with { NumPredict = 10 } });
        Assert.Equal(GreedyIds, ids);
        Assert.StartsWith(", there was a little girl named Lily", text, StringComparison.Ordinal);
        Assert.Equal(DoneReason.Length, stats.DoneReason);
        Assert.Equal(5, stats.PromptTokens);
        Assert.Equal(10, stats.CompletionTokens);
        Assert.True(stats.LoadDuration > TimeSpan.Zero);
        Assert.True(stats.TotalDuration >= stats.EvalDuration);
    }

    [Fact]
    public async Task Concurrent_greedy_requests_produce_the_same_tokens_as_one_at_a_time()
    {
        string[] prompts = ["Once upon a time", "The little dog", "Lily and Tom went to the park", "One day, a big bird"];
        await using var host = Host(Settings(parallel: 4));
        var alone = new List<List<int>>();
        foreach (var p in prompts) alone.Add((await Run(host, new GenerationRequest { Model = "stories", Prompt = p, Options = Greedy with { NumPredict = 40 } })).Ids);

        var together = await Task.WhenAll(prompts.Select(p => Run(host, new GenerationRequest { Model = "stories", Prompt = p, Options = Greedy with { NumPredict = 40 } })));
        for (var i = 0; i < prompts.Length; i++) Assert.Equal(alone[i], together[i].Ids);
    }

    [Fact]
    public async Task A_new_request_joins_the_running_batch_instead_of_waiting()
    {
        await using var host = Host(Settings(parallel: 2));
        // A long run that takes a while even on a quiet machine (~0.4 s at 4,000 tok/s), so a loaded one still has room
        // to let the short request in; all three share one context size, so nothing waits for a reload.
        var wide = Greedy with { NumCtx = 2048 };
        await host.LoadAsync("stories", wide);
        var longRun = new GenerationRequest { Model = "stories", Prompt = "Once upon a time", Options = wide with { NumPredict = 1500 } };
        var firstTokens = 0;
        var longDone = new TaskCompletionSource();
        var shortDoneBeforeLong = false;
        var first = Task.Run(async () =>
        {
            await foreach (var u in host.GenerateAsync(longRun))
            {
                if (u is GenerationToken) Interlocked.Increment(ref firstTokens);
            }
            longDone.SetResult();
        });
        await Eventually.WaitUntilAsync(() => Volatile.Read(ref firstTokens) >= 5, TimeSpan.FromSeconds(30), "the long request has streamed five tokens", () => $"{Volatile.Read(ref firstTokens)} so far", TimeSpan.FromMilliseconds(1));
        var (_, ids, _) = await Run(host, new GenerationRequest { Model = "stories", Prompt = "The little dog", Options = wide with { NumPredict = 5 } });
        shortDoneBeforeLong = !longDone.Task.IsCompleted;
        await first;
        Assert.Equal(5, ids.Count);
        Assert.True(shortDoneBeforeLong, "the short request waited for the long one to finish");
    }

    [Fact]
    public async Task Cancelling_frees_the_slot_at_once()
    {
        await using var host = Host(Settings(parallel: 1));
        using var cts = new CancellationTokenSource();
        var seen = 0;
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var u in host.GenerateAsync(new GenerationRequest { Model = "stories", Prompt = "Once upon a time", Options = Greedy with { NumPredict = 100000, NumCtx = 2048 } }, cts.Token))
            {
                if (u is GenerationToken && ++seen == 3) await cts.CancelAsync();
            }
        });
        // With one slot, this request can only run if the cancelled one let go of it.
        var (_, ids, _) = await Run(host, new GenerationRequest { Model = "stories", Prompt = "The little dog", Options = Greedy with { NumPredict = 3 } });
        Assert.Equal(3, ids.Count);
        var counters = Assert.Single(host.Snapshot().Models);
        Assert.Equal(0, counters.Running);
        Assert.Equal(0, counters.Waiting);
    }

    [Fact]
    public async Task A_reader_that_stops_reading_frees_the_slot()
    {
        await using var host = Host(Settings(parallel: 1));
        var seen = 0;
        await foreach (var u in host.GenerateAsync(new GenerationRequest { Model = "stories", Prompt = "Once upon a time", Options = Greedy with { NumPredict = 100000, NumCtx = 2048 } }))
        {
            if (u is GenerationToken && ++seen == 3) break;
        }
        var (_, ids, _) = await Run(host, new GenerationRequest { Model = "stories", Prompt = "The little dog", Options = Greedy with { NumPredict = 3, NumCtx = 2048 } });
        Assert.Equal(3, ids.Count);
        var counters = Assert.Single(host.Snapshot().Models);
        Assert.Equal(0, counters.Running);
        // The abandoned request must not have run on towards its 100,000 tokens.
        Assert.True(counters.GeneratedTokensTotal < 500, $"{counters.GeneratedTokensTotal} tokens generated");
    }

    [Fact]
    public async Task Seeded_sampling_repeats_and_different_seeds_differ()
    {
        await using var host = Host();
        GenerationRequest Sampled(int seed) => new() { Model = "stories", Prompt = "Once upon a time", Options = new ModelOptions { Temperature = 1.0f, TopK = 0, TopP = 1.0f, Seed = seed, NumPredict = 40, NumCtx = 256 } };
        var a = await Run(host, Sampled(7));
        var b = await Run(host, Sampled(7));
        Assert.Equal(a.Ids, b.Ids);
        var others = new List<List<int>>();
        foreach (var seed in new[] { 8, 9, 10 }) others.Add((await Run(host, Sampled(seed))).Ids);
        Assert.Contains(others, o => !o.SequenceEqual(a.Ids));
        // Sampling at temperature 1 does not collapse to the greedy answer every time.
        Assert.Contains(others.Append(a.Ids), o => !o.Take(10).SequenceEqual(GreedyIds));
    }

    [Fact]
    public async Task Penalties_change_a_greedy_answer_that_repeats_itself()
    {
        await using var host = Host();
        var plain = await Run(host, new GenerationRequest { Model = "stories", Prompt = "Once upon a time", Options = Greedy with { NumPredict = 60 } });
        var penalised = await Run(host, new GenerationRequest { Model = "stories", Prompt = "Once upon a time", Options = Greedy with { NumPredict = 60, RepeatPenalty = 1.5f, RepeatLastN = 64 } });
        Assert.NotEqual(plain.Ids, penalised.Ids);
        var distinct = (double)penalised.Ids.Distinct().Count() / penalised.Ids.Count;
        Assert.True(distinct > (double)plain.Ids.Distinct().Count() / plain.Ids.Count, "a repeat penalty should make the answer repeat less");
    }

    [Fact]
    public async Task Stop_strings_end_the_answer_before_the_stop()
    {
        await using var host = Host();
        var (text, _, stats) = await Run(host, new GenerationRequest { Model = "stories", Prompt = "Once upon a time", Options = Greedy with { NumPredict = 50, Stop = ["Lily"] } });
        Assert.Equal(", there was a little girl named ", text);
        Assert.Equal(DoneReason.Stop, stats.DoneReason);
    }

    [Fact]
    public async Task A_follow_up_turn_reuses_the_cached_prefix()
    {
        await using var host = Host(Settings(parallel: 1));
        var (first, _, s1) = await Run(host, new GenerationRequest { Model = "stories", Prompt = "Once upon a time", Options = Greedy with { NumPredict = 20 } });
        Assert.Equal(0, s1.CachedPromptTokens);
        var (_, _, s2) = await Run(host, new GenerationRequest { Model = "stories", Prompt = "Once upon a time" + first + " The end.", Options = Greedy with { NumPredict = 5 } });
        Assert.True(s2.CachedPromptTokens >= 20, $"only {s2.CachedPromptTokens} prompt tokens came from the cache");
        Assert.True(s2.CachedPromptTokens < s2.PromptTokens);
    }

    [Fact]
    public async Task A_full_queue_answers_busy_and_recovers()
    {
        await using var host = Host(Settings(parallel: 1, maxQueue: 1));
        var wide = Greedy with { NumCtx = 2048 };
        await host.LoadAsync("stories", wide);
        using var cts = new CancellationTokenSource();
        var started = new TaskCompletionSource();
        var running = Task.Run(async () =>
        {
            try
            {
                await foreach (var u in host.GenerateAsync(new GenerationRequest { Model = "stories", Prompt = "Once upon a time", Options = wide with { NumPredict = 100000 } }, cts.Token))
                    started.TrySetResult();
            }
            catch (OperationCanceledException)
            {
            }
        });
        await started.Task;
        var queued = Run(host, new GenerationRequest { Model = "stories", Prompt = "The dog", Options = wide with { NumPredict = 2 } });
        await Eventually.WaitUntilAsync(() => host.Snapshot().Models[0].Waiting > 0, TimeSpan.FromSeconds(30), "the second request waits in the queue", poll: TimeSpan.FromMilliseconds(1));
        var busy = await Assert.ThrowsAsync<InferenceException>(() => Run(host, new GenerationRequest { Model = "stories", Prompt = "The cat", Options = wide with { NumPredict = 2 } }));
        Assert.Equal(InferenceErrorKind.Busy, busy.Kind);
        await cts.CancelAsync();
        await running;
        var (_, ids, _) = await queued;
        Assert.Equal(2, ids.Count);
    }

    [Fact]
    public async Task Logprobs_are_a_distribution_and_greedy_picks_the_top()
    {
        await using var host = Host();
        var tokens = new List<GenerationToken>();
        await foreach (var u in host.GenerateAsync(new GenerationRequest { Model = "stories", Prompt = "Once upon a time", Options = Greedy with { NumPredict = 8 }, TopLogprobs = 5 }))
            if (u is GenerationToken t && t.TokenId >= 0) tokens.Add(t);
        Assert.Equal(8, tokens.Count);
        foreach (var t in tokens)
        {
            Assert.NotNull(t.Chosen);
            Assert.NotNull(t.Top);
            Assert.Equal(5, t.Top!.Count);
            Assert.Equal(t.TokenId, t.Top[0].TokenId);
            Assert.Equal(t.Top[0].Logprob, t.Chosen!.Logprob, 6);
            for (var i = 1; i < t.Top.Count; i++) Assert.True(t.Top[i - 1].Logprob >= t.Top[i].Logprob);
            var mass = t.Top.Sum(x => Math.Exp(x.Logprob));
            Assert.InRange(mass, 0.0, 1.0 + 1e-6);
            Assert.True(t.Chosen.Logprob <= 0);
        }
    }

    [Fact]
    public async Task A_grammar_forces_the_shape_of_the_output()
    {
        await using var host = Host();
        var (text, _, stats) = await Run(host, new GenerationRequest
        {
            Model = "stories",
            Prompt = "Once upon a time",
            Options = Greedy with { NumPredict = 40 },
            Format = new OutputConstraint.Grammar("root ::= \"{\\\"age\\\": \" [1-9] [0-9] \"}\""),
        });
        using var doc = JsonDocument.Parse(text);
        Assert.InRange(doc.RootElement.GetProperty("age").GetInt32(), 10, 99);
        Assert.Equal(DoneReason.Stop, stats.DoneReason);
    }

    [Fact]
    public async Task A_bad_grammar_is_refused_before_llama_cpp_sees_it_and_the_host_keeps_working()
    {
        await using var host = Host();
        // Each of these takes the whole process down when handed to llama.cpp itself.
        foreach (var (gbnf, fault) in new[] { ("root ::= foo", "'foo' is used but never defined"), ("root ::= root \"a\" | \"b\"", "left recursion"), ("root ::= \"\\x00\"", "matches no character") })
        {
            var e = await Assert.ThrowsAsync<InferenceException>(() => Run(host, new GenerationRequest
            {
                Model = "stories",
                Prompt = "Once upon a time",
                Options = Greedy with { NumPredict = 8 },
                Format = new OutputConstraint.Grammar(gbnf),
            }));
            Assert.Equal(InferenceErrorKind.InvalidRequest, e.Kind);
            Assert.Equal("grammar", e.Param);
            Assert.Contains(fault, e.Message, StringComparison.Ordinal);
        }

        var (_, ids, _) = await Run(host, new GenerationRequest { Model = "stories", Prompt = "Once upon a time", Options = Greedy with { NumPredict = 10 } });
        Assert.Equal(GreedyIds, ids);
        var (text, _, _) = await Run(host, new GenerationRequest
        {
            Model = "stories",
            Prompt = "Once upon a time",
            Options = Greedy with { NumPredict = 10 },
            Format = new OutputConstraint.Grammar("root ::= \"yes\" | \"no\""),
        });
        Assert.Contains(text, new[] { "yes", "no" });
    }

    [Fact]
    public async Task Embeddings_are_unit_vectors_of_the_model_width_and_tell_texts_apart()
    {
        await using var host = Host();
        var r = await host.EmbedAsync(new EmbeddingRequest { Model = "stories", Inputs = ["The cat sat on the mat.", "The cat sat on the mat.", "A big red ball"] });
        Assert.Equal(3, r.Vectors.Count);
        Assert.All(r.Vectors, v => Assert.Equal(64, v.Length));
        Assert.All(r.Vectors, v => Assert.Equal(1.0, Math.Sqrt(v.Sum(x => (double)x * x)), 4));
        Assert.Equal(r.Vectors[0], r.Vectors[1]);
        Assert.NotEqual(r.Vectors[0], r.Vectors[2]);
        Assert.True(r.PromptTokens > 6);
    }

    [Fact]
    public async Task A_corrupt_model_file_fails_clearly_and_the_host_keeps_serving()
    {
        var bad = Path.Combine(temp, "bad.gguf");
        var bytes = await File.ReadAllBytesAsync(Stories);
        await File.WriteAllBytesAsync(bad, bytes.AsSpan(0, bytes.Length / 2).ToArray());
        var html = Path.Combine(temp, "page.gguf");
        await File.WriteAllTextAsync(html, "<!DOCTYPE html><html><body>Not found</body></html>");
        await using var host = Host(null, null, ("bad", bad), ("html", html));

        foreach (var name in new[] { "bad", "html" })
        {
            var e = await Assert.ThrowsAsync<InferenceException>(() => Run(host, new GenerationRequest { Model = name, Prompt = "hi", Options = Greedy }));
            Assert.Equal(InferenceErrorKind.ModelLoadFailed, e.Kind);
            Assert.Contains("not a valid GGUF", e.Message, StringComparison.Ordinal);
        }
        var missing = await Assert.ThrowsAsync<InferenceException>(() => Run(host, new GenerationRequest { Model = "nope", Prompt = "hi" }));
        Assert.Equal(InferenceErrorKind.ModelNotFound, missing.Kind);
        Assert.False(missing.ContextOverflow);

        var (_, ids, _) = await Run(host, new GenerationRequest { Model = "stories", Prompt = "Once upon a time", Options = Greedy with { NumPredict = 3 } });
        Assert.Equal(GreedyIds[..3], ids);
    }

    [Fact]
    public async Task Prompt_longer_than_the_context_is_refused_or_truncated_as_asked()
    {
        await using var host = Host();
        var longPrompt = string.Concat(Enumerable.Repeat("Once upon a time there was a cat. ", 40));
        var e = await Assert.ThrowsAsync<InferenceException>(() => Run(host, new GenerationRequest { Model = "stories", Prompt = longPrompt, Options = Greedy with { NumCtx = 64, NumPredict = 4 } }));
        Assert.Equal(InferenceErrorKind.InvalidRequest, e.Kind);
        Assert.Contains("num_ctx", e.Message, StringComparison.Ordinal);
        // Marked as an overflow, so a caller (scout eval) can retry with a shorter prompt rather than fail.
        Assert.True(e.ContextOverflow);

        var (_, ids, stats) = await Run(host, new GenerationRequest { Model = "stories", Prompt = longPrompt, TruncatePrompt = true, Options = Greedy with { NumCtx = 64, NumPredict = 4 } });
        Assert.True(stats.PromptTruncated);
        Assert.True(stats.PromptTokens < 64);
        Assert.Equal(4, ids.Count);
    }

    [Fact]
    public async Task Generation_stops_at_the_context_window_without_context_shift()
    {
        await using var host = Host();
        var (_, ids, stats) = await Run(host, new GenerationRequest { Model = "stories", Prompt = "Once upon a time", Options = Greedy with { NumCtx = 32, NumPredict = -1 }, ContextShift = false });
        Assert.Equal(DoneReason.Length, stats.DoneReason);
        Assert.True(stats.PromptTokens + ids.Count <= 32);
    }

    [Fact]
    public async Task Keep_alive_unloads_idle_models()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.Parse("2026-11-28T12:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
        await using var host = Host(Settings(), clock);
        await Run(host, new GenerationRequest { Model = "stories", Prompt = "Once", Options = Greedy with { NumPredict = 1 }, KeepAlive = TimeSpan.FromMinutes(2) });
        var loaded = Assert.Single(host.Loaded);
        Assert.Equal(clock.GetUtcNow() + TimeSpan.FromMinutes(2), loaded.ExpiresAt);
        clock.Advance(TimeSpan.FromMinutes(1));
        Assert.Single(host.Loaded);
        clock.Advance(TimeSpan.FromMinutes(1.5));
        Assert.Empty(host.Loaded);

        await Run(host, new GenerationRequest { Model = "stories", Prompt = "Once", Options = Greedy with { NumPredict = 1 }, KeepAlive = TimeSpan.Zero });
        Assert.Empty(host.Loaded);

        await Run(host, new GenerationRequest { Model = "stories", Prompt = "Once", Options = Greedy with { NumPredict = 1 }, KeepAlive = Timeout.InfiniteTimeSpan });
        clock.Advance(TimeSpan.FromDays(30));
        Assert.Equal(DateTimeOffset.MaxValue, Assert.Single(host.Loaded).ExpiresAt);
        Assert.True(await host.UnloadAsync("stories"));
        Assert.Empty(host.Loaded);
    }

    [Fact]
    public async Task A_keep_alive_of_centuries_or_past_a_timers_reach_expires_on_time()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.Parse("2026-11-28T12:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
        await using var host = Host(Settings(), clock);
        await Run(host, new GenerationRequest { Model = "stories", Prompt = "Once", Options = Greedy with { NumPredict = 1 }, KeepAlive = KeepAliveParser.Max });
        Assert.Equal(clock.GetUtcNow() + KeepAliveParser.Max, Assert.Single(host.Loaded).ExpiresAt);
        clock.Advance(TimeSpan.FromDays(400));
        Assert.Single(host.Loaded);

        // 90 days is past what one timer can wait (~49.7 days): the host wakes at its bound and waits again.
        await Run(host, new GenerationRequest { Model = "stories", Prompt = "Once", Options = Greedy with { NumPredict = 1 }, KeepAlive = TimeSpan.FromDays(90) });
        Assert.Equal(clock.GetUtcNow() + TimeSpan.FromDays(90), Assert.Single(host.Loaded).ExpiresAt);
        for (var day = 0; day < 89; day++) clock.Advance(TimeSpan.FromDays(1));
        Assert.Single(host.Loaded);
        clock.Advance(TimeSpan.FromDays(1));
        Assert.Empty(host.Loaded);
    }

    [Fact]
    public async Task An_empty_prompt_only_loads_the_model()
    {
        await using var host = Host();
        var updates = new List<GenerationUpdate>();
        await foreach (var u in host.GenerateAsync(new GenerationRequest { Model = "stories", Prompt = "" })) updates.Add(u);
        var done = Assert.IsType<GenerationCompleted>(Assert.Single(updates));
        Assert.Equal(DoneReason.Load, done.Stats.DoneReason);
        Assert.Single(host.Loaded);
    }

    [Fact]
    public async Task The_least_recently_used_idle_model_is_evicted_when_the_budget_is_full()
    {
        var copy = Path.Combine(temp, "copy.gguf");
        File.Copy(Stories, copy);
        long one;
        await using (var probe = Host())
        {
            one = (await probe.LoadAsync("stories", new ModelOptions { NumCtx = 64 })).MemoryBytes;
        }
        Assert.True(one > new FileInfo(Stories).Length, $"the estimate ({one} B) should cover more than the file");
        // A budget that holds one stories260K with its KV cache and buffers, but not two.
        await using var host = Host(Settings() with { MemoryBudgetBytes = one * 3 / 2 }, null, ("copy", copy));
        await Run(host, new GenerationRequest { Model = "stories", Prompt = "Once", Options = Greedy with { NumPredict = 1, NumCtx = 64 } });
        Assert.Equal("stories", Assert.Single(host.Loaded).Name);
        await Run(host, new GenerationRequest { Model = "copy", Prompt = "Once", Options = Greedy with { NumPredict = 1, NumCtx = 64 } });
        Assert.Equal("copy", Assert.Single(host.Loaded).Name);
    }

    [Fact]
    public async Task A_different_num_ctx_reloads_the_model()
    {
        await using var host = Host();
        await host.LoadAsync("stories", new ModelOptions { NumCtx = 128 });
        Assert.Equal(128, Assert.Single(host.Loaded).ContextLength);
        await host.LoadAsync("stories", new ModelOptions { NumCtx = 512 });
        Assert.Equal(512, Assert.Single(host.Loaded).ContextLength);
    }

    [Fact]
    public async Task Model_defaults_apply_under_request_options()
    {
        var resolver = new PathResolver(new Dictionary<string, string> { ["stories"] = Stories },
            new Dictionary<string, ModelOptions> { ["stories"] = new ModelOptions { Temperature = 0, NumPredict = 4, Stop = ["girl"] } });
        await using var host = new ModelHost(resolver, Settings());
        var (text, ids, _) = await Run(host, new GenerationRequest { Model = "stories", Prompt = "Once upon a time" });
        Assert.Equal(GreedyIds[..4], ids);
        var (text2, _, _) = await Run(host, new GenerationRequest { Model = "stories", Prompt = "Once upon a time", Options = new ModelOptions { NumPredict = 30 } });
        Assert.Equal(", there was a little ", text2);
        Assert.NotEqual(text, text2);
    }

    public void Dispose() => Directory.Delete(temp, recursive: true);
}
