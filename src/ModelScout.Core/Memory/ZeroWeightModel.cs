using System.Globalization;
using ModelScout.Gguf;

namespace ModelScout.Core.Memory;

/// <summary>
/// Builds a GGUF that llama.cpp loads as the model an <see cref="Architecture"/> describes: every tensor with
/// llama.cpp's name, shape (ggml order, ne[0] first) and the type a <see cref="QuantRecipe"/> gives it, all weights
/// zero, plus the metadata the loader needs and the simplest tokenizer it accepts. Weight values do not change what
/// llama.cpp allocates, so such a file measures the runtime's buffers exactly; it does not produce useful text.
/// </summary>
public static class ZeroWeightModel
{
    /// <summary>Tokens every generated vocabulary starts with: unknown, BOS, EOS, then the 256 byte tokens.</summary>
    public const int ReservedTokens = 3 + 256;

    /// <summary>A writer holding the zero-weight file for <paramref name="a"/> at <paramref name="recipe"/>.</summary>
    /// <param name="a">Shapes to reproduce.</param>
    /// <param name="recipe">File type whose tensor mix to use.</param>
    /// <param name="trainContext">The <c>context_length</c> to record (the model's training context).</param>
    public static GgufWriter Build(Architecture a, QuantRecipe recipe, long trainContext = 131072) =>
        Build(ModelWeights.For(a, recipe), trainContext);

    /// <summary>A writer holding the zero-weight file for already sized weights.</summary>
    public static GgufWriter Build(ModelWeights weights, long trainContext = 131072)
    {
        ArgumentNullException.ThrowIfNull(weights);
        ArgumentOutOfRangeException.ThrowIfLessThan(trainContext, 1);
        var a = weights.Architecture;
        if (a.VocabSize < ReservedTokens)
            throw new ArgumentException($"a vocabulary needs at least {ReservedTokens} tokens (unknown, BOS, EOS and 256 bytes); got {a.VocabSize}", nameof(weights));

        var w = new GgufWriter();
        var arch = a.GgufArchitecture;
        w.Add("general.architecture", arch);
        // Not the architecture's name: llama.cpp keys tokenizer fix-ups on names containing "phi3" and would look for Phi's special tokens.
        w.Add("general.name", $"ModelScout zero-weight {weights.FileType}");
        if (LlamaFileTypes.Find(weights.FileType) is { } ft) w.Add("general.file_type", (uint)ft.Id);

        AddHyperParameters(w, a, trainContext);
        AddTokenizer(w, a.VocabSize);

        foreach (var t in weights.Tensors)
        {
            w.AddZeroTensor(t.Shape.Name, [.. t.Shape.GgmlDimensions], t.Type);
        }
        return w;
    }

    /// <summary>Writes the zero-weight file to <paramref name="path"/> and returns its size in bytes.</summary>
    public static long WriteFile(Architecture a, QuantRecipe recipe, string path, long trainContext = 131072)
    {
        Build(a, recipe, trainContext).WriteFile(path);
        return new FileInfo(path).Length;
    }

