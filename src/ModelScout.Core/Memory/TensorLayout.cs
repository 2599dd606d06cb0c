
namespace ModelScout.Core.Memory;

/// <summary>What a tensor does; the quantization mix and the placement rules key on it.</summary>
public enum TensorRole
{
    TokenEmbedding,
    Output,
    Norm,
    Bias,
    RopeFactors,
    AttentionQ,
    AttentionK,
    AttentionV,
    AttentionQkv,
    AttentionOutput,
    LatentQDown,
    LatentQUp,
    LatentKvDown,
    LatentKUp,
    LatentVUp,
    FeedForwardGate,
    FeedForwardUp,
    FeedForwardDown,
    ExpertRouter,
    ExpertGate,
    ExpertUp,
    ExpertDown,
    SharedExpertGate,
    SharedExpertUp,
    SharedExpertDown,
    /// <summary>Anything else a file carries (position embeddings, extra heads, vision towers).</summary>
    Other,
}

/// <summary>
/// One tensor of a model file: its GGUF name, block (-1 outside blocks), role, and shape as
/// <see cref="RowLength"/> (ggml's ne[0], the dimension quant blocks run along) times <see cref="Rows"/>. Tensors that
/// llama.cpp stores as a stack of matrices (the experts of a MoE block, DeepSeek's per-head k_b/v_b) have
/// <see cref="Planes"/> &gt; 1: <see cref="Rows"/> counts the rows of all planes together.
/// </summary>
public sealed record TensorShape(string Name, int Layer, TensorRole Role, long RowLength, long Rows, int Planes = 1)
{
    /// <summary>Number of weights.</summary>
    public long Elements => checked(RowLength * Rows);

    /// <summary>The dimensions as a GGUF stores them, ne[0] first: [row], [row, rows] or [row, rows per plane, planes].</summary>
    public IReadOnlyList<long> GgmlDimensions => Planes > 1
        ? [RowLength, Rows / Planes, Planes]
        : Rows == 1 ? [RowLength] : [RowLength, Rows];

    /// <summary>Routed-expert tensors are read only in part per token.</summary>
    public bool IsRoutedExpert => Role is TensorRole.ExpertGate or TensorRole.ExpertUp or TensorRole.ExpertDown;

    /// <summary>False for tensors that are derived constants rather than trained weights (RoPE frequency factors).</summary>
    public bool IsParameter => Role != TensorRole.RopeFactors;

    /// <summary>llama.cpp quantizes only matrices; vectors and the MoE router stay F32.</summary>
    public bool Quantizable => Role is not (TensorRole.Norm or TensorRole.Bias or TensorRole.RopeFactors or TensorRole.ExpertRouter);
}

/// <summary>Lists the tensors a GGUF of a given architecture holds, with llama.cpp's names and shapes.</summary>
public static class TensorLayout
{
    /// <summary>Builds the tensor list for <paramref name="a"/>.</summary>
    public static IReadOnlyList<TensorShape> For(Architecture a)
    {
        ArgumentNullException.ThrowIfNull(a);
        long e = a.EmbeddingLength;
        var list = new List<TensorShape>(a.Layers * 16 + 4)
        {
            new("token_embd.weight", -1, TensorRole.TokenEmbedding, e, a.VocabSize),
        };
        if (a.RopeFreqsTensor) list.Add(new("rope_freqs.weight", -1, TensorRole.RopeFactors, a.KeyLength / 2, 1));

        for (var i = 0; i < a.Layers; i++)
        {
            var p = $"blk.{i}.";
            for (var n = 0; n < a.NormsPerLayer; n++) list.Add(new(p + NormName(n), i, TensorRole.Norm, e, 1));
            if (a.Mla is { } mla) AddLatentAttention(list, p, i, a, mla);
            else AddAttention(list, p, i, a);

            var moe = a.Moe;
            if (moe is null || i < moe.LeadingDenseLayers) AddDenseFeedForward(list, p, i, a);
            else AddExperts(list, p, i, e, moe);
        }

        list.Add(new("output_norm.weight", -1, TensorRole.Norm, e, 1));
        if (!a.TiedEmbeddings) list.Add(new("output.weight", -1, TensorRole.Output, e, a.VocabSize));
        return list;
    }

    private static string NormName(int n) => n switch
    {
        0 => "attn_norm.weight",
        1 => "ffn_norm.weight",
        2 => "post_attention_norm.weight",
        _ => "post_ffw_norm.weight",
    };

