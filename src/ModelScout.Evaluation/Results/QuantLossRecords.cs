namespace ModelScout.Evaluation.Results;

/// <summary>
/// What decides a quantization-loss measurement: the source file (<see cref="SourceIdentity"/>: size, modification time and a
/// hash of its header), the level, the text (its hash), the context and the chunk limit (0 = all chunks).
/// </summary>
public sealed record QuantLossKey(string SourceIdentity, string Type, string TextHash, int Context, int Chunks);

/// <summary>A measured mean with its standard error, as stored.</summary>
public sealed record StoredEstimate(double Value, double StandardError);

/// <summary>
/// One level of a <c>scout quant-loss</c> sweep as stored: the file, its perplexity over the text, its divergence from the
/// source (null for the source itself), its speed on the machine that measured it, and the catalog model it was recorded for.
/// </summary>
public sealed record QuantLossRecord
{
    public required QuantLossKey Key { get; init; }

    /// <summary>The source file's name, for display.</summary>
    public required string SourceName { get; init; }

    /// <summary>The catalog model the results count for (<c>--model</c> or detected from the file); null when none.</summary>
    public string? CatalogModel { get; init; }

    /// <summary>The quantized file measured (the source itself for the base row).</summary>
    public required string FilePath { get; init; }

    public long FileBytes { get; init; }
    public double BitsPerWeight { get; init; }

    /// <summary>What the text was: a file name, or the built-in sample's label.</summary>
    public string TextLabel { get; init; } = "";

    public int ScoredTokens { get; init; }
    public required StoredEstimate Perplexity { get; init; }

    /// <summary>(PPL/PPL(base) − 1) × 100 with its error; null for the base.</summary>
    public StoredEstimate? DeltaPplPct { get; init; }

    /// <summary>Mean KL(base ‖ level) in nats per token; null for the base.</summary>
    public StoredEstimate? Kld { get; init; }

    public double? KldP99 { get; init; }

    /// <summary>Tokens where base and level pick the same top token, percent; null for the base.</summary>
    public StoredEstimate? SameTopPct { get; init; }

    /// <summary>Prompt-processing and generation tokens/s on the machine that measured it (few repetitions).</summary>
    public double? PromptTokensPerSecond { get; init; }

    /// <inheritdoc cref="PromptTokensPerSecond"/>
    public double? GenerateTokensPerSecond { get; init; }

    /// <summary>Where the measurement ran, in words (CPU, threads).</summary>
    public string? Machine { get; init; }

    public DateTimeOffset Created { get; init; }
}
