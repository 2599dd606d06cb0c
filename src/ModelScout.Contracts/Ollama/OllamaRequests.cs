using System.Text.Json;
using System.Text.Json.Serialization;

namespace ModelScout.Contracts.Ollama;

/// <summary>
/// What /api/generate and /api/chat requests share. Fields that take several JSON shapes (format, options, keep_alive,
/// think) stay raw. The property orders keep each request's fields in Ollama's order, between the fields each one adds.
/// </summary>
public abstract record OllamaGenerationRequest
{
    [JsonPropertyName("model"), JsonPropertyOrder(10)] public string? Model { get; init; }
    /// <summary>"json" or a JSON schema object.</summary>
    [JsonPropertyName("format"), JsonPropertyOrder(70)] public JsonElement? Format { get; init; }
    [JsonPropertyName("options"), JsonPropertyOrder(80)] public JsonElement? Options { get; init; }
    /// <summary>Defaults to true when absent or null.</summary>
    [JsonPropertyName("stream"), JsonPropertyOrder(90)] public bool? Stream { get; init; }
    /// <summary>Duration string ("5m") or number of seconds.</summary>
    [JsonPropertyName("keep_alive"), JsonPropertyOrder(110)] public JsonElement? KeepAlive { get; init; }
    /// <summary>true, false, or a level: "low", "medium", "high".</summary>
    [JsonPropertyName("think"), JsonPropertyOrder(130)] public JsonElement? Think { get; init; }
    [JsonPropertyName("logprobs"), JsonPropertyOrder(140)] public bool? Logprobs { get; init; }
    [JsonPropertyName("top_logprobs"), JsonPropertyOrder(150)] public int? TopLogprobs { get; init; }
    /// <summary>A prompt longer than the context: true (default) keeps its start and end, false is a 400.</summary>
    [JsonPropertyName("truncate"), JsonPropertyOrder(125)] public bool? Truncate { get; init; }
    /// <summary>A reply that fills the context: true shifts it and goes on, false ends with done_reason length; absent = the server's SCOUT_CONTEXT_SHIFT.</summary>
    [JsonPropertyName("shift"), JsonPropertyOrder(126)] public bool? Shift { get; init; }
}

/// <summary>POST /api/generate.</summary>
public sealed record GenerateRequest : OllamaGenerationRequest
{
    [JsonPropertyName("prompt"), JsonPropertyOrder(20)] public string? Prompt { get; init; }
    [JsonPropertyName("suffix"), JsonPropertyOrder(30)] public string? Suffix { get; init; }
    [JsonPropertyName("system"), JsonPropertyOrder(40)] public string? System { get; init; }
    [JsonPropertyName("template"), JsonPropertyOrder(50)] public string? Template { get; init; }
    [JsonPropertyName("images"), JsonPropertyOrder(60)] public IReadOnlyList<string>? Images { get; init; }
    [JsonPropertyName("raw"), JsonPropertyOrder(100)] public bool? Raw { get; init; }
    /// <summary>Deprecated token ids of an earlier exchange (an earlier answer's <c>context</c>), read before the rendered prompt unless raw.</summary>
    [JsonPropertyName("context"), JsonPropertyOrder(120)] public IReadOnlyList<long>? Context { get; init; }
}

/// <summary>
/// One chat message on Ollama's wire: a request's turn, or the assistant's message of an answer. <c>tool_calls</c> is
/// <c>[{id, function: {index, name, arguments}}]</c> with arguments a JSON object.
/// </summary>
public sealed record OllamaMessage
{
    [JsonPropertyName("role")] public string? Role { get; init; }
    [JsonPropertyName("content")] public string? Content { get; init; }
    [JsonPropertyName("thinking")] public string? Thinking { get; init; }
    [JsonPropertyName("images")] public IReadOnlyList<string>? Images { get; init; }
    [JsonPropertyName("tool_calls")] public IReadOnlyList<OllamaToolCall>? ToolCalls { get; init; }
    /// <summary>A tool message: the function whose result it carries.</summary>
    [JsonPropertyName("tool_name")] public string? ToolName { get; init; }
    /// <summary>A tool message: the id of the call it answers (newer Ollama clients send it).</summary>
    [JsonPropertyName("tool_call_id")] public string? ToolCallId { get; init; }
}

