using System.Buffers.Binary;

namespace ModelScout.Gguf.Fuzzing;

/// <summary>
/// Turns a seed file into a variant with one to six stacked mutations, drawn from a <see cref="FuzzRandom"/> so that a
/// variant is fully determined by the seed file and the random seed. Mutations aim mostly at the header (the reader
/// never parses tensor data), and half of the header mutations aim at a known field: counts and lengths get inflated,
/// type tags get unknown ids, u32/u64 fields get boundary values (0, 1, all ones, 2^31, 2^32, 2^63, lengths just past
/// the end of the file). The rest flip bits, set bytes, insert, delete, copy chunks and truncate.
/// </summary>
internal static class GgufMutator
{
    private const ulong StringLimit = 64UL << 20;
    private const ulong CountLimit = 1UL << 20;

    private static readonly ulong[] Words64 =
    [
        0, 1, 2, 3, 4, 8, 12, 13, 24, 29, 32, 64, 0x7F, 0x80, 0xFF, 0x100, 0xFFFF, 0x10000, 0x7FFF_FFFF, 0x8000_0000, 0xFFFF_FFFF,
        0x1_0000_0000, 0x7FFF_FFFF_FFFF_FFFF, 0x8000_0000_0000_0000, 0xFFFF_FFFF_FFFF_FFFF, 0xFFFF_FFFF_FFFF_FFFE, CountLimit, CountLimit + 1,
        StringLimit - 1, StringLimit, StringLimit + 1, 1UL << 30, 1UL << 40, 1UL << 62, 0x0000_0001_0000_0001, 0x0101_0101_0101_0101,
    ];

    private static readonly uint[] Words32 =
    [
        0, 1, 2, 3, 4, 5, 7, 8, 9, 10, 11, 12, 13, 14, 0x7F, 0x80, 0xFF, 0x100, 0xFFFF, 0x10000, 0x7FFF_FFFF, 0x8000_0000, 0xFFFF_FFFF,
        0xFFFF_FFFE, 0x0300_0000, 0x0200_0000, 0x0100_0000,
    ];

    private static readonly byte[] Bytes = [0, 1, 2, 0x7F, 0x80, 0xFE, 0xFF, (byte)'G', (byte)'U', (byte)'.', 0xC0, 0xE2, 0xF0];

    private enum Op
    {
        FieldWord,
        Inflate,
        TypeTag,
        BitFlip,
        ByteSet,
        RawWord,
        Truncate,
        Insert,
        Delete,
        CopyChunk,
        Version,
        ArrayElement,
        DataBytes,
    }

    // Weights out of 100.
    private static readonly (Op Op, int Weight)[] Table =
    [
        (Op.FieldWord, 20), (Op.Inflate, 13), (Op.TypeTag, 7), (Op.BitFlip, 14), (Op.ByteSet, 6), (Op.RawWord, 7), (Op.Truncate, 11),
        (Op.Insert, 6), (Op.Delete, 6), (Op.CopyChunk, 3), (Op.Version, 2), (Op.ArrayElement, 3), (Op.DataBytes, 2),
    ];

    /// <summary>Resets <paramref name="v"/> to its seed and mutates it; <paramref name="log"/>, when given, receives one line per mutation.</summary>
    public static void Mutate(FuzzSeed seed, FuzzVariant v, ref FuzzRandom rng, List<string>? log)
    {
        ArgumentNullException.ThrowIfNull(seed);
        ArgumentNullException.ThrowIfNull(v);
        v.Reset();
        var ops = rng.Count(6, 0.4);
        for (var i = 0; i < ops; i++)
        {
            if (v.Length == 0) break;
            Apply(seed, v, Choose(ref rng), ref rng, log);
        }
    }

    private static Op Choose(ref FuzzRandom rng)
    {
        var r = rng.Next(100);
        foreach (var (op, weight) in Table)
        {
            if (r < weight) return op;
            r -= weight;
        }
        return Op.BitFlip;
    }

