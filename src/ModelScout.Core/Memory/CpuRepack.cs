using ModelScout.Gguf;

namespace ModelScout.Core.Memory;

/// <summary>
/// The tensors llama.cpp's CPU backend copies into interleaved layouts when it loads a model (its CPU_REPACK buffer).
/// On x86-64 with AVX2 these are the matrices stored as Q4_0, Q4_K or IQ4_NL whose row count is a multiple of 8; the
/// token embedding, read by row lookup, stays as stored, and so do stacks of per-head matrices (DeepSeek's attn_v_b),
/// which a batched matrix product reads; stacked experts are repacked. ARM builds repack other types, and a build
/// without AVX2 none.
/// </summary>
/// <remarks>
/// With mmap on (the default) llama.cpp still reports the whole file as its mapped model buffer, so its two model
/// buffers together count every repacked tensor twice. The mapped pages of a repacked tensor are read once, at load,
/// and are then clean page cache the kernel reclaims under pressure, so the estimator counts the weights once: the
/// host needs the file's bytes, not the sum of both buffers. Without mmap the two buffers split the file exactly.
/// </remarks>
public static class CpuRepack
{
    /// <summary>True when the x86-64 (AVX2) CPU backend repacks <paramref name="t"/>.</summary>
    public static bool Repacks(TensorWeight t)
    {
        ArgumentNullException.ThrowIfNull(t);
        return t.Type is GgmlType.Q4_0 or GgmlType.Q4_K or GgmlType.IQ4_NL
            && t.Shape.Role != TensorRole.TokenEmbedding
            && (t.Shape.Planes == 1 || t.Shape.IsRoutedExpert)
            && t.Shape.Rows / t.Shape.Planes % 8 == 0;
    }

    /// <summary>Bytes of the CPU_REPACK buffer when every tensor of <paramref name="w"/> is on the host.</summary>
    public static long Bytes(ModelWeights w)
    {
        ArgumentNullException.ThrowIfNull(w);
        return w.Tensors.Where(Repacks).Sum(t => t.Bytes);
    }
}
