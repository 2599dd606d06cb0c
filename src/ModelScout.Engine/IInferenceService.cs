using ModelScout.Prompting;

namespace ModelScout.Engine;

/// <summary>
/// What the server, <c>scout run</c>, evaluation and benchmarks use: generate, embed, tokenize, and manage loaded models.
/// Implemented by ModelHost over llama.cpp.
/// </summary>
public interface IInferenceService
{
    /// <summary>
    /// Streams one generation. The model is loaded on demand. Errors before the first token are thrown from the first
    /// <c>MoveNextAsync</c> as <see cref="InferenceException"/>; cancelling <paramref name="cancellationToken"/> frees the
    /// request's slot at the next scheduler step and throws <see cref="OperationCanceledException"/> to the reader.
    /// </summary>
    IAsyncEnumerable<GenerationUpdate> GenerateAsync(GenerationRequest request, CancellationToken cancellationToken = default);

    /// <summary>Pooled, optionally normalised embeddings from the model.</summary>
    Task<EmbeddingResult> EmbedAsync(EmbeddingRequest request, CancellationToken cancellationToken = default);

    /// <summary>Token ids of <paramref name="text"/> under the model's vocabulary.</summary>
    Task<IReadOnlyList<int>> TokenizeAsync(string model, string text, bool addSpecial, bool parseSpecial, CancellationToken cancellationToken = default);

    /// <summary>Text of <paramref name="tokens"/>.</summary>
    Task<string> DetokenizeAsync(string model, IReadOnlyList<int> tokens, CancellationToken cancellationToken = default);

    /// <summary>Loads the model (or refreshes its keep-alive) without generating: Ollama's empty-prompt request.</summary>
    Task<LoadedModelInfo> LoadAsync(string model, ModelOptions? options = null, TimeSpan? keepAlive = null, CancellationToken cancellationToken = default);

    /// <summary>Unloads the model once its running requests end; false when it was not loaded.</summary>
    Task<bool> UnloadAsync(string model);

    /// <summary>Models in memory now (<c>/api/ps</c>).</summary>
    IReadOnlyList<LoadedModelInfo> Loaded { get; }

    /// <summary>Counters for <c>/metrics</c> and <c>/health</c>.</summary>
    InferenceSnapshot Snapshot();
}

/// <summary>One loaded model as <c>/api/ps</c> shows it.</summary>
public sealed record LoadedModelInfo
{
    public required string Name { get; init; }
    public required string GgufPath { get; init; }
    public string? Digest { get; init; }
    public long FileBytes { get; init; }
    /// <summary>Estimated resident bytes: weights + KV cache + compute buffers (the advisor's estimator).</summary>
    public long MemoryBytes { get; init; }
    /// <summary>Estimated bytes of that held in GPU memory (0 on the CPU backend): Ollama's size_vram.</summary>
    public long GpuBytes { get; init; }
    /// <summary>Layers offloaded to the GPU (llama.cpp -ngl as loaded; 0 on the CPU backend).</summary>
    public int GpuLayers { get; init; }
    /// <summary>Blocks plus the output head: the -ngl that would offload everything (0 when unknown).</summary>
    public int TotalLayers { get; init; }
    public int ContextLength { get; init; }
    public int Parallel { get; init; }
    /// <summary>When it will be unloaded if idle; <see cref="DateTimeOffset.MaxValue"/> for never.</summary>
    public DateTimeOffset ExpiresAt { get; init; }
    public TimeSpan LoadDuration { get; init; }
}

/// <summary>A moment's view of the engine.</summary>
public sealed record InferenceSnapshot
{
    /// <summary>True while any model is being loaded (<c>/health</c> answers 503).</summary>
    public bool Loading { get; init; }
    public IReadOnlyList<ModelCounters> Models { get; init; } = [];
    /// <summary>The loads under way, with llama.cpp's progress for each.</summary>
    public IReadOnlyList<ModelLoadProgress> Loads { get; init; } = [];
}

/// <summary>A model being loaded: llama.cpp's progress (0 to 1, from its load progress callback) and when the load began.</summary>
public sealed record ModelLoadProgress(string Model, double Progress, DateTimeOffset Started, long FileBytes);

/// <summary>Per-model counters; totals count since the process started.</summary>
public sealed record ModelCounters
{
    public required string Model { get; init; }
    public int Running { get; init; }
    public int Waiting { get; init; }
    public long PromptTokensTotal { get; init; }
    public long GeneratedTokensTotal { get; init; }
    public long RequestsTotal { get; init; }
    /// <summary>KV cells in use over KV cells available (0..1).</summary>
    public double KvCacheUsage { get; init; }
    public int KvCacheTokens { get; init; }
}
