using ModelScout.Core.Catalog;

namespace ModelScout.Core.Memory;

/// <summary>
/// Size of the graph scratch memory a llama.cpp backend reserves for one micro-batch. Without flash attention the
/// f32 attention scores (cells × batch × heads) dominate; with it, the wider of the feed-forward activations and
/// the logits of a full batch (vocabulary × batch) does.
/// </summary>
public static class ComputeBuffer
{
    private const int F32 = 4;

    /// <summary>Bytes for a device that runs blocks, at <paramref name="cells"/> cached cells.</summary>
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

    /// <summary>Bytes the host keeps when every block runs on a GPU: the input embeddings of one batch.</summary>
    public static long HostInputBytes(Architecture a, int ubatch)
    {
        ArgumentNullException.ThrowIfNull(a);
        return 3L * F32 * a.EmbeddingLength * ubatch;
    }

    private static long WidestFeedForward(Architecture a) => a.Moe is { } m
        ? Math.Max(a.FeedForwardLength, (long)m.ExpertFeedForwardLength * (m.ExpertsUsed + m.SharedExperts))
        : a.FeedForwardLength;
}
