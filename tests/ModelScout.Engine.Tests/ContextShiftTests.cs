using System.Collections.Concurrent;
using System.Text;
using LLama;
using LLama.Native;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using ModelScout.Prompting;
using ModelScout.Testing;

namespace ModelScout.Engine.Tests;

/// <summary>
/// Context shift, prompt truncation and /api/generate's context on real llama.cpp. llama-2-tiny-random (random weights,
/// so greedy decoding does not end on its own) runs replies three times its 64-token context; stories260K checks ids.
/// </summary>
public sealed class ContextShiftTests
{
    private const int Ctx = 64;
    private static readonly string Tiny = RepoPaths.Model("llama-2-tiny-random.gguf");
    private static readonly ModelOptions Long = new() { Temperature = 0, NumCtx = Ctx, NumPredict = 3 * Ctx };

    private static ModelHost Host(bool shiftSetting = true, ILoggerFactory? logs = null) =>
        new(new PathResolver(new Dictionary<string, string> { ["tiny"] = Tiny, ["stories"] = ModelHostTests.Stories }),
            new EngineSettings { Threads = 1, Parallel = 1, MaxQueue = 8, ContextShift = shiftSetting }, logs);

    private static GenerationRequest LongRun(bool? shift, ModelOptions? options = null) =>
        new() { Model = "tiny", Prompt = "Once upon a time there was a", Raw = true, Options = options ?? Long, ContextShift = shift };

    [Theory]
    [InlineData(null, true)]
    [InlineData("false", false)]
    [InlineData("0", false)]
    [InlineData("OFF", false)]
    [InlineData("true", true)]
    [InlineData("1", true)]
    public void SCOUT_CONTEXT_SHIFT_sets_the_default(string? value, bool expected) =>
        Assert.Equal(expected, EngineSettings.FromEnvironment(n => n == "SCOUT_CONTEXT_SHIFT" ? value : null).ContextShift);

