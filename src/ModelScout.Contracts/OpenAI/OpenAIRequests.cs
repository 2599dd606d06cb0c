using System.Text.Json;
using System.Text.Json.Serialization;

namespace ModelScout.Contracts.OpenAI;

/// <summary>One message of a chat completion request. <c>content</c> is a string, null, or an array of parts.</summary>
public sealed record OpenAIChatMessage
{
    [JsonPropertyName("role")] public string? Role { get; init; }
    [JsonPropertyName("content")] public JsonElement? Content { get; init; }
    [JsonPropertyName("name")] public string? Name { get; init; }
    [JsonPropertyName("tool_call_id")] public string? ToolCallId { get; init; }
    /// <summary>An assistant message's calls: <c>[{id, type: "function", function: {name, arguments}}]</c>, arguments a JSON string.</summary>
    [JsonPropertyName("tool_calls")] public JsonElement? ToolCalls { get; init; }
    /// <summary>An assistant message's reasoning (DeepSeek's and llama-server's field).</summary>
    [JsonPropertyName("reasoning_content")] public JsonElement? ReasoningContent { get; init; }
}

/// <summary><c>stream_options</c>.</summary>
public sealed record StreamOptions
{
    [JsonPropertyName("include_usage")] public bool? IncludeUsage { get; init; }
}

/// <summary><c>response_format</c>: text, json_object, or json_schema with a schema.</summary>
public sealed record ResponseFormat
{
    [JsonPropertyName("type")] public string? Type { get; init; }
    [JsonPropertyName("json_schema")] public JsonSchemaFormat? JsonSchema { get; init; }
}

/// <summary>The <c>json_schema</c> member of <see cref="ResponseFormat"/>.</summary>
public sealed record JsonSchemaFormat
{
    [JsonPropertyName("name")] public string? Name { get; init; }
    [JsonPropertyName("description")] public string? Description { get; init; }
    [JsonPropertyName("schema")] public JsonElement? Schema { get; init; }
    [JsonPropertyName("strict")] public bool? Strict { get; init; }
}

/// <summary>
/// What chat and legacy completion requests share: the model, streaming, sampling and the extensions <c>num_ctx</c>,
/// <c>keep_alive</c>, <c>top_k</c>, <c>min_p</c>. The property orders place each field where OpenAI documents it, between
/// the fields each request adds, so a request written out (the eval client sends chat requests) keeps that order.
/// </summary>
public abstract record OpenAIGenerationRequest
{
    [JsonPropertyName("model"), JsonPropertyOrder(10)] public string? Model { get; init; }
    [JsonPropertyName("stream"), JsonPropertyOrder(30)] public bool? Stream { get; init; }
    [JsonPropertyName("stream_options"), JsonPropertyOrder(40)] public StreamOptions? StreamOptions { get; init; }
    /// <summary>Numbers beyond int range are clamped, so this is a long.</summary>
    [JsonPropertyName("max_tokens"), JsonPropertyOrder(50)] public long? MaxTokens { get; init; }
    [JsonPropertyName("temperature"), JsonPropertyOrder(70)] public double? Temperature { get; init; }
    [JsonPropertyName("top_p"), JsonPropertyOrder(80)] public double? TopP { get; init; }
    [JsonPropertyName("seed"), JsonPropertyOrder(90)] public long? Seed { get; init; }
    /// <summary>A string or an array of strings.</summary>
    [JsonPropertyName("stop"), JsonPropertyOrder(100)] public JsonElement? Stop { get; init; }
    [JsonPropertyName("presence_penalty"), JsonPropertyOrder(110)] public double? PresencePenalty { get; init; }
    [JsonPropertyName("frequency_penalty"), JsonPropertyOrder(120)] public double? FrequencyPenalty { get; init; }
    [JsonPropertyName("n"), JsonPropertyOrder(160)] public int? N { get; init; }
    [JsonPropertyName("user"), JsonPropertyOrder(170)] public string? User { get; init; }
    [JsonPropertyName("num_ctx"), JsonPropertyOrder(200)] public int? NumCtx { get; init; }
    [JsonPropertyName("keep_alive"), JsonPropertyOrder(210)] public JsonElement? KeepAlive { get; init; }
    [JsonPropertyName("top_k"), JsonPropertyOrder(220)] public int? TopK { get; init; }
    [JsonPropertyName("min_p"), JsonPropertyOrder(230)] public double? MinP { get; init; }
}

/// <summary>POST /v1/chat/completions.</summary>
public sealed record ChatCompletionRequest : OpenAIGenerationRequest
{
    [JsonPropertyName("messages"), JsonPropertyOrder(20)] public IReadOnlyList<OpenAIChatMessage>? Messages { get; init; }
    [JsonPropertyName("max_completion_tokens"), JsonPropertyOrder(60)] public long? MaxCompletionTokens { get; init; }
    [JsonPropertyName("response_format"), JsonPropertyOrder(130)] public ResponseFormat? ResponseFormat { get; init; }
    [JsonPropertyName("logprobs"), JsonPropertyOrder(140)] public bool? Logprobs { get; init; }
    [JsonPropertyName("top_logprobs"), JsonPropertyOrder(150)] public int? TopLogprobs { get; init; }
    [JsonPropertyName("tools"), JsonPropertyOrder(180)] public JsonElement? Tools { get; init; }
    /// <summary>"none", "auto", "required" or <c>{type: "function", function: {name}}</c>.</summary>
    [JsonPropertyName("tool_choice"), JsonPropertyOrder(190)] public JsonElement? ToolChoice { get; init; }
    [JsonPropertyName("parallel_tool_calls"), JsonPropertyOrder(195)] public bool? ParallelToolCalls { get; init; }
    /// <summary>"none", "minimal", "low", "medium" or "high".</summary>
    [JsonPropertyName("reasoning_effort"), JsonPropertyOrder(197)] public string? ReasoningEffort { get; init; }
}

/// <summary>POST /v1/completions. <c>logprobs</c> here is the number of alternatives (0-5), as in the legacy API.</summary>
public sealed record CompletionRequest : OpenAIGenerationRequest
{
    /// <summary>A string (arrays of one string are accepted too).</summary>
    [JsonPropertyName("prompt"), JsonPropertyOrder(20)] public JsonElement? Prompt { get; init; }
    [JsonPropertyName("suffix"), JsonPropertyOrder(25)] public string? Suffix { get; init; }
    [JsonPropertyName("logprobs"), JsonPropertyOrder(140)] public int? Logprobs { get; init; }
    [JsonPropertyName("echo"), JsonPropertyOrder(150)] public bool? Echo { get; init; }
}

/// <summary>POST /v1/embeddings. <c>input</c> is a string or an array of strings.</summary>
public sealed record OpenAIEmbeddingRequest
{
    [JsonPropertyName("model")] public string? Model { get; init; }
    [JsonPropertyName("input")] public JsonElement? Input { get; init; }
    /// <summary>"float" (default) or "base64" (little-endian float32).</summary>
    [JsonPropertyName("encoding_format")] public string? EncodingFormat { get; init; }
    [JsonPropertyName("dimensions")] public int? Dimensions { get; init; }
    [JsonPropertyName("user")] public string? User { get; init; }
    [JsonPropertyName("keep_alive")] public JsonElement? KeepAlive { get; init; }
}