    private static void AddHyperParameters(GgufWriter w, Architecture a, long trainContext)
    {
        var p = a.GgufArchitecture + ".";
        w.Add(p + "context_length", (uint)Math.Min(trainContext, uint.MaxValue));
        w.Add(p + "embedding_length", (uint)a.EmbeddingLength);
        w.Add(p + "block_count", (uint)a.Layers);
        w.Add(p + "feed_forward_length", (uint)a.FeedForwardLength);
        w.Add(p + "attention.head_count", (uint)a.HeadCount);
        // Latent attention caches one shared latent per token, which converters record as a single KV head.
        w.Add(p + "attention.head_count_kv", a.Mla is null ? (uint)a.KvHeadCount : 1u);
        var defaultHead = a.HeadCount == 0 ? 0 : a.EmbeddingLength / a.HeadCount;
        if (a.Mla is { } mla)
        {
            // Converters that split kv_b store the widths the cache uses (latent + RoPE part as K, latent as V) and
            // the per-head widths under the _mla keys.
            w.Add(p + "attention.key_length", (uint)(mla.KvLoraRank + mla.QkRopeHeadDim));
            w.Add(p + "attention.value_length", (uint)mla.KvLoraRank);
            w.Add(p + "attention.key_length_mla", (uint)(mla.QkNopeHeadDim + mla.QkRopeHeadDim));
            w.Add(p + "attention.value_length_mla", (uint)mla.VHeadDim);
        }
        else if (a.KeyLength != defaultHead || a.ValueLengthOrKey != defaultHead)
        {
            w.Add(p + "attention.key_length", (uint)a.KeyLength);
            w.Add(p + "attention.value_length", (uint)a.ValueLengthOrKey);
        }
        var gemma = a.GgufArchitecture.StartsWith("gemma", StringComparison.Ordinal);
        w.Add(p + "attention.layer_norm_rms_epsilon", gemma ? 1e-6f : 1e-5f);
        w.Add(p + "rope.freq_base", a.GgufArchitecture == "llama" ? 500000f : 10000f);
        w.Add(p + "rope.dimension_count", (uint)(a.Mla?.QkRopeHeadDim ?? a.KeyLength));

        if (a.SlidingWindow is { } swa)
        {
            w.Add(p + "attention.sliding_window", (uint)swa.Window);
            if (a.GgufArchitecture != "gemma2") w.Add(p + "attention.sliding_window_pattern", (uint)swa.GlobalEvery);
        }
        if (a.GgufArchitecture == "gemma2")
        {
            // Gemma 2 caps attention scores and final logits with tanh; llama.cpp reads both (the values do not change sizes).
            w.Add(p + "attn_logit_softcapping", 50f);
            w.Add(p + "final_logit_softcapping", 30f);
        }
        if (a.Mla is { } m)
        {
            w.Add(p + "attention.q_lora_rank", (uint)m.QLoraRank);
            w.Add(p + "attention.kv_lora_rank", (uint)m.KvLoraRank);
        }
        if (a.Moe is { } moe)
        {
            w.Add(p + "expert_count", (uint)moe.Experts);
            w.Add(p + "expert_used_count", (uint)moe.ExpertsUsed);
            w.Add(p + "expert_feed_forward_length", (uint)moe.ExpertFeedForwardLength);
            w.Add(p + "leading_dense_block_count", (uint)moe.LeadingDenseLayers);
            w.Add(p + "expert_shared_count", (uint)moe.SharedExperts);
            w.Add(p + "expert_weights_scale", 1f);
            if (moe.RouterBias)
            {
                w.Add(p + "expert_weights_norm", true);
                w.Add(p + "expert_gating_func", 2u); // sigmoid, as DeepSeek-V3
            }
        }
    }

    // llama.cpp's SentencePiece ("llama") vocabulary: the simplest it loads. It needs the unknown, BOS and EOS
    // tokens and the byte tokens (the newline byte is looked up at load time); the rest are fillers.
    private static void AddTokenizer(GgufWriter w, int vocab)
    {
        var tokens = new string[vocab];
        var scores = new float[vocab];
        var types = new int[vocab];
        tokens[0] = "<unk>";
        tokens[1] = "<s>";
        tokens[2] = "</s>";
        types[0] = 2; // unknown
        types[1] = 3; // control
        types[2] = 3;
        for (var b = 0; b < 256; b++)
        {
            tokens[3 + b] = "<0x" + b.ToString("X2", CultureInfo.InvariantCulture) + ">";
            types[3 + b] = 6; // byte
        }
        for (var i = ReservedTokens; i < vocab; i++)
        {
            tokens[i] = "\u2581t" + i.ToString(CultureInfo.InvariantCulture);
            scores[i] = -i;
            types[i] = 1; // normal
        }
        w.Add("tokenizer.ggml.model", "llama");
        w.Add("tokenizer.ggml.tokens", GgufValue.Array(tokens));
        w.Add("tokenizer.ggml.scores", GgufValue.Array(scores));
        w.Add("tokenizer.ggml.token_type", GgufValue.Array(types));
        w.Add("tokenizer.ggml.unknown_token_id", 0u);
        w.Add("tokenizer.ggml.bos_token_id", 1u);
        w.Add("tokenizer.ggml.eos_token_id", 2u);
    }
}
