namespace ModelScout.Core.Memory;

/// <summary>
/// The hyper-parameters that decide a model's tensor shapes and KV cache, as llama.cpp reads them from a GGUF.
/// </summary>
public sealed record Architecture
{
    /// <summary>GGUF <c>general.architecture</c> (llama, qwen2, phi3, gemma2, deepseek2).</summary>
    public required string GgufArchitecture { get; init; }
    /// <summary>Decoder blocks (<c>block_count</c>).</summary>
    public required int Layers { get; init; }
    /// <summary>Hidden size (<c>embedding_length</c>).</summary>
    public required int EmbeddingLength { get; init; }
    /// <summary>Query heads.</summary>
    public required int HeadCount { get; init; }
    /// <summary>Key/value heads (grouped-query attention); for MLA the nominal config value.</summary>
    public required int KvHeadCount { get; init; }
    /// <summary>Per-head key width (<c>attention.key_length</c>); not always hidden/heads.</summary>
    public required int KeyLength { get; init; }
    /// <summary>Per-head value width; equal to <see cref="KeyLength"/> unless stated.</summary>
    public int? ValueLength { get; init; }
    /// <summary>Dense feed-forward width.</summary>
    public required int FeedForwardLength { get; init; }
    /// <summary>Rows of the token embedding matrix.</summary>
    public required int VocabSize { get; init; }
    /// <summary>True when the output projection reuses the token embeddings.</summary>
    public bool TiedEmbeddings { get; init; }
    /// <summary>True when q/k/v projections carry biases (Qwen2).</summary>
    public bool AttentionBias { get; init; }
    /// <summary>True when q/k/v are one fused tensor in the GGUF (phi3).</summary>
    public bool FusedQkv { get; init; }
    /// <summary>True when gate and up are one fused tensor in the GGUF (phi3).</summary>
    public bool FusedGateUp { get; init; }
    /// <summary>Normalisation vectors per block (2 for most, 4 for Gemma 2).</summary>
    public int NormsPerLayer { get; set; } = 2;
    /// <summary>True when queries and keys are RMS-normalised per head before RoPE (Qwen3, Gemma 3): two head-wide norm vectors per block.</summary>
    public bool QkNorm { get; init; }
    /// <summary>True when every attention head has a learned sink logit (gpt-oss): one value per head per block.</summary>
    public bool AttentionSinks { get; init; }
    /// <summary>True when the GGUF carries a <c>rope_freqs</c> tensor (Llama 3.1 RoPE scaling).</summary>
    public bool RopeFreqsTensor { get; init; }
    /// <summary>Sliding-window attention layout, if any.</summary>
    public SlidingWindow? SlidingWindow { get; init; }
    /// <summary>Multi-head latent attention (DeepSeek), if used.</summary>
    public LatentAttention? Mla { get; init; }
    /// <summary>Mixture-of-experts layout, if any.</summary>
    public MixtureOfExperts? Moe { get; init; }
    /// <summary>Source key for these facts.</summary>
    public string? Source { get; init; }

    /// <summary>Per-head value width, defaulting to the key width.</summary>
    public int ValueLengthOrKey => ValueLength ?? KeyLength;
}

/// <summary>Sliding-window attention: <see cref="Window"/> tokens on local layers; every <see cref="GlobalEvery"/>-th layer (counting from 1) attends globally.</summary>
public sealed record SlidingWindow
{
    /// <summary>Window width in tokens.</summary>
    public required int Window { get; init; }
    /// <summary>Layer period: with 2, layers 0, 2, 4 ... are local and 1, 3, 5 ... global (llama.cpp set_swa_pattern(2)).</summary>
    public required int GlobalEvery { get; init; }
    /// <summary>Returns true when block <paramref name="layer"/> uses the window.</summary>
    public bool IsLocal(int layer) => GlobalEvery <= 1 || (layer % GlobalEvery) < GlobalEvery - 1;
}

/// <summary>DeepSeek multi-head latent attention widths.</summary>
public sealed record LatentAttention
{
    /// <summary>Query compression rank.</summary>
    public required int QLoraRank { get; init; }
    /// <summary>Key/value compression rank (the cached latent).</summary>
    public required int KvLoraRank { get; init; }
    /// <summary>Per-head query/key width without RoPE.</summary>
    public required int QkNopeHeadDim { get; init; }
    /// <summary>Per-head RoPE width (shared across heads in the cache).</summary>
    public required int QkRopeHeadDim { get; init; }
    /// <summary>Per-head value width.</summary>
    public required int VHeadDim { get; init; }
}

/// <summary>Mixture-of-experts layout.</summary>
public sealed record MixtureOfExperts
{
    /// <summary>Routed experts per MoE layer.</summary>
    public required int Experts { get; init; }
    /// <summary>Routed experts used per token.</summary>
    public required int ExpertsUsed { get; init; }
    /// <summary>Always-on shared experts per MoE layer.</summary>
    public int SharedExperts { get; init; }
    /// <summary>Feed-forward width of one expert.</summary>
    public required int ExpertFeedForwardLength { get; init; }
    /// <summary>Leading blocks that use a dense feed-forward instead of experts.</summary>
    public int LeadingDenseLayers { get; init; }
    /// <summary>True when the router has a per-expert bias vector (DeepSeek-V3 noaux_tc).</summary>
    public bool RouterBias { get; init; }
}
