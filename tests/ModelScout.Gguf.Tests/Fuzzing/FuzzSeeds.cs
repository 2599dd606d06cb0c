using System.Buffers.Binary;

namespace ModelScout.Gguf.Fuzzing;

/// <summary>
/// Seed files for the fuzzer made with <see cref="GgufWriter"/>: together they hold every metadata type as a scalar and
/// as an array, arrays nested up to four deep (the reader's limit), empty arrays and strings, non-ASCII text, tensors of a dozen ggml types and
/// one to four dimensions, a custom alignment, a vocab-only file, a v2 file and a big-endian copy. Small on purpose:
/// a variant of one parses in microseconds.
/// </summary>
internal static class FuzzSeeds
{
    public static IReadOnlyList<FuzzSeed> WriterMade()
    {
        var all = AllTypes();
        var v2 = (byte[])all.Clone();
        BinaryPrimitives.WriteUInt32LittleEndian(v2.AsSpan(4), 2);
        return
        [
            new("writer-all-types", all),
            new("writer-all-types-v2", v2),
            new("writer-all-types-big-endian", GgufFieldMap.ToBigEndian(all)),
            new("writer-moe", Moe()),
            new("writer-aligned-64", Aligned()),
            new("writer-vocab-only", VocabOnly()),
            new("writer-nested", Nested()),
            new("writer-empty", new GgufWriter().ToArray()),
        ];
    }

    public static FuzzSeed Real(string path) => new(Path.GetFileNameWithoutExtension(path), File.ReadAllBytes(path));

    private static byte[] AllTypes()
    {
        var w = new GgufWriter()
            .Add("general.architecture", "llama")
            .Add("general.name", "fuzz seed — ünïcödé ✓")
            .Add("general.file_type", GgufValue.Of(15u))
            .Add("llama.block_count", 2u)
            .Add("llama.context_length", GgufValue.Of(4096UL))
            .Add("llama.embedding_length", GgufValue.Of(64))
            .Add("llama.feed_forward_length", GgufValue.Of((ushort)172))
            .Add("llama.attention.head_count", GgufValue.Of((byte)8))
            .Add("llama.attention.head_count_kv", GgufValue.Array(new uint[] { 4, 2 }))
            .Add("llama.rope.freq_base", 10000f)
            .Add("llama.rope.scaling.factor", GgufValue.Of(2.5))
            .Add("llama.rope.scaling.type", "yarn")
            .Add("llama.attention.sliding_window_pattern", GgufValue.Array(new[] { true, false }))
            .Add("u8", GgufValue.Of((byte)200)).Add("i8", GgufValue.Of((sbyte)-5)).Add("u16", GgufValue.Of((ushort)60000)).Add("i16", GgufValue.Of((short)-300))
            .Add("u32", GgufValue.Of(4_000_000_000u)).Add("i32", GgufValue.Of(-2_000_000_000)).Add("f32", GgufValue.Of(1.5f)).Add("bool", GgufValue.Of(true))
            .Add("str", GgufValue.Of("héllo\n\"world\"")).Add("empty.str", GgufValue.Of("")).Add("u64", GgufValue.Of(ulong.MaxValue))
            .Add("i64", GgufValue.Of(long.MinValue)).Add("f64", GgufValue.Of(Math.PI))
            .Add("a.u8", GgufValue.Array(new byte[] { 1, 2, 3 })).Add("a.i8", GgufValue.Array(new sbyte[] { -1, 1 }))
            .Add("a.u16", GgufValue.Array(new ushort[] { 1, 65535 })).Add("a.i16", GgufValue.Array(new short[] { -2, 2 }))
            .Add("a.i32", GgufValue.Array(new[] { -1, 0, 1 })).Add("a.f32", GgufValue.Array(new[] { 0.5f, -1f }))
            .Add("a.bool", GgufValue.Array(new[] { true, false, true })).Add("a.u64", GgufValue.Array(new ulong[] { 0, ulong.MaxValue }))
            .Add("a.i64", GgufValue.Array(new long[] { long.MinValue, 7 })).Add("a.f64", GgufValue.Array(new[] { 1e300, -0.0 }))
            .Add("a.empty", GgufValue.Array(Array.Empty<float>()))
            .Add("tokenizer.ggml.model", "gpt2")
            .Add("tokenizer.ggml.tokens", GgufValue.Array(new[] { "<s>", "</s>", "Ġthe", "ĠÃ©", "한국어", "", "a" }))
            .Add("tokenizer.ggml.token_type", GgufValue.Array(new[] { 3, 3, 1, 1, 1, 1, 1 }))
            .Add("tokenizer.ggml.merges", GgufValue.Array(new[] { "Ġ t", "h e", "Ġt he" }))
            .Add("tokenizer.ggml.bos_token_id", 0u)
            .Add("tokenizer.ggml.eos_token_id", GgufValue.Of(1))
            .Add("tokenizer.chat_template", "{% for m in messages %}{{ m.role }}: {{ m.content }}\n{% endfor %}")
            .Add("nested", GgufValue.Array(new[] { GgufValue.Array(new[] { 1, 2 }), GgufValue.Array(new[] { "x", "yz" }), GgufValue.Array(Array.Empty<double>()) }));
        w.AddZeroTensor("token_embd.weight", [64, 7], GgmlType.Q8_0);
        w.AddZeroTensor("blk.0.attn_q.weight", [256, 2], GgmlType.Q4_K);
        w.AddZeroTensor("blk.0.attn_k.weight", [256, 1], GgmlType.Q6_K);
        w.AddZeroTensor("blk.0.ffn_up.weight", [256, 1, 1], GgmlType.IQ4_XS);
        w.AddZeroTensor("blk.1.ffn_down.weight", [32, 2, 1, 1], GgmlType.Q4_0);
        w.AddZeroTensor("blk.1.attn_norm.weight", [64], GgmlType.F32);
        w.AddZeroTensor("output_norm.weight", [64], GgmlType.F16);
        w.AddZeroTensor("output.weight", [64, 2], GgmlType.BF16);
        w.AddZeroTensor("rope_freqs.weight", [16], GgmlType.F32);
        return w.ToArray();
    }

