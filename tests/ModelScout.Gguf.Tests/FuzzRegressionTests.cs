using System.Buffers.Binary;
using System.Text;

namespace ModelScout.Gguf.Tests;

/// <summary>Minimal inputs for what the fuzz tests found, built byte by byte.</summary>
public class FuzzRegressionTests
{
    // A little-endian GGUF v3 header, written field by field.
    private sealed class Bytes
    {
        private readonly List<byte> b = [.. "GGUF"u8.ToArray(), 3, 0, 0, 0];

        public Bytes U32(uint v) { Span<byte> s = stackalloc byte[4]; BinaryPrimitives.WriteUInt32LittleEndian(s, v); b.AddRange(s); return this; }
        public Bytes U64(ulong v) { Span<byte> s = stackalloc byte[8]; BinaryPrimitives.WriteUInt64LittleEndian(s, v); b.AddRange(s); return this; }
        public Bytes Str(string v) { U64((ulong)Encoding.UTF8.GetByteCount(v)); b.AddRange(Encoding.UTF8.GetBytes(v)); return this; }
        public byte[] ToArray() => [.. b];
    }

    private static (Exception? Error, long Allocated) Parse(byte[] bytes, long? length)
    {
        var before = GC.GetAllocatedBytesForCurrentThread();
        try
        {
            var f = GgufReader.Read(new MemoryStream(bytes), length);
            GgufValidator.Validate(f);
            GgufModelInfo.From(f);
            return (null, GC.GetAllocatedBytesForCurrentThread() - before);
        }
#pragma warning disable CA1031 // the tests look at what was thrown
        catch (Exception e)
#pragma warning restore CA1031
        {
            return (e, GC.GetAllocatedBytesForCurrentThread() - before);
        }
    }

