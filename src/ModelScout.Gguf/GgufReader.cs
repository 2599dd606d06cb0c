using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;

namespace ModelScout.Gguf;

/// <summary>
/// Reads a GGUF header (v2 and v3, either byte order) from a file or stream without touching tensor data. Every count,
/// length and size is checked before it is used; whatever is wrong raises <see cref="GgufFormatException"/> with the
/// byte offset.
/// </summary>
public static class GgufReader
{
    private static readonly byte[] Magic = "GGUF"u8.ToArray();

    /// <summary>Reads the header of the file at <paramref name="path"/>.</summary>
    public static GgufFile ReadFile(string path, GgufLimits? limits = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1, FileOptions.SequentialScan);
        return Read(stream, stream.Length, limits);
    }

    /// <summary>Reads a header from <paramref name="stream"/>, positioned at the file's first byte.</summary>
    /// <param name="stream">Any readable stream; it is read forward only, in chunks.</param>
    /// <param name="length">The file's length when known: it bounds every size the header claims.</param>
    /// <param name="limits">Caps; <see cref="GgufLimits.Default"/> when null.</param>
    public static GgufFile Read(Stream stream, long? length, GgufLimits? limits = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var c = new Cursor(stream, length, limits ?? GgufLimits.Default);
        return c.ReadHeader();
    }

    private sealed class Cursor(Stream stream, long? length, GgufLimits limits)
    {
        private const int BufferSize = 1 << 16;
        private readonly byte[] buffer = new byte[BufferSize];
        private readonly bool lengthKnown = length is not null;
        private int pos;
        private int end;
        private long bufferStart;
        private bool big;

        private long Position => bufferStart + pos;

        private static GgufFormatException Error(long at, string problem) => new(at, problem);

        public GgufFile ReadHeader()
        {
            Need(4, "the magic number");
            if (!buffer.AsSpan(pos, 4).SequenceEqual(Magic)) throw NotGguf();
            pos += 4;

            Need(4, "the version");
            var raw = BinaryPrimitives.ReadUInt32LittleEndian(buffer.AsSpan(pos, 4));
            var swapped = BinaryPrimitives.ReverseEndianness(raw);
            big = raw is not (1 or 2 or 3) && swapped is 1 or 2 or 3;
            var version = big ? swapped : raw;
            if (version == 1) throw Error(4, "legacy GGUF v1; convert it with a current llama.cpp (convert_hf_to_gguf.py, or llama-gguf-split for old files)");
            if (version is not (2 or 3)) throw Error(4, $"unsupported GGUF version {raw} (this reader knows versions 2 and 3)");
            pos += 4;

            var tensorCountAt = Position;
            var tensorCount = U64("the tensor count");
            var kvCountAt = Position;
            var kvCount = U64("the metadata count");
            if (kvCount > (ulong)limits.MaxMetadataEntries) throw Error(kvCountAt, $"claims {kvCount:N0} metadata entries; the limit is {limits.MaxMetadataEntries:N0}");
            if (tensorCount > (ulong)limits.MaxTensors) throw Error(tensorCountAt, $"claims {tensorCount:N0} tensors; the limit is {limits.MaxTensors:N0}");
            // Each entry takes at least 13 bytes (key length, one key byte, type, one value byte), each tensor info 29.
            CheckFits(kvCountAt, Times((long)kvCount, 13), $"{kvCount:N0} metadata entries");
            CheckFits(tensorCountAt, Times((long)tensorCount, 29), $"{tensorCount:N0} tensor infos");

            var metadata = new List<KeyValuePair<string, GgufValue>>((int)Math.Min(kvCount, 1024));
            var keys = new HashSet<string>(StringComparer.Ordinal);
            long alignmentAt = 0;
            for (ulong i = 0; i < kvCount; i++)
            {
                var keyAt = Position;
                var key = ReadString("a metadata key");
                if (key.Length == 0) throw Error(keyAt, "empty metadata key");
                if (!keys.Add(key)) throw Error(keyAt, $"duplicate metadata key '{key}'");
                if (key == "general.alignment") alignmentAt = keyAt;
                var typeAt = Position;
                var type = (GgufValueType)U32("the type of " + key);
                var value = ReadValue(type, typeAt, key, 0);
                metadata.Add(new(key, value));
                CheckHeaderSize();
            }

            var alignment = 32;
            var alignmentEntry = metadata.FirstOrDefault(kv => kv.Key == "general.alignment");
            if (alignmentEntry.Value is { } a)
            {
                if (a.Type != GgufValueType.UInt32) throw Error(alignmentAt, $"general.alignment must be a uint32, not {a.Type.ToString().ToLowerInvariant()}");
                var v = (uint)a.Raw;
                if (v == 0 || (v & (v - 1)) != 0 || v > 1 << 30) throw Error(alignmentAt, $"general.alignment {v} is not a power of two");
                alignment = (int)v;
            }

            var tensors = new List<GgufTensorInfo>((int)Math.Min(tensorCount, 4096));
            var names = new HashSet<string>(StringComparer.Ordinal);
            for (ulong i = 0; i < tensorCount; i++)
            {
                tensors.Add(ReadTensorInfo(names));
                CheckHeaderSize();
            }
            var headerBytes = Position;
            var dataOffset = checked(headerBytes + alignment - 1) / alignment * alignment;
            return new GgufFile((int)version, big, metadata, tensors, alignment, headerBytes, dataOffset, length);
        }

        private GgufFormatException NotGguf()
        {
            var head = buffer.AsSpan(pos, 4);
            var text = Encoding.ASCII.GetString(head);
            var hint = text switch
            {
                "lmgg" or "ggml" => " (an unversioned GGML file from before 2023; llama.cpp no longer reads it)",
                "fmgg" or "ggmf" or "tjgg" or "ggjt" => " (a GGJT/GGMF file from before GGUF; convert the original weights with a current llama.cpp)",
                _ when text.StartsWith('{') => " (this looks like JSON: a Hugging Face config or an error page, not a model)",
                _ when text.StartsWith('<') => " (this looks like HTML: an error or login page, not a model)",
                _ when head[0] == 0x50 && head[1] == 0x4b => " (a ZIP archive, perhaps a PyTorch checkpoint)",
                _ => "",
            };
            return Error(0, $"not a GGUF file: it starts with {Convert.ToHexString(head)}{hint}");
        }

        private GgufTensorInfo ReadTensorInfo(HashSet<string> names)
        {
            var at = Position;
            var nameLength = PeekStringLength("a tensor name");
            if (nameLength >= (ulong)limits.MaxTensorNameBytes)
                throw Error(at, $"tensor name of {nameLength:N0} bytes; ggml allows at most {limits.MaxTensorNameBytes - 1}");
            var name = ReadString("a tensor name");
            if (name.Length == 0) throw Error(at, "empty tensor name");
            if (!names.Add(name)) throw Error(at, $"duplicate tensor name '{name}'");
            var dimsAt = Position;
            var n = U32($"the dimension count of '{name}'");
            if (n == 0 || n > limits.MaxDimensions) throw Error(dimsAt, $"tensor '{name}' has {n} dimensions; ggml allows 1 to {limits.MaxDimensions}");
            var dims = new long[n];
            long elements = 1;
            for (var d = 0; d < n; d++)
            {
                var dimAt = Position;
                var v = U64($"a dimension of '{name}'");
                if (v == 0 || v > long.MaxValue) throw Error(dimAt, $"tensor '{name}' has dimension {d} = {v}");
                dims[d] = (long)v;
                try { elements = checked(elements * (long)v); }
                catch (OverflowException) { throw Error(dimAt, $"tensor '{name}' has more elements than fit in 64 bits"); }
            }
            var typeAt = Position;
            var typeId = U32($"the type of '{name}'");
            var info = GgmlTypes.TryGet(typeId) ?? throw Error(typeAt, $"tensor '{name}' has unknown ggml type {typeId}");
            if (info.Retired || info.BlockSize == 0) throw Error(typeAt, $"tensor '{name}' uses the retired ggml type {info.Type} ({info.Note})");
            if (dims[0] % info.BlockSize != 0)
                throw Error(typeAt, $"tensor '{name}' rows are {dims[0]} long, not a whole number of {info.Type} blocks of {info.BlockSize}");
            long bytes;
            try { bytes = checked(elements / info.BlockSize * info.BytesPerBlock); }
            catch (OverflowException) { throw Error(typeAt, $"tensor '{name}' takes more bytes than fit in 64 bits"); }
            var offsetAt = Position;
            var offset = U64($"the data offset of '{name}'");
            if (offset > long.MaxValue) throw Error(offsetAt, $"tensor '{name}' has data offset {offset}");
            return new GgufTensorInfo(name, dims, info.Type, (long)offset, elements, bytes, at);
        }

        private GgufValue ReadValue(GgufValueType type, long typeAt, string key, int depth)
        {
            switch (type)
            {
                case GgufValueType.String:
                    return GgufValue.FromScalar(type, ReadString("the value of " + key));
                case GgufValueType.Array:
                    return ReadArray(key, depth);
                default:
                    var size = GgufValue.FixedSize(type);
                    if (size == 0) throw Error(typeAt, $"'{key}' has unknown value type {(uint)type}");
                    Need(size, "the value of " + key);
                    var value = Scalar(type, buffer.AsSpan(pos, size), typeAt, key);
                    pos += size;
                    return GgufValue.FromScalar(type, value);
            }
        }

        private object Scalar(GgufValueType type, ReadOnlySpan<byte> s, long at, string key) => type switch
        {
            GgufValueType.UInt8 => s[0],
            GgufValueType.Int8 => (sbyte)s[0],
            GgufValueType.Bool => s[0] switch
            {
                0 => false,
                1 => true,
                var b => throw Error(at, $"'{key}' is a bool with byte value {b}"),
            },
            GgufValueType.UInt16 => big ? BinaryPrimitives.ReadUInt16BigEndian(s) : BinaryPrimitives.ReadUInt16LittleEndian(s),
            GgufValueType.Int16 => big ? BinaryPrimitives.ReadInt16BigEndian(s) : BinaryPrimitives.ReadInt16LittleEndian(s),
            GgufValueType.UInt32 => big ? BinaryPrimitives.ReadUInt32BigEndian(s) : BinaryPrimitives.ReadUInt32LittleEndian(s),
            GgufValueType.Int32 => big ? BinaryPrimitives.ReadInt32BigEndian(s) : BinaryPrimitives.ReadInt32LittleEndian(s),
            GgufValueType.Float32 => big ? BinaryPrimitives.ReadSingleBigEndian(s) : BinaryPrimitives.ReadSingleLittleEndian(s),
            GgufValueType.UInt64 => big ? BinaryPrimitives.ReadUInt64BigEndian(s) : BinaryPrimitives.ReadUInt64LittleEndian(s),
            GgufValueType.Int64 => big ? BinaryPrimitives.ReadInt64BigEndian(s) : BinaryPrimitives.ReadInt64LittleEndian(s),
            GgufValueType.Float64 => big ? BinaryPrimitives.ReadDoubleBigEndian(s) : BinaryPrimitives.ReadDoubleLittleEndian(s),
            _ => throw Error(at, $"'{key}' has unknown value type {(uint)type}"),
        };

        private GgufValue ReadArray(string key, int depth)
        {
            var at = Position;
            if (depth >= limits.MaxArrayDepth) throw Error(at, $"'{key}' nests arrays more than {limits.MaxArrayDepth} deep");
            var elementType = (GgufValueType)U32($"the element type of '{key}'");
            var countAt = Position;
            var count = U64($"the length of '{key}'");
            if (count > (ulong)limits.MaxArrayElements) throw Error(countAt, $"'{key}' claims {count:N0} elements; the limit is {limits.MaxArrayElements:N0}");
            var n = (long)count;
            var size = GgufValue.FixedSize(elementType);
            switch (elementType)
            {
                case GgufValueType.String:
                {
                    CheckFits(countAt, Times(n, 8), $"'{key}' ({n:N0} strings)");
                    if (lengthKnown)
                    {
                        // CheckFits has bounded n by the bytes left (8 per string at least), so the array can be made whole.
                        var strings = new string[n];
                        for (long i = 0; i < n; i++) strings[i] = ReadString(What.Element(i, key));
                        return GgufValue.FromArray(elementType, strings);
                    }
                    var items = Grow<string>(n);
                    for (long i = 0; i < n; i++) items.Add(ReadString(What.Element(i, key)));
                    return GgufValue.FromArray(elementType, items.ToArray());
                }
                case GgufValueType.Array:
                {
                    CheckFits(countAt, Times(n, 12), $"'{key}' ({n:N0} arrays)");
                    var items = Grow<GgufValue>(n);
                    for (long i = 0; i < n; i++) items.Add(ReadArray(key, depth + 1));
                    return GgufValue.FromArray(elementType, items.ToArray());
                }
                default:
                    if (size == 0) throw Error(at, $"'{key}' has unknown element type {(uint)elementType}");
                    CheckFits(countAt, Times(n, size), $"'{key}' ({n:N0} elements of {size} bytes)");
                    return GgufValue.FromArray(elementType, ReadFixedArray(elementType, n, size, key));
            }
        }

        // Arrays are filled as elements arrive, so a false count cannot make the reader allocate ahead of the data.
        private static List<T> Grow<T>(long count) => new((int)Math.Min(count, 1 << 16));

        private static Array NewArray(GgufValueType type, long n) => type switch
        {
            GgufValueType.UInt8 => new byte[n],
            GgufValueType.Int8 => new sbyte[n],
            GgufValueType.Bool => new bool[n],
            GgufValueType.UInt16 => new ushort[n],
            GgufValueType.Int16 => new short[n],
            GgufValueType.UInt32 => new uint[n],
            GgufValueType.Int32 => new int[n],
            GgufValueType.Float32 => new float[n],
            GgufValueType.UInt64 => new ulong[n],
            GgufValueType.Int64 => new long[n],
            _ => new double[n],
        };

        private Array ReadFixedArray(GgufValueType type, long n, int size, string key)
        {
            // With the file's length known, CheckFits has bounded n by the bytes left. Without it the count is only a
            // claim: start at one buffer's worth and grow as the elements arrive, so a false count cannot make the
            // reader allocate ahead of the data.
            var result = NewArray(type, lengthKnown ? n : Math.Min(n, BufferSize / size));
            long i = 0;
            while (i < n)
            {
                var chunk = (int)Math.Min(n - i, BufferSize / size);
                var at = Position;
                Need(chunk * size, $"the elements of '{key}'");
                if (i + chunk > result.Length)
                {
                    var grown = NewArray(type, Math.Min(n, Math.Max(i + chunk, 2L * result.Length)));
                    Array.Copy(result, grown, i);
                    result = grown;
                }
                var span = buffer.AsSpan(pos, chunk * size);
                if (type == GgufValueType.Bool)
                {
                    for (var k = 0; k < chunk; k++)
                    {
                        if (span[k] > 1) throw Error(at + k, $"element {i + k} of '{key}' is a bool with byte value {span[k]}");
                    }
                }
                // The elements are copied as they are and then byte-swapped when the file's order is not the machine's.
                var target = MemoryMarshal.CreateSpan(ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(result), (nint)(i * size)), chunk * size);
                span.CopyTo(target);
                if (big == BitConverter.IsLittleEndian)
                {
                    switch (size)
                    {
                        case 2: BinaryPrimitives.ReverseEndianness(MemoryMarshal.Cast<byte, ushort>(target), MemoryMarshal.Cast<byte, ushort>(target)); break;
                        case 4: BinaryPrimitives.ReverseEndianness(MemoryMarshal.Cast<byte, uint>(target), MemoryMarshal.Cast<byte, uint>(target)); break;
                        case 8: BinaryPrimitives.ReverseEndianness(MemoryMarshal.Cast<byte, ulong>(target), MemoryMarshal.Cast<byte, ulong>(target)); break;
                    }
                }
                i += chunk;
                pos += chunk * size;
            }
            return result;
        }

        /// <summary>
        /// What is being read, for error messages. It is formatted only when an error is raised: a vocabulary has
        /// 100k+ strings, and building "element 12345 of 'tokenizer.ggml.tokens'" for each cost more than reading them.
        /// </summary>
        private readonly struct What
        {
            private readonly string text;
            private readonly string? key;
            private readonly long element;
            private readonly bool lengthOf;

            private What(string text, string? key, long element, bool lengthOf)
            {
                this.text = text;
                this.key = key;
                this.element = element;
                this.lengthOf = lengthOf;
            }

            public static implicit operator What(string text) => FromString(text);

            public static What FromString(string text) => new(text, null, -1, false);

            /// <summary>element <paramref name="index"/> of '<paramref name="arrayKey"/>'.</summary>
            public static What Element(long index, string arrayKey) => new("", arrayKey, index, false);

            /// <summary>the length of (this).</summary>
            public What LengthOf() => new(text, key, element, true);

            public override string ToString()
            {
                var s = key is null ? text : $"element {element} of '{key}'";
                return lengthOf ? "the length of " + s : s;
            }
        }

        private ulong PeekStringLength(What what)
        {
            Need(8, what);
            var s = buffer.AsSpan(pos, 8);
            return big ? BinaryPrimitives.ReadUInt64BigEndian(s) : BinaryPrimitives.ReadUInt64LittleEndian(s);
        }

        private string ReadString(What what)
        {
            var at = Position;
            var length = U64(what.LengthOf());
            if (length > (ulong)limits.MaxStringBytes) throw Error(at, $"{what} claims {length:N0} bytes; the limit is {limits.MaxStringBytes:N0}");
            var n = (int)length;
            if (n == 0) return "";
            CheckFits(at + 8, n, what);
            if (n <= BufferSize)
            {
                Need(n, what);
                var s = Encoding.UTF8.GetString(buffer, pos, n);
                pos += n;
                return s;
            }
            // As for arrays: without the file's length, grow towards the claimed length only as the bytes arrive.
            var bytes = new byte[lengthKnown ? n : Math.Min(n, 4 * BufferSize)];
            var copied = 0;
            while (copied < n)
            {
                var chunk = Math.Min(n - copied, BufferSize);
                Need(chunk, what);
                if (copied + chunk > bytes.Length) Array.Resize(ref bytes, (int)Math.Min(n, 2L * bytes.Length));
                Buffer.BlockCopy(buffer, pos, bytes, copied, chunk);
                pos += chunk;
                copied += chunk;
            }
            return Encoding.UTF8.GetString(bytes);
        }

        private uint U32(What what)
        {
            Need(4, what);
            var v = big ? BinaryPrimitives.ReadUInt32BigEndian(buffer.AsSpan(pos)) : BinaryPrimitives.ReadUInt32LittleEndian(buffer.AsSpan(pos));
            pos += 4;
            return v;
        }

        private ulong U64(What what)
        {
            Need(8, what);
            var v = big ? BinaryPrimitives.ReadUInt64BigEndian(buffer.AsSpan(pos)) : BinaryPrimitives.ReadUInt64LittleEndian(buffer.AsSpan(pos));
            pos += 8;
            return v;
        }

        // Saturates instead of wrapping, so raised limits cannot turn a huge claim into a small one.
        private static long Times(long n, long k) => n > long.MaxValue / k ? long.MaxValue : n * k;

        // A claimed size must fit in what is left of the file (when its length is known).
        private void CheckFits(long at, long bytes, What what)
        {
            if (length is { } total && bytes > total - Position)
                throw Error(at, $"{what} would need {bytes:N0} bytes but only {Math.Max(0, total - Position):N0} remain in the file");
        }

        private void CheckHeaderSize()
        {
            if (Position > limits.MaxHeaderBytes) throw Error(Position, $"the header is larger than {limits.MaxHeaderBytes:N0} bytes");
        }

        private void Need(int n, What what)
        {
            if (end - pos >= n) return;
            var remaining = end - pos;
            Buffer.BlockCopy(buffer, pos, buffer, 0, remaining);
            bufferStart += pos;
            pos = 0;
            end = remaining;
            while (end < n)
            {
                int read;
                try
                {
                    read = stream.Read(buffer, end, buffer.Length - end);
                }
                catch (IOException e) when (e is not EndOfStreamException and not GgufRemoteException)
                {
                    throw new IOException($"reading the GGUF header failed at byte {Position + end}: {e.Message}", e);
                }
                if (read <= 0) throw Error(Position, $"the file ends at byte {Position + end} while reading {what} (truncated)");
                end += read;
            }
        }
    }
}
