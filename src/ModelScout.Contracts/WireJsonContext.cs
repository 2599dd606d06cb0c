using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using ModelScout.Contracts.LlamaCpp;
using ModelScout.Contracts.Ollama;
using ModelScout.Contracts.OpenAI;

namespace ModelScout.Contracts;

/// <summary>
/// Source-generated serialization for every wire record. Unknown request fields are ignored; absent and null fields read
/// as null; nulls are left out of responses except where the wire keeps them (OpenAI's <c>finish_reason</c>, <c>param</c>).
/// </summary>
[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(GenerateRequest))]
[JsonSerializable(typeof(ChatRequest))]
[JsonSerializable(typeof(EmbedRequest))]
[JsonSerializable(typeof(EmbeddingsRequest))]
[JsonSerializable(typeof(ModelNameRequest))]
[JsonSerializable(typeof(PullRequest))]
[JsonSerializable(typeof(CopyRequest))]
[JsonSerializable(typeof(CreateRequest))]
[JsonSerializable(typeof(GenerateResponse))]
[JsonSerializable(typeof(ChatResponse))]
[JsonSerializable(typeof(EmbedResponse))]
[JsonSerializable(typeof(EmbeddingsResponse))]
[JsonSerializable(typeof(ModelListResponse))]
[JsonSerializable(typeof(ShowResponse))]
[JsonSerializable(typeof(ProgressResponse))]
[JsonSerializable(typeof(VersionResponse))]
[JsonSerializable(typeof(OllamaError))]
[JsonSerializable(typeof(ChatCompletionRequest))]
[JsonSerializable(typeof(CompletionRequest))]
[JsonSerializable(typeof(OpenAIEmbeddingRequest))]
[JsonSerializable(typeof(ChatCompletion))]
[JsonSerializable(typeof(ChatCompletionChunk))]
[JsonSerializable(typeof(Completion))]
[JsonSerializable(typeof(EmbeddingList))]
[JsonSerializable(typeof(OpenAIModel))]
[JsonSerializable(typeof(OpenAIModelList))]
[JsonSerializable(typeof(OpenAIError))]
[JsonSerializable(typeof(TokenizeRequest))]
[JsonSerializable(typeof(TokenizeResponse))]
[JsonSerializable(typeof(TokenizePiecesResponse))]
[JsonSerializable(typeof(DetokenizeRequest))]
[JsonSerializable(typeof(DetokenizeResponse))]
[JsonSerializable(typeof(HealthResponse))]
[JsonSerializable(typeof(float[]))]
[JsonSerializable(typeof(string))]
public sealed partial class WireJsonContext : JsonSerializerContext;

/// <summary>The wire context with the escaping servers use on the wire.</summary>
public sealed partial class WireJsonContext
{
    /// <summary>
    /// Like <see cref="JsonSerializerContext"/>'s Default, but non-ASCII text and characters such as '+' are written as
    /// they are instead of as \uXXXX escapes, as Ollama's and OpenAI's servers write them. Safe because these bodies are
    /// JSON documents, never embedded in HTML.
    /// </summary>
    public static WireJsonContext Wire { get; } = new(new JsonSerializerOptions
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    });
}
