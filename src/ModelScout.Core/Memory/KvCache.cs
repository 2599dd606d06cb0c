using ModelScout.Gguf;

namespace ModelScout.Core.Memory;

/// <summary>How a runtime caches DeepSeek's latent attention.</summary>
public enum LatentCacheLayout
{
    /// <summary>llama.cpp since January 2026: the 512-wide latent plus the 64-wide RoPE key, stored once as K.</summary>
    LatentKeyOnly,
    /// <summary>llama.cpp from April 2025 to January 2026: the same K plus the latent again as V.</summary>
    LatentKeyAndValue,
    /// <summary>GGUFs converted without MLA metadata: full per-head keys and values.</summary>
    FullHeads,
}

/// <summary>KV cache sizing following llama.cpp's allocation rules.</summary>
public static class KvCache
{
    /// <summary>llama.cpp pads the cache to a multiple of this many cells.</summary>
    public const int CellPadding = 256;

    /// <summary>Rounds a cell count up to the cache padding.</summary>
    public static long Pad(long cells) => (cells + CellPadding - 1) / CellPadding * CellPadding;

    /// <summary>Bytes one cached element takes for a cache type (f16 2, q8_0 1.0625, q4_0 0.5625).</summary>
    public static double BytesPerElement(GgmlType type)
    {
        var info = GgmlTypes.Get(type);
        return (double)info.BytesPerBlock / info.BlockSize;
    }

    /// <summary>Cells block <paramref name="layer"/> holds: the padded context, or the window for sliding-window blocks.</summary>
    public static long Cells(Architecture a, int layer, long context, int sequences, int ubatch, bool fullWindowCache)
    {
        ArgumentNullException.ThrowIfNull(a);
        var total = context * sequences;
        if (a.SlidingWindow is { } swa && !fullWindowCache && swa.IsLocal(layer))
        {
            return Pad(Math.Min(total, (long)swa.Window * sequences + ubatch));
        }
        return Pad(total);
    }

    /// <summary>Bytes per cached cell in one block.</summary>
    public static double BytesPerCell(Architecture a, GgmlType keyType, GgmlType valueType, LatentCacheLayout latent)
    {
        ArgumentNullException.ThrowIfNull(a);
        var k = BytesPerElement(keyType);
        var v = BytesPerElement(valueType);
        if (a.Mla is { } m)
        {
            var latentKey = (m.KvLoraRank + m.QkRopeHeadDim) * k;
            return latent switch
            {
                LatentCacheLayout.LatentKeyOnly => latentKey,
                LatentCacheLayout.LatentKeyAndValue => latentKey + m.KvLoraRank * v,
                _ => (double)a.HeadCount * ((m.QkNopeHeadDim + m.QkRopeHeadDim) * k + m.VHeadDim * v),
            };
        }
        return a.KvHeadCount * (a.KeyLength * k + a.ValueLengthOrKey * v);
    }

    /// <summary>Bytes of the cache in each block.</summary>
    public static long[] BytesPerLayer(Architecture a, long context, KvSettings s)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(s);
        var perCell = BytesPerCell(a, s.KeyType, s.ValueType, s.LatentLayout);
        var bytes = new long[a.Layers];
        for (var i = 0; i < a.Layers; i++)
        {
            bytes[i] = (long)Math.Ceiling(Cells(a, i, context, s.Sequences, s.Ubatch, s.FullWindowCache) * perCell);
        }
        return bytes;
    }
}

/// <summary>Cache and batch settings that decide KV and compute sizes.</summary>
/// <param name="KeyType">K cache type (f16 by default).</param>
/// <param name="ValueType">V cache type.</param>
/// <param name="Sequences">Parallel sequences (Ollama's OLLAMA_NUM_PARALLEL, llama-server's --parallel).</param>
/// <param name="Ubatch">Physical batch (llama.cpp -ub, 512 by default).</param>
/// <param name="FlashAttention">Whether flash attention is on (no materialised score matrix).</param>
/// <param name="FullWindowCache">llama.cpp --swa-full: sliding-window blocks cache the whole context.</param>
/// <param name="LatentLayout">How latent attention is cached.</param>
public sealed record KvSettings(
    GgmlType KeyType = GgmlType.F16,
    GgmlType ValueType = GgmlType.F16,
    int Sequences = 1,
    int Ubatch = 512,
    bool FlashAttention = true,
    bool FullWindowCache = false,
    LatentCacheLayout LatentLayout = LatentCacheLayout.LatentKeyOnly)
{
    /// <summary>The defaults of a current llama.cpp build.</summary>
    public static KvSettings Default { get; } = new();
}
