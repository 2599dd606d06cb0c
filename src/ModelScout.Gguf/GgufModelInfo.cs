namespace ModelScout.Gguf;

/// <summary>Bytes and tensor counts of one ggml type in a file.</summary>
public sealed record TypeShare(GgmlType Type, int Tensors, long Elements, long Bytes)
{
    public double BitsPerWeight => Elements == 0 ? 0 : Bytes * 8.0 / Elements;
}

/// <summary>Architecture hyper-parameters, read the way llama.cpp reads them from "{arch}.*" keys.</summary>
public sealed record GgufHyperParameters
{
    public int? BlockCount { get; init; }
    public long? ContextLength { get; init; }
    public int? EmbeddingLength { get; init; }
    public int? FeedForwardLength { get; init; }
    public int? HeadCount { get; init; }
    /// <summary>KV heads per block: llama.cpp accepts a scalar or a per-block array.</summary>
    public IReadOnlyList<int> HeadCountKv { get; init; } = [];
    public int? KeyLength { get; init; }
    public int? ValueLength { get; init; }
    public double? RopeFreqBase { get; init; }
    public int? RopeDimensionCount { get; init; }
    public string? RopeScalingType { get; init; }
    public double? RopeScalingFactor { get; init; }
    public long? RopeScalingOriginalContext { get; init; }
    public int? ExpertCount { get; init; }
    public int? ExpertUsedCount { get; init; }
    public int? ExpertSharedCount { get; init; }
    public int? ExpertFeedForwardLength { get; init; }
    public int? LeadingDenseBlocks { get; init; }
    public int? SlidingWindow { get; init; }
    /// <summary>Per-block sliding-window flags when the file has them (attention.sliding_window_pattern as an array).</summary>
    public IReadOnlyList<bool> SlidingWindowLayers { get; init; } = [];
    /// <summary>Period of the sliding-window pattern when given as a number.</summary>
    public int? SlidingWindowPeriod { get; init; }
    public int? KvLoraRank { get; init; }
    public int? QLoraRank { get; init; }
    public int? KeyLengthMla { get; init; }
    public int? ValueLengthMla { get; init; }

    /// <summary>KV heads of block <paramref name="layer"/>, falling back to the query heads as llama.cpp does.</summary>
    public int? KvHeads(int layer) => HeadCountKv.Count == 0 ? HeadCount : HeadCountKv.Count == 1 ? HeadCountKv[0] : layer < HeadCountKv.Count ? HeadCountKv[layer] : null;
}

/// <summary>Everything derived from a GGUF header that a user or the estimator wants.</summary>
public sealed record GgufModelInfo
{
    public required string? Architecture { get; init; }
    public string? Name { get; init; }
    public string? SizeLabel { get; init; }
    public string? License { get; init; }
    public string? BaseModel { get; init; }
    public string? QuantizedBy { get; init; }
    public string? Organization { get; init; }
    public LlamaFileType? FileType { get; init; }
    public long? FileTypeId { get; init; }
    public long Parameters { get; init; }
    public long TensorBytes { get; init; }
    public IReadOnlyList<TypeShare> Types { get; init; } = [];
    /// <summary>The most common quantized type: what most weights are stored as.</summary>
    public GgmlType? MainType { get; init; }
    /// <summary>Tensors stored at a different type from the main one (the file type's upgrades), by type.</summary>
    public IReadOnlyList<(GgmlType Type, IReadOnlyList<string> Tensors)> Upgrades { get; init; } = [];
    public required GgufHyperParameters Hyper { get; init; }
    public string? TokenizerModel { get; init; }
    public string? TokenizerPre { get; init; }
    public int? VocabularySize { get; init; }
    public int? MergeCount { get; init; }
    public bool HasChatTemplate { get; init; }
    public int ChatTemplateLength { get; init; }
    /// <summary>The <c>tokenizer.chat_template</c> text (Jinja), capped as the reader caps every string; null when absent.</summary>
    public string? ChatTemplate { get; init; }
    public IReadOnlyDictionary<string, long> SpecialTokens { get; init; } = new Dictionary<string, long>();

    /// <summary>Bits per weight over the whole file.</summary>
    public double BitsPerWeight => Parameters == 0 ? 0 : TensorBytes * 8.0 / Parameters;

