using ModelScout.Gguf;

namespace ModelScout.Core.Memory;

/// <summary>
/// Size of the graph scratch memory a llama.cpp backend reserves for one micro-batch, and of the host's logits
/// buffer. GPU backends and the CPU backend lay the same graph out differently, so each has its own rule: the GPU
/// rule is fitted to published CUDA logs, the CPU rule to llama.cpp's own report for zero-weight models of the
/// catalog's shapes (docs/estimator-accuracy.md).
/// </summary>
public static class ComputeBuffer
{
    /// <summary>The backend name of host memory (llama.cpp's CPU backend).</summary>
    public const string CpuBackend = "cpu";

    private const int F32 = 4;

    /// <summary>Bytes for a device of <paramref name="backend"/> ("cpu", "cuda", "metal" ...) that runs blocks.</summary>
    public static long Bytes(string backend, Architecture a, long cells, long windowCells, int ubatch, KvSettings kv)
    {
        ArgumentNullException.ThrowIfNull(kv);
        return string.Equals(backend, CpuBackend, StringComparison.OrdinalIgnoreCase)
            ? CpuBytes(a, cells, windowCells, ubatch, kv.FlashAttention, kv.KeyType)
            : DeviceBytes(a, cells, ubatch, kv.FlashAttention);
    }

    /// <summary>
    /// GPU rule (CUDA): without flash attention the f32 attention scores (cells × batch × heads) dominate; with it,
    /// the wider of the feed-forward activations and the logits of a full batch (vocabulary × batch) does.
    /// </summary>
    public static long DeviceBytes(Architecture a, long cells, int ubatch, bool flashAttention)
    {
        ArgumentNullException.ThrowIfNull(a);
        long b = ubatch;
        long e = a.EmbeddingLength;
        var activations = flashAttention
            ? 4 * e + 2 * WidestFeedForward(a)
            : cells * (a.HeadCount + 1) + 4 * e + 1; // scores plus the mask, next to a few hidden-state tensors
        var logits = e + a.VocabSize;
        return F32 * b * Math.Max(activations, logits);
    }

    /// <summary>
    /// CPU rule: the largest of three moments of the graph, in f32 values per token of the micro-batch.
    /// <list type="bullet">
    /// <item>The output head: the logits of a full batch above the last hidden state and its norm (vocab + 2 × hidden + 1);
    /// a quantized K cache keeps one more hidden-state tensor alive.</item>
    /// <item>The feed-forward block: three feed-forward-wide tensors and four hidden-state ones (3 × ffn + 4 × hidden + 7), next
    /// to the attention masks (f16 with flash attention, f32 without; one per cache, so two for sliding-window models).</item>
    /// <item>Without flash attention, the attention scores: cells × (heads + 1) next to the block's q/k/v and hidden states
    /// (5 × hidden + 2 × KV width; 3 × hidden where q, k and v come from one fused tensor).</item>
    /// </list>
    /// </summary>
    /// <param name="a">The model.</param>
    /// <param name="cells">Cells of the full-attention cache.</param>
    /// <param name="windowCells">Cells of the sliding-window cache (0 when the model has none).</param>
    /// <param name="ubatch">Micro-batch.</param>
    /// <param name="flashAttention">Whether flash attention is on.</param>
    /// <param name="keyType">K cache type.</param>
    public static long CpuBytes(Architecture a, long cells, long windowCells, int ubatch, bool flashAttention, GgmlType keyType = GgmlType.F16)
    {
        ArgumentNullException.ThrowIfNull(a);
        long b = ubatch;
        long e = a.EmbeddingLength;
        var quantizedKey = GgmlTypes.Get(keyType).IsQuantized;
        var output = (long)a.VocabSize + 2 * e + 1 + (quantizedKey ? e : 0);
        var maskCells = cells + windowCells;
        var feedForward = F32 * b * (3 * WidestFeedForward(a) + 4 * e + 7) + (flashAttention ? 2 : F32) * b * maskCells;
        var largest = Math.Max(F32 * b * output, feedForward);
        if (flashAttention) return largest;
        long kvWidth = (long)a.KvHeadCount * (a.KeyLength + a.ValueLengthOrKey) / 2;
        var around = (a.FusedQkv ? 3 : 5) * e + 2 * kvWidth + 5;
        var scores = F32 * b * (cells * (a.HeadCount + 1) + around);
        return Math.Max(largest, scores);
    }

    /// <summary>Bytes the host keeps when every block runs on a GPU: the input embeddings of one batch.</summary>
    public static long HostInputBytes(Architecture a, int ubatch)
    {
        ArgumentNullException.ThrowIfNull(a);
        return 3L * F32 * a.EmbeddingLength * ubatch;
    }

    /// <summary>
    /// llama.cpp's output buffer, always in host memory: f32 logits for one output per sequence (the size it reserves
    /// when a context is created; it grows only if a caller asks for logits of every token).
    /// </summary>
    public static long OutputBytes(Architecture a, int sequences)
    {
        ArgumentNullException.ThrowIfNull(a);
        return (long)F32 * a.VocabSize * Math.Max(sequences, 1);
    }

    private static long WidestFeedForward(Architecture a) => a.Moe is { } m
        ? Math.Max(a.FeedForwardLength, (long)m.ExpertFeedForwardLength * (m.ExpertsUsed + m.SharedExperts))
        : a.FeedForwardLength;
}
