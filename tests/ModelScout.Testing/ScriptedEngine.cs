using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using ModelScout.Engine;
using ModelScout.Prompting;

namespace ModelScout.Testing;

/// <summary>
/// A hand-written engine with real slot and queue accounting that records what it was asked. Unless a test gives a
/// <see cref="Reply"/>, "Once upon a time" continues with a fixed story and any other prompt is echoed back word by word
/// ("echo: ..."), so a test sees whether the prompt travelled intact (<see cref="Script"/>). Given
/// <see cref="Models"/>, other models fail as the real engine's do (ModelNotFound); "broken:latest" always fails to load,
/// and a full queue answers Busy. With <see cref="HoldAfterFirstToken"/> an answer sends one token and then waits until
/// cancelled, as a long answer would. Every answer reports the same statistics: 10 prompt tokens, 250 ms a token,
/// 1.5 s in all.
/// </summary>
public sealed class ScriptedEngine : IInferenceService, IDisposable
{
    /// <summary>What "Once upon a time" continues with.</summary>
    public const string Story = ", there was a little girl named Lily. She loved to play outside in the park.";

    /// <summary><see cref="Story"/> as the tokens the engine sends.</summary>
    public static readonly IReadOnlyList<string> StoryPieces = [",", " there", " was", " a", " little", " girl", " named", " Lily", ".", " She", " loved", " to", " play", " outside", " in", " the", " park", "."];

    // Every answer's prompt token count, whatever the prompt: the statistics are fixed so CLI output can be compared whole.
    private const int PromptTokens = 10;

    private readonly Lock gate = new();
    private readonly SemaphoreSlim slots;
    private readonly ConcurrentDictionary<string, LoadedModelInfo> loaded = new(StringComparer.Ordinal);
    private readonly List<GenerationRequest> requests = [];
    private readonly List<EmbeddingRequest> embeddings = [];
    private int running;
    private int waiting;
    private int loads;
    private long promptTotal;
    private long generatedTotal;
    private long requestsTotal;

    /// <param name="models">The models it serves; null serves any name.</param>
    /// <param name="parallel">Requests generated at once; more wait in the queue.</param>
    /// <param name="maxQueue">Requests that may wait while every slot is taken; one more is refused as Busy.</param>
    /// <param name="tokenDelay">A pause before every token.</param>
    public ScriptedEngine(IEnumerable<string>? models = null, int parallel = 4, int maxQueue = 512, TimeSpan? tokenDelay = null)
    {
        Models = models is null ? null : new HashSet<string>(models, StringComparer.Ordinal);
        Parallel = parallel;
        MaxQueue = maxQueue;
        TokenDelay = tokenDelay ?? TimeSpan.Zero;
        slots = new SemaphoreSlim(parallel, parallel);
    }

    /// <summary>The models it serves; null when it serves any name.</summary>
    public IReadOnlySet<string>? Models { get; }

    /// <summary>Requests generated at once.</summary>
    public int Parallel { get; }

    /// <summary>Requests that may wait for a slot.</summary>
    public int MaxQueue { get; }

    /// <summary>A pause before every token; a test may change it while requests run.</summary>
    public TimeSpan TokenDelay { get; set; }

    /// <summary>What <see cref="Snapshot"/> reports as loading.</summary>
    public bool Loading { get; set; }

    /// <summary>
    /// The whole answer to a request, sent one space-separated word per token; null answers from <see cref="Script"/>.
    /// </summary>
    public Func<GenerationRequest, string>? Reply { get; init; }

    /// <summary>
    /// The whole reply to a request as the updates the engine sends, for replies with reasoning
    /// (<see cref="GenerationToken.Thinking"/>) and tool calls (<see cref="GenerationToolCall"/>); the engine adds the
    /// <see cref="GenerationCompleted"/>, counting the tokens and the calls. <c>num_predict</c> counts tokens. It may throw,
    /// as the real engine does for a request the model cannot serve (tools for a model without them). Wins over
    /// <see cref="Reply"/>.
    /// </summary>
    public Func<GenerationRequest, IReadOnlyList<GenerationUpdate>>? Updates { get; init; }

    /// <summary>Tokens whose text is reasoning: one per space-separated word of <paramref name="thinking"/>.</summary>
    public static IReadOnlyList<GenerationUpdate> ThinkingTokens(string thinking)
    {
        ArgumentNullException.ThrowIfNull(thinking);
        return [.. Words(thinking).Select((w, i) => new GenerationToken("", 3000 + i, null, null) { Thinking = w })];
    }

