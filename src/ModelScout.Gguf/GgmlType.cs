namespace ModelScout.Gguf;

/// <summary>
/// ggml tensor element types, by the numeric id stored in a GGUF tensor info.
/// Ids are never reused: retired ones stay listed so old files can be named precisely.
/// </summary>
#pragma warning disable CA1707 // the names mirror ggml's own spelling (Q4_K, IQ4_XS ...)
public enum GgmlType
{
    F32 = 0,
    F16 = 1,
    Q4_0 = 2,
    Q4_1 = 3,
    Q4_2 = 4,
    Q4_3 = 5,
    Q5_0 = 6,
    Q5_1 = 7,
    Q8_0 = 8,
    Q8_1 = 9,
    Q2_K = 10,
    Q3_K = 11,
    Q4_K = 12,
    Q5_K = 13,
    Q6_K = 14,
    Q8_K = 15,
    IQ2_XXS = 16,
    IQ2_XS = 17,
    IQ3_XXS = 18,
    IQ1_S = 19,
    IQ4_NL = 20,
    IQ3_S = 21,
    IQ2_S = 22,
    IQ4_XS = 23,
    I8 = 24,
    I16 = 25,
    I32 = 26,
    I64 = 27,
    F64 = 28,
    IQ1_M = 29,
    BF16 = 30,
    Q4_0_4_4 = 31,
    Q4_0_4_8 = 32,
    Q4_0_8_8 = 33,
    TQ1_0 = 34,
    TQ2_0 = 35,
    IQ4_NL_4_4 = 36,
    IQ4_NL_4_8 = 37,
    IQ4_NL_8_8 = 38,
    MXFP4 = 39,
    NVFP4 = 40,
    Q1_0 = 41,
    Q2_0 = 42,
}
#pragma warning restore CA1707

/// <summary>Storage geometry of one ggml type: how many weights share a block and how many bytes the block takes.</summary>
/// <param name="Type">The type.</param>
/// <param name="BlockSize">Weights per block.</param>
/// <param name="BytesPerBlock">Bytes per block; 0 for retired types whose layout no current reader accepts.</param>
/// <param name="Retired">True when llama.cpp no longer reads tensors of this type.</param>
/// <param name="Note">Why the row is special, if it is.</param>
public sealed record GgmlTypeInfo(GgmlType Type, int BlockSize, int BytesPerBlock, bool Retired = false, string? Note = null)
{
    /// <summary>The name llama.cpp prints for the type (lower case, K upper case: q4_K, iq4_xs, f16).</summary>
    public string Name => Type.ToString() switch
    {
        var s when s.EndsWith("_K", StringComparison.Ordinal) => s[..^1].ToLowerInvariant() + "K",
        var s => s.ToLowerInvariant(),
    };

    /// <summary>Nominal bits per weight of the block layout.</summary>
    public double BitsPerWeight => BlockSize == 0 ? 0 : BytesPerBlock * 8.0 / BlockSize;

    /// <summary>True for block-quantized types (everything but the plain float and integer types).</summary>
    public bool IsQuantized => BlockSize > 1;

    /// <summary>Bytes taken by <paramref name="elements"/> weights, or null when the count is not a whole number of blocks.</summary>
    public long? BytesFor(long elements)
    {
        if (BytesPerBlock == 0 || elements < 0 || elements % BlockSize != 0) return null;
        return checked(elements / BlockSize * BytesPerBlock);
    }
}

/// <summary>The ggml type table, one row per type id, as ggml-common.h and gguf-py's constants define it.</summary>
public static class GgmlTypes
{
    private const int QK = 256; // K-quant super-block