    private static void Apply(FuzzSeed seed, FuzzVariant v, Op op, ref FuzzRandom rng, List<string>? log)
    {
        var map = seed.Map;
        var big = map.BigEndian ^ rng.Chance(0.05);
        switch (op)
        {
            case Op.FieldWord:
            {
                if (PickField(map, null, ref rng) is not { } f || f.Offset + f.Size > v.Length) goto case Op.RawWord;
                if (f.Size < 4)
                {
                    rng.Fill(v.Write(f.Offset, f.Size));
                    log?.Add($"{f.Kind} of {f.Size} bytes at {f.Offset} randomised");
                    break;
                }
                var value = f.Size == 8 ? Interesting64(Read(v, f.Offset, 8, big), Remaining(v, f), v.Length, ref rng) : Interesting32(Read(v, f.Offset, 4, big), ref rng);
                WriteWord(v, f.Offset, f.Size, value, big);
                log?.Add($"{f.Kind} at {f.Offset} := 0x{value:X}{(big ? " (big-endian)" : "")}");
                break;
            }
            case Op.Inflate:
            {
                if (PickField(map, map.CountsAndLengths, ref rng) is not { } f || f.Offset + f.Size > v.Length) goto case Op.RawWord;
                var value = f.Size == 8 ? Huge64(Read(v, f.Offset, 8, big), Remaining(v, f), ref rng) : Huge32(ref rng);
                WriteWord(v, f.Offset, f.Size, value, big);
                log?.Add($"inflate {f.Kind} at {f.Offset} := 0x{value:X}");
                break;
            }
            case Op.TypeTag:
            {
                if (PickField(map, map.TypeTags, ref rng) is not { } f || f.Offset + 4 > v.Length) goto case Op.RawWord;
                var value = rng.Next(4) switch
                {
                    0 => rng.NextU32(),
                    1 => (uint)rng.Next(64),
                    _ => (uint)rng.Next(f.Kind == FieldKind.TensorType ? 46 : 14),
                };
                WriteWord(v, f.Offset, 4, value, big);
                log?.Add($"{f.Kind} at {f.Offset} := {value}");
                break;
            }
            case Op.BitFlip:
            {
                var flips = rng.Count(8, 0.5);
                for (var k = 0; k < flips; k++)
                {
                    var at = HeaderPosition(seed, v, ref rng);
                    var bit = rng.Next(8);
                    v.Write(at, 1)[0] ^= (byte)(1 << bit);
                    log?.Add($"flip bit {bit} of byte {at}");
                }
                break;
            }
            case Op.ByteSet:
            {
                var at = HeaderPosition(seed, v, ref rng);
                var value = rng.Chance(0.5) ? rng.Pick(Bytes) : (byte)rng.NextU32();
                v.Write(at, 1)[0] = value;
                log?.Add($"byte {at} := 0x{value:X2}");
                break;
            }
            case Op.RawWord:
            {
                var size = rng.Chance(0.5) ? 8 : 4;
                if (v.Length < size) break;
                var at = Math.Min(HeaderPosition(seed, v, ref rng), v.Length - size);
                var value = size == 8 ? Interesting64(Read(v, at, 8, big), (ulong)Math.Max(0, v.Length - at - 8), v.Length, ref rng) : Interesting32(Read(v, at, 4, big), ref rng);
                WriteWord(v, at, size, value, big);
                log?.Add($"u{size * 8} at byte {at} := 0x{value:X}");
                break;
            }
            case Op.Truncate:
            {
                var cut = TruncationPoint(seed, v, ref rng);
                v.Truncate(cut);
                log?.Add($"truncate to {cut} bytes");
                break;
            }
            case Op.Insert:
            {
                var n = rng.Chance(0.8) ? rng.Next(1, 17) : rng.Next(17, 257);
                if (n > v.Room) break;
                var at = rng.Chance(0.5) && PickField(map, null, ref rng) is { } f && f.Offset <= v.Length ? f.Offset : HeaderPosition(seed, v, ref rng);
                Span<byte> bytes = stackalloc byte[n];
                var fill = rng.Next(4);
                if (fill == 0) bytes.Clear();
                else if (fill == 1) bytes.Fill(0xFF);
                else if (fill == 2 && at + n <= v.Length) v.Span.Slice(at, n).CopyTo(bytes);
                else rng.Fill(bytes);
                v.Insert(at, bytes);
                log?.Add($"insert {n} bytes at {at} (fill {fill})");
                break;
            }
            case Op.Delete:
            {
                var at = rng.Chance(0.5) && PickField(map, null, ref rng) is { } f && f.Offset < v.Length ? f.Offset : HeaderPosition(seed, v, ref rng);
                var n = Math.Min(v.Length - at, rng.Chance(0.8) ? rng.Next(1, 17) : rng.Next(17, 257));
                v.Delete(at, n);
                log?.Add($"delete {n} bytes at {at}");
                break;
            }
            case Op.CopyChunk:
            {
                var from = HeaderPosition(seed, v, ref rng);
                var to = HeaderPosition(seed, v, ref rng);
                var n = Math.Min(rng.Next(1, 65), v.Length - Math.Max(from, to));
                if (n <= 0) break;
                Span<byte> chunk = stackalloc byte[n];
                v.Span.Slice(from, n).CopyTo(chunk);
                chunk.CopyTo(v.Write(to, n));
                log?.Add($"copy {n} bytes from {from} to {to}");
                break;
            }
            case Op.Version:
            {
                if (v.Length < 8) break;
                uint[] versions = [0, 1, 2, 3, 4, 0x0200_0000, 0x0300_0000, 0x0100_0000, rng.NextU32()];
                var value = rng.Pick(versions);
                BinaryPrimitives.WriteUInt32LittleEndian(v.Write(4, 4), value);
                log?.Add($"version := 0x{value:X}");
                break;
            }
            case Op.ArrayElement:
            {
                if (map.Blocks.Count == 0) goto case Op.BitFlip;
                var b = rng.Pick(map.Blocks);
                if (b.Count == 0 || b.Offset + b.Count * b.ElementSize > v.Length) goto case Op.BitFlip;
                var at = b.Offset + rng.Next(b.Count) * b.ElementSize;
                var bytes = v.Write(at, b.ElementSize);
                if (b.ElementSize == 1) bytes[0] = rng.Pick(Bytes);
                else rng.Fill(bytes);
                log?.Add($"array element of {b.ElementSize} bytes at {at} randomised");
                break;
            }
            case Op.DataBytes:
            {
                var header = Math.Min(seed.HeaderBytes, v.Length);
                if (header >= v.Length) goto case Op.BitFlip;
                var at = rng.Next(header, v.Length);
                var n = Math.Min(rng.Next(1, 64), v.Length - at);
                rng.Fill(v.Write(at, n));
                log?.Add($"randomise {n} data bytes at {at}");
                break;
            }
        }
    }

