namespace ModelScout.Gguf;

/// <summary>A parsed GGUF header: metadata in file order, tensor infos, and where the data section starts.</summary>
public sealed class GgufFile
{
    private readonly Dictionary<string, GgufValue> byKey;

    internal GgufFile(int version, bool bigEndian, IReadOnlyList<KeyValuePair<string, GgufValue>> metadata, IReadOnlyList<GgufTensorInfo> tensors,
        int alignment, long headerBytes, long dataOffset, long? fileLength)
    {
        Version = version;
        BigEndian = bigEndian;
        Metadata = metadata;
        Tensors = tensors;
        Alignment = alignment;
        HeaderBytes = headerBytes;
        DataOffset = dataOffset;
        FileLength = fileLength;
        byKey = new Dictionary<string, GgufValue>(metadata.Count, StringComparer.Ordinal);
        foreach (var (k, v) in metadata) byKey[k] = v;
    }

    /// <summary>GGUF version (2 or 3).</summary>
    public int Version { get; }
    /// <summary>True for big-endian files (s390x builds of llama.cpp write them).</summary>
    public bool BigEndian { get; }
    /// <summary>Metadata in file order.</summary>
    public IReadOnlyList<KeyValuePair<string, GgufValue>> Metadata { get; }
    /// <summary>Tensor infos in file order.</summary>
    public IReadOnlyList<GgufTensorInfo> Tensors { get; }
    /// <summary>Data alignment (general.alignment, default 32).</summary>
    public int Alignment { get; }
    /// <summary>Bytes of magic, counts, metadata and tensor infos.</summary>
    public long HeaderBytes { get; }
    /// <summary>Where tensor data starts: the header padded to the alignment.</summary>
    public long DataOffset { get; }
    /// <summary>Length of the whole file, when known.</summary>
    public long? FileLength { get; }

    /// <summary>A metadata value, or null.</summary>
    public GgufValue? this[string key] => byKey.GetValueOrDefault(key);

    /// <summary>True when the key is present.</summary>
    public bool Has(string key) => byKey.ContainsKey(key);

    /// <summary>A string value, or null.</summary>
    public string? GetString(string key) => this[key]?.AsString();

    /// <summary>An integer value, or null.</summary>
    public long? GetInteger(string key) => this[key]?.AsInt64();

    /// <summary>A numeric value, or null.</summary>
    public double? GetNumber(string key) => this[key]?.AsDouble();

    /// <summary>general.architecture.</summary>
    public string? Architecture => GetString("general.architecture");

    /// <summary>Bytes from the start of the data section to the end of the last tensor's data (every tensor but the last padded to the alignment).</summary>
    public long DataBytes => Tensors.Count == 0 ? 0 : Tensors[^1].Offset + Tensors[^1].Bytes;
}