    /// <summary>Tokens of answer text: one per space-separated word of <paramref name="text"/>.</summary>
    public static IReadOnlyList<GenerationUpdate> TextTokens(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return [.. Words(text).Select((w, i) => new GenerationToken(w, 1000 + i, null, null))];
    }

    /// <summary>Send one token of every answer, then wait until the request is cancelled and end it as cancelled.</summary>
    public bool HoldAfterFirstToken { get; init; }

    /// <summary>Completes once a held answer has sent its first token.</summary>
    public TaskCompletionSource FirstTokenSent { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Every generation request, in arrival order (refused ones included).</summary>
    public IReadOnlyList<GenerationRequest> Requests
    {
        get
        {
            lock (gate) return [.. requests];
        }
    }

    /// <summary>Every embedding request, in arrival order.</summary>
    public IReadOnlyList<EmbeddingRequest> Embeddings
    {
        get
        {
            lock (gate) return [.. embeddings];
        }
    }

    /// <summary>How many times <see cref="LoadAsync"/> was called.</summary>
    public int Loads => Volatile.Read(ref loads);

    /// <inheritdoc />
    public IReadOnlyList<LoadedModelInfo> Loaded => [.. loaded.Values];

    /// <summary>What the engine answers to a request without a <see cref="Reply"/>, as the tokens it sends.</summary>
    public static IReadOnlyList<string> Script(GenerationRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var prompt = request.Prompt ?? request.Messages?.LastOrDefault(m => m.Role == "user")?.Content ?? "";
        if (prompt.Trim() == "Once upon a time") return StoryPieces;
        var words = prompt.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return ["echo:", .. words.Select(w => " " + w)];
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<GenerationUpdate> GenerateAsync(GenerationRequest request, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        lock (gate) requests.Add(request);
        Check(request.Model);
        cancellationToken.ThrowIfCancellationRequested();
        await Task.Yield();
        lock (gate)
        {
            if (running >= Parallel && waiting >= MaxQueue) throw new InferenceException(InferenceErrorKind.Busy, "server busy: the queue is full");
            waiting++;
        }
        try
        {
            await slots.WaitAsync(cancellationToken);
        }
        finally
        {
            lock (gate) waiting--;
        }
        lock (gate) running++;
        Interlocked.Increment(ref requestsTotal);
        MarkLoaded(request.Model, request.KeepAlive);
        try
        {
            var updates = Updates is { } scripted
                ? scripted(request)
                : [.. (Reply is { } reply ? Words(reply(request)) : Script(request)).Select((p, i) => (GenerationUpdate)new GenerationToken(p, 1000 + i, null, null))];
            var limit = request.Options.NumPredict is > 0 and var n ? n : int.MaxValue;
            Interlocked.Add(ref promptTotal, PromptTokens);
            var produced = 0;
            var calls = 0;
            var reason = DoneReason.Stop;
            for (var i = 0; i < updates.Count; i++)
            {
                if (updates[i] is GenerationToolCall call)
                {
                    calls++;
                    yield return call;
                    continue;
                }
                if (updates[i] is not GenerationToken token) throw new InvalidOperationException("Updates sends tokens and tool calls; the engine adds the completion");
                if (produced >= limit)
                {
                    reason = DoneReason.Length;
                    break;
                }
                if (TokenDelay > TimeSpan.Zero) await Task.WhenAny(Task.Delay(TokenDelay, cancellationToken));
                cancellationToken.ThrowIfCancellationRequested();
                var chosen = request.Logprobs ? new TokenLogprob(token.TokenId, token.Text.Length > 0 ? token.Text : token.Thinking, -(i + 1) / 10.0) : null;
                IReadOnlyList<TokenLogprob>? top = request.TopLogprobs > 0
                    ? [chosen!, .. Enumerable.Range(1, request.TopLogprobs - 1).Select(k => new TokenLogprob(2000 + k, $"alt{k}", -5.0 - k))]
                    : null;
                produced++;
                Interlocked.Increment(ref generatedTotal);
                yield return token with { Chosen = chosen, Top = top };
                if (HoldAfterFirstToken && await HoldAsync(cancellationToken))
                {
                    reason = DoneReason.Cancelled;
                    break;
                }
            }
            yield return new GenerationCompleted(new GenerationStats
            {
                Model = request.Model,
                DoneReason = reason,
                PromptTokens = PromptTokens,
                CompletionTokens = produced,
                TotalDuration = TimeSpan.FromMilliseconds(1500),
                LoadDuration = TimeSpan.FromMilliseconds(12.5),
                PromptEvalDuration = TimeSpan.FromMilliseconds(5),
                EvalDuration = TimeSpan.FromMilliseconds(produced * 250),
                ToolCalls = calls,
            });
        }
        finally
        {
            lock (gate) running--;
            slots.Release();
        }
    }

    /// <inheritdoc />
    public Task<EmbeddingResult> EmbedAsync(EmbeddingRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        lock (gate) embeddings.Add(request);
        Check(request.Model);
        var vectors = request.Inputs.Select(input =>
        {
            var v = new float[] { input.Length, input.Count(c => c == ' ') + 1, 3, 4 };
            if (request.Normalize)
            {
                var norm = MathF.Sqrt(v.Sum(x => x * x));
                for (var i = 0; i < v.Length; i++) v[i] /= norm;
            }
            return v;
        }).ToList();
        return Task.FromResult(new EmbeddingResult(request.Model, vectors, request.Inputs.Sum(i => i.Split(' ').Length), TimeSpan.FromMilliseconds(2), TimeSpan.Zero));
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<int>> TokenizeAsync(string model, string text, bool addSpecial, bool parseSpecial, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(text);
        Check(model);
        IReadOnlyList<int> ids = [.. (addSpecial ? new[] { 1 } : []), .. text.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(w => 100 + w.Length)];
        return Task.FromResult(ids);
    }

    /// <inheritdoc />
    public Task<string> DetokenizeAsync(string model, IReadOnlyList<int> tokens, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        Check(model);
        return Task.FromResult(string.Concat(tokens.Select(t => t == 1 ? "<s>" : new string('x', t - 100))));
    }

    /// <inheritdoc />
    public Task<LoadedModelInfo> LoadAsync(string model, ModelOptions? options = null, TimeSpan? keepAlive = null, CancellationToken cancellationToken = default)
    {
        Interlocked.Increment(ref loads);
        Check(model);
        return Task.FromResult(MarkLoaded(model, keepAlive));
    }

    /// <inheritdoc />
    public Task<bool> UnloadAsync(string model) => Task.FromResult(loaded.TryRemove(model, out _));

    /// <inheritdoc />
    public InferenceSnapshot Snapshot()
    {
        lock (gate)
        {
            var first = (Models ?? (IEnumerable<string>)loaded.Keys).Order(StringComparer.Ordinal).Take(1);
            return new InferenceSnapshot
            {
                Loading = Loading,
                Models = [.. first.Select(m => new ModelCounters
                {
                    Model = m,
                    Running = running,
                    Waiting = waiting,
                    PromptTokensTotal = Interlocked.Read(ref promptTotal),
                    GeneratedTokensTotal = Interlocked.Read(ref generatedTotal),
                    RequestsTotal = Interlocked.Read(ref requestsTotal),
                    KvCacheUsage = running / (double)Parallel,
                })],
            };
        }
    }

    /// <inheritdoc />
    public void Dispose() => slots.Dispose();

    private static string[] Words(string answer)
    {
        var words = answer.Split(' ');
        for (var i = 1; i < words.Length; i++) words[i] = " " + words[i];
        return words;
    }

    // True when the request was cancelled while held.
    private async Task<bool> HoldAsync(CancellationToken cancellationToken)
    {
        FirstTokenSent.TrySetResult();
        try
        {
            await Task.Delay(Timeout.Infinite, cancellationToken);
            return false;
        }
        catch (OperationCanceledException)
        {
            return true;
        }
    }

    private void Check(string model)
    {
        if (model == "broken:latest") throw new InferenceException(InferenceErrorKind.ModelLoadFailed, "broken:latest is not a valid GGUF file (bad magic); re-import it");
        if (Models is not null && !Models.Contains(model)) throw new InferenceException(InferenceErrorKind.ModelNotFound, $"model '{model}' not found; try scout pull {model}") { Param = "model" };
    }

    private LoadedModelInfo MarkLoaded(string model, TimeSpan? keepAlive) =>
        loaded[model] = new LoadedModelInfo
        {
            Name = model,
            GgufPath = "/models/" + model,
            MemoryBytes = 1_000_000,
            ContextLength = 2048,
            Parallel = Parallel,
            LoadDuration = TimeSpan.FromMilliseconds(3),
            ExpiresAt = keepAlive is { } k && k < TimeSpan.Zero ? DateTimeOffset.MaxValue : new DateTimeOffset(2026, 1, 1, 0, 5, 0, TimeSpan.Zero),
        };
}
