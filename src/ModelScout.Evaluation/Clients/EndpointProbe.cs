using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.AI;

namespace ModelScout.Evaluation.Clients;

/// <summary>What an endpoint offers, found before a run starts.</summary>
/// <param name="Models">The ids <c>GET {base}/models</c> listed.</param>
/// <param name="Server">"modelscout" (scout serve), "ollama", "llama.cpp", or the Server header; null when nothing said.</param>
/// <param name="ServerVersion">The version the server reported, for the reproducibility record.</param>
/// <param name="MaxTopLogprobs">The largest <c>top_logprobs</c> (of 20, 5, 1) a one-token request was answered to with
/// log-probabilities; 0 when none was. Above 0, MMLU can be scored the original way (next-token letter probabilities).</param>
/// <param name="ModelDigest">The model's digest as "sha256:hex" from an Ollama-style API: the GGUF blob the Modelfile of
/// <c>/api/show</c> names, else the digest <c>/api/tags</c> lists; null when the server has neither (hosted APIs).</param>
/// <param name="Quantization">The <c>quantization_level</c> of <c>/api/tags</c> or <c>/api/show</c>, e.g. Q4_K_M; null when unknown.</param>
/// <param name="ModelPath">The <c>model_path</c> llama.cpp's <c>/props</c> reported; null elsewhere.</param>
/// <param name="ListedRoot">The model's <c>root</c> in <c>/v1/models</c> (vLLM: the checkpoint it loaded, e.g. a Hugging Face id or path); null when not listed.</param>
/// <param name="MaxModelLen">The model's <c>max_model_len</c> in <c>/v1/models</c> (vLLM); null when not listed.</param>
public sealed record EndpointInfo(
    Uri BaseUri,
    string Model,
    IReadOnlyList<string> Models,
    string? Server,
    string? ServerVersion,
    int MaxTopLogprobs,
    string? ModelDigest = null,
    string? Quantization = null,
    string? ModelPath = null,
    string? ListedRoot = null,
    long? MaxModelLen = null)
{
    /// <summary>The endpoint returned log-probabilities to the probe.</summary>
    public bool LogprobsSupported => MaxTopLogprobs > 0;
}

/// <summary>
/// Checks an OpenAI-compatible endpoint: the model exists, which server and version, which model file and quantization
/// (where the server says), and how many logprob alternatives it returns.
/// </summary>
public static class EndpointProbe
{
    /// <summary>The <c>top_logprobs</c> values tried in turn: OpenAI's and vLLM's default cap first, then smaller caps some servers set.</summary>
    public static IReadOnlyList<int> TopLogprobsTried { get; } = [20, 5, 1];

    /// <summary>How the probe labels scout serve (its <c>/api/version</c> says <c>"server": "modelscout"</c>).</summary>
    public const string ModelScoutServer = "modelscout";

    /// <summary>
    /// Probes <paramref name="baseUri"/> (e.g. <c>http://localhost:11434/v1</c>). Throws <see cref="EndpointException"/>
    /// when the endpoint cannot be reached or does not serve <paramref name="model"/> (listing the ids it does serve).
    /// </summary>
    public static async Task<EndpointInfo> ProbeAsync(Uri baseUri, string model, string? apiKey, HttpClient http, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(baseUri);
        ArgumentException.ThrowIfNullOrWhiteSpace(model);
        ArgumentNullException.ThrowIfNull(http);
        var (models, serverHeader, entries) = await ModelsAsync(baseUri, apiKey, http, cancellationToken).ConfigureAwait(false);
        // Some servers (llama.cpp with one model) answer to any name; only an explicit list that lacks it is an error.
        // Ollama-style servers list "name:latest" but answer to "name" as well.
        if (models.Count > 0 && !models.Any(m => Matches(m, model)))
            throw new EndpointException($"{baseUri} does not serve model '{model}'; it serves: {string.Join(", ", models)}. Pass one of these to --model") { NotFound = true };
        var (server, version, modelPath) = await VersionAsync(baseUri, apiKey, http, cancellationToken).ConfigureAwait(false);
        server ??= serverHeader;
        var (digest, quantization) = await IdentityAsync(baseUri, model, apiKey, http, cancellationToken).ConfigureAwait(false);
        using var client = new OpenAIEndpointChatClient(baseUri, model, apiKey, http);
        var topLogprobs = await MaxTopLogprobsAsync(client, cancellationToken).ConfigureAwait(false);
        var listed = entries.FirstOrDefault(e => Text(e, "id") is { } id && Matches(id, model));
        var root = listed.ValueKind == JsonValueKind.Object ? Text(listed, "root") : null;
        long? maxLen = listed.ValueKind == JsonValueKind.Object && listed.TryGetProperty("max_model_len", out var len) && len.TryGetInt64(out var l) ? l : null;
        return new EndpointInfo(baseUri, model, models, server, version, topLogprobs, digest, quantization, modelPath, root, maxLen);
    }