    private static void AddAttention(List<TensorShape> list, string p, int i, Architecture a)
    {
        long e = a.EmbeddingLength;
        long q = (long)a.HeadCount * a.KeyLength;
        long k = (long)a.KvHeadCount * a.KeyLength;
        long v = (long)a.KvHeadCount * a.ValueLengthOrKey;
        if (a.FusedQkv)
        {
            list.Add(new(p + "attn_qkv.weight", i, TensorRole.AttentionQkv, e, q + k + v));
        }
        else
        {
            list.Add(new(p + "attn_q.weight", i, TensorRole.AttentionQ, e, q));
            list.Add(new(p + "attn_k.weight", i, TensorRole.AttentionK, e, k));
            list.Add(new(p + "attn_v.weight", i, TensorRole.AttentionV, e, v));
        }
        if (a.AttentionBias)
        {
            list.Add(new(p + "attn_q.bias", i, TensorRole.Bias, q, 1));
            list.Add(new(p + "attn_k.bias", i, TensorRole.Bias, k, 1));
            list.Add(new(p + "attn_v.bias", i, TensorRole.Bias, v, 1));
        }
        if (a.QkNorm)
        {
            list.Add(new(p + "attn_q_norm.weight", i, TensorRole.Norm, a.KeyLength, 1));
            list.Add(new(p + "attn_k_norm.weight", i, TensorRole.Norm, a.KeyLength, 1));
        }
        if (a.AttentionSinks) list.Add(new(p + "attn_sinks.weight", i, TensorRole.Norm, a.HeadCount, 1));
        list.Add(new(p + "attn_output.weight", i, TensorRole.AttentionOutput, (long)a.HeadCount * a.ValueLengthOrKey, e));
    }

    // Current llama.cpp converters split DeepSeek's kv_b into per-head k_b and v_b so the latent can be cached directly.
    private static void AddLatentAttention(List<TensorShape> list, string p, int i, Architecture a, LatentAttention m)
    {
        long e = a.EmbeddingLength;
        long h = a.HeadCount;
        list.Add(new(p + "attn_q_a.weight", i, TensorRole.LatentQDown, e, m.QLoraRank));
        list.Add(new(p + "attn_q_a_norm.weight", i, TensorRole.Norm, m.QLoraRank, 1));
        list.Add(new(p + "attn_q_b.weight", i, TensorRole.LatentQUp, m.QLoraRank, h * (m.QkNopeHeadDim + m.QkRopeHeadDim)));
        list.Add(new(p + "attn_kv_a_mqa.weight", i, TensorRole.LatentKvDown, e, m.KvLoraRank + m.QkRopeHeadDim));
        list.Add(new(p + "attn_kv_a_norm.weight", i, TensorRole.Norm, m.KvLoraRank, 1));
        list.Add(new(p + "attn_k_b.weight", i, TensorRole.LatentKUp, m.QkNopeHeadDim, h * m.KvLoraRank, a.HeadCount));
        list.Add(new(p + "attn_v_b.weight", i, TensorRole.LatentVUp, m.KvLoraRank, h * m.VHeadDim, a.HeadCount));
        list.Add(new(p + "attn_output.weight", i, TensorRole.AttentionOutput, h * m.VHeadDim, e));
    }

    private static void AddDenseFeedForward(List<TensorShape> list, string p, int i, Architecture a)
    {
        long e = a.EmbeddingLength;
        long f = a.FeedForwardLength;
        if (a.FusedGateUp)
        {
            list.Add(new(p + "ffn_up.weight", i, TensorRole.FeedForwardUp, e, 2 * f));
        }
        else
        {
            list.Add(new(p + "ffn_gate.weight", i, TensorRole.FeedForwardGate, e, f));
            list.Add(new(p + "ffn_up.weight", i, TensorRole.FeedForwardUp, e, f));
        }
        list.Add(new(p + "ffn_down.weight", i, TensorRole.FeedForwardDown, f, e));
    }

    private static void AddExperts(List<TensorShape> list, string p, int i, long e, MixtureOfExperts m)
    {
        long f = m.ExpertFeedForwardLength;
        long n = m.Experts;
        list.Add(new(p + "ffn_gate_inp.weight", i, TensorRole.ExpertRouter, e, n));
        if (m.RouterBias) list.Add(new(p + "exp_probs_b.bias", i, TensorRole.Bias, n, 1));
        list.Add(new(p + "ffn_gate_exps.weight", i, TensorRole.ExpertGate, e, f * n, m.Experts));
        list.Add(new(p + "ffn_up_exps.weight", i, TensorRole.ExpertUp, e, f * n, m.Experts));
        list.Add(new(p + "ffn_down_exps.weight", i, TensorRole.ExpertDown, f, e * n, m.Experts));
        if (m.SharedExperts > 0)
        {
            long s = f * m.SharedExperts;
            list.Add(new(p + "ffn_gate_shexp.weight", i, TensorRole.SharedExpertGate, e, s));
            list.Add(new(p + "ffn_up_shexp.weight", i, TensorRole.SharedExpertUp, e, s));
            list.Add(new(p + "ffn_down_shexp.weight", i, TensorRole.SharedExpertDown, s, e));
        }
    }
}