    private static byte[] Moe()
    {
        var w = new GgufWriter()
            .Add("general.architecture", "qwen3moe")
            .Add("qwen3moe.block_count", 1u)
            .Add("qwen3moe.expert_count", 4u)
            .Add("qwen3moe.expert_used_count", 2u)
            .Add("qwen3moe.expert_feed_forward_length", GgufValue.Of(64L))
            .Add("qwen3moe.attention.head_count", GgufValue.Array(new[] { 4 }))
            .Add("qwen3moe.feed_forward_length", GgufValue.Array(new[] { 128, 256 }))
            .Add("qwen3moe.attention.sliding_window_pattern", GgufValue.Of(4))
            .Add("qwen3moe.attention.kv_lora_rank", GgufValue.Of((short)32))
            .Add("tokenizer.ggml.pad_token_id", GgufValue.Of(-1));
        w.AddZeroTensor("blk.0.ffn_gate_exps.weight", [64, 8, 4], GgmlType.Q5_1);
        w.AddZeroTensor("blk.0.ffn_up_exps.weight", [64, 8, 4], GgmlType.MXFP4);
        w.AddZeroTensor("blk.0.ffn_down_exps.weight", [256, 2, 4], GgmlType.TQ2_0);
        w.AddZeroTensor("blk.0.attn_v.weight", [256, 2], GgmlType.IQ2_XXS);
        w.AddZeroTensor("blk.0.attn_o.weight", [64, 2], GgmlType.I32);
        return w.ToArray();
    }

    private static byte[] Aligned()
    {
        var w = new GgufWriter(alignment: 64).Add("general.architecture", "gemma3").Add("gemma3.block_count", 1u);
        w.AddTensor("a", [3], GgmlType.F32, new byte[12]);
        w.AddTensor("b", [5, 2], GgmlType.F16, new byte[20]);
        w.AddTensor("c", [32], GgmlType.Q8_0, new byte[34]);
        return w.ToArray();
    }

    private static byte[] VocabOnly() => new GgufWriter()
        .Add("general.architecture", "llama")
        .Add("tokenizer.ggml.model", "llama")
        .Add("tokenizer.ggml.tokens", GgufValue.Array(Enumerable.Range(0, 64).Select(i => i % 7 == 0 ? $"<0x{i:X2}>" : $"▁tok{i}").ToArray()))
        .Add("tokenizer.ggml.scores", GgufValue.Array(Enumerable.Range(0, 64).Select(i => -i / 8f).ToArray()))
        .ToArray();

    private static byte[] Nested()
    {
        var inner = GgufValue.Array(new[] { GgufValue.Array(new byte[] { 1 }), GgufValue.Array(new[] { "deep" }) });
        var w = new GgufWriter()
            .Add("three.deep", GgufValue.Array(new[] { inner, GgufValue.Array(Array.Empty<GgufValue>()), inner }))
            // Four levels: as deep as the reader allows, so one changed element type crosses its limit.
            .Add("four.deep", GgufValue.Array(new[] { GgufValue.Array(new[] { inner }) }))
            .Add("strings.of.arrays", GgufValue.Array(new[] { GgufValue.Array(new[] { "a", "b", "" }), GgufValue.Array(new[] { true }) }))
            .Add("general.architecture", "llama")
            .Add("llama.block_count", 1u);
        w.AddZeroTensor("t", [32, 1], GgmlType.Q8_0);
        return w.ToArray();
    }
}