    [Fact]
    public void A_context_shift_setting_that_is_no_yes_or_no_names_itself()
    {
        var e = Assert.Throws<ArgumentException>(() => EngineSettings.FromEnvironment(n => n == "SCOUT_CONTEXT_SHIFT" ? "sometimes" : null));
        Assert.Contains("SCOUT_CONTEXT_SHIFT=sometimes", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Keep_and_discard_follow_ollama_and_llama_cpp()
    {
        // Ollama: num_keep (default 4) plus the BOS token, at most num_ctx - 1; a negative num_keep keeps the whole prompt.
        Assert.Equal(5, ContextWindow.Keep(4, 20, 1, 64));
        Assert.Equal(4, ContextWindow.Keep(null, 20, 0, 64));
        Assert.Equal(20, ContextWindow.Keep(-1, 20, 1, 64));
        Assert.Equal(63, ContextWindow.Keep(500, 20, 1, 64));
        // n_discard = (n_past - n_keep) / 2, at least one, none when nothing follows the kept tokens.
        Assert.Equal(29, ContextWindow.Discard(63, 5));
        Assert.Equal(1, ContextWindow.Discard(6, 5));
        Assert.Equal(0, ContextWindow.Discard(5, 5));
    }

    [Fact]
    public void Earlier_context_goes_before_the_prompt_with_one_bos()
    {
        Assert.Equal([1, 7, 8, 9, 10], ContextWindow.Prepend([1, 7, 8], [1, 9, 10], [1], 32));
        Assert.Equal([1, 7, 8, 9], ContextWindow.Prepend([7, 8], [1, 9], [1], 32));
        Assert.Equal([7, 9], ContextWindow.Prepend([7], [9], [], 32));
        var e = Assert.Throws<InferenceException>(() => ContextWindow.Prepend([1, 32], [1, 9], [1], 32));
        Assert.Equal("context", e.Param);
        Assert.Contains("context[1]", e.Message, StringComparison.Ordinal);
        Assert.Throws<InferenceException>(() => ContextWindow.Prepend([-3], [9], [], 32));
    }

    [Fact]
    public async Task A_reply_three_times_the_context_runs_to_num_predict_with_shifts()
    {
        await using var host = Host();
        var (_, ids, stats) = await ModelHostTests.Run(host, LongRun(shift: null));
        Assert.Equal(DoneReason.Length, stats.DoneReason);
        Assert.Equal(3 * Ctx, stats.CompletionTokens);
        Assert.Equal(3 * Ctx, ids.Count);
        Assert.True(stats.ContextShifts >= 2, $"{stats.ContextShifts} shifts");
    }

    [Fact]
    public async Task With_shifting_off_the_reply_stops_at_the_context()
    {
        await using var host = Host();
        var (_, _, off) = await ModelHostTests.Run(host, LongRun(shift: false));
        Assert.Equal(DoneReason.Length, off.DoneReason);
        Assert.Equal(0, off.ContextShifts);
        Assert.True(off.PromptTokens + off.CompletionTokens <= Ctx, $"{off.PromptTokens} + {off.CompletionTokens} tokens in a context of {Ctx}");
        Assert.True(off.CompletionTokens < 3 * Ctx);
    }

    [Fact]
    public async Task Num_predict_minus_two_fills_the_context_and_stops_even_with_shifting_on()
    {
        await using var host = Host();
        var (_, _, stats) = await ModelHostTests.Run(host, LongRun(shift: true, Long with { NumPredict = -2 }));
        Assert.Equal(DoneReason.Length, stats.DoneReason);
        Assert.Equal(0, stats.ContextShifts);
        Assert.True(stats.PromptTokens + stats.CompletionTokens <= Ctx);
    }

    [Fact]
    public async Task The_setting_is_the_default_and_a_request_overrides_it()
    {
        await using var host = Host(shiftSetting: false);
        var (_, _, byDefault) = await ModelHostTests.Run(host, LongRun(shift: null));
        Assert.Equal(0, byDefault.ContextShifts);
        Assert.True(byDefault.CompletionTokens < Ctx);
        var (_, _, asked) = await ModelHostTests.Run(host, LongRun(shift: true));
        Assert.Equal(3 * Ctx, asked.CompletionTokens);
        Assert.True(asked.ContextShifts >= 2);
    }

    [Fact]
    public void Each_shift_keeps_the_first_num_keep_tokens_of_the_prompt_and_moves_the_cache()
    {
        LlamaTestRuntime.EnsureConfigured();
        var p = LlamaTestRuntime.Parameters(Tiny, Ctx);
        p.BatchSize = Ctx;
        p.UBatchSize = Ctx;
        using var weights = LLamaWeights.LoadFromFile(p);
        using var context = weights.CreateContext(p);
        Assert.True(context.NativeHandle.MemoryCanShift);
        using var scheduler = new Scheduler(weights, context, 1, Ctx, Ctx, 4, NullLogger.Instance, "tiny");
        var prompt = weights.Tokenize("Once upon a time there was a", true, false, Encoding.UTF8).Select(t => (int)t).ToArray();
        var keep = ContextWindow.Keep(4, prompt.Length, 1, Ctx);
        var shifts = new ConcurrentQueue<ContextShiftRecord>();
        var sampler = SafeLLamaSamplerChainHandle.Create(LLamaSamplerChainParams.Default());
        sampler.AddGreedySampler();
        var request = new ScheduledRequest(prompt, sampler, 3 * Ctx, [], 0, false, argMax: true)
        {
            NumKeep = keep, ContextShift = true, ReturnContext = true, Shifted = shifts.Enqueue,
        };
        scheduler.Enqueue(request);
        var stats = Drain(request);

        Assert.Equal(DoneReason.Length, stats.DoneReason);
        Assert.Equal(3 * Ctx, stats.CompletionTokens);
        Assert.Equal(shifts.Count, stats.ContextShifts);
        Assert.True(shifts.Count >= 2, $"{shifts.Count} shifts");
        Assert.Equal(5, keep);
        foreach (var s in shifts)
        {
            Assert.Equal(prompt[..keep], s.Kept);
            Assert.Equal((s.Before - keep) / 2, s.Discarded);
            Assert.Equal(s.Before - s.Discarded, s.After);
            // llama.cpp's memory holds positions 0..After-1 for the slot: the cache moved as the token list did.
            Assert.Equal(s.After - 1, s.KvMaxPosition);
            Assert.True(s.Before < Ctx);
        }
        // The context reports every token read and written, the shifted-out ones included.
        Assert.Equal(prompt.Length + 3 * Ctx, stats.Context!.Count);
        Assert.Equal(prompt, stats.Context.Take(prompt.Length));
    }

    [Fact]
    public void A_model_whose_memory_cannot_shift_ends_with_length_and_says_why()
    {
        LlamaTestRuntime.EnsureConfigured();
        var p = LlamaTestRuntime.Parameters(Tiny, Ctx);
        p.BatchSize = Ctx;
        p.UBatchSize = Ctx;
        using var weights = LLamaWeights.LoadFromFile(p);
        using var context = weights.CreateContext(p);
        var logs = new Collector();
        using var factory = LoggerFactory.Create(b => b.AddProvider(logs));
        using var scheduler = new Scheduler(weights, context, 1, Ctx, Ctx, 4, factory.CreateLogger("test"), "tiny") { CanShift = false };
        var prompt = weights.Tokenize("Once upon a time there was a", true, false, Encoding.UTF8).Select(t => (int)t).ToArray();
        var sampler = SafeLLamaSamplerChainHandle.Create(LLamaSamplerChainParams.Default());
        sampler.AddGreedySampler();
        var shifts = 0;
        var request = new ScheduledRequest(prompt, sampler, 3 * Ctx, [], 0, false, argMax: true)
        {
            NumKeep = 5, ContextShift = true, Shifted = _ => shifts++,
        };
        scheduler.Enqueue(request);
        var stats = Drain(request);
        Assert.Equal(DoneReason.Length, stats.DoneReason);
        Assert.Equal(0, shifts);
        Assert.True(prompt.Length + stats.CompletionTokens <= Ctx);
        Assert.Contains(logs.Lines, l => l.Contains("cannot be shifted", StringComparison.Ordinal));
    }

    private static GenerationStats Drain(ScheduledRequest request)
    {
        var reader = request.Output.Reader;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (reader.WaitToReadAsync(timeout.Token).AsTask().GetAwaiter().GetResult())
        {
            while (reader.TryRead(out var update))
            {
                if (update is GenerationCompleted done) return done.Stats;
            }
        }
        throw new InvalidOperationException("the scheduler ended the request without its counters");
    }

    [Fact]
    public async Task Generate_context_round_trips_and_is_read_before_the_next_prompt()
    {
        await using var host = Host();
        // The default num_ctx, so that tokenizing between the runs does not reload the model (and empty its cache).
        var greedy = new ModelOptions { Temperature = 0, NumPredict = 8 };
        var (_, ids, first) = await ModelHostTests.Run(host, new GenerationRequest { Model = "stories", Prompt = "Once upon a time", Options = greedy });
        var promptIds = await host.TokenizeAsync("stories", "Once upon a time", addSpecial: true, parseSpecial: true);
        Assert.Equal([.. promptIds, .. ids], first.Context);

        var next = await host.TokenizeAsync("stories", " Then", addSpecial: false, parseSpecial: true);
        var (_, _, second) = await ModelHostTests.Run(host, new GenerationRequest { Model = "stories", Prompt = " Then", Options = greedy, Context = first.Context });
        Assert.Equal(first.Context!.Count + next.Count, second.PromptTokens);
        Assert.Equal(first.Context, second.Context!.Take(first.Context.Count));
        // Continuing from the context reuses the cached prefix the first request left in the slot.
        Assert.True(second.CachedPromptTokens >= promptIds.Count, $"{second.CachedPromptTokens} cached");

        var (_, _, raw) = await ModelHostTests.Run(host, new GenerationRequest { Model = "stories", Prompt = "Once upon a time", Raw = true, Options = greedy, Context = first.Context });
        Assert.Null(raw.Context);
        Assert.Equal(promptIds.Count, raw.PromptTokens);
        var (_, _, chat) = await ModelHostTests.Run(host, new GenerationRequest { Model = "stories", Messages = [new ChatTurn("user", "Once upon a time")], Options = greedy });
        Assert.Null(chat.Context);

        var bad = await Assert.ThrowsAsync<InferenceException>(() => ModelHostTests.Run(host, new GenerationRequest { Model = "stories", Prompt = "x", Options = greedy, Context = [1, 99_999] }));
        Assert.Equal(InferenceErrorKind.InvalidRequest, bad.Kind);
        Assert.Equal("context", bad.Param);
    }

    [Fact]
    public async Task A_truncated_prompt_is_reported_and_logged_with_its_numbers()
    {
        var logs = new Collector();
        using var factory = LoggerFactory.Create(b => b.AddProvider(logs));
        await using var host = Host(logs: factory);
        var words = string.Join(" ", Enumerable.Repeat("Once upon a time there was a little girl.", 30));
        var (_, _, stats) = await ModelHostTests.Run(host, new GenerationRequest
        {
            Model = "stories", Prompt = words, TruncatePrompt = true, Options = new ModelOptions { Temperature = 0, NumCtx = 128, NumPredict = 4 },
        });
        Assert.True(stats.PromptTruncated);
        Assert.True(stats.PromptTokens < 128);
        var line = Assert.Single(logs.Lines, l => l.Contains("does not fit the context of 128", StringComparison.Ordinal));
        Assert.Contains($"cut to {stats.PromptTokens}", line, StringComparison.Ordinal);
    }

    private sealed class Collector : ILoggerProvider
    {
        public ConcurrentQueue<string> Lines { get; } = new();

        public ILogger CreateLogger(string categoryName) => new Sink(Lines);

        public void Dispose()
        {
        }

        private sealed class Sink(ConcurrentQueue<string> lines) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
                lines.Enqueue(formatter(state, exception));
        }
    }
}
