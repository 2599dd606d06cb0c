using System.Text;

namespace ModelScout.Gguf;

/// <summary>
/// Writes a GGUF v3 file: metadata of any type, then tensors in the order added, each padded to the alignment, as
/// llama.cpp expects. Tensor data is given as bytes, or left as zeros (weights do not change what llama.cpp allocates,
/// so zero-filled files of real shapes are cheap stand-ins for calibration).
/// </summary>
public sealed class GgufWriter
{
    private readonly List<KeyValuePair<string, GgufValue>> metadata = [];
    private readonly List<(string Name, long[] Dims, GgmlType Type, long Bytes, ReadOnlyMemory<byte>? Data)> tensors = [];
    private readonly HashSet<string> keys = new(StringComparer.Ordinal);
    private readonly HashSet<string> names = new(StringComparer.Ordinal);

    /// <summary>A writer using <paramref name="alignment"/> (recorded as general.alignment when not 32).</summary>
    public GgufWriter(int alignment = 32)
    {
        if (alignment <= 0 || (alignment & (alignment - 1)) != 0) throw new ArgumentException("alignment must be a power of two", nameof(alignment));
        Alignment = alignment;
        if (alignment != 32) Add("general.alignment", GgufValue.Of((uint)alignment));
    }

    /// <summary>Data alignment.</summary>
    public int Alignment { get; }

    /// <summary>Adds a metadata entry.</summary>
    public GgufWriter Add(string key, GgufValue value)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        ArgumentNullException.ThrowIfNull(value);
        if (!keys.Add(key)) throw new ArgumentException($"duplicate metadata key '{key}'", nameof(key));
        metadata.Add(new(key, value));
        return this;
    }

    public GgufWriter Add(string key, string value) => Add(key, GgufValue.Of(value));
    public GgufWriter Add(string key, uint value) => Add(key, GgufValue.Of(value));
    public GgufWriter Add(string key, float value) => Add(key, GgufValue.Of(value));
    public GgufWriter Add(string key, bool value) => Add(key, GgufValue.Of(value));

    /// <summary>Adds a tensor with its data; the data must be exactly the bytes its type and shape need.</summary>
    public GgufWriter AddTensor(string name, long[] dims, GgmlType type, ReadOnlyMemory<byte> data)
    {
        var bytes = CheckTensor(name, dims, type);
        if (data.Length != bytes) throw new ArgumentException($"tensor '{name}' needs {bytes} bytes of {type}, got {data.Length}", nameof(data));
        tensors.Add((name, dims, type, bytes, data));
        return this;
    }

    /// <summary>Adds a tensor whose data is all zero bytes.</summary>
    public GgufWriter AddZeroTensor(string name, long[] dims, GgmlType type)
    {
        tensors.Add((name, dims, type, CheckTensor(name, dims, type), null));
        return this;
    }

    private long CheckTensor(string name, long[] dims, GgmlType type)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(dims);
        if (Encoding.UTF8.GetByteCount(name) >= 64) throw new ArgumentException($"tensor name '{name}' is 64 bytes or longer", nameof(name));
        if (!names.Add(name)) throw new ArgumentException($"duplicate tensor name '{name}'", nameof(name));
        if (dims.Length is 0 or > 4 || dims.Any(d => d <= 0)) throw new ArgumentException($"tensor '{name}' needs 1 to 4 positive dimensions", nameof(dims));
        var info = GgmlTypes.Get(type);
        var elements = dims.Aggregate(1L, (a, d) => checked(a * d));
        return info.BytesFor(elements) is { } b && dims[0] % info.BlockSize == 0
            ? b
            : throw new ArgumentException($"tensor '{name}': rows of {dims[0]} are not whole {type} blocks", nameof(dims));
    }

    /// <summary>Writes the file to <paramref name="stream"/>.</summary>
    public void WriteTo(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var header = new MemoryStream();
        var w = new BinaryWriter(header, Encoding.UTF8, leaveOpen: true);
        w.Write("GGUF"u8);
        w.Write(3u);
        w.Write((ulong)tensors.Count);
        w.Write((ulong)metadata.Count);
        foreach (var (k, v) in metadata)
        {
            WriteString(w, k);
            w.Write((uint)v.Type);
            WriteValue(w, v);
        }
        long offset = 0;
        foreach (var t in tensors)
        {
            WriteString(w, t.Name);
            w.Write((uint)t.Dims.Length);
            foreach (var d in t.Dims) w.Write((ulong)d);
            w.Write((uint)t.Type);
            w.Write((ulong)offset);
            offset += GgufValidator.Pad(t.Bytes, Alignment);
        }
        w.Flush();
        header.Position = 0;
        header.CopyTo(stream);
        var written = header.Length;
        if (tensors.Count > 0) written += Zeros(stream, GgufValidator.Pad(written, Alignment) - written);
        foreach (var t in tensors)
        {
            if (t.Data is { } data) stream.Write(data.Span);
            else Zeros(stream, t.Bytes);
            Zeros(stream, GgufValidator.Pad(t.Bytes, Alignment) - t.Bytes);
        }
    }

    /// <summary>Writes the file to <paramref name="path"/>.</summary>
    public void WriteFile(string path)
    {
        using var f = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20);
        WriteTo(f);
    }

    /// <summary>The file as bytes (for small test files).</summary>
    public byte[] ToArray()
    {
        using var m = new MemoryStream();
        WriteTo(m);
        return m.ToArray();
    }

    private static readonly byte[] ZeroBlock = new byte[1 << 16];

    private static long Zeros(Stream s, long count)
    {
        for (var left = count; left > 0; left -= ZeroBlock.Length) s.Write(ZeroBlock, 0, (int)Math.Min(left, ZeroBlock.Length));
        return count;
    }

    private static void WriteString(BinaryWriter w, string s)
    {
        var bytes = Encoding.UTF8.GetBytes(s);
        w.Write((ulong)bytes.Length);
        w.Write(bytes);
    }

    private static void WriteValue(BinaryWriter w, GgufValue v)
    {
        switch (v.Raw)
        {
            case Array a:
                w.Write((uint)v.ElementType!.Value);
                w.Write((ulong)a.Length);
                switch (a)
                {
                    case string[] s: foreach (var x in s) WriteString(w, x); break;
                    case GgufValue[] nested:
                        foreach (var x in nested) WriteValue(w, x);
                        break;
                    case byte[] b: w.Write(b); break;
                    case sbyte[] b: foreach (var x in b) w.Write(x); break;
                    case bool[] b: foreach (var x in b) w.Write(x); break;
                    case ushort[] b: foreach (var x in b) w.Write(x); break;
                    case short[] b: foreach (var x in b) w.Write(x); break;
                    case uint[] b: foreach (var x in b) w.Write(x); break;
                    case int[] b: foreach (var x in b) w.Write(x); break;
                    case float[] b: foreach (var x in b) w.Write(x); break;
                    case ulong[] b: foreach (var x in b) w.Write(x); break;
                    case long[] b: foreach (var x in b) w.Write(x); break;
                    case double[] b: foreach (var x in b) w.Write(x); break;
                }
                break;
            case string s: WriteString(w, s); break;
            case byte b: w.Write(b); break;
            case sbyte b: w.Write(b); break;
            case bool b: w.Write(b); break;
            case ushort b: w.Write(b); break;
            case short b: w.Write(b); break;
            case uint b: w.Write(b); break;
            case int b: w.Write(b); break;
            case float b: w.Write(b); break;
            case ulong b: w.Write(b); break;
            case long b: w.Write(b); break;
            case double b: w.Write(b); break;
        }
    }
}