    private static readonly GgmlTypeInfo[] Rows =
    [
        new(GgmlType.F32, 1, 4),
        new(GgmlType.F16, 1, 2),
        new(GgmlType.Q4_0, 32, 2 + 16),
        new(GgmlType.Q4_1, 32, 2 + 2 + 16),
        new(GgmlType.Q4_2, 0, 0, Retired: true, Note: "removed from ggml in 2023"),
        new(GgmlType.Q4_3, 0, 0, Retired: true, Note: "removed from ggml in 2023"),
        new(GgmlType.Q5_0, 32, 2 + 4 + 16),
        new(GgmlType.Q5_1, 32, 2 + 2 + 4 + 16),
        new(GgmlType.Q8_0, 32, 2 + 32),
        new(GgmlType.Q8_1, 32, 2 + 2 + 32, Note: "dot-product intermediate, not written to files; ggml's block holds two f16 scales (gguf-py lists 40 bytes)"),
        new(GgmlType.Q2_K, QK, 2 + 2 + QK / 16 + QK / 4),
        new(GgmlType.Q3_K, QK, 2 + QK / 4 + QK / 8 + 12),
        new(GgmlType.Q4_K, QK, 2 + 2 + QK / 2 + 12),
        new(GgmlType.Q5_K, QK, 2 + 2 + QK / 2 + QK / 8 + 12),
        new(GgmlType.Q6_K, QK, 2 + QK / 2 + QK / 4 + QK / 16),
        new(GgmlType.Q8_K, QK, 4 + QK + QK / 8, Note: "dot-product intermediate for K-quants"),
        new(GgmlType.IQ2_XXS, QK, 2 + QK / 4),
        new(GgmlType.IQ2_XS, QK, 2 + QK / 4 + QK / 32),
        new(GgmlType.IQ3_XXS, QK, 2 + QK / 4 + QK / 8),
        new(GgmlType.IQ1_S, QK, 2 + QK / 8 + QK / 16),
        new(GgmlType.IQ4_NL, 32, 2 + 16),
        new(GgmlType.IQ3_S, QK, 2 + QK / 4 + QK / 8 + QK / 32 + 4),
        new(GgmlType.IQ2_S, QK, 2 + QK / 4 + QK / 16),
        new(GgmlType.IQ4_XS, QK, 2 + 2 + QK / 2 + QK / 64),
        new(GgmlType.I8, 1, 1),
        new(GgmlType.I16, 1, 2),
        new(GgmlType.I32, 1, 4),
        new(GgmlType.I64, 1, 8),
        new(GgmlType.F64, 1, 8),
        new(GgmlType.IQ1_M, QK, QK / 8 + QK / 16 + QK / 32),
        new(GgmlType.BF16, 1, 2),
        new(GgmlType.Q4_0_4_4, 0, 0, Retired: true, Note: "ARM repacking type; llama.cpp now repacks Q4_0 at load time"),
        new(GgmlType.Q4_0_4_8, 0, 0, Retired: true, Note: "ARM repacking type; llama.cpp now repacks Q4_0 at load time"),
        new(GgmlType.Q4_0_8_8, 0, 0, Retired: true, Note: "ARM repacking type; llama.cpp now repacks Q4_0 at load time"),
        new(GgmlType.TQ1_0, QK, 2 + 4 * 13),
        new(GgmlType.TQ2_0, QK, 2 + 64),
        new(GgmlType.IQ4_NL_4_4, 0, 0, Retired: true, Note: "ARM repacking type; repacked at load time now"),
        new(GgmlType.IQ4_NL_4_8, 0, 0, Retired: true, Note: "ARM repacking type; repacked at load time now"),
        new(GgmlType.IQ4_NL_8_8, 0, 0, Retired: true, Note: "ARM repacking type; repacked at load time now"),
        new(GgmlType.MXFP4, 32, 1 + 16),
        new(GgmlType.NVFP4, 64, 4 + 32),
        new(GgmlType.Q1_0, 128, 2 + 16),
        new(GgmlType.Q2_0, 64, 2 + 16),
    ];

    /// <summary>Every row, in id order.</summary>
    public static IReadOnlyList<GgmlTypeInfo> All => Rows;

    /// <summary>The row for a type.</summary>
    public static GgmlTypeInfo Get(GgmlType type) => Rows[(int)type];

    /// <summary>The row for a numeric id, or null when the id is unknown.</summary>
    public static GgmlTypeInfo? TryGet(uint id) => id < Rows.Length ? Rows[id] : null;

    /// <summary>Finds a type by any common spelling (Q4_K, q4_k, iq4_xs, bf16).</summary>
    public static GgmlTypeInfo? Find(string name)
    {
        foreach (var row in Rows)
        {
            if (string.Equals(row.Type.ToString(), name, StringComparison.OrdinalIgnoreCase)) return row;
        }
        return null;
    }
}
