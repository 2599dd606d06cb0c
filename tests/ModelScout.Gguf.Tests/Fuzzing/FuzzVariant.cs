namespace ModelScout.Gguf.Fuzzing;

/// <summary>A file to mutate: its bytes, a name that seeds its own random stream, and its header layout.</summary>
internal sealed class FuzzSeed
{
    public FuzzSeed(string name, byte[] bytes)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        Name = name;
        Bytes = bytes;
        Map = GgufFieldMap.Scan(bytes);
        Stream = FuzzRandom.Hash(name);
    }

    public string Name { get; }
    public byte[] Bytes { get; }
    public GgufFieldMap Map { get; }
    public ulong Stream { get; }

    /// <summary>The header's length, or the whole file when the walk could not find its end.</summary>
    public int HeaderBytes => Map.Complete ? Map.HeaderBytes : Bytes.Length;

    public override string ToString() => Name;
}

/// <summary>
/// A working copy of a seed that mutations change in place. Only the bytes touched since the last reset are restored,
/// so a variant of a 2 MB file whose header was changed in a few places costs a few bytes of copying, not 2 MB.
/// </summary>
internal sealed class FuzzVariant
{
    /// <summary>How much longer than its seed a variant may grow through inserted bytes.</summary>
    public const int MaxGrowth = 4096;

    private readonly byte[] original;
    private readonly byte[] data;
    private int dirtyFrom;
    private int dirtyTo;

    public FuzzVariant(byte[] original)
    {
        ArgumentNullException.ThrowIfNull(original);
        this.original = original;
        data = new byte[original.Length + MaxGrowth];
        original.CopyTo(data, 0);
        Length = original.Length;
        dirtyFrom = int.MaxValue;
    }

    public int Length { get; private set; }

    /// <summary>The backing array: the variant is its first <see cref="Length"/> bytes.</summary>
    public byte[] Buffer => data;

    public Span<byte> Span => data.AsSpan(0, Length);

    public int Room => data.Length - Length;

    public void Reset()
    {
        var to = Math.Min(dirtyTo, original.Length);
        if (to > dirtyFrom) original.AsSpan(dirtyFrom, to - dirtyFrom).CopyTo(data.AsSpan(dirtyFrom));
        dirtyFrom = int.MaxValue;
        dirtyTo = 0;
        Length = original.Length;
    }

    /// <summary>Bytes [<paramref name="offset"/>, +<paramref name="count"/>) for writing; they are restored on reset.</summary>
    public Span<byte> Write(int offset, int count)
    {
        Touch(offset, offset + count);
        return data.AsSpan(offset, count);
    }

    public void Insert(int at, ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length > Room) throw new InvalidOperationException("no room left to insert");
        data.AsSpan(at, Length - at).CopyTo(data.AsSpan(at + bytes.Length));
        bytes.CopyTo(data.AsSpan(at));
        Length += bytes.Length;
        Touch(at, Length);
    }

    public void Delete(int at, int count)
    {
        data.AsSpan(at + count, Length - at - count).CopyTo(data.AsSpan(at));
        Touch(at, Length);
        Length -= count;
    }

    public void Truncate(int length) => Length = Math.Clamp(length, 0, Length);

    public byte[] ToArray() => data.AsSpan(0, Length).ToArray();

    private void Touch(int from, int to)
    {
        dirtyFrom = Math.Min(dirtyFrom, from);
        dirtyTo = Math.Max(dirtyTo, to);
    }
}
