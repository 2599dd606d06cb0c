using System.Text.Json.Serialization;

namespace ModelScout.Contracts.LlamaCpp;

/// <summary>POST /tokenize. <c>model</c> is our addition: llama.cpp's server holds one model, we may hold several.</summary>
public sealed record TokenizeRequest
{
    [JsonPropertyName("model")] public string? Model { get; init; }
    [JsonPropertyName("content")] public string? Content { get; init; }
    [JsonPropertyName("add_special")] public bool? AddSpecial { get; init; }
    [JsonPropertyName("parse_special")] public bool? ParseSpecial { get; init; }
    [JsonPropertyName("with_pieces")] public bool? WithPieces { get; init; }
}

/// <summary>A token id with its text (<c>with_pieces</c>).</summary>
public sealed record TokenPiece
{
    [JsonPropertyName("id")] public int Id { get; init; }
    [JsonPropertyName("piece")] public required string Piece { get; init; }
}

/// <summary>POST /tokenize answer: ids, or pieces when <c>with_pieces</c> was set.</summary>
public sealed record TokenizeResponse
{
    [JsonPropertyName("tokens")] public IReadOnlyList<int>? Tokens { get; init; }
}

/// <summary>POST /tokenize answer with pieces.</summary>
public sealed record TokenizePiecesResponse
{
    [JsonPropertyName("tokens")] public required IReadOnlyList<TokenPiece> Tokens { get; init; }
}

/// <summary>POST /detokenize.</summary>
public sealed record DetokenizeRequest
{
    [JsonPropertyName("model")] public string? Model { get; init; }
    [JsonPropertyName("tokens")] public IReadOnlyList<int>? Tokens { get; init; }
}

/// <summary>POST /detokenize answer.</summary>
public sealed record DetokenizeResponse
{
    [JsonPropertyName("content")] public required string Content { get; init; }
}

/// <summary>GET /health.</summary>
public sealed record HealthResponse
{
    [JsonPropertyName("status")] public required string Status { get; init; }
}

/// <summary>
/// llama-server's <c>timings</c> object, which it adds to chat completions and completions (the final streamed chunk, or
/// the body): prompt and generation counts, times in milliseconds and speeds, so front ends show the speed of both
/// phases. <c>prompt_n</c> counts the prompt tokens evaluated (not those reused from the cache, which are <c>cache_n</c>).
/// </summary>
public sealed record LlamaTimings
{
    [JsonPropertyName("cache_n")] public int CacheN { get; init; }
    [JsonPropertyName("prompt_n")] public int PromptN { get; init; }
    [JsonPropertyName("prompt_ms")] public double PromptMs { get; init; }
    [JsonPropertyName("prompt_per_token_ms")] public double PromptPerTokenMs { get; init; }
    [JsonPropertyName("prompt_per_second")] public double PromptPerSecond { get; init; }
    [JsonPropertyName("predicted_n")] public int PredictedN { get; init; }
    [JsonPropertyName("predicted_ms")] public double PredictedMs { get; init; }
    [JsonPropertyName("predicted_per_token_ms")] public double PredictedPerTokenMs { get; init; }
    [JsonPropertyName("predicted_per_second")] public double PredictedPerSecond { get; init; }
}
