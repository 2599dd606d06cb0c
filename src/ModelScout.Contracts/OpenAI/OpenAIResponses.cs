using System.Text.Json;
using System.Text.Json.Serialization;

namespace ModelScout.Contracts.OpenAI;

/// <summary>Token counts.</summary>
public sealed record Usage
{
    [JsonPropertyName("prompt_tokens")] public int PromptTokens { get; init; }
    [JsonPropertyName("completion_tokens")] public int CompletionTokens { get; init; }
    [JsonPropertyName("total_tokens")] public int TotalTokens { get; init; }
}

/// <summary>
/// The assistant's message in a non-streamed chat completion. <c>content</c> is always written: null when the reply is
/// only tool calls, as OpenAI writes it.
/// </summary>
public sealed record ChatMessageOut
{
    [JsonPropertyName("role")] public string? Role { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    [JsonPropertyName("content")] public string? Content { get; init; }
    /// <summary>The reasoning before the answer (DeepSeek's and llama-server's field); left out when there is none.</summary>
    [JsonPropertyName("reasoning_content")] public string? ReasoningContent { get; init; }
    [JsonPropertyName("tool_calls")] public IReadOnlyList<OpenAIToolCall>? ToolCalls { get; init; }
}

/// <summary>What one chunk of a streamed chat completion adds to its choice; fields left out add nothing.</summary>
public sealed record ChatDelta
{
    [JsonPropertyName("role")] public string? Role { get; init; }
    [JsonPropertyName("content")] public string? Content { get; init; }
    [JsonPropertyName("reasoning_content")] public string? ReasoningContent { get; init; }
    [JsonPropertyName("tool_calls")] public IReadOnlyList<OpenAIToolCall>? ToolCalls { get; init; }
}

/// <summary>
/// A tool call: <c>{id, type: "function", function: {name, arguments}}</c>. In a streamed delta <c>index</c> says which
/// call a piece belongs to; the first piece of a call carries id, type and name, the later ones only arguments.
/// </summary>
public sealed record OpenAIToolCall
{
    [JsonPropertyName("index")] public int? Index { get; init; }
    [JsonPropertyName("id")] public string? Id { get; init; }
    [JsonPropertyName("type")] public string? Type { get; init; }
    [JsonPropertyName("function")] public required OpenAIFunctionCall Function { get; init; }
}

/// <summary>The function of a tool call; <c>arguments</c> is a JSON object encoded as a string (or a piece of one).</summary>
public sealed record OpenAIFunctionCall
{
    [JsonPropertyName("name")] public string? Name { get; init; }
    /// <summary>A JSON string as OpenAI sends it; a server that sends an object instead is read as that object's text.</summary>
    [JsonPropertyName("arguments"), JsonConverter(typeof(JsonTextConverter))] public string? Arguments { get; init; }
}

/// <summary>Reads a string as itself and any other JSON value as its raw text; writes a string.</summary>
public sealed class JsonTextConverter : JsonConverter<string?>
{
    public override bool HandleNull => true;

    public override string? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType == JsonTokenType.Null) return null;
        if (reader.TokenType == JsonTokenType.String) return reader.GetString();
        using var doc = JsonDocument.ParseValue(ref reader);
        return doc.RootElement.GetRawText();
    }

    public override void Write(Utf8JsonWriter writer, string? value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        if (value is null) writer.WriteNullValue();
        else writer.WriteStringValue(value);
    }
}

/// <summary>One alternative token: text, log-probability and UTF-8 bytes.</summary>
public sealed record TopLogprob
{
    [JsonPropertyName("token")] public required string Token { get; init; }
    [JsonPropertyName("logprob")] public double Logprob { get; init; }
    [JsonPropertyName("bytes")] public IReadOnlyList<int>? Bytes { get; init; }
}

/// <summary>A chosen token with its alternatives (chat <c>logprobs.content[]</c>).</summary>
public sealed record TokenLogprobOut
{
    [JsonPropertyName("token")] public required string Token { get; init; }
    [JsonPropertyName("logprob")] public double Logprob { get; init; }
    [JsonPropertyName("bytes")] public IReadOnlyList<int>? Bytes { get; init; }
    [JsonPropertyName("top_logprobs")] public IReadOnlyList<TopLogprob> TopLogprobs { get; init; } = [];
}

/// <summary>Chat <c>logprobs</c>.</summary>
public sealed record ChatLogprobs
{
    [JsonPropertyName("content")] public required IReadOnlyList<TokenLogprobOut> Content { get; init; }
}

/// <summary>Legacy completion <c>logprobs</c>: parallel arrays, one entry per token.</summary>
public sealed record CompletionLogprobs
{
    [JsonPropertyName("tokens")] public required IReadOnlyList<string> Tokens { get; init; }
    [JsonPropertyName("token_logprobs")] public required IReadOnlyList<double> TokenLogprobs { get; init; }
    [JsonPropertyName("top_logprobs")] public required IReadOnlyList<IReadOnlyDictionary<string, double>> TopLogprobs { get; init; }
    [JsonPropertyName("text_offset")] public required IReadOnlyList<int> TextOffset { get; init; }
}

