using System.Buffers.Binary;

namespace ModelScout.Gguf.Fuzzing;

/// <summary>What a field of a GGUF header holds, so a mutation can pick values that matter for it.</summary>
internal enum FieldKind : byte
{
    Version,
    TensorCount,
    MetadataCount,
    KeyLength,
    ValueType,
    StringLength,
    ArrayElementType,
    ArrayLength,
    Scalar,
    NameLength,
    DimensionCount,
    Dimension,
    TensorType,
    DataOffset,
}

/// <summary>
/// One fixed-size field of a header: where it is, what it is, how wide (4 or 8 bytes, or a scalar's size), and whether
/// it belongs to an element of an array (a vocabulary's thousands of string lengths) rather than to the header's outline.
/// </summary>
internal readonly record struct GgufField(int Offset, FieldKind Kind, byte Size, bool InArray)
{
    /// <summary>Counts and lengths: the fields a hostile file inflates.</summary>
    public bool IsCountOrLength => Kind is FieldKind.TensorCount or FieldKind.MetadataCount or FieldKind.KeyLength or FieldKind.StringLength
        or FieldKind.ArrayLength or FieldKind.NameLength or FieldKind.DimensionCount or FieldKind.Dimension;

    /// <summary>Type tags: value types, element types, ggml tensor types.</summary>
    public bool IsTypeTag => Kind is FieldKind.ValueType or FieldKind.ArrayElementType or FieldKind.TensorType;
}

/// <summary>The elements of a fixed-size array: where they start, how wide each is, how many.</summary>
internal readonly record struct GgufBlock(int Offset, byte ElementSize, int Count);

/// <summary>
/// The layout of a well-formed GGUF header, found by an independent walk (not by <see cref="GgufReader"/>): every
/// count, length, type tag and scalar with its offset. The mutator aims at these; a file the walk cannot follow to the
/// end yields the fields found up to that point.
/// </summary>
internal sealed class GgufFieldMap
{
    private readonly List<GgufField> fields = [];
    private readonly List<GgufBlock> blocks = [];
    private readonly List<int> countsAndLengths = [];
    private readonly List<int> typeTags = [];
    private readonly List<int> outline = [];

    private GgufFieldMap() { }

    public IReadOnlyList<GgufField> Fields => fields;
    public IReadOnlyList<GgufBlock> Blocks => blocks;
    /// <summary>Indexes into <see cref="Fields"/> of the counts and lengths.</summary>
    public IReadOnlyList<int> CountsAndLengths => countsAndLengths;
    /// <summary>Indexes into <see cref="Fields"/> of the type tags.</summary>
    public IReadOnlyList<int> TypeTags => typeTags;
    /// <summary>Indexes into <see cref="Fields"/> of the fields outside array elements: counts, keys, types, tensor infos.</summary>
    public IReadOnlyList<int> Outline => outline;
    /// <summary>Where the walk ended: the header's length when the walk was complete.</summary>
    public int HeaderBytes { get; private set; }
    public bool BigEndian { get; private set; }
    /// <summary>True when the walk reached the end of the tensor infos.</summary>
    public bool Complete { get; private set; }

    public static GgufFieldMap Scan(ReadOnlySpan<byte> data)
    {
        var map = new GgufFieldMap();
        var w = new Walker(map);
        try
        {
            w.Header(data);
            map.Complete = true;
        }
        catch (IndexOutOfRangeException) { }
        catch (ArgumentOutOfRangeException) { }
        catch (InvalidDataException) { }
        map.HeaderBytes = w.Pos;
        return map;
    }

    private void Add(int offset, FieldKind kind, int size, bool inArray)
    {
        var f = new GgufField(offset, kind, (byte)size, inArray);
        if (f.IsCountOrLength) countsAndLengths.Add(fields.Count);
        if (f.IsTypeTag) typeTags.Add(fields.Count);
        if (!inArray) outline.Add(fields.Count);
        fields.Add(f);
    }