    private static async Task<(List<string> Models, string? Server, List<JsonElement> Entries)> ModelsAsync(Uri baseUri, string? apiKey, HttpClient http, CancellationToken ct)
    {
        var uri = OpenAIEndpointChatClient.Combine(baseUri, "models");
        using var request = Request(HttpMethod.Get, uri, apiKey);
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
            var entries = new List<JsonElement>();
            try
            {
                using var doc = JsonDocument.Parse(body);
                if (doc.RootElement.TryGetProperty("data", out var data) && data.ValueKind == JsonValueKind.Array)
                    foreach (var m in data.EnumerateArray())
                    {
                        if (m.ValueKind != JsonValueKind.Object) continue;
                        if (m.TryGetProperty("id", out var id) && id.ValueKind == JsonValueKind.String && id.GetString() is { } s) ids.Add(s);
                        entries.Add(m.Clone());
                    }
            }
            catch (JsonException e)
            {
                throw new EndpointException($"{uri} is not an OpenAI-compatible model list ({e.Message}); is the URL the API base (e.g. http://host:11434/v1)?", inner: e);
            }
            var server = response.Headers.Server.Count > 0 ? response.Headers.Server.ToString() : null;
            return (ids, server, entries);
        }
    }

    // Ollama: GET /api/version; llama.cpp: GET /props (build_info, model_path). Neither is required: hosted APIs offer neither.
    // scout serve answers /api/version as Ollama does (version = the Ollama API level it follows) and adds
    // "server": "modelscout" with its own version in "modelscout_version".
    private static async Task<(string? Server, string? Version, string? ModelPath)> VersionAsync(Uri baseUri, string? apiKey, HttpClient http, CancellationToken ct)
    {
        var root = Root(baseUri);
        if (await GetJsonAsync(new Uri(root, "api/version"), apiKey, http, ct).ConfigureAwait(false) is { } v
            && Text(v, "version") is { } ver)
        {
            return string.Equals(Text(v, "server"), ModelScoutServer, StringComparison.OrdinalIgnoreCase)
                ? (ModelScoutServer, Text(v, "modelscout_version") ?? ver, null)
                : ("ollama", ver, null);
        }
        if (await GetJsonAsync(new Uri(root, "props"), apiKey, http, ct).ConfigureAwait(false) is { } p)
            return ("llama.cpp", Text(p, "build_info"), Text(p, "model_path"));
        return (null, null, null);
    }

    // Ollama's native API (and scout serve's) names the model behind an id: /api/tags gives the quantization and a
    // digest, /api/show's Modelfile names the GGUF blob ("FROM .../blobs/sha256-<hex>"), whose digest is the file's own.
    // A server without /api/tags (hosted APIs, vLLM, llama.cpp) leaves both unknown rather than guessed.
    private static async Task<(string? Digest, string? Quantization)> IdentityAsync(Uri baseUri, string model, string? apiKey, HttpClient http, CancellationToken ct)
    {
        var root = Root(baseUri);
        if (await GetJsonAsync(new Uri(root, "api/tags"), apiKey, http, ct).ConfigureAwait(false) is not { } tags) return (null, null);
        string? listedDigest = null, quantization = null, name = model;
        if (tags.TryGetProperty("models", out var list) && list.ValueKind == JsonValueKind.Array
            && list.EnumerateArray().FirstOrDefault(m => Names(m, model)) is { ValueKind: JsonValueKind.Object } entry)
        {
            name = Text(entry, "name") ?? model;
            listedDigest = Digest(Text(entry, "digest"));
            quantization = Quantization(entry);
        }
        string? fileDigest = null;
        var body = new JsonObject { ["model"] = name }.ToJsonString();
        if (await PostJsonAsync(new Uri(root, "api/show"), body, apiKey, http, ct).ConfigureAwait(false) is { } show)
        {
            fileDigest = BlobDigest(Text(show, "modelfile"));
            quantization ??= Quantization(show);
        }
        return (fileDigest ?? listedDigest, quantization);
    }

    // The probe's rule for ids: exact, or "name" for "name:latest".
    private static bool Names(JsonElement entry, string model) =>
        entry.ValueKind == JsonValueKind.Object && ((Text(entry, "name") is { } n && Matches(n, model)) || (Text(entry, "model") is { } m && Matches(m, model)));

    private static bool Matches(string listed, string model) =>
        string.Equals(listed, model, StringComparison.Ordinal)
        || (!model.Contains(':', StringComparison.Ordinal) && string.Equals(listed, model + ":latest", StringComparison.Ordinal));

    private static string? Quantization(JsonElement e) =>
        e.TryGetProperty("details", out var d) && d.ValueKind == JsonValueKind.Object && Text(d, "quantization_level") is { Length: > 0 } q ? q : null;

    /// <summary>"sha256:hex" for a bare 64-digit hex digest (as /api/tags writes it); other forms as given; null for empty.</summary>
    internal static string? Digest(string? digest)
    {
        if (string.IsNullOrWhiteSpace(digest)) return null;
        var d = digest.Trim();
        return d.Length == 64 && d.All(char.IsAsciiHexDigit) ? "sha256:" + d.ToLowerInvariant() : d;
    }

    /// <summary>The digest in a Modelfile's FROM line when it names a content-addressed blob (<c>.../sha256-hex</c>); else null.</summary>
    internal static string? BlobDigest(string? modelfile)
    {
        if (string.IsNullOrEmpty(modelfile)) return null;
        foreach (var raw in modelfile.Split('\n'))
        {
            var line = raw.Trim();
            if (!line.StartsWith("FROM ", StringComparison.OrdinalIgnoreCase)) continue;
            var file = line[5..].Trim().Trim('"');
            var cut = Math.Max(file.LastIndexOf('/'), file.LastIndexOf('\\'));
            file = file[(cut + 1)..];
            if (file.Length == 71 && (file.StartsWith("sha256-", StringComparison.Ordinal) || file.StartsWith("sha256:", StringComparison.Ordinal))
                && file[7..].All(char.IsAsciiHexDigit))
                return "sha256:" + file[7..].ToLowerInvariant();
            return null;
        }
        return null;
    }

    private static string? Text(JsonElement e, string property) =>
        e.TryGetProperty(property, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    /// <summary>The server root: the base without its trailing <c>/v1</c>.</summary>
    internal static Uri Root(Uri baseUri)
    {
        var s = baseUri.ToString().TrimEnd('/');
        if (s.EndsWith("/v1", StringComparison.OrdinalIgnoreCase)) s = s[..^3];
        return new Uri(s + "/");
    }

    private static async Task<JsonElement?> GetJsonAsync(Uri uri, string? apiKey, HttpClient http, CancellationToken ct)
    {
        using var request = Request(HttpMethod.Get, uri, apiKey);
        return await JsonObjectAsync(request, http, ct).ConfigureAwait(false);
    }

    private static async Task<JsonElement?> PostJsonAsync(Uri uri, string body, string? apiKey, HttpClient http, CancellationToken ct)
    {
        using var request = Request(HttpMethod.Post, uri, apiKey);
        request.Content = new StringContent(body, System.Text.Encoding.UTF8, "application/json");
        return await JsonObjectAsync(request, http, ct).ConfigureAwait(false);
    }

    // Optional facts: any failure (404, not JSON, not an object) means the server does not offer them.
    private static async Task<JsonElement?> JsonObjectAsync(HttpRequestMessage request, HttpClient http, CancellationToken ct)
    {
        try
        {
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

    // Asks for 20 alternatives, then fewer while the server rejects the number outright (a non-transient 4xx):
    // OpenAI and vLLM cap top_logprobs at 20 by default, some servers lower. A server that answers without logprobs
    // ignores the field, and asking for fewer would not change that.
    private static async Task<int> MaxTopLogprobsAsync(OpenAIEndpointChatClient client, CancellationToken ct)
    {
        foreach (var top in TopLogprobsTried)
        {
            var options = new ChatOptions { MaxOutputTokens = 1, Temperature = 0, AdditionalProperties = new() { [ModelReplies.TopLogprobsKey] = top } };
            try
            {
                var response = await client.GetResponseAsync([new ChatMessage(ChatRole.User, "Say A.")], options, ct).ConfigureAwait(false);
                return ModelReplies.From(response, TimeSpan.Zero).Logprobs is { Count: > 0 } lp && lp[0].Count > 0 ? top : 0;
            }
            catch (EndpointException e) when (!e.Transient)
            {
                // Rejected: too many alternatives, or no logprobs at all; the next, smaller number tells which.
            }
        }
        return 0;
    }

    private static HttpRequestMessage Request(HttpMethod method, Uri uri, string? apiKey)
    {
        var request = new HttpRequestMessage(method, uri);
        if (!string.IsNullOrEmpty(apiKey)) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
        return request;
    }
}
