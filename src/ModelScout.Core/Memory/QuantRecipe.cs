using ModelScout.Gguf;

namespace ModelScout.Core.Memory;

/// <summary>Which blocks a mix rule applies to, in llama.cpp's terms (i = block index, n = block count).</summary>
public enum LayerCondition
{
    /// <summary>Every block.</summary>
    Always,
    /// <summary>llama.cpp's use_more_bits: the first and last eighth of the blocks and every third block between.</summary>
    MoreBits,
    /// <summary>i &lt; n/8.</summary>
    FirstEighth,
    /// <summary>i &lt; n/16.</summary>
    FirstSixteenth,
    /// <summary>i &lt; 2.</summary>
    FirstTwo,
    /// <summary>i &lt; 4.</summary>
    FirstFour,
    /// <summary>Models with at least four query heads per KV head.</summary>
    GroupedQueryAtLeast4,
}

/// <summary>One row of a file type's mix: tensors of these roles, in blocks meeting the condition, get this type.</summary>
public sealed record MixRule(TensorRole[] Roles, LayerCondition When, GgmlType Type);

/// <summary>
/// How llama.cpp's quantizer (llama-quant.cpp, without an importance matrix) assigns ggml types to the tensors of a
/// file of one file type. The main type goes everywhere a rule does not say otherwise; the output projection gets
/// Q6_K unless the file is Q8_0 or unquantized; rows whose length is not a whole number of blocks fall back.
/// </summary>
public sealed record QuantRecipe(string Name, GgmlType MainType, IReadOnlyList<MixRule> Rules)
{
    private static readonly TensorRole[] V = [TensorRole.AttentionV];
    private static readonly TensorRole[] Down = [TensorRole.FeedForwardDown, TensorRole.ExpertDown, TensorRole.SharedExpertDown];
    private static readonly TensorRole[] Out = [TensorRole.AttentionOutput];
    private static readonly TensorRole[] Qkv = [TensorRole.AttentionQkv];
    private static readonly HashSet<string> EightExpertWideOutput = ["Q2_K", "Q3_K_S", "Q3_K_M", "Q4_K_S", "Q4_K_M", "IQ4_NL", "IQ4_XS"];

    /// <summary>The file types we can size, best quality first.</summary>
    public static IReadOnlyList<QuantRecipe> All { get; } =
    [
        new("F32", GgmlType.F32, []),
        new("F16", GgmlType.F16, []),
        new("BF16", GgmlType.BF16, []),
        new("Q8_0", GgmlType.Q8_0, []),
        new("Q6_K", GgmlType.Q6_K, []),
        new("Q5_K_M", GgmlType.Q5_K,
        [
            new(V, LayerCondition.MoreBits, GgmlType.Q6_K),
            new(Down, LayerCondition.MoreBits, GgmlType.Q6_K),
            new(Qkv, LayerCondition.Always, GgmlType.Q6_K),
        ]),
        new("Q5_K_S", GgmlType.Q5_K, []),
        new("Q5_1", GgmlType.Q5_1, []),
        new("Q5_0", GgmlType.Q5_0, []),
        new("Q4_K_M", GgmlType.Q4_K,
        [
            new(V, LayerCondition.MoreBits, GgmlType.Q6_K),
            new(Down, LayerCondition.MoreBits, GgmlType.Q6_K),
            new(Qkv, LayerCondition.Always, GgmlType.Q5_K),
        ]),
        new("Q4_K_S", GgmlType.Q4_K,
        [
            new(V, LayerCondition.FirstFour, GgmlType.Q5_K),
            new(Down, LayerCondition.FirstEighth, GgmlType.Q5_K),
        ]),
        new("Q4_1", GgmlType.Q4_1, []),
        new("IQ4_NL", GgmlType.IQ4_NL,
        [
            new(V, LayerCondition.GroupedQueryAtLeast4, GgmlType.Q5_K),
            new(Down, LayerCondition.FirstEighth, GgmlType.Q5_K),
        ]),
        new("Q4_0", GgmlType.Q4_0, []),
        new("IQ4_XS", GgmlType.IQ4_XS,
        [
            new(V, LayerCondition.GroupedQueryAtLeast4, GgmlType.Q5_K),
            new(Down, LayerCondition.FirstEighth, GgmlType.Q5_K),
        ]),
        // MoE files as gpt-oss ships them: stacked expert matrices MXFP4, every other quantized tensor Q8_0.
        new("MXFP4_MOE", GgmlType.MXFP4, []),
        new("Q3_K_L", GgmlType.Q3_K,
        [
            new(V, LayerCondition.Always, GgmlType.Q5_K),
            new(Down, LayerCondition.Always, GgmlType.Q5_K),
            new(Out, LayerCondition.Always, GgmlType.Q5_K),
            new(Qkv, LayerCondition.Always, GgmlType.Q4_K),
        ]),
        new("Q3_K_M", GgmlType.Q3_K,
        [
            new(V, LayerCondition.FirstTwo, GgmlType.Q5_K),
            new(V, LayerCondition.Always, GgmlType.Q4_K),
            new(Down, LayerCondition.FirstSixteenth, GgmlType.Q5_K),
            new(Down, LayerCondition.Always, GgmlType.Q4_K),
            new(Out, LayerCondition.Always, GgmlType.Q4_K),
            new(Qkv, LayerCondition.Always, GgmlType.Q4_K),
        ]),
        new("Q3_K_S", GgmlType.Q3_K, []),
        new("Q2_K", GgmlType.Q2_K,
        [
            new(V, LayerCondition.GroupedQueryAtLeast4, GgmlType.Q4_K),
            new(V, LayerCondition.Always, GgmlType.Q3_K),
            new(Down, LayerCondition.Always, GgmlType.Q3_K),
            new(Out, LayerCondition.Always, GgmlType.Q3_K),
        ]),
    ];

