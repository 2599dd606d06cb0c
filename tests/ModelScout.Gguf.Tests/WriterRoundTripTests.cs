namespace ModelScout.Gguf.Tests;

public class WriterRoundTripTests
{
    private static GgufFile RoundTrip(GgufWriter w)
    {
        var bytes = w.ToArray();
        var f = GgufReader.Read(new MemoryStream(bytes), bytes.Length);
        Assert.True(GgufValidator.Validate(f).Clean);
        return f;
    }

    [Fact]
    public void Every_metadata_type_reads_back_exactly()
    {
        var w = new GgufWriter()
            .Add("u8", GgufValue.Of((byte)200)).Add("i8", GgufValue.Of((sbyte)-5)).Add("u16", GgufValue.Of((ushort)60000)).Add("i16", GgufValue.Of((short)-30000))
            .Add("u32", GgufValue.Of(4_000_000_000u)).Add("i32", GgufValue.Of(-2_000_000_000)).Add("f32", GgufValue.Of(1.5f)).Add("bool", GgufValue.Of(true))
            .Add("str", GgufValue.Of("héllo\n\"world\"")).Add("u64", GgufValue.Of(ulong.MaxValue)).Add("i64", GgufValue.Of(long.MinValue)).Add("f64", GgufValue.Of(Math.PI))
            .Add("strings", GgufValue.Array(new[] { "a", "", "ünï" }))
            .Add("floats", GgufValue.Array(new[] { 0.5f, -1f }))
            .Add("bools", GgufValue.Array(new[] { true, false }))
            .Add("nested", GgufValue.Array(new[] { GgufValue.Array(new[] { 1, 2 }), GgufValue.Array(new[] { "x" }) }))
            .Add("empty", GgufValue.Array(Array.Empty<long>()));
        var f = RoundTrip(w);
        Assert.Equal((byte)200, f["u8"]!.Raw);
        Assert.Equal((sbyte)-5, f["i8"]!.Raw);
        Assert.Equal((ushort)60000, f["u16"]!.Raw);
        Assert.Equal((short)-30000, f["i16"]!.Raw);
        Assert.Equal(4_000_000_000u, f["u32"]!.Raw);
        Assert.Equal(-2_000_000_000, f["i32"]!.Raw);
        Assert.Equal(1.5f, f["f32"]!.Raw);
        Assert.Equal(true, f["bool"]!.Raw);
        Assert.Equal("héllo\n\"world\"", f.GetString("str"));
        Assert.Equal(ulong.MaxValue, f["u64"]!.Raw);
        Assert.Equal(long.MinValue, f["i64"]!.Raw);
        Assert.Equal(Math.PI, f["f64"]!.Raw);
        Assert.Equal(new[] { "a", "", "ünï" }, f["strings"]!.AsStrings());
        Assert.Equal(new[] { 0.5f, -1f }, (float[])f["floats"]!.Raw);
        Assert.Equal(new[] { true, false }, (bool[])f["bools"]!.Raw);
        var nested = (GgufValue[])f["nested"]!.Raw;
        Assert.Equal(new[] { 1, 2 }, (int[])nested[0].Raw);
        Assert.Equal(new[] { "x" }, nested[1].AsStrings());
        Assert.Empty((long[])f["empty"]!.Raw);
        Assert.Equal(w.ToArray().Length, f.FileLength);
    }

    [Fact]
    public void Tensors_of_every_usable_type_read_back_with_their_shapes_and_contiguous_offsets()
    {
        var w = new GgufWriter().Add("general.architecture", "llama").Add("llama.block_count", 1u);
        var expected = new List<(string, long[], GgmlType)>();
        foreach (var t in GgmlTypes.All.Where(t => !t.Retired && t.BlockSize > 0))
        {
            var dims = new long[] { t.BlockSize * 2L, 3 };
            var name = "t." + t.Type;
            w.AddTensor(name, dims, t.Type, new byte[t.BytesFor(dims[0] * dims[1])!.Value]);
            expected.Add((name, dims, t.Type));
        }
        var f = RoundTrip(w);
        Assert.Equal(expected.Count, f.Tensors.Count);
        for (var i = 0; i < expected.Count; i++)
        {
            Assert.Equal(expected[i].Item1, f.Tensors[i].Name);
            Assert.Equal(expected[i].Item2, f.Tensors[i].Dimensions);
            Assert.Equal(expected[i].Item3, f.Tensors[i].Type);
            Assert.Equal(0, f.Tensors[i].Offset % f.Alignment);
        }
    }

    [Fact]
    public void A_custom_alignment_is_written_and_honoured()
    {
        var w = new GgufWriter(alignment: 64).Add("general.architecture", "llama").Add("llama.block_count", 1u);
        w.AddTensor("a", [3], GgmlType.F32, new byte[12]);
        w.AddTensor("b", [5], GgmlType.F32, new byte[20]);
        var f = RoundTrip(w);
        Assert.Equal(64, f.Alignment);
        Assert.Equal(0, f.DataOffset % 64);
        Assert.Equal(64, f.Tensors[1].Offset);
    }

    [Fact]
    public void A_vocab_only_file_ends_right_after_its_metadata()
    {
        var bytes = new GgufWriter().Add("general.architecture", "llama").Add("tokenizer.ggml.tokens", GgufValue.Array(new[] { "a", "b" })).ToArray();
        var f = GgufReader.Read(new MemoryStream(bytes), bytes.Length);
        Assert.Equal(bytes.Length, f.HeaderBytes);
        Assert.Empty(f.Tensors);
        Assert.True(GgufValidator.Validate(f).Clean);
    }
}