    [Theory]
    [InlineData(GgufValueType.UInt64, 64L << 20)]
    [InlineData(GgufValueType.Float64, (64L << 20) - 1)]
    [InlineData(GgufValueType.Bool, 64L << 20)]
    [InlineData(GgufValueType.Int16, 1L << 20)]
    public void A_false_array_length_with_the_file_length_unknown_allocates_nothing_ahead_of_the_data(GgufValueType element, long claimed)
    {
        // 36 bytes: no tensors, one key "k", an array claiming 64M 8-byte elements, and then the end of the stream.
        // Found by the fuzzer: the reader allocated the whole claimed array (512 MiB) before reading the first element.
        var bytes = new Bytes().U64(0).U64(1).Str("k").U32((uint)GgufValueType.Array).U32((uint)element).U64((ulong)claimed).ToArray();
        var (error, allocated) = Parse(bytes, length: null);
        var e = Assert.IsType<GgufFormatException>(error);
        Assert.Contains("truncated", e.Message, StringComparison.Ordinal);
        Assert.InRange(allocated, 0, 1 << 20);
        // With the length known the claim is refused before anything is read.
        Assert.Contains("would need", Assert.IsType<GgufFormatException>(Parse(bytes, bytes.Length).Error).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_false_string_length_with_the_file_length_unknown_allocates_nothing_ahead_of_the_data()
    {
        // A key claiming 64 MiB - 1 bytes, followed by 300 KB of text: the reader allocated the full 64 MiB up front.
        var bytes = new Bytes().U64(0).U64(1).U64((64UL << 20) - 1).ToArray().Concat(Enumerable.Repeat((byte)'a', 300_000)).ToArray();
        var (error, allocated) = Parse(bytes, length: null);
        Assert.Contains("while reading a metadata key (truncated)", Assert.IsType<GgufFormatException>(error).Message, StringComparison.Ordinal);
        Assert.InRange(allocated, 0, 4L << 20);
    }

    [Fact]
    public void A_string_longer_than_the_buffer_still_reads_whole_with_the_length_unknown()
    {
        var text = string.Concat(Enumerable.Range(0, 60_000).Select(i => (char)('a' + i % 26) + "é"));
        var bytes = new GgufWriter().Add("long", text).Add("after", GgufValue.Array(Enumerable.Range(0, 200_000).ToArray())).ToArray();
        var f = GgufReader.Read(new MemoryStream(bytes), null);
        Assert.Equal(text, f.GetString("long"));
        Assert.Equal(typeof(int[]), f["after"]!.Raw.GetType());
        Assert.Equal(Enumerable.Range(0, 200_000), (int[])f["after"]!.Raw);
    }

    [Fact]
    public void Weights_beyond_64_bits_in_a_file_of_unknown_length_do_not_overflow_the_model_facts()
    {
        // Two Q1_0 tensors of 2^62 weights each: 2^55 * 18 bytes apiece fit in 64 bits, their 2^63 weights do not.
        // Without the file's length the validator cannot bound them; GgufModelInfo.From threw OverflowException.
        const ulong weights = 1UL << 62;
        var tensorBytes = weights / 128 * 18;
        var bytes = new Bytes().U64(2).U64(0)
            .Str("a").U32(1).U64(weights).U32((uint)GgmlType.Q1_0).U64(0)
            .Str("b").U32(1).U64(weights).U32((uint)GgmlType.Q1_0).U64(tensorBytes)
            .ToArray();
        var (error, _) = Parse(bytes, length: null);
        Assert.Null(error);
        var info = GgufModelInfo.From(GgufReader.Read(new MemoryStream(bytes), null));
        Assert.Equal(long.MaxValue, info.Parameters);
        Assert.Equal(long.MaxValue, info.Types.Single().Elements);
        Assert.Equal(2 * (long)tensorBytes, info.TensorBytes);
    }

    [Fact]
    public void Signed_integer_arrays_are_written_and_read_as_signed()
    {
        // Found by the fuzz seeds, which mean to hold every type: GgufValue.Array labelled int[] as uint32 (sbyte[],
        // short[] and long[] likewise), because the CLR lets an int[] pass the type pattern `uint[]`.
        var bytes = new GgufWriter()
            .Add("i8", GgufValue.Array(new sbyte[] { -1, 2 })).Add("i16", GgufValue.Array(new short[] { -1, 2 }))
            .Add("i32", GgufValue.Array(new[] { -1, 2 })).Add("i64", GgufValue.Array(new long[] { -1, 2 }))
            .Add("u8", GgufValue.Array(new byte[] { 255, 2 })).Add("u16", GgufValue.Array(new ushort[] { 65535, 2 }))
            .Add("u32", GgufValue.Array(new uint[] { uint.MaxValue, 2 })).Add("u64", GgufValue.Array(new ulong[] { ulong.MaxValue, 2 }))
            .ToArray();
        var f = GgufReader.Read(new MemoryStream(bytes), bytes.Length);
        Assert.Equal(GgufValueType.Int8, f["i8"]!.ElementType);
        Assert.Equal(GgufValueType.Int16, f["i16"]!.ElementType);
        Assert.Equal(GgufValueType.Int32, f["i32"]!.ElementType);
        Assert.Equal(GgufValueType.Int64, f["i64"]!.ElementType);
        Assert.Equal(typeof(int[]), f["i32"]!.Raw.GetType());
        foreach (var key in new[] { "i8", "i16", "i32", "i64" }) Assert.Equal(new long[] { -1, 2 }, f[key]!.AsInt64Array());
        Assert.Equal(new long[] { 255, 2 }, f["u8"]!.AsInt64Array());
        Assert.Equal(new long[] { 65535, 2 }, f["u16"]!.AsInt64Array());
        Assert.Equal(new long[] { uint.MaxValue, 2 }, f["u32"]!.AsInt64Array());
        Assert.Equal(new long[] { long.MaxValue, 2 }, f["u64"]!.AsInt64Array());
        Assert.Equal(GgufValueType.UInt32, GgufValue.Array(new uint[] { 1 }).ElementType);
        Assert.Equal(GgufValueType.Int32, GgufValue.Array(new[] { 1 }).ElementType);
        Assert.Throws<ArgumentException>(() => GgufValue.Array(new[] { DayOfWeek.Monday }));
    }

    [Fact]
    public void A_bool_array_element_other_than_0_or_1_is_an_error()
    {
        var bytes = new GgufWriter().Add("flags", GgufValue.Array(new[] { true, false, true })).ToArray();
        bytes[^2] = 2;
        var e = Assert.IsType<GgufFormatException>(Parse(bytes, bytes.Length).Error);
        Assert.Contains("element 1 of 'flags' is a bool with byte value 2", e.Message, StringComparison.Ordinal);
        Assert.Equal(bytes.Length - 2, e.Offset);
    }
}
