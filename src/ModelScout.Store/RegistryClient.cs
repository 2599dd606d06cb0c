using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using ModelScout.Gguf;

namespace ModelScout.Store;

/// <summary>
/// Pulls into the store: a name from an Ollama-compatible registry (manifest, then every layer it lists), or a GGUF from
/// a direct URL (validated before it becomes a blob). Downloads resume, retry and verify (<see cref="BlobDownload"/>);
/// the manifest is written last, so a model exists only once all its blobs do.
/// </summary>
internal sealed class RegistryClient(BlobStore blobs, ManifestStore manifests, HttpClient? http)
{
    private static readonly Lazy<HttpClient> SharedHttp = new(CreateHttpClient);

    private readonly HttpClient http = http ?? SharedHttp.Value;

    /// <summary>Ollama's public registry.</summary>
    public static Uri DefaultRegistry { get; } = new("https://registry.ollama.ai/");

    public TransferSettings Transfer { get; set; } = new();

    private static HttpClient CreateHttpClient() => new(new SocketsHttpHandler
    {
        ConnectTimeout = TimeSpan.FromSeconds(30),
        AllowAutoRedirect = true,
        MaxAutomaticRedirections = 10,
        PooledConnectionIdleTimeout = TimeSpan.FromMinutes(1),
    })
    {
        // Whole-request timeouts would kill a multi-gigabyte download; each download enforces a stall timeout instead.
        Timeout = Timeout.InfiniteTimeSpan,
    };

    public async Task<StoredModel> PullAsync(string nameOrUrl, PullOptions? options, IProgress<PullProgress>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(nameOrUrl);
        options ??= new PullOptions();
        var text = nameOrUrl.Trim();
        if (Uri.TryCreate(text, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https")
            return await PullUrlAsync(uri, options, progress, cancellationToken);
        return await PullRegistryAsync(ModelName.Parse(text), options, progress, cancellationToken);
    }

    /// <summary>Where a name is pulled from: its own host, else the options' registry (the caller's setting), else Ollama's.</summary>
    public static Uri RegistryFor(ModelName name, PullOptions options)
    {
        Uri registry;
        if (name.HasExplicitHost)
        {
            var loopback = Uri.TryCreate("http://" + name.Host, UriKind.Absolute, out var probe) && probe.IsLoopback;
            registry = new Uri($"{(options.Insecure || loopback ? "http" : "https")}://{name.Host}/");
        }
        else if (options.Registry is { } configured)
        {
            registry = configured;
        }
        else
        {
            registry = DefaultRegistry;
        }
        CheckScheme(registry, options, "registry");
        return registry.AbsoluteUri.EndsWith('/') ? registry : new Uri(registry.AbsoluteUri + "/");
    }

    private static void CheckScheme(Uri uri, PullOptions options, string what)
    {
        if (uri.Scheme is not ("http" or "https"))
            throw new StoreException(StoreErrorKind.InvalidRequest, $"the {what} {uri} is not an http(s) URL");
        if (uri.Scheme == "http" && !options.Insecure && !uri.IsLoopback)
            throw new StoreException(StoreErrorKind.InvalidRequest, $"the {what} {uri} uses plain http; pass --insecure (insecure: true) to allow it, or use https");
    }

    private async Task<StoredModel> PullRegistryAsync(ModelName name, PullOptions options, IProgress<PullProgress>? progress, CancellationToken ct)
    {
        var registry = RegistryFor(name, options);
        var repository = new Uri(registry, $"v2/{name.Namespace}/{name.Model}/");
        progress?.Report(new PullProgress("pulling manifest"));
        var manifestBytes = await FetchManifestAsync(new Uri(repository, $"manifests/{name.Tag}"), name, registry, options, ct);
        var (manifest, problem) = ManifestStore.Parse(manifestBytes);
        if (manifest is null)
            throw new StoreException(StoreErrorKind.DownloadFailed, $"the registry {registry} sent an unusable manifest for '{name}' ({problem}); nothing was stored");

        // Layers first and the config last, as Ollama fetches them.
        foreach (var layer in manifest.Layers!.Append(manifest.Config!).DistinctBy(l => l.Digest))
        {
            var status = $"pulling {BlobDigest.Short(layer.Digest)}";
            if (blobs.PathOf(layer.Digest) is { } have && new FileInfo(have).Length == layer.Size)
            {
                progress?.Report(new PullProgress(status, layer.Digest, layer.Size, layer.Size));
                continue;
            }
            var download = new BlobDownload(blobs, http, Transfer, new Uri(repository, $"blobs/{layer.Digest}"), BlobDigest.FileName(layer.Digest),
                options.StallTimeout, options.Connections, progress, status, layer.Digest);
            await download.RunAsync(layer.Digest, layer.Size, check: null, ct);
        }

        progress?.Report(new PullProgress("writing manifest"));
        // The registry's bytes as they came, so the manifest digest matches what the registry reports.
        var stored = manifests.WriteBytes(name, manifestBytes);
        progress?.Report(new PullProgress("success"));
        return stored;
    }

    private async Task<byte[]> FetchManifestAsync(Uri uri, ModelName name, Uri registry, PullOptions options, CancellationToken ct)
    {
        var attempt = 0;
        while (true)
        {
            attempt++;
            using var request = new HttpRequestMessage(HttpMethod.Get, uri);
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue(Manifest.MediaTypeV2));
            request.Headers.UserAgent.Add(new ProductInfoHeaderValue("modelscout", "0.1"));
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(options.StallTimeout <= TimeSpan.Zero ? TimeSpan.FromSeconds(30) : options.StallTimeout);
            string failure;
            try
            {
                using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
                if (response.IsSuccessStatusCode)
                {
                    if (response.Content.Headers.ContentLength > ManifestStore.MaxBytes)
                        throw new StoreException(StoreErrorKind.DownloadFailed, $"the registry {registry} sent a {response.Content.Headers.ContentLength:N0}-byte manifest for '{name}'; that is not a model manifest");
                    var bytes = await response.Content.ReadAsByteArrayAsync(timeout.Token);
                    if (bytes.Length > ManifestStore.MaxBytes)
                        throw new StoreException(StoreErrorKind.DownloadFailed, $"the registry {registry} sent an oversized manifest for '{name}'");
                    return bytes;
                }
                var code = (int)response.StatusCode;
                if (response.StatusCode == HttpStatusCode.NotFound)
                {
                    throw new StoreException(StoreErrorKind.NotFound,
                        $"model '{name}' was not found in the registry {registry} (HTTP 404); check the name and tag, or pull a GGUF by URL with `scout pull https://...`") { Param = "model" };
                }
                if (code is 401 or 403)
                {
                    throw new StoreException(StoreErrorKind.DownloadFailed,
                        $"the registry {registry} refused access to '{name}' (HTTP {code}); scout pulls only from registries that need no login");
                }
                if (code < 500 && code is not (408 or 429))
                    throw new StoreException(StoreErrorKind.DownloadFailed, $"the registry {registry} answered HTTP {code} {response.ReasonPhrase} for '{name}'");
                failure = $"HTTP {code} {response.ReasonPhrase}";
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                failure = $"no answer within {options.StallTimeout.TotalSeconds:0.#} s";
            }
            catch (HttpRequestException e)
            {
                failure = e.Message;
            }
            if (attempt >= Transfer.MaxAttempts)
            {
                throw new StoreException(StoreErrorKind.DownloadFailed,
                    $"could not fetch the manifest of '{name}' from {registry} after {attempt} tries ({failure}); check the registry address and your network, then run the pull again");
            }
            await Task.Delay(TimeSpan.FromTicks(Transfer.RetryDelay.Ticks * attempt), ct);
        }
    }

    private async Task<StoredModel> PullUrlAsync(Uri uri, PullOptions options, IProgress<PullProgress>? progress, CancellationToken ct)
    {
        CheckScheme(uri, options, "URL");
        var name = options.Name is { Length: > 0 } given ? ModelName.Parse(given) : NameFromUrl(uri);
        var fileName = Uri.UnescapeDataString(uri.Segments.LastOrDefault() ?? uri.Host);
        var key = "url-" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(uri.AbsoluteUri)))[..32];
        var download = new BlobDownload(blobs, http, Transfer, uri, key, options.StallTimeout, options.Connections, progress, $"pulling {fileName}", null);
        ModelDetails? details = null;
        var (digest, size) = await download.RunAsync(null, null, path =>
        {
            var file = ValidateDownloaded(path, uri);
            details = ModelDetailsReader.From(file);
        }, ct);

