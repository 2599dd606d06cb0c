using System.Buffers;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Win32.SafeHandles;

namespace ModelScout.Store;

/// <summary>Knobs of the transfer engine; tests shrink them so parallel parts and retries show up on small blobs.</summary>
internal sealed record TransferSettings
{
    /// <summary>Blobs at least this big are fetched in parallel ranges.</summary>
    public long ParallelThreshold { get; init; } = 32L << 20;

    /// <summary>No range part is smaller than this.</summary>
    public long MinPartSize { get; init; } = 8L << 20;

    /// <summary>Failures in a row without new bytes before a part gives up.</summary>
    public int MaxAttempts { get; init; } = 5;

    /// <summary>Wait before the first retry; doubled each time, at most 30 s.</summary>
    public TimeSpan RetryDelay { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>How often the resume record is rewritten while bytes arrive.</summary>
    public TimeSpan SaveEvery { get; init; } = TimeSpan.FromSeconds(1);
}

/// <summary>What a resumable download has done so far, kept next to its data in <c>blobs/partial/</c>.</summary>
internal sealed class DownloadState
{
    [JsonPropertyName("url")] public string Url { get; set; } = "";
    [JsonPropertyName("size")] public long? Size { get; set; }
    [JsonPropertyName("etag")] public string? ETag { get; set; }
    [JsonPropertyName("parts")] public List<DownloadPart> Parts { get; set; } = [];
}

/// <summary>One byte range of a download: <see cref="Start"/> to <see cref="End"/> inclusive (open-ended when the size is unknown).</summary>
internal sealed class DownloadPart
{
    [JsonPropertyName("start")] public long Start { get; set; }
    [JsonPropertyName("end")] public long? End { get; set; }
    [JsonPropertyName("done")] public long Done { get; set; }
    /// <summary>An open-ended part is finished when its body ended normally.</summary>
    [JsonPropertyName("finished")] public bool Finished { get; set; }

    [JsonIgnore] public bool Complete => End is { } e ? Start + Done > e : Finished;
    [JsonIgnore] public long? Length => End is { } e ? e - Start + 1 : null;
}

[JsonSerializable(typeof(DownloadState))]
internal sealed partial class DownloadJson : JsonSerializerContext;

/// <summary>The server answered a ranged request with the whole file: parallel parts cannot work, start over in one stream.</summary>
internal sealed class RangesIgnoredException : Exception
{
    public RangesIgnoredException() : base("the server ignores Range requests") { }
    public RangesIgnoredException(string message) : base(message) { }
    public RangesIgnoredException(string message, Exception inner) : base(message, inner) { }
}

/// <summary>
/// One resumable, verified download into the store: data in <c>blobs/partial/&lt;key&gt;</c>, progress per range part in
/// <c>&lt;key&gt;.json</c>, an exclusive lock in <c>&lt;key&gt;.lock</c> so two processes never write the same partial file.
/// Interrupted transfers are retried with backoff from where they stopped (<c>Range: bytes=N-</c>); the finished file is
/// hashed, checked, and only then renamed to its blob name.
/// </summary>
internal sealed class BlobDownload
{
    private readonly BlobStore blobs;
    private readonly HttpClient http;
    private readonly TransferSettings settings;
    private readonly Uri url;
    private readonly string key;
    private readonly TimeSpan stall;
    private readonly int connections;
    private readonly IProgress<PullProgress>? progress;
    private readonly string status;
    private readonly string? progressDigest;
    private readonly object stateLock = new();
    private readonly object reportLock = new();
    private DownloadState state = new();
    private SafeFileHandle? data;
    private long completed;
    private readonly Stopwatch lastReport = new();
    private readonly Stopwatch lastSave = new();

    public BlobDownload(BlobStore blobs, HttpClient http, TransferSettings settings, Uri url, string key, TimeSpan stall, int connections,
        IProgress<PullProgress>? progress, string status, string? progressDigest)
    {
        this.blobs = blobs;
        this.http = http;
        this.settings = settings;
        this.url = url;
        this.key = key;
        this.stall = stall <= TimeSpan.Zero ? TimeSpan.FromSeconds(30) : stall;
        this.connections = Math.Clamp(connections, 1, 16);
        this.progress = progress;
        this.status = status;
        this.progressDigest = progressDigest;
    }

    private string DataPath => Path.Combine(blobs.PartialDir, key);
    private string StatePath => DataPath + ".json";
    private string LockPath => DataPath + ".lock";

    /// <summary>Bytes received over the network by this run (not counting what an earlier run left).</summary>
    public long BytesReceived => Interlocked.Read(ref received);
    private long received;

