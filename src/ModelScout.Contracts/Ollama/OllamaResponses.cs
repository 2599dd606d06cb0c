using System.Text.Json.Serialization;

namespace ModelScout.Contracts.Ollama;

/// <summary>
/// The timings Ollama embeds in the last object of /api/generate and /api/chat (Go's <c>api.Metrics</c>), in
/// nanoseconds. Declared once; the answers that carry them derive from it, and the property order keeps the fields
/// where Ollama writes them (after <c>done_reason</c>/<c>context</c>, before <c>logprobs</c>).
/// </summary>
public abstract record OllamaMetrics
{
    [JsonPropertyName("total_duration"), JsonPropertyOrder(10)] public long? TotalDuration { get; set; }
    [JsonPropertyName("load_duration"), JsonPropertyOrder(11)] public long? LoadDuration { get; set; }
    [JsonPropertyName("prompt_eval_count"), JsonPropertyOrder(12)] public int? PromptEvalCount { get; set; }
    [JsonPropertyName("prompt_eval_duration"), JsonPropertyOrder(13)] public long? PromptEvalDuration { get; set; }
    [JsonPropertyName("eval_count"), JsonPropertyOrder(14)] public int? EvalCount { get; set; }
    [JsonPropertyName("eval_duration"), JsonPropertyOrder(15)] public long? EvalDuration { get; set; }
    /// <summary>scout's addition, last on the final object: true when the prompt was cut to fit the context (absent otherwise).</summary>
    [JsonPropertyName("prompt_truncated"), JsonPropertyOrder(30)] public bool? PromptTruncated { get; set; }
}

/// <summary>One streamed /api/generate object, or the whole answer when not streaming. Timings only when <c>done</c>.</summary>
public sealed record GenerateResponse : OllamaMetrics
{
    [JsonPropertyName("model"), JsonPropertyOrder(1)] public required string Model { get; init; }
    [JsonPropertyName("created_at"), JsonPropertyOrder(2)] public required string CreatedAt { get; init; }
    [JsonPropertyName("response"), JsonPropertyOrder(3)] public string Response { get; init; } = "";
    /// <summary>Reasoning text (with <c>think</c>); left out when there is none.</summary>
    [JsonPropertyName("thinking"), JsonPropertyOrder(4)] public string? Thinking { get; init; }
    [JsonPropertyName("done"), JsonPropertyOrder(5)] public bool Done { get; init; }
    [JsonPropertyName("done_reason"), JsonPropertyOrder(6)] public string? DoneReason { get; init; }
    [JsonPropertyName("context"), JsonPropertyOrder(7)] public IReadOnlyList<int>? Context { get; init; }
    [JsonPropertyName("logprobs"), JsonPropertyOrder(20)] public IReadOnlyList<OllamaLogprob>? Logprobs { get; init; }
}

/// <summary>One streamed /api/chat object, or the whole answer when not streaming. Timings only when <c>done</c>.</summary>
public sealed record ChatResponse : OllamaMetrics
{
    [JsonPropertyName("model"), JsonPropertyOrder(1)] public required string Model { get; init; }
    [JsonPropertyName("created_at"), JsonPropertyOrder(2)] public required string CreatedAt { get; init; }
    [JsonPropertyName("message"), JsonPropertyOrder(3)] public required OllamaMessage Message { get; init; }
    [JsonPropertyName("done"), JsonPropertyOrder(4)] public bool Done { get; init; }
    [JsonPropertyName("done_reason"), JsonPropertyOrder(5)] public string? DoneReason { get; init; }
    [JsonPropertyName("logprobs"), JsonPropertyOrder(20)] public IReadOnlyList<OllamaLogprob>? Logprobs { get; init; }
}

/// <summary>A token's log-probability and its alternatives.</summary>
public sealed record OllamaLogprob
{
    [JsonPropertyName("token")] public required string Token { get; init; }
    [JsonPropertyName("logprob")] public double Logprob { get; init; }
    [JsonPropertyName("bytes")] public IReadOnlyList<int>? Bytes { get; init; }
    [JsonPropertyName("top_logprobs")] public IReadOnlyList<OllamaLogprob>? TopLogprobs { get; init; }
}

/// <summary>POST /api/embed answer.</summary>
public sealed record EmbedResponse
{
    [JsonPropertyName("model")] public required string Model { get; init; }
    [JsonPropertyName("embeddings")] public required IReadOnlyList<float[]> Embeddings { get; init; }
    [JsonPropertyName("total_duration")] public long TotalDuration { get; init; }
    [JsonPropertyName("load_duration")] public long LoadDuration { get; init; }
    [JsonPropertyName("prompt_eval_count")] public int PromptEvalCount { get; init; }
}