        var layers = new List<Layer> { new(MediaTypes.Model, digest, size) };
        var config = manifests.WriteConfig(details!, layers);
        progress?.Report(new PullProgress("writing manifest"));
        var stored = manifests.Write(name, new Manifest { Config = config, Layers = layers });
        progress?.Report(new PullProgress("success"));
        return stored;
    }

    private static GgufFile ValidateDownloaded(string path, Uri uri)
    {
        try
        {
            return GgufValidator.ValidateFile(path).File;
        }
        catch (GgufFormatException e)
        {
            throw new StoreException(StoreErrorKind.InvalidRequest,
                $"{uri} is not a valid GGUF file ({e.Message}); it was discarded and nothing was stored. For Hugging Face use the /resolve/ link of a .gguf file, not the /blob/ page");
        }
    }

    /// <summary>A store name from a URL's file name: the lower-cased stem with anything a name cannot hold replaced by '-', tag latest.</summary>
    public static ModelName NameFromUrl(Uri uri)
    {
        var file = Uri.UnescapeDataString(uri.Segments.LastOrDefault()?.TrimEnd('/') ?? "");
        if (file.EndsWith(".gguf", StringComparison.OrdinalIgnoreCase)) file = file[..^5];
        var sb = new StringBuilder();
        foreach (var c in file.ToLowerInvariant())
            sb.Append(char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.' ? c : '-');
        var stem = sb.ToString().TrimStart('-', '.');
        if (stem.Length > 80) stem = stem[..80];
        return ModelName.TryParse(stem, out _) is { } name
            ? name
            : throw new StoreException(StoreErrorKind.InvalidName, $"cannot make a model name from {uri}; give one with --name NAME") { Param = "name" };
    }
}
