using ModelScout.Core.Catalog;
using ModelScout.Core.Memory;
using ModelScout.Gguf;

namespace ModelScout.Core.Fit;

/// <summary>
/// A model known from its GGUF header rather than the catalog: the architecture read the way llama.cpp reads it, and
/// the file's own tensors with their exact types and sizes, ready for the planner.
/// </summary>
/// <param name="File">The parsed header.</param>
/// <param name="Info">Derived facts.</param>
/// <param name="Entry">A catalog-shaped entry for the planner (id = file name).</param>
/// <param name="Weights">Exact tensor bytes, or null when the header lacks what the estimator needs.</param>
/// <param name="Level">The file's own quantization level.</param>
/// <param name="LatentLayout">How llama.cpp will cache latent attention for this file.</param>
/// <param name="Assumptions">What had to be assumed.</param>
/// <param name="Problem">Why no memory plan is possible, when <paramref name="Weights"/> is null.</param>
/// <param name="CatalogMatch">The catalog model with the same shape, if any.</param>
public sealed record FileModel(GgufFile File, GgufModelInfo Info, ModelEntry Entry, ModelWeights? Weights, QuantizationLevel Level,
    LatentCacheLayout LatentLayout, IReadOnlyList<string> Assumptions, string? Problem, ModelEntry? CatalogMatch)
{
    // llama.cpp's fixed sliding-window periods for architectures that do not store a pattern.
    private static readonly Dictionary<string, int> SwaPeriods = new(StringComparer.Ordinal) { ["gemma2"] = 2, ["gemma3"] = 6, ["cohere2"] = 4 };

    /// <summary>
    /// Builds the model from a header. <paramref name="name"/> is what the user called it (the file's name, or the stored
    /// name it was resolved from); the file's own general.name is often just the architecture ("llama") and stays in
    /// <see cref="Info"/>.
    /// </summary>
    public static FileModel From(GgufFile file, Catalog.Catalog catalog, string name)
    {
        ArgumentNullException.ThrowIfNull(file);
        ArgumentNullException.ThrowIfNull(catalog);
        var info = GgufModelInfo.From(file);
        var assumptions = new List<string>();
        var level = LevelOf(info, catalog);
        var (arch, problem) = ArchitectureOf(file, info, assumptions);
        var latent = LatentCacheLayout.LatentKeyOnly;
        if (arch?.Mla is not null && info.Hyper.KeyLengthMla is null)
        {
            latent = LatentCacheLayout.FullHeads;
            assumptions.Add("no attention.key_length_mla: a GGUF converted before April 2025, so llama.cpp caches full per-head keys and values");
        }
        ModelWeights? weights = null;
        if (arch is not null)
        {
            var tensors = file.Tensors.Select(t => new TensorWeight(Shape(t, arch.Layers), t.Type, t.Bytes)).ToList();
            weights = ModelWeights.FromTensors(arch, level.Id, tensors);
        }
        var entry = new ModelEntry
        {
            Id = name,
            Name = name,
            Kind = "open",
            Parameters = new ParameterInfo { Total = info.Parameters, Label = info.SizeLabel ?? "" },
            Context = info.Hyper.ContextLength is { } c && c > 0 ? new ContextInfo { Max = (int)Math.Min(c, int.MaxValue), Native = (int)Math.Min(c, int.MaxValue) } : new ContextInfo { Max = 131072, Native = 131072 },
            Architecture = arch,
        };
        if (info.Hyper.ContextLength is null) assumptions.Add("no context_length in the file: up to 128K allowed");
        var match = arch is null ? null : catalog.OpenModels.FirstOrDefault(m => SameShape(m.Architecture!, arch));
        return new FileModel(file, info, entry, weights, level, latent, assumptions, problem, match);
    }

    private static QuantizationLevel LevelOf(GgufModelInfo info, Catalog.Catalog catalog)
    {
        var name = info.FileType?.Name ?? info.MainType?.ToString() ?? "unknown";
        return catalog.Quantization(name) ?? new QuantizationLevel { Id = name, Recipe = name, Kind = "file", Rank = 99 };
    }

    private static (Architecture?, string?) ArchitectureOf(GgufFile f, GgufModelInfo info, List<string> assumptions)
    {
        var h = info.Hyper;
        if (info.Architecture is not { } name) return (null, "the file has no general.architecture");
        var missing = new List<string>();
        if (h.BlockCount is not > 0) missing.Add($"{name}.block_count");
        if (h.EmbeddingLength is not > 0) missing.Add($"{name}.embedding_length");
        if (h.HeadCount is not > 0) missing.Add($"{name}.attention.head_count");
        if (missing.Count > 0) return (null, "the file lacks " + string.Join(", ", missing));

        var layers = h.BlockCount!.Value;
        var heads = h.HeadCount!.Value;
        var kvHeads = h.HeadCountKv.Count == 0 ? heads : h.HeadCountKv.Max();
        if (h.HeadCountKv.Count > 1 && h.HeadCountKv.Distinct().Count() > 1)
            assumptions.Add($"KV heads vary per block ({h.HeadCountKv.Min()}-{kvHeads}); the cache is sized with {kvHeads} for every block");
        var keyLength = h.KeyLength ?? h.EmbeddingLength!.Value / heads;
        var vocab = info.VocabularySize ?? (int)(f.Tensors.FirstOrDefault(t => t.Name == "token_embd.weight")?.Dimensions.ElementAtOrDefault(1) ?? 0);

        SlidingWindow? swa = null;
        if (h.SlidingWindow is > 0 and { } window)
        {
            var period = h.SlidingWindowPeriod ?? (SwaPeriods.TryGetValue(name, out var p) ? p : (int?)null);
            if (period is null && h.SlidingWindowLayers.Count == 0)
            {
                assumptions.Add($"{name}.attention.sliding_window is set without a layer pattern: every block is taken to use the window");
                period = 1;
            }
            swa = new SlidingWindow { Window = window, GlobalEvery = period ?? 2 };
        }

        LatentAttention? mla = null;
        if (h.KvLoraRank is > 0 and { } rank)
        {
            var rope = h.RopeDimensionCount ?? 64;
            mla = new LatentAttention
            {
                QLoraRank = h.QLoraRank ?? 0,
                KvLoraRank = rank,
                QkRopeHeadDim = rope,
                QkNopeHeadDim = (h.KeyLengthMla ?? keyLength) - rope,
                VHeadDim = h.ValueLengthMla ?? h.ValueLength ?? keyLength,
            };
        }

        MixtureOfExperts? moe = null;
        if (h.ExpertCount is > 1 and { } experts)
        {
            moe = new MixtureOfExperts
            {
                Experts = experts,
                ExpertsUsed = h.ExpertUsedCount ?? 1,
                SharedExperts = h.ExpertSharedCount ?? 0,
                ExpertFeedForwardLength = h.ExpertFeedForwardLength ?? h.FeedForwardLength ?? 0,
                LeadingDenseLayers = h.LeadingDenseBlocks ?? 0,
            };
        }

        return (new Architecture
        {
            GgufArchitecture = name,
            Layers = layers,
            EmbeddingLength = h.EmbeddingLength!.Value,
            HeadCount = heads,
            KvHeadCount = Math.Max(1, kvHeads),
            KeyLength = keyLength,
            ValueLength = h.ValueLength,
            FeedForwardLength = Math.Max(1, h.FeedForwardLength ?? 1),
            VocabSize = Math.Max(1, vocab),
            TiedEmbeddings = !f.Tensors.Any(t => t.Name == "output.weight"),
            SlidingWindow = swa,
            Mla = mla,
            Moe = moe,
            Source = "GGUF header",
        }, null);
    }

    private static bool SameShape(Architecture a, Architecture b) =>
        a.GgufArchitecture == b.GgufArchitecture && a.Layers == b.Layers && a.EmbeddingLength == b.EmbeddingLength && a.HeadCount == b.HeadCount
        && a.KvHeadCount == b.KvHeadCount && a.FeedForwardLength == b.FeedForwardLength && a.VocabSize == b.VocabSize;

    // Map a file tensor to the role and block the placement rules need.
    private static TensorShape Shape(GgufTensorInfo t, int layers)
    {
        var block = t.Block;
        var layer = block >= 0 && block < layers ? block : -1;
        var n = t.Name;
        var role = n switch
        {
            "token_embd.weight" => TensorRole.TokenEmbedding,
            "output.weight" => TensorRole.Output,
            _ when n.StartsWith("rope_", StringComparison.Ordinal) => TensorRole.RopeFactors,
            _ when n.EndsWith(".bias", StringComparison.Ordinal) => TensorRole.Bias,
            _ when n.Contains("_norm", StringComparison.Ordinal) => TensorRole.Norm,
            _ when n.Contains("ffn_gate_inp", StringComparison.Ordinal) => TensorRole.ExpertRouter,
            _ when n.Contains("ffn_gate_exps", StringComparison.Ordinal) => TensorRole.ExpertGate,
            _ when n.Contains("ffn_up_exps", StringComparison.Ordinal) => TensorRole.ExpertUp,
            _ when n.Contains("ffn_down_exps", StringComparison.Ordinal) => TensorRole.ExpertDown,
            _ when n.Contains("ffn_gate_shexp", StringComparison.Ordinal) => TensorRole.SharedExpertGate,
            _ when n.Contains("ffn_up_shexp", StringComparison.Ordinal) => TensorRole.SharedExpertUp,
            _ when n.Contains("ffn_down_shexp", StringComparison.Ordinal) => TensorRole.SharedExpertDown,
            _ when n.Contains("attn_qkv", StringComparison.Ordinal) => TensorRole.AttentionQkv,
            _ when n.Contains("attn_q.", StringComparison.Ordinal) => TensorRole.AttentionQ,
            _ when n.Contains("attn_k.", StringComparison.Ordinal) => TensorRole.AttentionK,
            _ when n.Contains("attn_v.", StringComparison.Ordinal) => TensorRole.AttentionV,
            _ when n.Contains("attn_output", StringComparison.Ordinal) => TensorRole.AttentionOutput,
            _ when n.Contains("ffn_gate", StringComparison.Ordinal) => TensorRole.FeedForwardGate,
            _ when n.Contains("ffn_up", StringComparison.Ordinal) => TensorRole.FeedForwardUp,
            _ when n.Contains("ffn_down", StringComparison.Ordinal) => TensorRole.FeedForwardDown,
            _ => TensorRole.Other,
        };
        var row = t.RowLength;
        return new TensorShape(n, layer, role, row, t.Elements / row);
    }
}
