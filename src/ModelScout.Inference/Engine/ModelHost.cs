using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace ModelScout.Inference.Engine;

/// <summary>
/// Loads models on demand through llama.cpp, runs a continuous-batching scheduler per model, unloads idle models after
/// their keep-alive and evicts the least recently used when a new one does not fit.
/// </summary>
public sealed partial class ModelHost : IInferenceService, IAsyncDisposable
{
    private readonly IModelResolver resolver;
    private readonly EngineSettings settings;
    private readonly ILogger logger;
    private readonly TimeProvider time;

    public ModelHost(IModelResolver resolver, EngineSettings? settings = null, ILoggerFactory? logs = null, TimeProvider? time = null)
    {
        this.resolver = resolver ?? throw new ArgumentNullException(nameof(resolver));
        this.settings = settings ?? new EngineSettings();
        logger = (logs ?? NullLoggerFactory.Instance).CreateLogger("ModelScout.Inference");
        this.time = time ?? TimeProvider.System;
    }

    /// <summary>The settings this host runs with.</summary>
    public EngineSettings Settings => settings;

    public IReadOnlyList<LoadedModelInfo> Loaded => throw new NotImplementedException();

    public async IAsyncEnumerable<GenerationUpdate> GenerateAsync(GenerationRequest request, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await Task.Yield();
        _ = (resolver, logger, time);
        throw new NotImplementedException();
#pragma warning disable CS0162
        yield break;
#pragma warning restore CS0162
    }

    public Task<EmbeddingResult> EmbedAsync(EmbeddingRequest request, CancellationToken cancellationToken = default) => throw new NotImplementedException();

    public Task<IReadOnlyList<int>> TokenizeAsync(string model, string text, bool addSpecial, bool parseSpecial, CancellationToken cancellationToken = default) => throw new NotImplementedException();

    public Task<string> DetokenizeAsync(string model, IReadOnlyList<int> tokens, CancellationToken cancellationToken = default) => throw new NotImplementedException();

    public Task<LoadedModelInfo> LoadAsync(string model, ModelOptions? options = null, TimeSpan? keepAlive = null, CancellationToken cancellationToken = default) => throw new NotImplementedException();

    public Task<bool> UnloadAsync(string model) => throw new NotImplementedException();

    public InferenceSnapshot Snapshot() => throw new NotImplementedException();

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
