using System.Collections.Concurrent;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace ModelScout.Testing;

/// <summary>One request the fake registry answered: path, the Range header it carried, the status and the body bytes sent.</summary>
public sealed record RegistryRequest(string Path, string? Range, int Status)
{
    private long bytesSent;

    /// <summary>Body bytes written so far.</summary>
    public long BytesSent => Interlocked.Read(ref bytesSent);

    internal void Sent(int bytes) => Interlocked.Add(ref bytesSent, bytes);
}

/// <summary>
/// An Ollama-compatible registry on 127.0.0.1:0 (manifest and blob endpoints, plus plain files for direct-URL pulls) that
/// can misbehave on demand: drop the connection mid-blob, send wrong bytes, go slow, stall, ignore Range, redirect.
/// </summary>
public sealed class FakeRegistry : IAsyncDisposable
{
    private LoopbackHttpServer server = null!;
    private readonly ConcurrentDictionary<string, byte[]> manifests = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, byte[]> blobs = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, byte[]> files = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int> dropsLeft = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, long> dropAt = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, long> stallAt = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, byte[]> corrupt = new(StringComparer.Ordinal);

    /// <summary>Every request answered, in arrival order.</summary>
    public ConcurrentQueue<RegistryRequest> Requests { get; } = new();

    /// <summary>Answer every ranged request with the whole file (200), as some servers do.</summary>
    public bool IgnoreRange { get; set; }

    /// <summary>Pause between body chunks.</summary>
    public TimeSpan ChunkDelay { get; set; }

    /// <summary>Body bytes written at a time.</summary>
    public int ChunkSize { get; set; } = 16 << 10;

