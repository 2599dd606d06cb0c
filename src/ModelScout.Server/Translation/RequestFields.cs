using System.Text;
using System.Text.Json;

namespace ModelScout.Server.Translation;

/// <summary>
/// Fields both APIs carry in the same form (the model name, string-or-array inputs, top_logprobs, embedding dimensions)
/// and how each is read or checked. A value the server cannot honour is an <see cref="ApiException"/> naming the field.
/// </summary>
public static class RequestFields
{
    /// <summary>The most alternatives per token either API returns.</summary>
    public const int MaxTopLogprobs = 20;

    /// <summary>The model name; a missing one is a 400 saying how to find names.</summary>
    public static string RequireModel(string? model) =>
        string.IsNullOrWhiteSpace(model) ? throw ApiProblem.Missing("model", "name a model, for example \"llama3.1:8b\" (GET /api/tags or /v1/models lists them)") : model;

    /// <summary>A string or an array of strings; absent or null = no inputs.</summary>
    public static IReadOnlyList<string> Inputs(JsonElement? input, string field)
    {
        if (input is not { } e) return [];
        switch (e.ValueKind)
        {
            case JsonValueKind.Undefined or JsonValueKind.Null: return [];
            case JsonValueKind.String: return e.GetString() is { Length: > 0 } s ? [s] : [];
            case JsonValueKind.Array:
                var list = new List<string>();
                foreach (var item in e.EnumerateArray())
                {
                    if (item.ValueKind != JsonValueKind.String)
                        throw ApiProblem.Invalid(field, $"{field} must be a string or an array of strings; token-id arrays are not supported");
                    list.Add(item.GetString()!);
                }
                return list;
            default:
                throw ApiProblem.Invalid(field, $"{field} must be a string or an array of strings");
        }
    }

    /// <summary>top_logprobs: absent = 0, else 0 to <see cref="MaxTopLogprobs"/>.</summary>
    public static int TopLogprobs(int? top) => top switch
    {
        null => 0,
        < 0 or > MaxTopLogprobs => throw ApiProblem.Invalid("top_logprobs", $"top_logprobs must be between 0 and {MaxTopLogprobs}, got {top}"),
        _ => top.Value,
    };

    /// <summary>A token's text as the UTF-8 byte values both APIs list beside its log-probability.</summary>
    public static IReadOnlyList<int> Utf8Bytes(string text) => [.. Encoding.UTF8.GetBytes(text).Select(b => (int)b)];

    /// <summary>
    /// Keeps the first <paramref name="dimensions"/> values of each vector (Matryoshka-style) and scales it back to unit
    /// length when the vectors were normalised.
    /// </summary>
    public static IReadOnlyList<float[]> CutVectors(IReadOnlyList<float[]> vectors, int? dimensions, bool normalize)
    {
        ArgumentNullException.ThrowIfNull(vectors);
        if (dimensions is not { } d) return vectors;
        var result = new List<float[]>(vectors.Count);
        foreach (var v in vectors)
        {
            if (d > v.Length) throw ApiProblem.Invalid("dimensions", $"dimensions {d} is more than the model's embedding length {v.Length}");
            var cut = v[..d];
            if (normalize)
            {
                var norm = Math.Sqrt(cut.Sum(x => (double)x * x));
                if (norm > 0) for (var i = 0; i < cut.Length; i++) cut[i] = (float)(cut[i] / norm);
            }
            result.Add(cut);
        }
        return result;
    }
}
