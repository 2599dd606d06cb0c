using System.Buffers.Binary;

namespace ModelScout.Gguf.Tests;

public class MalformedFileTests
{
    private static byte[] Small()
    {
        var w = new GgufWriter().Add("general.architecture", "llama").Add("llama.block_count", 1u).Add("name", "x");
        w.AddTensor("w", [32, 2], GgmlType.F32, new byte[256]);
        w.AddTensor("v", [32], GgmlType.Q8_0, new byte[34]);
        return w.ToArray();
    }

    private static GgufFormatException Fails(byte[] bytes, bool validate = false) => Assert.Throws<GgufFormatException>(() =>
    {
        var f = GgufReader.Read(new MemoryStream(bytes), bytes.Length);
        if (validate) GgufValidator.Validate(f);
    });

    [Fact]
    public void Not_a_GGUF_file_says_what_it_looks_like()
    {
        Assert.Contains("HTML", Fails("<!DOCTYPE html><html>"u8.ToArray()).Message, StringComparison.Ordinal);
        Assert.Contains("GGJT", Fails("tjgg\x01\0\0\0"u8.ToArray()).Message, StringComparison.Ordinal);
        Assert.Contains("not a GGUF file", Fails([1, 2, 3, 4, 5]).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Version_1_and_unknown_versions_are_named()
    {
        var b = Small();
        BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(4), 1);
        Assert.Contains("legacy GGUF v1", Fails(b).Message, StringComparison.Ordinal);
        BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(4), 7);
        var e = Fails(b);
        Assert.Contains("unsupported GGUF version 7", e.Message, StringComparison.Ordinal);
        Assert.Equal(4, e.Offset);
    }

    [Fact]
    public void A_big_endian_file_is_read()
    {
        // Build the same header big-endian by hand: magic, version 3, 0 tensors, 1 key "k" = u32 7.
        var b = new List<byte>();
        b.AddRange("GGUF"u8.ToArray());
        void U32(uint v) { var s = new byte[4]; BinaryPrimitives.WriteUInt32BigEndian(s, v); b.AddRange(s); }
        void U64(ulong v) { var s = new byte[8]; BinaryPrimitives.WriteUInt64BigEndian(s, v); b.AddRange(s); }
        U32(3); U64(0); U64(1); U64(1); b.Add((byte)'k'); U32((uint)GgufValueType.UInt32); U32(7);
        var f = GgufReader.Read(new MemoryStream(b.ToArray()), b.Count);
        Assert.True(f.BigEndian);
        Assert.Equal(7L, f.GetInteger("k"));
    }

    [Fact]
    public void Truncation_anywhere_in_the_header_names_the_byte_and_the_field()
    {
        var b = Small();
        var f = GgufReader.Read(new MemoryStream(b), b.Length);
        for (var cut = 0; cut < f.HeaderBytes; cut++)
        {
            var e = Fails(b.AsSpan(0, cut).ToArray());
            Assert.InRange(e.Offset, 0, cut);
        }
    }

    [Fact]
    public void Huge_claimed_counts_and_lengths_fail_fast_without_allocating()
    {
        var b = Small();
        BinaryPrimitives.WriteUInt64LittleEndian(b.AsSpan(16), ulong.MaxValue / 2); // metadata count
        var before = GC.GetAllocatedBytesForCurrentThread();
        Assert.Contains("metadata entries", Fails(b).Message, StringComparison.Ordinal);
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 1 << 20);

        b = Small();
        BinaryPrimitives.WriteUInt64LittleEndian(b.AsSpan(24), 1UL << 40); // first key's length
        Assert.Contains("claims", Fails(b).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Duplicate_keys_and_tensor_names_are_errors()
    {
        // Two keys of the same length; renaming the second to the first makes a duplicate.
        var b = new GgufWriter().Add("key.one", "a").Add("key.two", "b").ToArray();
        var idx = b.AsSpan().IndexOf("key.two"u8);
        "key.one"u8.CopyTo(b.AsSpan(idx));
        var e = Fails(b);
        Assert.Contains("duplicate metadata key 'key.one'", e.Message, StringComparison.Ordinal);
        Assert.Equal(idx - 8, e.Offset);

        var t = Small();
        var v = t.AsSpan().LastIndexOf("\u0001\0\0\0\0\0\0\0v"u8);
        t[v + 8] = (byte)'w';
        Assert.Contains("duplicate tensor name 'w'", Fails(t).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Overlapping_gapped_and_out_of_file_tensors_are_caught_by_validation()
    {
        var b = Small();
        var f = GgufReader.Read(new MemoryStream(b), b.Length);
        var second = f.Tensors[1];
        // The offset is the last 8 bytes of the second tensor's info, just before the header ends.
        var offsetAt = (int)f.HeaderBytes - 8;
        BinaryPrimitives.WriteUInt64LittleEndian(b.AsSpan(offsetAt), (ulong)second.Offset - 32);
        Assert.Contains("overlaps", Fails(b, validate: true).Message, StringComparison.Ordinal);
        BinaryPrimitives.WriteUInt64LittleEndian(b.AsSpan(offsetAt), (ulong)second.Offset + 32);
        Assert.Contains("gap of 32 bytes", Fails(b, validate: true).Message, StringComparison.Ordinal);
        BinaryPrimitives.WriteUInt64LittleEndian(b.AsSpan(offsetAt), (ulong)second.Offset);
        var longer = b.Concat(new byte[100]).ToArray();
        var report = GgufValidator.Validate(GgufReader.Read(new MemoryStream(longer), longer.Length));
        Assert.Contains(report.Warnings, w => w.Contains("unexpected bytes after the last tensor", StringComparison.Ordinal));
    }

    [Fact]
    public void Bad_tensor_shapes_and_types_are_errors()
    {
        var w = new GgufWriter().Add("general.architecture", "llama");
        w.AddTensor("q", [32], GgmlType.Q8_0, new byte[34]);
        var b = w.ToArray();
        var f = GgufReader.Read(new MemoryStream(b), b.Length);
        var typeAt = (int)f.HeaderBytes - 12;
        BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(typeAt), 4);
        Assert.Contains("retired ggml type Q4_2", Fails(b).Message, StringComparison.Ordinal);
        BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(typeAt), 999);
        Assert.Contains("unknown ggml type 999", Fails(b).Message, StringComparison.Ordinal);
        BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(typeAt), (uint)GgmlType.Q4_K);
        Assert.Contains("not a whole number of Q4_K blocks", Fails(b).Message, StringComparison.Ordinal);
        BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(typeAt), (uint)GgmlType.Q8_0);
        BinaryPrimitives.WriteUInt64LittleEndian(b.AsSpan(typeAt - 8), 0);
        Assert.Contains("dimension 0 = 0", Fails(b).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_non_power_of_two_alignment_is_rejected()
    {
        var b = new GgufWriter(alignment: 64).Add("general.architecture", "llama").ToArray();
        var at = b.AsSpan().IndexOf("general.alignment"u8) + "general.alignment"u8.Length + 4;
        BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(at), 48);
        var e = Fails(b);
        Assert.Contains("not a power of two", e.Message, StringComparison.Ordinal);
        Assert.Equal(b.AsSpan().IndexOf("general.alignment"u8) - 8, e.Offset); // the entry's own offset
    }
}
