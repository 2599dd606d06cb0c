using System.Text.Json;
using System.Text.Json.Serialization;

namespace ModelScout.Contracts.Ollama;

/// <summary>POST /api/generate. Fields that take several JSON shapes (format, options, keep_alive) stay raw.</summary>
public sealed record GenerateRequest
{
    [JsonPropertyName("model")] public string? Model { get; init; }
    [JsonPropertyName("prompt")] public string? Prompt { get; init; }
    [JsonPropertyName("suffix")] public string? Suffix { get; init; }
    [JsonPropertyName("system")] public string? System { get; init; }
    [JsonPropertyName("template")] public string? Template { get; init; }
    [JsonPropertyName("images")] public IReadOnlyList<string>? Images { get; init; }
    /// <summary>"json" or a JSON schema object.</summary>
    [JsonPropertyName("format")] public JsonElement? Format { get; init; }
    [JsonPropertyName("options")] public JsonElement? Options { get; init; }
    /// <summary>Defaults to true when absent or null.</summary>
    [JsonPropertyName("stream")] public bool? Stream { get; init; }
    [JsonPropertyName("raw")] public bool? Raw { get; init; }
    /// <summary>Duration string ("5m") or number of seconds.</summary>
    [JsonPropertyName("keep_alive")] public JsonElement? KeepAlive { get; init; }
    /// <summary>Deprecated token ids of an earlier exchange; accepted and ignored.</summary>
    [JsonPropertyName("context")] public IReadOnlyList<long>? Context { get; init; }
    [JsonPropertyName("think")] public JsonElement? Think { get; init; }
    [JsonPropertyName("logprobs")] public bool? Logprobs { get; init; }
    [JsonPropertyName("top_logprobs")] public int? TopLogprobs { get; init; }
}

/// <summary>One chat message on Ollama's wire.</summary>
public sealed record OllamaMessage
{
    [JsonPropertyName("role")] public string? Role { get; init; }
    [JsonPropertyName("content")] public string? Content { get; init; }
    [JsonPropertyName("thinking")] public string? Thinking { get; init; }
    [JsonPropertyName("images")] public IReadOnlyList<string>? Images { get; init; }
    [JsonPropertyName("tool_calls")] public JsonElement? ToolCalls { get; init; }
    [JsonPropertyName("tool_name")] public string? ToolName { get; init; }
}

/// <summary>POST /api/chat.</summary>
public sealed record ChatRequest
{
    [JsonPropertyName("model")] public string? Model { get; init; }
    [JsonPropertyName("messages")] public IReadOnlyList<OllamaMessage>? Messages { get; init; }
    [JsonPropertyName("tools")] public JsonElement? Tools { get; init; }
    [JsonPropertyName("format")] public JsonElement? Format { get; init; }
    [JsonPropertyName("options")] public JsonElement? Options { get; init; }
    [JsonPropertyName("stream")] public bool? Stream { get; init; }
    [JsonPropertyName("keep_alive")] public JsonElement? KeepAlive { get; init; }
    [JsonPropertyName("think")] public JsonElement? Think { get; init; }
    [JsonPropertyName("logprobs")] public bool? Logprobs { get; init; }
    [JsonPropertyName("top_logprobs")] public int? TopLogprobs { get; init; }
}

/// <summary>POST /api/embed: <c>input</c> is a string or an array of strings.</summary>
public sealed record EmbedRequest
{
    [JsonPropertyName("model")] public string? Model { get; init; }
    [JsonPropertyName("input")] public JsonElement? Input { get; init; }
    [JsonPropertyName("truncate")] public bool? Truncate { get; init; }
    [JsonPropertyName("dimensions")] public int? Dimensions { get; init; }
    [JsonPropertyName("options")] public JsonElement? Options { get; init; }
    [JsonPropertyName("keep_alive")] public JsonElement? KeepAlive { get; init; }
}

/// <summary>POST /api/embeddings (legacy): one prompt, one vector, not normalised.</summary>
public sealed record EmbeddingsRequest
{
    [JsonPropertyName("model")] public string? Model { get; init; }
    [JsonPropertyName("prompt")] public string? Prompt { get; init; }
    [JsonPropertyName("options")] public JsonElement? Options { get; init; }
    [JsonPropertyName("keep_alive")] public JsonElement? KeepAlive { get; init; }
}

/// <summary>POST /api/show, DELETE /api/delete: a model name (<c>model</c>, or the older <c>name</c>).</summary>
public sealed record ModelNameRequest
{
    [JsonPropertyName("model")] public string? Model { get; init; }
    [JsonPropertyName("name")] public string? Name { get; init; }
    [JsonPropertyName("verbose")] public bool? Verbose { get; init; }

    /// <summary><c>model</c> when given, else <c>name</c>.</summary>
    [JsonIgnore] public string? EffectiveModel => string.IsNullOrEmpty(Model) ? Name : Model;
}

/// <summary>POST /api/pull.</summary>
public sealed record PullRequest
{
    [JsonPropertyName("model")] public string? Model { get; init; }
    [JsonPropertyName("name")] public string? Name { get; init; }
    [JsonPropertyName("insecure")] public bool? Insecure { get; init; }
    [JsonPropertyName("stream")] public bool? Stream { get; init; }

    /// <summary><c>model</c> when given, else <c>name</c>.</summary>
    [JsonIgnore] public string? EffectiveModel => string.IsNullOrEmpty(Model) ? Name : Model;
}

/// <summary>POST /api/copy.</summary>
public sealed record CopyRequest
{
    [JsonPropertyName("source")] public string? Source { get; init; }
    [JsonPropertyName("destination")] public string? Destination { get; init; }
}

/// <summary>POST /api/create: the structured form, or a legacy <c>modelfile</c> text.</summary>
public sealed record CreateRequest
{
    [JsonPropertyName("model")] public string? Model { get; init; }
    [JsonPropertyName("name")] public string? Name { get; init; }
    [JsonPropertyName("from")] public string? From { get; init; }
    /// <summary>File name → blob digest (<c>sha256:...</c>); the GGUF among them is the model.</summary>
    [JsonPropertyName("files")] public IReadOnlyDictionary<string, string>? Files { get; init; }
    [JsonPropertyName("adapters")] public IReadOnlyDictionary<string, string>? Adapters { get; init; }
    [JsonPropertyName("template")] public string? Template { get; init; }
    [JsonPropertyName("system")] public string? System { get; init; }
    /// <summary>A string or an array of strings.</summary>
    [JsonPropertyName("license")] public JsonElement? License { get; init; }
    [JsonPropertyName("parameters")] public JsonElement? Parameters { get; init; }
    [JsonPropertyName("messages")] public IReadOnlyList<OllamaMessage>? Messages { get; init; }
    [JsonPropertyName("quantize")] public string? Quantize { get; init; }
    [JsonPropertyName("modelfile")] public string? Modelfile { get; init; }
    [JsonPropertyName("stream")] public bool? Stream { get; init; }

    /// <summary><c>model</c> when given, else <c>name</c>.</summary>
    [JsonIgnore] public string? EffectiveModel => string.IsNullOrEmpty(Model) ? Name : Model;
}