    /// <summary>
    /// Downloads, verifies and commits the blob. <paramref name="expectedDigest"/> and <paramref name="expectedSize"/> come from
    /// a manifest; a direct URL has neither and is hashed to find its name. <paramref name="check"/> runs on the finished
    /// file before it becomes a blob (a direct URL must be a GGUF); when it throws, the partial file is deleted.
    /// </summary>
    public async Task<(string Digest, long Size)> RunAsync(string? expectedDigest, long? expectedSize, Action<string>? check, CancellationToken ct)
    {
        Directory.CreateDirectory(blobs.PartialDir);
        using var held = await AcquireLockAsync(ct);
        if (expectedDigest is not null && blobs.PathOf(expectedDigest) is { } existing && new FileInfo(existing).Length == expectedSize)
        {
            // Another process finished it while this one waited for the lock.
            Report(expectedSize, expectedSize.Value, force: true);
            return (expectedDigest, expectedSize.Value);
        }

        var fresh = !LoadState(expectedSize);
        if (fresh && expectedSize is null) await ProbeAsync(ct);
        else if (fresh) state = new DownloadState { Url = url.AbsoluteUri, Size = expectedSize };
        if (fresh) Plan(rangesSupported);

        using (var file = new FileStream(DataPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None))
        {
            if (fresh)
            {
                file.SetLength(state.Size ?? 0);
                SaveState();
            }
            data = file.SafeFileHandle;
            completed = state.Parts.Sum(p => p.Done);
            Report(state.Size, completed, force: true);
            while (true)
            {
                try
                {
                    await RunPartsAsync(ct);
                    break;
                }
                catch (RangesIgnoredException)
                {
                    // Parallel parts need ranges; one stream from byte 0 does not.
                    Plan(ranges: false);
                    completed = 0;
                    SaveState();
                }
            }
            var size = state.Size ?? state.Parts[0].Done;
            if (file.Length != size) file.SetLength(size);
            if (expectedSize is { } want && size != want)
            {
                Discard();
                throw new StoreException(StoreErrorKind.DownloadFailed,
                    $"{Describe()} is {size:N0} bytes, not the {want:N0} the manifest lists; the download was discarded. Run the pull again; if this repeats the server is sending a different file");
            }
            data = null;
        }

        progress?.Report(new PullProgress("verifying sha256 digest", progressDigest));
        var digest = await HashAsync(ct);
        var finalSize = new FileInfo(DataPath).Length;
        if (expectedDigest is not null && !string.Equals(digest, expectedDigest, StringComparison.Ordinal))
        {
            Discard();
            throw new StoreException(StoreErrorKind.DownloadFailed,
                $"digest mismatch for {Describe()}: the data received hashes to {digest}, not {expectedDigest}; the download was discarded and nothing was stored. Run the pull again; if this repeats the registry is serving a corrupt blob");
        }
        if (check is not null)
        {
            try
            {
                check(DataPath);
            }
            catch
            {
                Discard();
                throw;
            }
        }
        blobs.Commit(DataPath, digest, finalSize);
        BlobStore.TryDelete(StatePath);
        BlobStore.TryDelete(DataPath);
        return (digest, finalSize);
    }

    private string Describe() => progressDigest is not null ? $"blob {progressDigest}" : url.AbsoluteUri;

    private void Discard()
    {
        BlobStore.TryDelete(DataPath);
        BlobStore.TryDelete(StatePath);
    }

    private async Task<IDisposable> AcquireLockAsync(CancellationToken ct)
    {
        var waited = false;
        while (true)
        {
            try
            {
                // FileShare.None takes an exclusive advisory lock that other scout processes respect.
                return new FileStream(LockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.DeleteOnClose);
            }
            catch (IOException)
            {
                if (!waited) progress?.Report(new PullProgress($"waiting for another download of {Describe()}", progressDigest));
                waited = true;
                await Task.Delay(TimeSpan.FromMilliseconds(250), ct);
            }
        }
    }