/// <summary>
/// What every choice carries besides its content: the index, the log-probabilities and the finish reason, the last two
/// written as null rather than left out, as OpenAI does. Each kind of choice puts its content second.
/// </summary>
public abstract record OpenAIChoice<TLogprobs> where TLogprobs : class
{
    [JsonPropertyName("index"), JsonPropertyOrder(1)] public int Index { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    [JsonPropertyName("logprobs"), JsonPropertyOrder(3)] public TLogprobs? Logprobs { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    [JsonPropertyName("finish_reason"), JsonPropertyOrder(4)] public string? FinishReason { get; init; }
}

/// <summary>One choice of a non-streamed chat completion.</summary>
public sealed record ChatChoice : OpenAIChoice<ChatLogprobs>
{
    [JsonPropertyName("message"), JsonPropertyOrder(2)] public required ChatMessageOut Message { get; init; }
}

/// <summary>One choice of a streamed chat chunk.</summary>
public sealed record ChatChunkChoice : OpenAIChoice<ChatLogprobs>
{
    [JsonPropertyName("delta"), JsonPropertyOrder(2)] public required ChatDelta Delta { get; init; }
}

/// <summary>One choice of a completion (streamed or not).</summary>
public sealed record CompletionChoice : OpenAIChoice<CompletionLogprobs>
{
    [JsonPropertyName("text"), JsonPropertyOrder(2)] public required string Text { get; init; }
}

/// <summary>
/// The object chat completions, their streamed chunks and legacy completions share; each names its <c>object</c> type
/// and its choice.
/// </summary>
public abstract record OpenAICompletionObject<TChoice>
{
    /// <summary>Sets the <c>object</c> field's value for this kind of answer.</summary>
    protected OpenAICompletionObject(string objectType) => ObjectType = objectType;

    [JsonPropertyName("id")] public required string Id { get; init; }
    [JsonPropertyName("object")] public string ObjectType { get; init; }
    [JsonPropertyName("created")] public long Created { get; init; }
    [JsonPropertyName("model")] public required string Model { get; init; }
    [JsonPropertyName("system_fingerprint")] public string? SystemFingerprint { get; init; }
    [JsonPropertyName("choices")] public required IReadOnlyList<TChoice> Choices { get; init; }
    [JsonPropertyName("usage")] public Usage? Usage { get; init; }

    /// <summary>llama-server's speed figures: on the body, or on each choice's finish chunk when streaming (our extension to OpenAI's shape).</summary>
    [JsonPropertyName("timings")] public ModelScout.Contracts.LlamaCpp.LlamaTimings? Timings { get; init; }
}

/// <summary>A non-streamed chat completion.</summary>
public sealed record ChatCompletion() : OpenAICompletionObject<ChatChoice>("chat.completion");

/// <summary>One SSE event of a streamed chat completion.</summary>
public sealed record ChatCompletionChunk() : OpenAICompletionObject<ChatChunkChoice>("chat.completion.chunk");

/// <summary>A completion, or one SSE event of a streamed one (same object type, as OpenAI sends).</summary>
public sealed record Completion() : OpenAICompletionObject<CompletionChoice>("text_completion");

/// <summary>One vector: a float array, or a base64 string of little-endian float32 values.</summary>
public sealed record EmbeddingItem
{
    [JsonPropertyName("object")] public string ObjectType { get; init; } = "embedding";
    [JsonPropertyName("index")] public int Index { get; init; }
    [JsonPropertyName("embedding")] public required JsonElement Embedding { get; init; }
}

/// <summary>Token counts of an embedding request.</summary>
public sealed record EmbeddingUsage
{
    [JsonPropertyName("prompt_tokens")] public int PromptTokens { get; init; }
    [JsonPropertyName("total_tokens")] public int TotalTokens { get; init; }
}

/// <summary>POST /v1/embeddings answer.</summary>
public sealed record EmbeddingList
{
    [JsonPropertyName("object")] public string ObjectType { get; init; } = "list";
    [JsonPropertyName("data")] public required IReadOnlyList<EmbeddingItem> Data { get; init; }
    [JsonPropertyName("model")] public required string Model { get; init; }
    [JsonPropertyName("usage")] public required EmbeddingUsage Usage { get; init; }
}

/// <summary>One model of /v1/models.</summary>
public sealed record OpenAIModel
{
    [JsonPropertyName("id")] public required string Id { get; init; }
    [JsonPropertyName("object")] public string ObjectType { get; init; } = "model";
    [JsonPropertyName("created")] public long Created { get; init; }
    [JsonPropertyName("owned_by")] public required string OwnedBy { get; init; }
    /// <summary>vLLM's field, read by its benchmark tools.</summary>
    [JsonPropertyName("root")] public string? Root { get; init; }
}

/// <summary>GET /v1/models.</summary>
public sealed record OpenAIModelList
{
    [JsonPropertyName("object")] public string ObjectType { get; init; } = "list";
    [JsonPropertyName("data")] public required IReadOnlyList<OpenAIModel> Data { get; init; }
}

/// <summary>The inner error object.</summary>
public sealed record OpenAIErrorBody
{
    [JsonPropertyName("message")] public required string Message { get; init; }
    [JsonPropertyName("type")] public required string Type { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    [JsonPropertyName("param")] public string? Param { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    [JsonPropertyName("code")] public string? Code { get; init; }
}

/// <summary>OpenAI's error body: <c>{"error":{"message","type","param","code"}}</c>.</summary>
public sealed record OpenAIError
{
    [JsonPropertyName("error")] public required OpenAIErrorBody Error { get; init; }
}
