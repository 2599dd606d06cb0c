using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.Extensions.AI;

namespace ModelScout.Evaluation.Clients;

/// <summary>What an endpoint offers, found before a run starts.</summary>
/// <param name="Models">The ids <c>GET {base}/models</c> listed.</param>
/// <param name="Server">"ollama", "llama.cpp", or the Server header; null when nothing said.</param>
/// <param name="ServerVersion">The version the server reported, for the reproducibility record.</param>
/// <param name="LogprobsSupported">A one-token request with <c>top_logprobs: 5</c> came back with log-probabilities:
/// MMLU can be scored the original way (next-token letter probabilities).</param>
public sealed record EndpointInfo(Uri BaseUri, string Model, IReadOnlyList<string> Models, string? Server, string? ServerVersion, bool LogprobsSupported);

/// <summary>Checks an OpenAI-compatible endpoint: the model exists, which server and version, whether logprobs work.</summary>
public static class EndpointProbe
{
    /// <summary>
    /// Probes <paramref name="baseUri"/> (e.g. <c>http://localhost:11434/v1</c>). Throws <see cref="EndpointException"/>
    /// when the endpoint cannot be reached or does not serve <paramref name="model"/> (listing the ids it does serve).
    /// </summary>
    public static async Task<EndpointInfo> ProbeAsync(Uri baseUri, string model, string? apiKey, HttpClient http, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(baseUri);
        ArgumentException.ThrowIfNullOrWhiteSpace(model);
        ArgumentNullException.ThrowIfNull(http);
        var (models, serverHeader) = await ModelsAsync(baseUri, apiKey, http, cancellationToken).ConfigureAwait(false);
        // Some servers (llama.cpp with one model) answer to any name; only an explicit list that lacks it is an error.
        // Ollama-style servers list "name:latest" but answer to "name" as well.
        if (models.Count > 0 && !models.Contains(model, StringComparer.Ordinal) && !(!model.Contains(':', StringComparison.Ordinal) && models.Contains(model + ":latest", StringComparer.Ordinal)))
            throw new EndpointException($"{baseUri} does not serve model '{model}'; it serves: {string.Join(", ", models)}. Pass one of these to --model");
        var (server, version) = await VersionAsync(baseUri, apiKey, http, cancellationToken).ConfigureAwait(false);
        server ??= serverHeader;
        using var client = new OpenAIEndpointChatClient(baseUri, model, apiKey, http);
        var logprobs = await LogprobsWorkAsync(client, cancellationToken).ConfigureAwait(false);
        return new EndpointInfo(baseUri, model, models, server, version, logprobs);
    }

    private static async Task<(List<string> Models, string? Server)> ModelsAsync(Uri baseUri, string? apiKey, HttpClient http, CancellationToken ct)
    {
        var uri = OpenAIEndpointChatClient.Combine(baseUri, "models");
        using var request = Get(uri, apiKey);
        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(request, ct).ConfigureAwait(false);
        }
        catch (HttpRequestException e)
        {
            throw new EndpointException($"could not reach {uri}: {e.Message}; is the server running and is the URL right (it should end in /v1)?", transient: true, inner: e);
        }
        using (response)
        {
            var body = await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
                throw new EndpointException($"{uri} answered {(int)response.StatusCode}: {OpenAIEndpointChatClient.ErrorMessage(body)}" +
                    ((int)response.StatusCode is 401 or 403 ? "; check --api-key" : ""), response.StatusCode, EndpointException.IsTransient(response.StatusCode));
            var ids = new List<string>();
            try
            {
                using var doc = JsonDocument.Parse(body);
                if (doc.RootElement.TryGetProperty("data", out var data) && data.ValueKind == JsonValueKind.Array)
                    foreach (var m in data.EnumerateArray())
                        if (m.TryGetProperty("id", out var id) && id.GetString() is { } s) ids.Add(s);
            }
            catch (JsonException e)
            {
                throw new EndpointException($"{uri} is not an OpenAI-compatible model list ({e.Message}); is the URL the API base (e.g. http://host:11434/v1)?", inner: e);
            }
            var server = response.Headers.Server.Count > 0 ? response.Headers.Server.ToString() : null;
            return (ids, server);
        }
    }

    // Ollama: GET /api/version; llama.cpp: GET /props (build_info). Neither is required: hosted APIs offer neither.
    private static async Task<(string? Server, string? Version)> VersionAsync(Uri baseUri, string? apiKey, HttpClient http, CancellationToken ct)
    {
        var root = Root(baseUri);
        if (await GetJsonAsync(new Uri(root, "api/version"), apiKey, http, ct).ConfigureAwait(false) is { } v
            && v.TryGetProperty("version", out var ver) && ver.ValueKind == JsonValueKind.String)
            return ("ollama", ver.GetString());
        if (await GetJsonAsync(new Uri(root, "props"), apiKey, http, ct).ConfigureAwait(false) is { } p)
            return ("llama.cpp", p.TryGetProperty("build_info", out var b) && b.ValueKind == JsonValueKind.String ? b.GetString() : null);
        return (null, null);
    }

    /// <summary>The server root: the base without its trailing <c>/v1</c>.</summary>
    internal static Uri Root(Uri baseUri)
    {
        var s = baseUri.ToString().TrimEnd('/');
        if (s.EndsWith("/v1", StringComparison.OrdinalIgnoreCase)) s = s[..^3];
        return new Uri(s + "/");
    }

    private static async Task<JsonElement?> GetJsonAsync(Uri uri, string? apiKey, HttpClient http, CancellationToken ct)
    {
        try
        {
            using var request = Get(uri, apiKey);
            using var response = await http.SendAsync(request, ct).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode) return null;
            var body = await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false);
            using var doc = JsonDocument.Parse(body);
            return doc.RootElement.ValueKind == JsonValueKind.Object ? doc.RootElement.Clone() : null;
        }
        catch (Exception e) when (e is HttpRequestException or JsonException)
        {
            return null;
        }
    }

    private static async Task<bool> LogprobsWorkAsync(OpenAIEndpointChatClient client, CancellationToken ct)
    {
        var options = new ChatOptions { MaxOutputTokens = 1, Temperature = 0, AdditionalProperties = new() { [ModelReplies.TopLogprobsKey] = 5 } };
        try
        {
            var response = await client.GetResponseAsync([new ChatMessage(ChatRole.User, "Say A.")], options, ct).ConfigureAwait(false);
            return ModelReplies.From(response, TimeSpan.Zero).Logprobs is { Count: > 0 } lp && lp[0].Count > 0;
        }
        catch (EndpointException e) when (!e.Transient)
        {
            // A server that rejects the logprobs fields outright does not offer them.
            return false;
        }
    }

    private static HttpRequestMessage Get(Uri uri, string? apiKey)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, uri);
        if (!string.IsNullOrEmpty(apiKey)) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
        return request;
    }
}