    /// <summary>How long a stall lasts (the request ends early when the client goes away).</summary>
    public TimeSpan StallFor { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Blob requests get a 307 to /cdn/{digest}, as registry.ollama.ai sends clients to its CDN.</summary>
    public bool RedirectBlobs { get; set; }

    /// <summary>The registry's root, with a trailing slash.</summary>
    public Uri BaseUri => server.BaseUri;

    private FakeRegistry()
    {
    }

    /// <summary>Starts an empty registry.</summary>
    public static async Task<FakeRegistry> StartAsync()
    {
        var registry = new FakeRegistry();
        registry.server = await LoopbackHttpServer.StartAsync(registry.Map);
        return registry;
    }

    private void Map(WebApplication app)
    {
        app.MapGet("/v2/{ns}/{model}/manifests/{tag}", async (HttpContext ctx, string ns, string model, string tag) =>
        {
            Requests.Enqueue(new RegistryRequest(ctx.Request.Path, null, 0));
            if (!manifests.TryGetValue($"{ns}/{model}:{tag}", out var body))
            {
                ctx.Response.StatusCode = 404;
                await ctx.Response.WriteAsync("""{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown"}]}""");
                return;
            }
            ctx.Response.ContentType = "application/vnd.docker.distribution.manifest.v2+json";
            await ctx.Response.Body.WriteAsync(body);
        });
        app.MapGet("/v2/{ns}/{model}/blobs/{digest}", async (HttpContext ctx, string digest) =>
        {
            if (RedirectBlobs)
            {
                Requests.Enqueue(new RegistryRequest(ctx.Request.Path, ctx.Request.Headers.Range.ToString(), 307));
                ctx.Response.StatusCode = 307;
                ctx.Response.Headers.Location = $"/cdn/{digest}";
                return;
            }
            await ServeAsync(ctx, digest, blobs.GetValueOrDefault(digest));
        });
        app.MapGet("/cdn/{digest}", (HttpContext ctx, string digest) => ServeAsync(ctx, digest, blobs.GetValueOrDefault(digest)));
        app.MapGet("/files/{name}", (HttpContext ctx, string name) => ServeAsync(ctx, name, files.GetValueOrDefault(name)));
    }

    /// <summary>Stores a blob and returns its digest.</summary>
    public string AddBlob(byte[] bytes)
    {
        var digest = "sha256:" + Convert.ToHexStringLower(SHA256.HashData(bytes));
        blobs[digest] = bytes;
        return digest;
    }

    /// <summary>Serves <paramref name="bytes"/> at /files/<paramref name="name"/>, for direct-URL pulls.</summary>
    public void AddFile(string name, byte[] bytes) => files[name] = bytes;

    /// <summary>Publishes <c>ns/model:tag</c> with a GGUF model layer and optional text layers; returns the manifest bytes and the model digest.</summary>
    public (byte[] Manifest, string ModelDigest) Publish(string ns, string model, string tag, byte[] gguf, params (string MediaType, string Text)[] extra)
    {
        var layers = new List<string>();
        var modelDigest = AddBlob(gguf);
        layers.Add(Layer("application/vnd.ollama.image.model", modelDigest, gguf.Length));
        foreach (var (mediaType, text) in extra)
        {
            var bytes = Encoding.UTF8.GetBytes(text);
            layers.Add(Layer(mediaType, AddBlob(bytes), bytes.Length));
        }
        var config = Encoding.UTF8.GetBytes("""{"model_format":"gguf","model_family":"llama","model_families":["llama"],"model_type":"293K","file_type":"F32","architecture":"amd64","os":"linux"}""");
        var configDigest = AddBlob(config);
        var manifest = Encoding.UTF8.GetBytes(
            $$"""{"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.v2+json","config":{{Layer("application/vnd.docker.container.image.v1+json", configDigest, config.Length)}},"layers":[{{string.Join(",", layers)}}]}""");
        manifests[$"{ns}/{model}:{tag}"] = manifest;
        return (manifest, modelDigest);
    }

    private static string Layer(string mediaType, string digest, long size) => $$"""{"mediaType":"{{mediaType}}","digest":"{{digest}}","size":{{size}}}""";

    /// <summary>The next <paramref name="times"/> responses for <paramref name="key"/> close the connection once the body reaches byte <paramref name="offset"/> of the file.</summary>
    public void DropAt(string key, long offset, int times = 1)
    {
        dropAt[key] = offset;
        dropsLeft[key] = times;
    }

    /// <summary>Every response for <paramref name="key"/> goes silent at byte <paramref name="offset"/> for <see cref="StallFor"/>.</summary>
    public void StallAt(string key, long offset) => stallAt[key] = offset;

    /// <summary>Serve other bytes (same length) under this digest.</summary>
    public void Corrupt(string digest)
    {
        var wrong = (byte[])blobs[digest].Clone();
        wrong[wrong.Length / 2] ^= 0xFF;
        corrupt[digest] = wrong;
    }

    /// <summary>Ends every drop, stall, corruption, ignored Range and chunk delay.</summary>
    public void ClearFaults()
    {
        dropAt.Clear();
        dropsLeft.Clear();
        stallAt.Clear();
        corrupt.Clear();
        IgnoreRange = false;
        ChunkDelay = TimeSpan.Zero;
    }

    /// <summary>The requests whose path ends with <paramref name="key"/> (a digest or file name), redirects left out.</summary>
    public IReadOnlyList<RegistryRequest> RequestsFor(string key) => [.. Requests.Where(r => r.Path.EndsWith(key, StringComparison.Ordinal) && r.Status != 307)];

    private async Task ServeAsync(HttpContext ctx, string key, byte[]? bytes)
    {
        var rangeText = ctx.Request.Headers.Range.ToString();
        if (bytes is null)
        {
            Requests.Enqueue(new RegistryRequest(ctx.Request.Path, rangeText, 404));
            ctx.Response.StatusCode = 404;
            return;
        }
        if (corrupt.TryGetValue(key, out var wrong)) bytes = wrong;
        long length = bytes.Length, start = 0, end = length - 1;
        var partial = false;
        if (!IgnoreRange && RangeHeaderValue.TryParse(rangeText, out var range) && range.Ranges.Count == 1)
        {
            var r = range.Ranges.First();
            start = r.From ?? 0;
            end = Math.Min(r.To ?? length - 1, length - 1);
            if (start >= length)
            {
                Requests.Enqueue(new RegistryRequest(ctx.Request.Path, rangeText, 416));
                ctx.Response.StatusCode = 416;
                ctx.Response.Headers.ContentRange = $"bytes */{length}";
                return;
            }
            partial = true;
        }
        var served = new RegistryRequest(ctx.Request.Path, rangeText.Length == 0 ? null : rangeText, partial ? 206 : 200);
        Requests.Enqueue(served);
        ctx.Response.StatusCode = served.Status;
        ctx.Response.Headers.AcceptRanges = "bytes";
        if (partial) ctx.Response.Headers.ContentRange = $"bytes {start}-{end}/{length}";
        ctx.Response.ContentLength = end - start + 1;
        ctx.Response.ContentType = "application/octet-stream";

        long? drop = null;
        // A request that starts at the drop offset (the client got every byte before the
        // previous drop) is dropped before its first byte, so a drop repeats reliably.
        if (dropAt.TryGetValue(key, out var at) && at >= start && at <= end && dropsLeft.AddOrUpdate(key, 0, (_, n) => n - 1) >= 0) drop = at;
        long? stall = stallAt.TryGetValue(key, out var s) && s >= start && s <= end ? s : null;
        var pos = start;
        try
        {
            while (pos <= end)
            {
                if (stall is { } ss && pos == ss)
                {
                    stall = null;
                    await Task.Delay(StallFor, ctx.RequestAborted);
                }
                var limit = end + 1;
                if (drop is { } d) limit = Math.Min(limit, d);
                if (stall is { } st && pos < st) limit = Math.Min(limit, st);
                var n = (int)Math.Min(ChunkSize, limit - pos);
                if (n > 0)
                {
                    await ctx.Response.Body.WriteAsync(bytes.AsMemory((int)pos, n), ctx.RequestAborted);
                    await ctx.Response.Body.FlushAsync(ctx.RequestAborted);
                    pos += n;
                    served.Sent(n);
                }
                if (drop is { } dd && pos >= dd)
                {
                    ctx.Abort();
                    return;
                }
                if (ChunkDelay > TimeSpan.Zero) await Task.Delay(ChunkDelay, ctx.RequestAborted);
            }
        }
        catch (OperationCanceledException)
        {
            // The client went away.
        }
        catch (IOException)
        {
            // The client went away mid-write.
        }
    }

    /// <summary>Stops the registry.</summary>
    public ValueTask DisposeAsync() => server.DisposeAsync();
}
