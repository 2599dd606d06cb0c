using Microsoft.Extensions.Logging;

namespace ModelScout.Engine.Quantization;

/// <summary>What <see cref="PerplexityRunner.RunAsync"/> measures; the defaults are llama-perplexity's.</summary>
public sealed record PerplexityOptions
{
    /// <summary>The GGUF file to score.</summary>
    public required string ModelPath { get; init; }

    /// <summary>The text, tokenized by the model (with its start token) and cut into chunks of <see cref="Context"/> tokens.</summary>
    public required string Text { get; init; }

    /// <summary>Tokens per chunk (llama-perplexity <c>-c</c>); each chunk starts from an empty context and its second half is scored.</summary>
    public int Context { get; init; } = 512;

    /// <summary>At most this many chunks (llama-perplexity <c>--chunks</c>); null = all.</summary>
    public int? MaxChunks { get; init; }

    /// <summary>CPU threads.</summary>
    public int Threads { get; init; } = EngineSettings.DefaultThreads(Environment.ProcessorCount);

    /// <summary>Tokens per llama_decode call; several chunks share a call when it holds them.</summary>
    public int BatchSize { get; init; } = 2048;

    /// <summary>Write this model's scored-token distributions here for later KL divergence (the base model's run).</summary>
    public string? WriteBaseCache { get; init; }

    /// <summary>Compare against the distributions cached here by the base model's run: adds <see cref="PerplexityResult.Divergence"/>.</summary>
    public string? BaseCache { get; init; }

    /// <summary>Where llama.cpp's log lines go.</summary>
    public ILogger? Logger { get; init; }

    /// <summary>Layers on the GPU; null = none here (CPU build).</summary>
    public int? GpuLayers { get; init; }

    /// <summary>A llama.cpp library to load instead of the bundled CPU build; null = bundled.</summary>
    public string? LlamaLibrary { get; init; }
}

/// <summary>A measured mean with its standard error.</summary>
public readonly record struct Estimate(double Value, double StandardError);

/// <summary>Chunks done of the total, with the running perplexity.</summary>
public sealed record PerplexityProgress(int Chunk, int Chunks, double RunningPerplexity);

/// <summary>A model's divergence from the base, over the same scored tokens.</summary>
/// <param name="KlDivergence">Mean KL(base ‖ model) in nats per token.</param>
/// <param name="DeltaP">Mean of p_model(correct) − p_base(correct).</param>
/// <param name="SameTop">Share of tokens where both put the same token first (0–1).</param>
/// <param name="PerplexityRatio">PPL(model) / PPL(base), with its uncertainty from the paired log-probabilities.</param>
/// <param name="CacheError">The most the cache's compact storage can move a KLD figure, as stated by the cache format.</param>
public sealed record DivergenceResult(
    Estimate KlDivergence, double KlMedian, double KlP99, double KlMax,
    Estimate DeltaP, Estimate SameTop, Estimate PerplexityRatio, double BasePerplexity, double CacheError);

/// <summary>One model's perplexity over a text, as llama-perplexity computes it.</summary>
/// <param name="Perplexity">exp(mean negative log-likelihood of the scored tokens), with its standard error.</param>
/// <param name="ScoringTokensPerSecond">Tokens decoded (all chunk tokens, not only scored ones) per second of decode time.</param>
public sealed record PerplexityResult(
    string ModelPath, int Context, int Chunks, int TextTokens, int ScoredTokens, Estimate Perplexity,
    double ScoringTokensPerSecond, TimeSpan Elapsed, DivergenceResult? Divergence)
{
    /// <summary>Bytes of the base cache written by this run (when <see cref="PerplexityOptions.WriteBaseCache"/> was set).</summary>
    public long? BaseCacheBytes { get; init; }
}

/// <summary>llama-perplexity's measurement (and its KL-divergence mode) through our own loop over llama_decode.</summary>
public static class PerplexityRunner
{
    /// <exception cref="InferenceException">Unloadable model, a text shorter than two chunks' halves, or a base cache from another tokenizer/text/context.</exception>
    public static Task<PerplexityResult> RunAsync(PerplexityOptions options, IProgress<PerplexityProgress>? progress = null, CancellationToken cancellationToken = default) =>
        throw new NotImplementedException();
}