    // A field from the subset (indexes into Fields) or, when null, from the header's outline half the time and from
    // all fields otherwise: a vocabulary's string lengths would drown the few counts and tensor infos.
    private static GgufField? PickField(GgufFieldMap map, IReadOnlyList<int>? subset, ref FuzzRandom rng)
    {
        if (subset is null) subset = rng.Chance(0.5) && map.Outline.Count > 0 ? map.Outline : null;
        if (subset is null) return map.Fields.Count == 0 ? null : rng.Pick(map.Fields);
        if (subset.Count == 0) return null;
        // Within a subset, prefer the outline's members too.
        for (var tries = 0; tries < 3; tries++)
        {
            var f = map.Fields[rng.Pick(subset)];
            if (!f.InArray || tries == 2) return f;
        }
        return null;
    }

    // Mostly inside the header, often on or next to a field; sometimes anywhere in the file.
    private static int HeaderPosition(FuzzSeed seed, FuzzVariant v, ref FuzzRandom rng)
    {
        var header = Math.Clamp(seed.HeaderBytes, 1, v.Length);
        if (rng.Chance(0.08)) return rng.Next(v.Length);
        if (rng.Chance(0.5) && PickField(seed.Map, null, ref rng) is { } f)
        {
            var at = f.Offset + rng.Next(-1, f.Size + 1);
            if (at >= 0 && at < v.Length) return at;
        }
        return rng.Next(header);
    }