/// <summary>POST /api/embeddings answer (legacy).</summary>
public sealed record EmbeddingsResponse
{
    [JsonPropertyName("embedding")] public required float[] Embedding { get; init; }
}

/// <summary>Ollama's <c>details</c> object.</summary>
public sealed record OllamaModelDetails
{
    [JsonPropertyName("parent_model")] public string ParentModel { get; init; } = "";
    [JsonPropertyName("format")] public string Format { get; init; } = "gguf";
    [JsonPropertyName("family")] public string Family { get; init; } = "";
    [JsonPropertyName("families")] public IReadOnlyList<string>? Families { get; init; }
    [JsonPropertyName("parameter_size")] public string ParameterSize { get; init; } = "";
    [JsonPropertyName("quantization_level")] public string QuantizationLevel { get; init; } = "";
}

/// <summary>One entry of /api/tags, or of /api/ps when <see cref="ExpiresAt"/> is set.</summary>
public sealed record OllamaModelEntry
{
    [JsonPropertyName("name")] public required string Name { get; init; }
    [JsonPropertyName("model")] public required string Model { get; init; }
    [JsonPropertyName("modified_at")] public string? ModifiedAt { get; init; }
    [JsonPropertyName("size")] public long Size { get; init; }
    [JsonPropertyName("digest")] public string Digest { get; init; } = "";
    [JsonPropertyName("details")] public OllamaModelDetails Details { get; init; } = new();
    [JsonPropertyName("expires_at")] public string? ExpiresAt { get; init; }
    [JsonPropertyName("size_vram")] public long? SizeVram { get; init; }
    [JsonPropertyName("context_length")] public int? ContextLength { get; init; }
    /// <summary>ModelScout's addition to /api/ps: layers offloaded to the GPU, of <see cref="TotalLayers"/> (Ollama clients ignore it).</summary>
    [JsonPropertyName("gpu_layers")] public int? GpuLayers { get; init; }
    /// <summary>ModelScout's addition to /api/ps: blocks plus the output head, the count that offloads everything.</summary>
    [JsonPropertyName("total_layers")] public int? TotalLayers { get; init; }
}

/// <summary>GET /api/tags and GET /api/ps.</summary>
public sealed record ModelListResponse
{
    [JsonPropertyName("models")] public required IReadOnlyList<OllamaModelEntry> Models { get; init; }
}

/// <summary>POST /api/show answer.</summary>
public sealed record ShowResponse
{
    [JsonPropertyName("modelfile")] public string Modelfile { get; init; } = "";
    [JsonPropertyName("parameters")] public string Parameters { get; init; } = "";
    [JsonPropertyName("template")] public string Template { get; init; } = "";
    [JsonPropertyName("system")] public string? System { get; init; }
    [JsonPropertyName("license")] public string? License { get; init; }
    [JsonPropertyName("details")] public OllamaModelDetails Details { get; init; } = new();
    [JsonPropertyName("messages")] public IReadOnlyList<OllamaMessage>? Messages { get; init; }
    [JsonPropertyName("model_info")] public System.Text.Json.Nodes.JsonObject? ModelInfo { get; init; }
    [JsonPropertyName("capabilities")] public IReadOnlyList<string> Capabilities { get; init; } = [];
    [JsonPropertyName("modified_at")] public string? ModifiedAt { get; init; }
}

/// <summary>One progress line of /api/pull and /api/create ({"status":"success"} last).</summary>
public sealed record ProgressResponse
{
    [JsonPropertyName("status")] public required string Status { get; init; }
    [JsonPropertyName("digest")] public string? Digest { get; init; }
    [JsonPropertyName("total")] public long? Total { get; init; }
    [JsonPropertyName("completed")] public long? Completed { get; init; }
}

/// <summary>GET /api/version.</summary>
public sealed record VersionResponse
{
    /// <summary>The Ollama API level the server follows (clients compare it before using newer features).</summary>
    [JsonPropertyName("version")] public required string Version { get; init; }

    /// <summary>ModelScout's addition: "modelscout" (Ollama sends no such field; its clients ignore unknown fields).</summary>
    [JsonPropertyName("server")] public string? Server { get; init; }

    /// <summary>ModelScout's addition: its own version, e.g. 0.1.0.</summary>
    [JsonPropertyName("modelscout_version")] public string? ModelScoutVersion { get; init; }
}

/// <summary>Ollama's error body: <c>{"error":"..."}</c>.</summary>
public sealed record OllamaError
{
    [JsonPropertyName("error")] public required string Error { get; init; }
}