/// <summary>
/// One tool call: <c>{id, function: {index, name, arguments}}</c>, arguments a JSON object. Answers fill every field;
/// requests (an assistant turn sent back) may leave out id and index.
/// </summary>
public sealed record OllamaToolCall
{
    [JsonPropertyName("id")] public string? Id { get; init; }
    [JsonPropertyName("function")] public OllamaToolCallFunction? Function { get; init; }
}

/// <summary>The function of an Ollama tool call; <c>index</c> counts the calls of one reply from 0.</summary>
public sealed record OllamaToolCallFunction
{
    [JsonPropertyName("index")] public int? Index { get; init; }
    [JsonPropertyName("name")] public string? Name { get; init; }
    [JsonPropertyName("arguments")] public JsonElement? Arguments { get; init; }
}

/// <summary>POST /api/chat.</summary>
public sealed record ChatRequest : OllamaGenerationRequest
{
    [JsonPropertyName("messages"), JsonPropertyOrder(20)] public IReadOnlyList<OllamaMessage>? Messages { get; init; }
    [JsonPropertyName("tools"), JsonPropertyOrder(30)] public JsonElement? Tools { get; init; }
}

/// <summary>What /api/embed and /api/embeddings share: the model first, options and keep_alive last, as Ollama writes them.</summary>
public abstract record OllamaEmbeddingRequest
{
    [JsonPropertyName("model"), JsonPropertyOrder(-1)] public string? Model { get; init; }
    [JsonPropertyName("options"), JsonPropertyOrder(1)] public JsonElement? Options { get; init; }
    [JsonPropertyName("keep_alive"), JsonPropertyOrder(2)] public JsonElement? KeepAlive { get; init; }
}

/// <summary>POST /api/embed: <c>input</c> is a string or an array of strings.</summary>
public sealed record EmbedRequest : OllamaEmbeddingRequest
{
    [JsonPropertyName("input")] public JsonElement? Input { get; init; }
    [JsonPropertyName("truncate")] public bool? Truncate { get; init; }
    [JsonPropertyName("dimensions")] public int? Dimensions { get; init; }
}

/// <summary>POST /api/embeddings (legacy): one prompt, one vector, not normalised.</summary>
public sealed record EmbeddingsRequest : OllamaEmbeddingRequest
{
    [JsonPropertyName("prompt")] public string? Prompt { get; init; }
}

/// <summary>
/// A request about one stored model, named as <c>model</c> or, by older clients, <c>name</c>; the two come first, as
/// Ollama writes them.
/// </summary>
public abstract record OllamaModelRequest
{
    [JsonPropertyName("model"), JsonPropertyOrder(-2)] public string? Model { get; init; }
    [JsonPropertyName("name"), JsonPropertyOrder(-1)] public string? Name { get; init; }

    /// <summary><c>model</c> when given, else <c>name</c>.</summary>
    [JsonIgnore] public string? EffectiveModel => string.IsNullOrEmpty(Model) ? Name : Model;
}

/// <summary>POST /api/show, DELETE /api/delete: a model name (<c>model</c>, or the older <c>name</c>).</summary>
public sealed record ModelNameRequest : OllamaModelRequest
{
    [JsonPropertyName("verbose")] public bool? Verbose { get; init; }
}

/// <summary>POST /api/pull.</summary>
public sealed record PullRequest : OllamaModelRequest
{
    [JsonPropertyName("insecure")] public bool? Insecure { get; init; }
    [JsonPropertyName("stream")] public bool? Stream { get; init; }
}

/// <summary>POST /api/copy.</summary>
public sealed record CopyRequest
{
    [JsonPropertyName("source")] public string? Source { get; init; }
    [JsonPropertyName("destination")] public string? Destination { get; init; }
}

/// <summary>POST /api/create: the structured form, or a legacy <c>modelfile</c> text.</summary>
public sealed record CreateRequest : OllamaModelRequest
{
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
}