    private static int TruncationPoint(FuzzSeed seed, FuzzVariant v, ref FuzzRandom rng)
    {
        var header = Math.Min(seed.HeaderBytes, v.Length);
        switch (rng.Next(10))
        {
            case < 4:
                return rng.Next(header + 1);
            case < 6:
                if (PickField(seed.Map, null, ref rng) is { } f) return Math.Min(v.Length, f.Offset + rng.Next(f.Size + 1));
                return rng.Next(header + 1);
            case 6:
                return Math.Max(0, Math.Min(v.Length, header + rng.Next(-16, 64)));
            case 7:
                return Math.Max(0, v.Length - rng.Next(1, 65));
            default:
                return rng.Next(v.Length + 1);
        }
    }

    private static ulong Remaining(FuzzVariant v, GgufField f) => (ulong)Math.Max(0, v.Length - f.Offset - f.Size);

    private static ulong Interesting64(ulong current, ulong remaining, int length, ref FuzzRandom rng) => rng.Next(20) switch
    {
        < 8 => rng.Pick(Words64),
        8 => current + 1,
        9 => current - 1,
        10 => current * 2,
        11 => current << 32,
        12 => remaining,
        13 => remaining + 1,
        14 => remaining - 1,
        15 => remaining / 8 + 1,
        16 => remaining / 12 + 1,
        17 => (ulong)length,
        18 => (ulong)rng.Next(256),
        _ => rng.NextU64(),
    };

    private static ulong Interesting32(ulong current, ref FuzzRandom rng) => rng.Next(10) switch
    {
        < 6 => rng.Pick(Words32),
        6 => (uint)current + 1,
        7 => (uint)current - 1,
        8 => (uint)rng.Next(64),
        _ => rng.NextU32(),
    };

    // A count or length far beyond what the file holds, or right at the reader's limits.
    private static ulong Huge64(ulong current, ulong remaining, ref FuzzRandom rng) => rng.Next(14) switch
    {
        0 => ulong.MaxValue,
        1 => 1UL << 63,
        2 => 1UL << 62,
        3 => 1UL << 40,
        4 => 1UL << 32,
        5 => 1UL << 31,
        6 => StringLimit - 1,
        7 => StringLimit,
        8 => CountLimit,
        9 => remaining + 1,
        10 => remaining * 2 + 1,
        11 => current * 1000 + 1000,
        12 => current | (1UL << rng.Next(20, 64)),
        _ => StringLimit - (ulong)rng.Next(1, 1 << 16),
    };

    private static ulong Huge32(ref FuzzRandom rng) => rng.Next(4) switch
    {
        0 => uint.MaxValue,
        1 => 1U << 31,
        2 => 1U << 16,
        _ => (uint)rng.Next(5, 1 << 12),
    };

    private static ulong Read(FuzzVariant v, int at, int size, bool big)
    {
        var s = v.Span.Slice(at, size);
        return size == 8
            ? big ? BinaryPrimitives.ReadUInt64BigEndian(s) : BinaryPrimitives.ReadUInt64LittleEndian(s)
            : big ? BinaryPrimitives.ReadUInt32BigEndian(s) : BinaryPrimitives.ReadUInt32LittleEndian(s);
    }

    private static void WriteWord(FuzzVariant v, int at, int size, ulong value, bool big)
    {
        var s = v.Write(at, size);
        if (size == 8)
        {
            if (big) BinaryPrimitives.WriteUInt64BigEndian(s, value);
            else BinaryPrimitives.WriteUInt64LittleEndian(s, value);
        }
        else if (big) BinaryPrimitives.WriteUInt32BigEndian(s, (uint)value);
        else BinaryPrimitives.WriteUInt32LittleEndian(s, (uint)value);
    }
}