    /// <summary>Finds a recipe by file-type name, case-insensitively.</summary>
    public static QuantRecipe? Find(string name) =>
        All.FirstOrDefault(r => string.Equals(r.Name, name, StringComparison.OrdinalIgnoreCase));

    /// <summary>True for F32/F16/BF16 files, which llama.cpp writes without a mix.</summary>
    public bool IsUnquantized => !GgmlTypes.Get(MainType).IsQuantized;

    /// <summary>The ggml type llama.cpp's quantizer gives <paramref name="t"/> in a file of this type.</summary>
    public GgmlType TypeFor(TensorShape t, Architecture a)
    {
        ArgumentNullException.ThrowIfNull(t);
        ArgumentNullException.ThrowIfNull(a);
        if (!t.Quantizable) return GgmlType.F32;
        if (IsUnquantized) return MainType;
        // llama.cpp's MXFP4_MOE: a tensor holding several planes (the experts of a MoE block) gets MXFP4, all else Q8_0,
        // the output projection included.
        if (MainType == GgmlType.MXFP4) return FitRow(t.Planes > 1 ? GgmlType.MXFP4 : GgmlType.Q8_0, t.RowLength);

        var type = t.Role == TensorRole.Output || (t.Role == TensorRole.TokenEmbedding && a.TiedEmbeddings)
            ? OutputType(t)
            : FromRules(t, a);

        if (t.Role == TensorRole.AttentionV && a.Layers == 80 && a.GgufArchitecture is "llama" or "qwen2" && type is GgmlType.Q3_K or GgmlType.Q4_K)
        {
            // llama.cpp gives 70B-class models (80 blocks, 8 query heads per KV head) a wider attn_v for almost no size.
            type = GgmlType.Q5_K;
        }
        if (a.Moe?.Experts == 8)
        {
            // Mixtral-style models: attention is a small share of the weights, so llama.cpp spends bits there.
            if (t.Role is TensorRole.AttentionV or TensorRole.AttentionK) type = GgmlType.Q8_0;
            else if (t.Role == TensorRole.AttentionOutput) type = EightExpertWideOutput.Contains(Name) ? GgmlType.Q5_K : MainType;
        }
        return FitRow(type, t.RowLength);
    }

    private GgmlType OutputType(TensorShape t)
    {
        if (t.RowLength % GgmlTypes.Get(MainType).BlockSize != 0) return GgmlType.Q8_0;
        return MainType == GgmlType.Q8_0 ? GgmlType.Q8_0 : GgmlType.Q6_K;
    }

    private GgmlType FromRules(TensorShape t, Architecture a)
    {
        foreach (var rule in Rules)
        {
            if (Array.IndexOf(rule.Roles, t.Role) >= 0 && Holds(rule.When, t.Layer, a)) return rule.Type;
        }
        return MainType;
    }

    private static bool Holds(LayerCondition c, int i, Architecture a)
    {
        var n = a.Layers;
        return c switch
        {
            LayerCondition.Always => true,
            LayerCondition.MoreBits => i < n / 8 || i >= 7 * n / 8 || (i - n / 8) % 3 == 2,
            LayerCondition.FirstEighth => i < n / 8,
            LayerCondition.FirstSixteenth => i < n / 16,
            LayerCondition.FirstTwo => i < 2,
            LayerCondition.FirstFour => i < 4,
            LayerCondition.GroupedQueryAtLeast4 => a.KvHeadCount > 0 && a.HeadCount / a.KvHeadCount >= 4,
            _ => false,
        };
    }

    /// <summary>llama.cpp's fallback when a row is not a whole number of blocks of the chosen type.</summary>
    internal static GgmlType FitRow(GgmlType type, long rowLength)
    {
        for (var guard = 0; guard < 4; guard++)
        {
            if (rowLength % GgmlTypes.Get(type).BlockSize == 0) return type;
            type = type switch
            {
                GgmlType.TQ1_0 or GgmlType.TQ2_0 => GgmlType.Q4_0,
                GgmlType.Q2_K or GgmlType.Q3_K or GgmlType.IQ4_XS or GgmlType.IQ2_XXS or GgmlType.IQ2_XS or GgmlType.IQ2_S
                    or GgmlType.IQ3_XXS or GgmlType.IQ3_S or GgmlType.IQ1_S or GgmlType.IQ1_M => GgmlType.IQ4_NL,
                GgmlType.Q4_K => GgmlType.Q5_0,
                GgmlType.Q5_K => GgmlType.Q5_1,
                GgmlType.Q6_K => GgmlType.Q8_0,
                _ => GgmlType.F16,
            };
        }
        return GgmlType.F16;
    }
}
