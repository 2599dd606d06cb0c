namespace ModelScout.Gguf;

/// <summary>
/// One llama.cpp file type (<c>general.file_type</c>): the name a quantized file is known by, and the ggml type most of its tensors use.
/// </summary>
/// <param name="Id">The numeric value stored in <c>general.file_type</c>.</param>
/// <param name="Name">The name users know (Q4_K_M, IQ4_XS, F16).</param>
/// <param name="MainType">The ggml type of most weight tensors in such a file.</param>
/// <param name="Retired">True when llama.cpp no longer produces or reads the type.</param>
public sealed record LlamaFileType(int Id, string Name, GgmlType MainType, bool Retired = false)
{
    /// <summary>The enum spelling llama.cpp uses (LLAMA_FTYPE_MOSTLY_Q4_K_M).</summary>
    public string LlamaCppName => Id == 0 ? "LLAMA_FTYPE_ALL_F32" : "LLAMA_FTYPE_MOSTLY_" + Name;
}

/// <summary>The llama.cpp file-type table (llama.h <c>enum llama_ftype</c>).</summary>
public static class LlamaFileTypes
{
    private static readonly LlamaFileType[] Rows =
    [
        new(0, "F32", GgmlType.F32),
        new(1, "F16", GgmlType.F16),
        new(2, "Q4_0", GgmlType.Q4_0),
        new(3, "Q4_1", GgmlType.Q4_1),
        new(4, "Q4_1_SOME_F16", GgmlType.Q4_1, Retired: true),
        new(5, "Q4_2", GgmlType.Q4_2, Retired: true),
        new(6, "Q4_3", GgmlType.Q4_3, Retired: true),
        new(7, "Q8_0", GgmlType.Q8_0),
        new(8, "Q5_0", GgmlType.Q5_0),
        new(9, "Q5_1", GgmlType.Q5_1),
        new(10, "Q2_K", GgmlType.Q2_K),
        new(11, "Q3_K_S", GgmlType.Q3_K),
        new(12, "Q3_K_M", GgmlType.Q3_K),
        new(13, "Q3_K_L", GgmlType.Q3_K),
        new(14, "Q4_K_S", GgmlType.Q4_K),
        new(15, "Q4_K_M", GgmlType.Q4_K),
        new(16, "Q5_K_S", GgmlType.Q5_K),
        new(17, "Q5_K_M", GgmlType.Q5_K),
        new(18, "Q6_K", GgmlType.Q6_K),
        new(19, "IQ2_XXS", GgmlType.IQ2_XXS),
        new(20, "IQ2_XS", GgmlType.IQ2_XS),
        new(21, "Q2_K_S", GgmlType.Q2_K),
        new(22, "IQ3_XS", GgmlType.IQ3_S),
        new(23, "IQ3_XXS", GgmlType.IQ3_XXS),
        new(24, "IQ1_S", GgmlType.IQ1_S),
        new(25, "IQ4_NL", GgmlType.IQ4_NL),
        new(26, "IQ3_S", GgmlType.IQ3_S),
        new(27, "IQ3_M", GgmlType.IQ3_S),
        new(28, "IQ2_S", GgmlType.IQ2_S),
        new(29, "IQ2_M", GgmlType.IQ2_S),
        new(30, "IQ4_XS", GgmlType.IQ4_XS),
        new(31, "IQ1_M", GgmlType.IQ1_M),
        new(32, "BF16", GgmlType.BF16),
        new(33, "Q4_0_4_4", GgmlType.Q4_0_4_4, Retired: true),
        new(34, "Q4_0_4_8", GgmlType.Q4_0_4_8, Retired: true),
        new(35, "Q4_0_8_8", GgmlType.Q4_0_8_8, Retired: true),
        new(36, "TQ1_0", GgmlType.TQ1_0),
        new(37, "TQ2_0", GgmlType.TQ2_0),
        new(38, "MXFP4_MOE", GgmlType.MXFP4),
    ];

    /// <summary>Every row, in id order.</summary>
    public static IReadOnlyList<LlamaFileType> All => Rows;

    /// <summary>The row for an id, or null when unknown (1024 is llama.cpp's "guessed" marker).</summary>
    public static LlamaFileType? TryGet(int id) => id >= 0 && id < Rows.Length ? Rows[id] : null;

    /// <summary>Finds a file type by name, case-insensitively (q4_k_m, Q4_K_M).</summary>
    public static LlamaFileType? Find(string name)
    {
        foreach (var row in Rows)
        {
            if (string.Equals(row.Name, name, StringComparison.OrdinalIgnoreCase)) return row;
        }
        return null;
    }
}
