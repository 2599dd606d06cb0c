using ModelScout.Core.Memory;

namespace ModelScout.Calibration;

/// <summary>
/// Two-block architectures with the structure of each calibrated model and real proportions (feed-forward about 3.5 ×
/// hidden, a vocabulary that makes the logits the largest tensor, as in every catalog model). Every K-quantized row is
/// a multiple of 256, so the Q4_K_M mix applies as it does at full size; files are 30-45 MiB and load in well under a
/// second. At toy widths (hidden 256) llama.cpp's graph allocator leaves holes the rule does not model; from hidden
/// 1024 up it lays the graph out as it does at full size.
/// </summary>
public static class SmallModels
{
    /// <summary>Llama 3.1 shape: grouped-query attention, rope_freqs, separate output head.</summary>
    public static Architecture Llama { get; } = new()
    {
        GgufArchitecture = "llama", Layers = 2, EmbeddingLength = 1024, HeadCount = 8, KvHeadCount = 2, KeyLength = 128,
        FeedForwardLength = 3584, VocabSize = 16384, RopeFreqsTensor = true, Source = "small llama",
    };

    /// <summary>Mistral Small 3.1 shape: query width (4 × 128) narrower than the hidden size (1024).</summary>
    public static Architecture Mistral { get; } = new()
    {
        GgufArchitecture = "llama", Layers = 2, EmbeddingLength = 1024, HeadCount = 4, KvHeadCount = 2, KeyLength = 128,
        FeedForwardLength = 3584, VocabSize = 16384, Source = "small mistral",
    };

    /// <summary>Qwen2.5 shape: biases on q, k and v.</summary>
    public static Architecture Qwen2 { get; } = new()
    {
        GgufArchitecture = "qwen2", Layers = 2, EmbeddingLength = 1024, HeadCount = 8, KvHeadCount = 2, KeyLength = 128,
        FeedForwardLength = 3584, VocabSize = 16384, AttentionBias = true, Source = "small qwen2",
    };

    /// <summary>Phi-4-mini shape: fused QKV and gate-up, tied embeddings.</summary>
    public static Architecture Phi3 { get; } = new()
    {
        GgufArchitecture = "phi3", Layers = 2, EmbeddingLength = 1024, HeadCount = 8, KvHeadCount = 2, KeyLength = 128,
        FeedForwardLength = 2816, VocabSize = 16384, FusedQkv = true, FusedGateUp = true, TiedEmbeddings = true, Source = "small phi3",
    };

    /// <summary>Gemma 2 shape: four norms per block, head width 256 where hidden/heads is 170, tied embeddings, a 1024-token window on even blocks.</summary>
    public static Architecture Gemma2 { get; } = new()
    {
        GgufArchitecture = "gemma2", Layers = 2, EmbeddingLength = 1024, HeadCount = 6, KvHeadCount = 2, KeyLength = 256,
        FeedForwardLength = 4096, VocabSize = 16384, TiedEmbeddings = true, NormsPerLayer = 4,
        SlidingWindow = new SlidingWindow { Window = 1024, GlobalEvery = 2 }, Source = "small gemma2",
    };

    /// <summary>DeepSeek-V3 shape: latent attention with split k_b/v_b, one dense block then routed and shared experts with a router bias.</summary>
    public static Architecture DeepSeek2 { get; } = new()
    {
        GgufArchitecture = "deepseek2", Layers = 2, EmbeddingLength = 1024, HeadCount = 8, KvHeadCount = 8, KeyLength = 192, ValueLength = 128,
        FeedForwardLength = 3584, VocabSize = 16384, Source = "small deepseek2",
        Mla = new LatentAttention { QLoraRank = 512, KvLoraRank = 512, QkNopeHeadDim = 128, QkRopeHeadDim = 64, VHeadDim = 128 },
        Moe = new MixtureOfExperts { Experts = 8, ExpertsUsed = 2, SharedExperts = 1, ExpertFeedForwardLength = 512, LeadingDenseLayers = 1, RouterBias = true },
    };

    /// <summary>Every small model by the catalog model it stands for.</summary>
    public static IReadOnlyList<(string Name, Architecture Architecture)> All { get; } =
    [
        ("llama3.1-8b", Llama),
        ("qwen2.5-7b", Qwen2),
        ("phi-4-mini-3.8b", Phi3),
        ("mistral-small-3.1-24b", Mistral),
        ("gemma2-9b", Gemma2),
    ];

    /// <summary>The calibrated shapes plus DeepSeek-V3's, whose compute buffer the CPU rule was not fitted to.</summary>
    public static IReadOnlyList<(string Name, Architecture Architecture)> WithDeepSeek { get; } = [.. All, ("deepseek-v3-671b", DeepSeek2)];
}