    private ref struct Walker(GgufFieldMap map)
    {
        public int Pos;
        private bool big;
        private int arrays;

        public void Header(ReadOnlySpan<byte> d)
        {
            if (d.Length < 24 || !d[..4].SequenceEqual("GGUF"u8)) throw new InvalidDataException();
            Pos = 4;
            var raw = BinaryPrimitives.ReadUInt32LittleEndian(d[4..]);
            big = raw is not (2 or 3) && BinaryPrimitives.ReverseEndianness(raw) is 2 or 3;
            map.BigEndian = big;
            map.Add(4, FieldKind.Version, 4, false);
            Pos = 8;
            var tensors = U64(d, FieldKind.TensorCount);
            var kvs = U64(d, FieldKind.MetadataCount);
            if (tensors > 1 << 20 || kvs > 1 << 20) throw new InvalidDataException();
            for (ulong i = 0; i < kvs; i++)
            {
                Str(d, FieldKind.KeyLength);
                var type = U32(d, FieldKind.ValueType);
                Value(d, type, 0);
            }
            for (ulong i = 0; i < tensors; i++)
            {
                Str(d, FieldKind.NameLength);
                var n = U32(d, FieldKind.DimensionCount);
                if (n > 4) throw new InvalidDataException();
                for (var k = 0; k < n; k++) U64(d, FieldKind.Dimension);
                U32(d, FieldKind.TensorType);
                U64(d, FieldKind.DataOffset);
            }
        }

        private void Value(ReadOnlySpan<byte> d, uint type, int depth)
        {
            switch (type)
            {
                case 8:
                    Str(d, FieldKind.StringLength);
                    break;
                case 9:
                    if (depth > 8) throw new InvalidDataException();
                    var element = U32(d, FieldKind.ArrayElementType);
                    var count = U64(d, FieldKind.ArrayLength);
                    if (count > (ulong)d.Length) throw new InvalidDataException();
                    var size = GgufValue.FixedSize((GgufValueType)element);
                    if (size > 0)
                    {
                        map.blocks.Add(new GgufBlock(Pos, (byte)size, (int)count));
                        Pos = checked(Pos + (int)count * size);
                        if (Pos > d.Length) throw new InvalidDataException();
                        break;
                    }
                    arrays++;
                    for (ulong i = 0; i < count; i++) Value(d, element, depth + 1);
                    arrays--;
                    break;
                default:
                    var width = GgufValue.FixedSize((GgufValueType)type);
                    if (width == 0) throw new InvalidDataException();
                    _ = d.Slice(Pos, width);
                    map.Add(Pos, FieldKind.Scalar, width, arrays > 0);
                    Pos += width;
                    break;
            }
        }

        private void Str(ReadOnlySpan<byte> d, FieldKind kind)
        {
            var n = U64(d, kind);
            if (n > (ulong)(d.Length - Pos)) throw new InvalidDataException();
            Pos += (int)n;
        }

        private uint U32(ReadOnlySpan<byte> d, FieldKind kind)
        {
            var s = d.Slice(Pos, 4);
            map.Add(Pos, kind, 4, arrays > 0);
            Pos += 4;
            return big ? BinaryPrimitives.ReadUInt32BigEndian(s) : BinaryPrimitives.ReadUInt32LittleEndian(s);
        }

        private ulong U64(ReadOnlySpan<byte> d, FieldKind kind)
        {
            var s = d.Slice(Pos, 8);
            map.Add(Pos, kind, 8, arrays > 0);
            Pos += 8;
            return big ? BinaryPrimitives.ReadUInt64BigEndian(s) : BinaryPrimitives.ReadUInt64LittleEndian(s);
        }
    }

    /// <summary>
    /// A big-endian copy of a little-endian file: every field and array element of the header byte-swapped, the data
    /// left as it is (the reader never looks at it). Used to give the big-endian paths of the reader their own seeds.
    /// </summary>
    public static byte[] ToBigEndian(byte[] littleEndian)
    {
        var map = Scan(littleEndian);
        if (!map.Complete || map.BigEndian) throw new ArgumentException("needs a complete little-endian header", nameof(littleEndian));
        var b = (byte[])littleEndian.Clone();
        foreach (var f in map.fields)
        {
            if (f.Size > 1) b.AsSpan(f.Offset, f.Size).Reverse();
        }
        foreach (var block in map.blocks)
        {
            if (block.ElementSize == 1) continue;
            for (var i = 0; i < block.Count; i++) b.AsSpan(block.Offset + i * block.ElementSize, block.ElementSize).Reverse();
        }
        return b;
    }
}
