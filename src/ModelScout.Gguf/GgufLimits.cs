namespace ModelScout.Gguf;

/// <summary>
/// Caps that keep a hostile header from making the reader allocate or loop without bound. The defaults are far above
/// anything real files use (vocabularies are ~260K entries, chat templates a few KB) and far below what would hurt.
/// </summary>
public sealed record GgufLimits
{
    /// <summary>Longest string, in bytes.</summary>
    public int MaxStringBytes { get; init; } = 64 << 20;
    /// <summary>Most elements in one array.</summary>
    public long MaxArrayElements { get; init; } = 64L << 20;
    /// <summary>Deepest nesting of arrays in arrays.</summary>
    public int MaxArrayDepth { get; init; } = 4;
    /// <summary>Most metadata keys.</summary>
    public long MaxMetadataEntries { get; init; } = 1 << 20;
    /// <summary>Most tensors.</summary>
    public long MaxTensors { get; init; } = 1 << 20;
    /// <summary>ggml's GGML_MAX_NAME: names must be shorter than this.</summary>
    public int MaxTensorNameBytes { get; init; } = 64;
    /// <summary>ggml's GGML_MAX_DIMS.</summary>
    public int MaxDimensions { get; init; } = 4;
    /// <summary>Most bytes the whole header (metadata and tensor infos) may take.</summary>
    public long MaxHeaderBytes { get; init; } = 1L << 30;

    /// <summary>The defaults.</summary>
    public static GgufLimits Default { get; } = new();
}
