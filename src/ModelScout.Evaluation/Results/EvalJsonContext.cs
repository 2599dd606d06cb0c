using System.Text.Json.Serialization;

namespace ModelScout.Evaluation.Results;

/// <summary>The request as hashed and stored: what decides the answer, in a fixed order.</summary>
internal sealed record CanonicalRequest(
    IReadOnlyList<CanonicalMessage> Messages,
    int MaxTokens,
    double Temperature,
    int? Seed,
    IReadOnlyList<string>? Stop,
    int TopLogprobs,
    IReadOnlyList<EvalTool>? Tools = null);

internal sealed record CanonicalMessage(string Role, string Content);

/// <summary>Source-generated JSON for the store (Native AOT: no reflection).</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(ReproducibilityRecord))]
[JsonSerializable(typeof(CanonicalRequest))]
[JsonSerializable(typeof(Dictionary<string, double>))]
[JsonSerializable(typeof(List<List<TokenChoice>>))]
[JsonSerializable(typeof(List<EvalToolCall>))]
[JsonSerializable(typeof(QuantLossRecord))]
internal sealed partial class EvalJsonContext : JsonSerializerContext;
