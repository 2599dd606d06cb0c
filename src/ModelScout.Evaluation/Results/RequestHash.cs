using System.Text.Json;

namespace ModelScout.Evaluation.Results;

/// <summary>The canonical JSON of a <see cref="ModelRequest"/> and its SHA-256, the key a cached reply is matched on.</summary>
public static class RequestHash
{
    /// <summary>
    /// Messages (role, text), max tokens, temperature, seed, stop, top logprobs and the tools offered as compact JSON. A
    /// request without tools writes no tools field, so its hash is what it was before tools existed.
    /// </summary>
    public static string CanonicalJson(ModelRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var canonical = new CanonicalRequest(
            [.. request.Messages.Select(m => new CanonicalMessage(m.Role.Value, m.Text))],
            request.MaxTokens, request.Temperature, request.Seed, request.Stop, request.TopLogprobs,
            request.Tools is { Count: > 0 } tools ? tools : null);
        return JsonSerializer.Serialize(canonical, EvalJsonContext.Default.CanonicalRequest);
    }

    /// <summary>Lower-case hex SHA-256 of <paramref name="canonicalJson"/>'s UTF-8 bytes.</summary>
    public static string Of(string canonicalJson) => ContentHash.Hex(canonicalJson);
}