    /// <summary>Picks up an earlier run's record when it is for this URL and size and its data file is there.</summary>
    private bool LoadState(long? expectedSize)
    {
        if (!File.Exists(StatePath) || !File.Exists(DataPath)) return false;
        try
        {
            var s = JsonSerializer.Deserialize(File.ReadAllBytes(StatePath), DownloadJson.Default.DownloadState);
            if (s is null || s.Url != url.AbsoluteUri || s.Parts.Count == 0) return false;
            if (expectedSize is not null && s.Size != expectedSize) return false;
            if (s.Size is { } size && new FileInfo(DataPath).Length != size) return false;
            foreach (var p in s.Parts)
            {
                if (p.Done < 0 || p.Start < 0 || (p.Length is { } len && p.Done > len)) return false;
            }
            state = s;
            return true;
        }
        catch (Exception e) when (e is JsonException or IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    private void SaveState()
    {
        byte[] bytes;
        lock (stateLock)
        {
            bytes = JsonSerializer.SerializeToUtf8Bytes(state, DownloadJson.Default.DownloadState);
            var temp = StatePath + ".tmp";
            File.WriteAllBytes(temp, bytes);
            File.Move(temp, StatePath, overwrite: true);
            lastSave.Restart();
        }
    }

    /// <summary>Without a manifest the size is unknown: one byte asked for tells the size and whether ranges work.</summary>
    private async Task ProbeAsync(CancellationToken ct)
    {
        state = new DownloadState { Url = url.AbsoluteUri };
        using var request = Request(0, 0);
        using var response = await SendAsync(request, ct);
        Fail(response);
        state.ETag = StrongETag(response);
        if (response.StatusCode == HttpStatusCode.PartialContent)
        {
            state.Size = response.Content.Headers.ContentRange?.Length;
            return;
        }
        // A 200 means no ranges: the transfer runs as one stream, so no parallel parts are planned.
        state.Size = response.Content.Headers.ContentLength;
        rangesSupported = false;
    }

    private bool rangesSupported = true;

    private static string? StrongETag(HttpResponseMessage r) => r.Headers.ETag is { IsWeak: false } tag ? tag.Tag : null;

    private void Plan(bool ranges)
    {
        var size = state.Size;
        state.Parts.Clear();
        if (size is { } s && ranges && connections > 1 && s >= settings.ParallelThreshold)
        {
            var count = (int)Math.Clamp(s / Math.Max(1, settings.MinPartSize), 1, connections);
            var partSize = (s + count - 1) / count;
            for (long start = 0; start < s; start += partSize)
                state.Parts.Add(new DownloadPart { Start = start, End = Math.Min(s, start + partSize) - 1 });
        }
        else
        {
            state.Parts.Add(new DownloadPart { Start = 0, End = size is { } n and > 0 ? n - 1 : null, Finished = size == 0 });
        }
    }

    private async Task RunPartsAsync(CancellationToken ct)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var pending = state.Parts.Where(p => !p.Complete).Select(p => RunPartAsync(p, linked.Token)).ToList();
        Exception? first = null;
        while (pending.Count > 0)
        {
            var done = await Task.WhenAny(pending);
            pending.Remove(done);
            if (done.IsFaulted && first is null)
            {
                // One part's failure stops the others; its error is the one reported.
                first = done.Exception!.InnerException;
                await linked.CancelAsync();
            }
        }
        SaveState();
        ct.ThrowIfCancellationRequested();
        if (first is not null) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(first);
    }

    private async Task RunPartAsync(DownloadPart part, CancellationToken ct)
    {
        var failures = 0;
        while (!part.Complete)
        {
            ct.ThrowIfCancellationRequested();
            var before = part.Done;
            try
            {
                await TransferAsync(part, ct);
            }
            catch (Exception e) when (IsTransient(e, ct))
            {
                failures = part.Done > before ? 1 : failures + 1;
                SaveState();
                if (failures >= settings.MaxAttempts)
                {
                    throw new StoreException(StoreErrorKind.DownloadFailed,
                        $"downloading {Describe()} from {url.Host} failed {failures} times in a row ({Reason(e)}); the {Interlocked.Read(ref completed):N0} bytes received so far are kept in {blobs.PartialDir}: run the same pull again to resume", e);
                }
                var delay = TimeSpan.FromTicks(Math.Min(settings.RetryDelay.Ticks * (1L << Math.Min(failures - 1, 10)), TimeSpan.FromSeconds(30).Ticks));
                progress?.Report(new PullProgress($"retrying {Describe()} in {delay.TotalSeconds:0.#} s after: {Reason(e)}", progressDigest, state.Size, Interlocked.Read(ref completed)));
                await Task.Delay(delay, ct);
            }
        }
    }

    private string Reason(Exception e) => e switch
    {
        TimeoutException or OperationCanceledException => $"no data for {stall.TotalSeconds:0.#} s",
        HttpRequestException { StatusCode: { } code } => $"HTTP {(int)code} {code}",
        _ => e.Message,
    };

    private static bool IsTransient(Exception e, CancellationToken ct) =>
        !ct.IsCancellationRequested && e is HttpRequestException or IOException or TimeoutException or OperationCanceledException;

    private HttpRequestMessage Request(long from, long? to)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.UserAgent.Add(new ProductInfoHeaderValue("modelscout", "0.1"));
        request.Headers.Range = new RangeHeaderValue(from, to);
        if (state.ETag is { } etag && from > 0) request.Headers.IfRange = new RangeConditionHeaderValue(new EntityTagHeaderValue(etag));
        return request;
    }

