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
    [JsonPropertyName("tool_calls")] public JsonElement? ToolCalls { get; init; }
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

/// <summary>POST /v1/chat/completions. <c>num_ctx</c>, <c>keep_alive</c>, <c>top_k</c>, <c>min_p</c> are extensions.</summary>
public sealed record ChatCompletionRequest
{
    [JsonPropertyName("model")] public string? Model { get; init; }
    [JsonPropertyName("messages")] public IReadOnlyList<OpenAIChatMessage>? Messages { get; init; }
    [JsonPropertyName("stream")] public bool? Stream { get; init; }
    [JsonPropertyName("stream_options")] public StreamOptions? StreamOptions { get; init; }
    /// <summary>Numbers beyond int range are clamped, so this is a long.</summary>
    [JsonPropertyName("max_tokens")] public long? MaxTokens { get; init; }
    [JsonPropertyName("max_completion_tokens")] public long? MaxCompletionTokens { get; init; }
    [JsonPropertyName("temperature")] public double? Temperature { get; init; }
    [JsonPropertyName("top_p")] public double? TopP { get; init; }
    [JsonPropertyName("seed")] public long? Seed { get; init; }
    /// <summary>A string or an array of strings.</summary>
    [JsonPropertyName("stop")] public JsonElement? Stop { get; init; }
    [JsonPropertyName("presence_penalty")] public double? PresencePenalty { get; init; }
    [JsonPropertyName("frequency_penalty")] public double? FrequencyPenalty { get; init; }
    [JsonPropertyName("response_format")] public ResponseFormat? ResponseFormat { get; init; }
    [JsonPropertyName("logprobs")] public bool? Logprobs { get; init; }
    [JsonPropertyName("top_logprobs")] public int? TopLogprobs { get; init; }
    [JsonPropertyName("n")] public int? N { get; init; }
    [JsonPropertyName("user")] public string? User { get; init; }
    [JsonPropertyName("tools")] public JsonElement? Tools { get; init; }
    [JsonPropertyName("tool_choice")] public JsonElement? ToolChoice { get; init; }
    [JsonPropertyName("num_ctx")] public int? NumCtx { get; init; }
    [JsonPropertyName("keep_alive")] public JsonElement? KeepAlive { get; init; }
    [JsonPropertyName("top_k")] public int? TopK { get; init; }
    [JsonPropertyName("min_p")] public double? MinP { get; init; }
}

/// <summary>POST /v1/completions. <c>logprobs</c> here is the number of alternatives (0-5), as in the legacy API.</summary>
public sealed record CompletionRequest
{
    [JsonPropertyName("model")] public string? Model { get; init; }
    /// <summary>A string (arrays of one string are accepted too).</summary>
    [JsonPropertyName("prompt")] public JsonElement? Prompt { get; init; }
    [JsonPropertyName("suffix")] public string? Suffix { get; init; }
    [JsonPropertyName("stream")] public bool? Stream { get; init; }
    [JsonPropertyName("stream_options")] public StreamOptions? StreamOptions { get; init; }
    [JsonPropertyName("max_tokens")] public long? MaxTokens { get; init; }
    [JsonPropertyName("temperature")] public double? Temperature { get; init; }
    [JsonPropertyName("top_p")] public double? TopP { get; init; }
    [JsonPropertyName("seed")] public long? Seed { get; init; }
    [JsonPropertyName("stop")] public JsonElement? Stop { get; init; }
    [JsonPropertyName("presence_penalty")] public double? PresencePenalty { get; init; }
    [JsonPropertyName("frequency_penalty")] public double? FrequencyPenalty { get; init; }
    [JsonPropertyName("logprobs")] public int? Logprobs { get; init; }
    [JsonPropertyName("echo")] public bool? Echo { get; init; }
    [JsonPropertyName("n")] public int? N { get; init; }
    [JsonPropertyName("user")] public string? User { get; init; }
    [JsonPropertyName("num_ctx")] public int? NumCtx { get; init; }
    [JsonPropertyName("keep_alive")] public JsonElement? KeepAlive { get; init; }
    [JsonPropertyName("top_k")] public int? TopK { get; init; }
    [JsonPropertyName("min_p")] public double? MinP { get; init; }
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
