using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using ModelScout.Engine;
using ModelScout.Prompting;

namespace ModelScout.Server.Tests.Fakes;

/// <summary>
/// A hand-written engine with real slot and queue accounting: "Once upon a time" continues with a fixed story, any other
/// prompt is echoed back word by word ("echo: ..."), so tests see whether the prompt travelled intact. Unknown models
/// fail like the real engine's (ModelNotFound), "broken:latest" fails to load, and a full queue answers Busy.
/// </summary>
internal sealed class ScriptedEngine : IInferenceService, IDisposable
{
    public const string Story = ", there was a little girl named Lily. She loved to play outside in the park.";
    public static readonly string[] StoryPieces = [",", " there", " was", " a", " little", " girl", " named", " Lily", ".", " She", " loved", " to", " play", " outside", " in", " the", " park", "."];

    private readonly object gate = new();
    private readonly SemaphoreSlim slots;
    private readonly ConcurrentDictionary<string, LoadedModelInfo> loaded = new(StringComparer.Ordinal);
    private int running;
    private int waiting;
    private long promptTotal;
    private long generatedTotal;
    private long requests;

    public ScriptedEngine(IEnumerable<string> models, int parallel = 4, int maxQueue = 512, TimeSpan? tokenDelay = null)
    {
        Models = new HashSet<string>(models, StringComparer.Ordinal);
        Parallel = parallel;
        MaxQueue = maxQueue;
        TokenDelay = tokenDelay ?? TimeSpan.Zero;
        slots = new SemaphoreSlim(parallel, parallel);
    }

    public HashSet<string> Models { get; }
    public int Parallel { get; }
    public int MaxQueue { get; }
    public TimeSpan TokenDelay { get; set; }
    public bool Loading { get; set; }
    public ConcurrentQueue<GenerationRequest> Requests { get; } = new();
    public ConcurrentQueue<EmbeddingRequest> Embeddings { get; } = new();

    public IReadOnlyList<LoadedModelInfo> Loaded => [.. loaded.Values];

    /// <summary>What this engine answers to a request, as text pieces.</summary>
    public static IReadOnlyList<string> Script(GenerationRequest request)
    {
        var prompt = request.Prompt ?? request.Messages?.LastOrDefault(m => m.Role == "user")?.Content ?? "";
        if (prompt.Trim() == "Once upon a time") return StoryPieces;
        var words = prompt.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return ["echo:", .. words.Select(w => " " + w)];
    }

    public async IAsyncEnumerable<GenerationUpdate> GenerateAsync(GenerationRequest request, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        Requests.Enqueue(request);
        Check(request.Model);
        cancellationToken.ThrowIfCancellationRequested();
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
        Interlocked.Increment(ref requests);
        MarkLoaded(request.Model, request.KeepAlive);
        try
        {
            var pieces = Script(request);
            var limit = request.Options.NumPredict is > 0 and var n ? n : int.MaxValue;
            var promptTokens = (request.Prompt ?? string.Join(" ", request.Messages?.Select(m => m.Content) ?? [])).Split(' ', StringSplitOptions.RemoveEmptyEntries).Length + 1;
            Interlocked.Add(ref promptTotal, promptTokens);
            var produced = 0;
            var reason = DoneReason.Stop;
            for (var i = 0; i < pieces.Count; i++)
            {
                if (produced >= limit) { reason = DoneReason.Length; break; }
                if (TokenDelay > TimeSpan.Zero) await Task.WhenAny(Task.Delay(TokenDelay, cancellationToken));
                cancellationToken.ThrowIfCancellationRequested();
                var chosen = request.Logprobs ? new TokenLogprob(1000 + i, pieces[i], -(i + 1) / 10.0) : null;
                IReadOnlyList<TokenLogprob>? top = request.TopLogprobs > 0
                    ? [chosen!, .. Enumerable.Range(1, request.TopLogprobs - 1).Select(k => new TokenLogprob(2000 + k, $"alt{k}", -5.0 - k))]
                    : null;
                produced++;
                Interlocked.Increment(ref generatedTotal);
                yield return new GenerationToken(pieces[i], 1000 + i, chosen, top);
            }
            yield return new GenerationCompleted(new GenerationStats
            {
                Model = request.Model,
                DoneReason = reason,
                PromptTokens = promptTokens,
                CompletionTokens = produced,
                TotalDuration = TimeSpan.FromMilliseconds(3),
                LoadDuration = TimeSpan.FromMilliseconds(1),
                PromptEvalDuration = TimeSpan.FromMilliseconds(1),
                EvalDuration = TimeSpan.FromMilliseconds(1),
            });
        }
        finally
        {
            lock (gate) running--;
            slots.Release();
        }
    }

    public Task<EmbeddingResult> EmbedAsync(EmbeddingRequest request, CancellationToken cancellationToken = default)
    {
        Embeddings.Enqueue(request);
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

    public Task<IReadOnlyList<int>> TokenizeAsync(string model, string text, bool addSpecial, bool parseSpecial, CancellationToken cancellationToken = default)
    {
        Check(model);
        IReadOnlyList<int> ids = [.. (addSpecial ? new[] { 1 } : []), .. text.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(w => 100 + w.Length)];
        return Task.FromResult(ids);
    }

    public Task<string> DetokenizeAsync(string model, IReadOnlyList<int> tokens, CancellationToken cancellationToken = default)
    {
        Check(model);
        return Task.FromResult(string.Concat(tokens.Select(t => t == 1 ? "<s>" : new string('x', t - 100))));
    }

    public Task<LoadedModelInfo> LoadAsync(string model, ModelOptions? options = null, TimeSpan? keepAlive = null, CancellationToken cancellationToken = default)
    {
        Check(model);
        return Task.FromResult(MarkLoaded(model, keepAlive));
    }

    public Task<bool> UnloadAsync(string model) => Task.FromResult(loaded.TryRemove(model, out _));

    public InferenceSnapshot Snapshot()
    {
        lock (gate)
        {
            return new InferenceSnapshot
            {
                Loading = Loading,
                Models = [.. Models.Order(StringComparer.Ordinal).Take(1).Select(m => new ModelCounters
                {
                    Model = m,
                    Running = running,
                    Waiting = waiting,
                    PromptTokensTotal = Interlocked.Read(ref promptTotal),
                    GeneratedTokensTotal = Interlocked.Read(ref generatedTotal),
                    RequestsTotal = Interlocked.Read(ref requests),
                    KvCacheUsage = running / (double)Parallel,
                })],
            };
        }
    }

    public void Dispose() => slots.Dispose();

    private void Check(string model)
    {
        if (model == "broken:latest") throw new InferenceException(InferenceErrorKind.ModelLoadFailed, "broken:latest is not a valid GGUF file (bad magic); re-import it");
        if (!Models.Contains(model)) throw new InferenceException(InferenceErrorKind.ModelNotFound, $"model '{model}' not found; try scout pull {model}") { Param = "model" };
    }

    private LoadedModelInfo MarkLoaded(string model, TimeSpan? keepAlive) =>
        loaded[model] = new LoadedModelInfo
        {
            Name = model,
            GgufPath = "/models/" + model,
            MemoryBytes = 1_000_000,
            ContextLength = 2048,
            Parallel = Parallel,
            ExpiresAt = keepAlive is { } k && k < TimeSpan.Zero ? DateTimeOffset.MaxValue : new DateTimeOffset(2026, 1, 1, 0, 5, 0, TimeSpan.Zero),
        };
}