    private async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken ct)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(stall);
        try
        {
            return await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new TimeoutException($"no response headers within {stall.TotalSeconds:0.#} s");
        }
    }

    /// <summary>Non-success answers: 404 and other client errors are final, server errors and throttling are retried.</summary>
    private void Fail(HttpResponseMessage response)
    {
        if (response.IsSuccessStatusCode) return;
        var code = (int)response.StatusCode;
        if (code >= 500 || code is 408 or 429) throw new HttpRequestException($"HTTP {code} {response.ReasonPhrase}", null, response.StatusCode);
        var what = response.StatusCode == HttpStatusCode.NotFound ? "not found" : $"refused ({code} {response.ReasonPhrase})";
        throw new StoreException(response.StatusCode == HttpStatusCode.NotFound ? StoreErrorKind.NotFound : StoreErrorKind.DownloadFailed,
            $"{Describe()} was {what} at {url}; check the name or URL");
    }

    private async Task TransferAsync(DownloadPart part, CancellationToken ct)
    {
        var from = part.Start + part.Done;
        // The one part of a fresh single-stream download needs no Range header; every resume and every parallel part does.
        var ranged = from > 0 || state.Parts.Count > 1;
        using var request = Request(from, part.End);
        if (!ranged) request.Headers.Range = null;
        using var response = await SendAsync(request, ct);
        if (response.StatusCode == HttpStatusCode.PartialContent)
        {
            var range = response.Content.Headers.ContentRange;
            if (range?.From is not { } got || got != from)
                throw new IOException($"the server sent bytes from {range?.From?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "?"} when asked for {from}");
        }
        else if (response.StatusCode == HttpStatusCode.OK)
        {
            if (ranged)
            {
                if (state.Parts.Count > 1) throw new RangesIgnoredException();
                // Resuming from a server that ignores Range (or whose file changed): start over with this full answer.
                Interlocked.Add(ref completed, -part.Done);
                part.Done = 0;
                progress?.Report(new PullProgress($"the server ignored the resume request; restarting {Describe()} from the beginning", progressDigest, state.Size, Interlocked.Read(ref completed)));
            }
        }
        else if (response.StatusCode == HttpStatusCode.RequestedRangeNotSatisfiable && state.Parts.Count == 1 && part.End is null)
        {
            // Everything was already received before the connection dropped at the very end.
            part.Finished = true;
            return;
        }
        else
        {
            Fail(response);
            throw new IOException($"unexpected HTTP {(int)response.StatusCode} {response.ReasonPhrase}");
        }

        await using var body = await response.Content.ReadAsStreamAsync(ct);
        var buffer = ArrayPool<byte>.Shared.Rent(1 << 16);
        try
        {
            while (!part.Complete)
            {
                var max = part.Length is { } len ? (int)Math.Min(buffer.Length, len - part.Done) : buffer.Length;
                var n = await ReadAsync(body, buffer.AsMemory(0, max), ct);
                if (n == 0)
                {
                    if (part.End is null)
                    {
                        part.Finished = true;
                        break;
                    }
                    throw new IOException($"the connection closed after {part.Start + part.Done:N0} of {state.Size:N0} bytes");
                }
                await RandomAccess.WriteAsync(data!, buffer.AsMemory(0, n), part.Start + part.Done, ct);
                part.Done += n;
                Interlocked.Add(ref received, n);
                var total = Interlocked.Add(ref completed, n);
                Report(state.Size, total, force: false);
                if (lastSave.Elapsed >= settings.SaveEvery) SaveState();
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
        Report(state.Size, Interlocked.Read(ref completed), force: true);
    }

    /// <summary>A read that gives up when the server sends nothing for the stall timeout.</summary>
    private async Task<int> ReadAsync(Stream body, Memory<byte> buffer, CancellationToken ct)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(stall);
        try
        {
            return await body.ReadAsync(buffer, timeout.Token);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new TimeoutException($"no data for {stall.TotalSeconds:0.#} s");
        }
    }

    private void Report(long? total, long done, bool force)
    {
        if (progress is null) return;
        lock (reportLock)
        {
            if (!force && lastReport.IsRunning && lastReport.ElapsedMilliseconds < 100) return;
            lastReport.Restart();
        }
        progress.Report(new PullProgress(status, progressDigest, total, done));
    }

    private async Task<string> HashAsync(CancellationToken ct)
    {
        await using var stream = new FileStream(DataPath, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20, FileOptions.Asynchronous | FileOptions.SequentialScan);
        var hash = await SHA256.HashDataAsync(stream, ct);
        return "sha256:" + Convert.ToHexStringLower(hash);
    }
}