    /// <summary>Derives the facts from a parsed header.</summary>
    public static GgufModelInfo From(GgufFile f)
    {
        ArgumentNullException.ThrowIfNull(f);
        var arch = f.Architecture;
        int? I(string key) => f[key]?.AsInt64() is { } v && v is >= int.MinValue and <= int.MaxValue ? (int)v : null;
        int? A(string suffix) => arch is null ? null : I($"{arch}.{suffix}");

        var parameters = 0L;
        var bytes = 0L;
        foreach (var t in f.Tensors)
        {
            if (t.Name != "rope_freqs.weight" && !t.Name.StartsWith("rope_factors", StringComparison.Ordinal)) parameters = Add(parameters, t.Elements);
            bytes = Add(bytes, t.Bytes);
        }
        var types = f.Tensors.GroupBy(t => t.Type)
            .Select(g => new TypeShare(g.Key, g.Count(), g.Aggregate(0L, (n, t) => Add(n, t.Elements)), g.Aggregate(0L, (n, t) => Add(n, t.Bytes))))
            .OrderByDescending(s => s.Bytes).ToList();
        var main = types.Where(t => GgmlTypes.Get(t.Type).IsQuantized).OrderByDescending(t => t.Tensors).FirstOrDefault()?.Type
            ?? types.FirstOrDefault(t => t.Type is GgmlType.F16 or GgmlType.BF16)?.Type
            ?? types.FirstOrDefault()?.Type;
        var upgrades = main is { } m
            ? f.Tensors.Where(t => t.Dimensions.Count >= 2 && t.Type != m)
                .GroupBy(t => t.Type).Select(g => (g.Key, (IReadOnlyList<string>)g.Select(t => t.Name).ToList())).ToList()
            : [];

        var kvHeads = arch is null ? null : f[$"{arch}.attention.head_count_kv"];
        var swaPattern = arch is null ? null : f[$"{arch}.attention.sliding_window_pattern"];
        var hyper = new GgufHyperParameters
        {
            BlockCount = A("block_count"),
            ContextLength = arch is null ? null : f.GetInteger($"{arch}.context_length"),
            EmbeddingLength = A("embedding_length"),
            FeedForwardLength = A("feed_forward_length") ?? FirstOfArray(f, arch, "feed_forward_length"),
            HeadCount = A("attention.head_count") ?? FirstOfArray(f, arch, "attention.head_count"),
            HeadCountKv = kvHeads?.AsInt64Array()?.Select(x => (int)x).ToList() ?? (kvHeads?.AsInt64() is { } single ? [(int)single] : []),
            KeyLength = A("attention.key_length"),
            ValueLength = A("attention.value_length"),
            RopeFreqBase = arch is null ? null : f.GetNumber($"{arch}.rope.freq_base"),
            RopeDimensionCount = A("rope.dimension_count"),
            RopeScalingType = arch is null ? null : f.GetString($"{arch}.rope.scaling.type"),
            RopeScalingFactor = arch is null ? null : f.GetNumber($"{arch}.rope.scaling.factor"),
            RopeScalingOriginalContext = arch is null ? null : f.GetInteger($"{arch}.rope.scaling.original_context_length"),
            ExpertCount = A("expert_count"),
            ExpertUsedCount = A("expert_used_count"),
            ExpertSharedCount = A("expert_shared_count"),
            ExpertFeedForwardLength = A("expert_feed_forward_length"),
            LeadingDenseBlocks = A("leading_dense_block_count"),
            SlidingWindow = A("attention.sliding_window"),
            SlidingWindowLayers = swaPattern?.Raw is bool[] flags ? flags : [],
            SlidingWindowPeriod = swaPattern?.AsInt64() is { } p ? (int)p : null,
            KvLoraRank = A("attention.kv_lora_rank"),
            QLoraRank = A("attention.q_lora_rank"),
            KeyLengthMla = A("attention.key_length_mla"),
            ValueLengthMla = A("attention.value_length_mla"),
        };

        var special = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var (k, v) in f.Metadata)
        {
            if (k.StartsWith("tokenizer.ggml.", StringComparison.Ordinal) && k.EndsWith("_token_id", StringComparison.Ordinal) && v.AsInt64() is { } id)
                special[k["tokenizer.ggml.".Length..^"_token_id".Length]] = id;
        }
        var template = f.GetString("tokenizer.chat_template");
        var fileType = f.GetInteger("general.file_type");
        return new GgufModelInfo
        {
            Architecture = arch,
            Name = f.GetString("general.name"),
            SizeLabel = f.GetString("general.size_label"),
            License = f.GetString("general.license"),
            BaseModel = f.GetString("general.base_model.0.name") ?? f.GetString("general.basename"),
            QuantizedBy = f.GetString("general.quantized_by"),
            Organization = f.GetString("general.organization"),
            FileTypeId = fileType,
            FileType = fileType is { } ft and >= 0 and <= int.MaxValue ? LlamaFileTypes.TryGet((int)ft) : null,
            Parameters = parameters,
            TensorBytes = bytes,
            Types = types,
            MainType = main,
            Upgrades = upgrades,
            Hyper = hyper,
            TokenizerModel = f.GetString("tokenizer.ggml.model"),
            TokenizerPre = f.GetString("tokenizer.ggml.pre"),
            VocabularySize = f["tokenizer.ggml.tokens"]?.Count,
            MergeCount = f["tokenizer.ggml.merges"]?.Count,
            HasChatTemplate = template is not null,
            ChatTemplateLength = template?.Length ?? 0,
            ChatTemplate = template,
            SpecialTokens = special,
        };
    }

    // Counts and sizes saturate: a header whose file length is unknown can claim more weights than fit in 64 bits
    // (validation bounds their bytes, and quantized weights take less than a byte each), and Sum would throw.
    private static long Add(long a, long b) => a > long.MaxValue - b ? long.MaxValue : a + b;

    // Some architectures store per-block arrays for values that are usually scalars.
    private static int? FirstOfArray(GgufFile f, string? arch, string suffix) =>
        arch is not null && f[$"{arch}.{suffix}"]?.AsInt64Array() is { Length: > 0 } a ? (int)a.Max() : null;
}
