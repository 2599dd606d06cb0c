namespace ModelScout.Gguf;

/// <summary>One tensor as the GGUF header describes it.</summary>
/// <param name="Name">Tensor name (blk.0.attn_q.weight).</param>
/// <param name="Dimensions">ne[0..n): the first dimension is the row length, the one quant blocks run along.</param>
/// <param name="Type">Element type.</param>
/// <param name="Offset">Offset of its data from the start of the data section.</param>
/// <param name="Elements">Product of the dimensions.</param>
/// <param name="Bytes">Bytes of data, from the type's block geometry.</param>
/// <param name="InfoOffset">Where in the file this tensor's info starts (for error messages).</param>
public sealed record GgufTensorInfo(string Name, IReadOnlyList<long> Dimensions, GgmlType Type, long Offset, long Elements, long Bytes, long InfoOffset)
{
    /// <summary>Row length (ne[0]).</summary>
    public long RowLength => Dimensions.Count > 0 ? Dimensions[0] : 1;

    /// <summary>Block index for tensors named blk.N.*, else -1.</summary>
    public int Block
    {
        get
        {
            if (!Name.StartsWith("blk.", StringComparison.Ordinal)) return -1;
            var end = Name.IndexOf('.', 4);
            return end > 4 && int.TryParse(Name.AsSpan(4, end - 4), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n) ? n : -1;
        }
    }

    /// <summary>ggml's shape notation, [4096, 128256].</summary>
    public string Shape => "[" + string.Join(", ", Dimensions) + "]";
}
