using System.Net;
using System.Net.Http.Headers;

namespace ModelScout.Gguf;

/// <summary>
/// A read-only, forward-only stream over a remote file, fed by HTTP range requests whose windows double as the reader
/// asks for more. When the server ignores <c>Range</c> and sends the whole file, the one response body is read as the
/// reader pulls and dropped when the stream is disposed.
/// </summary>
internal sealed class HttpRangeStream : Stream
{
    /// <summary>Bytes asked for by the first request: enough for most headers, small next to any model.</summary>
    internal const int FirstWindow = 512 << 10;

    /// <summary>Largest window; a vocabulary of a few hundred thousand tokens takes a few of these at most.</summary>
    internal const int MaxWindow = 16 << 20;

    private static readonly ProductInfoHeaderValue UserAgent = new("ModelScout", Version());

    private readonly Uri url;
    private readonly HttpClient http;
    private readonly long limit;
    private readonly CancellationToken ct;
    private Uri target;
    private HttpResponseMessage? response;
    private Stream? body;
    private long bodyLeft;
    private long window = FirstWindow;
    private long position;
    private long receivedAtRequest;
    private bool whole;
    private bool ended;

    /// <param name="url">The file.</param>
    /// <param name="http">Sends the requests; its <see cref="HttpClient.Timeout"/> bounds each wait for an answer or for more bytes.</param>
    /// <param name="limit">No byte at or past this offset is ever asked for or read (the header size cap).</param>
    /// <param name="ct">Cancels everything.</param>
    public HttpRangeStream(Uri url, HttpClient http, long limit, CancellationToken ct)
    {
        this.url = url;
        this.http = http;
        this.limit = limit;
        this.ct = ct;
        target = url;
    }

    /// <summary>The file's length, from the first answer's Content-Range total or Content-Length; null when unknown.</summary>
    public long? FileLength { get; private set; }

    /// <summary>Bytes of the file received so far.</summary>
    public long BytesReceived { get; private set; }

    /// <summary>Requests sent (a redirect HttpClient follows counts once).</summary>
    public int Requests { get; private set; }

    /// <summary>True when the first answer was 206 Partial Content.</summary>
    public bool RangeSupported { get; private set; }

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => position;
        set => throw new NotSupportedException();
    }

    /// <summary>Sends the first request, so <see cref="FileLength"/> is known before the reader starts.</summary>
    public void Open()
    {
        if (limit > 0) Request();
    }

    public override int Read(byte[] buffer, int offset, int count)
    {
        ValidateBufferArguments(buffer, offset, count);
        if (count == 0) return 0;
        while (true)
        {
            if (ended || position >= FileLength) return 0;
            if (position >= limit) throw new GgufFormatException(position, $"the header is larger than {limit:N0} bytes");
            if (body is null)
            {
                Request();
                continue;
            }
            var want = (int)Math.Min(count, limit - position);
            if (!whole) want = (int)Math.Min(want, bodyLeft);
            var n = ReadBody(buffer.AsMemory(offset, want));
            if (n > 0)
            {
                position += n;
                BytesReceived += n;
                if (!whole && (bodyLeft -= n) == 0) CloseResponse();
                return n;
            }
            if (whole)
            {
                // Without Content-Length, a body that ends is the file's end; with it, HttpClient raises a short body as an error.
                ended = true;
                CloseResponse();
                return 0;
            }
            // Fewer bytes than the Content-Range promised, ended cleanly: ask again from here, unless it sent nothing.
            if (BytesReceived == receivedAtRequest)
                throw Failure($"the server sent no bytes for a range of {url} it answered with 206 Partial Content", null);
            CloseResponse();
        }
    }

    private void Request()
    {
        CloseResponse();
        var end = position + window - 1;
        if (FileLength is { } length) end = Math.Min(end, length - 1);
        end = Math.Min(end, limit - 1);
        window = Math.Min(window * 2, MaxWindow);

        using var request = new HttpRequestMessage(HttpMethod.Get, target)
        {
            // Synchronous Send is only supported over HTTP/1.1.
            Version = HttpVersion.Version11,
            VersionPolicy = HttpVersionPolicy.RequestVersionOrLower,
        };
        request.Headers.Range = new RangeHeaderValue(position, end);
        if (http.DefaultRequestHeaders.UserAgent.Count == 0) request.Headers.UserAgent.Add(UserAgent);
        Requests++;
        receivedAtRequest = BytesReceived;
        HttpResponseMessage answer;
        try
        {
            answer = http.Send(request, HttpCompletionOption.ResponseHeadersRead, ct);
        }
        catch (OperationCanceledException e) when (!ct.IsCancellationRequested)
        {
            throw Failure($"{url} did not answer within {Seconds(http.Timeout)} (after {BytesReceived:N0} bytes of the header)", e);
        }
        catch (HttpRequestException e)
        {
            throw Failure($"the request for {url} failed after {BytesReceived:N0} bytes of the header: {e.Message}", e);
        }
        response = answer;
        if (answer.RequestMessage?.RequestUri is { } final) target = final;

        switch (answer.StatusCode)
        {
            case HttpStatusCode.PartialContent:
                AcceptRange(answer, position, end);
                break;
            case HttpStatusCode.OK:
                AcceptWhole(answer);
                break;
            case HttpStatusCode.RequestedRangeNotSatisfiable when position > 0 && FileLength is null:
                // The length was never given, so asking past the end is how the end is found.
                ended = true;
                CloseResponse();
                break;
            default:
                throw StatusFailure(answer, position, end);
        }
    }

    private void AcceptRange(HttpResponseMessage answer, long start, long end)
    {
        var range = answer.Content.Headers.ContentRange;
        if (range is not { HasRange: true, Unit: "bytes", From: { } from, To: { } to } || from != start || to > end || to < from
            || (range.Length is { } total && to >= total))
        {
            var sent = range?.ToString() ?? "no Content-Range";
            throw Failure($"asked {url} for bytes {start}-{end} but the server answered 206 Partial Content with {sent}", null, answer.StatusCode);
        }
        if (range.Length is { } length)
        {
            if (FileLength is { } known && known != length)
                throw Failure($"the file at {url} changed while its header was read: its length went from {known:N0} to {length:N0} bytes", null);
            FileLength = length;
        }
        if (Requests == 1) RangeSupported = true;
        body = answer.Content.ReadAsStream(ct);
        bodyLeft = to - from + 1;
    }

    private void AcceptWhole(HttpResponseMessage answer)
    {
        var headers = answer.Content.Headers;
        // A compressed body's Content-Length is not the file's.
        var length = headers.ContentEncoding.Count == 0 ? headers.ContentLength : null;
        if (FileLength is { } known && length is { } now && known != now)
            throw Failure($"the file at {url} changed while its header was read: its length went from {known:N0} to {now:N0} bytes", null);
        FileLength ??= length;
        whole = true;
        body = answer.Content.ReadAsStream(ct);
        // A server that stops honouring Range part-way sends the file from its start again: skip what was read.
        var skip = position;
        var scratch = skip > 0 ? new byte[Math.Min(skip, 1 << 16)] : [];
        while (skip > 0)
        {
            var n = ReadBody(scratch.AsMemory(0, (int)Math.Min(skip, scratch.Length)));
            if (n == 0) throw Failure($"{url} ended after {position - skip:N0} bytes when asked again from byte {position:N0}", null);
            skip -= n;
            BytesReceived += n;
        }
    }

    // HttpClient.Timeout stops applying once the headers arrive, so each body read gets the same bound. Only the async
    // read takes a token, and SocketsHttpHandler never resumes on the caller's context, so waiting on it cannot deadlock.
    private int ReadBody(Memory<byte> into)
    {
        var timeout = http.Timeout;
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        if (timeout != Timeout.InfiniteTimeSpan) cts.CancelAfter(timeout);
        try
        {
            var pending = body!.ReadAsync(into, cts.Token);
            return pending.IsCompletedSuccessfully ? pending.Result : pending.AsTask().GetAwaiter().GetResult();
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception e) when (cts.IsCancellationRequested && e is OperationCanceledException or IOException or HttpRequestException)
        {
            throw Failure($"{url} sent nothing for {Seconds(timeout)} after {BytesReceived:N0} bytes of the header (timed out)", e);
        }
        catch (Exception e) when (e is IOException or HttpRequestException)
        {
            throw Failure($"the connection dropped after {BytesReceived:N0} bytes of the header of {url}: {e.Message}", e);
        }
    }

    private GgufRemoteException StatusFailure(HttpResponseMessage answer, long start, long end)
    {
        var code = (int)answer.StatusCode;
        var status = $"{code} {answer.ReasonPhrase ?? answer.StatusCode.ToString()}";
        var hint = answer.StatusCode switch
        {
            HttpStatusCode.NotFound => "; check the repository, revision and file name",
            HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden => "; the model may be gated or private, which needs an access token (and its license accepted)",
            HttpStatusCode.RequestedRangeNotSatisfiable when answer.Content.Headers.ContentRange?.Length == 0 => $" (bytes {start}-{end} were asked for; the file is empty)",
            HttpStatusCode.RequestedRangeNotSatisfiable => $" (bytes {start}-{end} were asked for)",
            _ when code is >= 300 and < 400 => $"; the redirect to {answer.Headers.Location} was not followed (the HttpClient does not follow redirects)",
            _ when code >= 500 => "; the server failed, try again later",
            _ => "",
        };
        return Failure($"the server returned {status} for {url}{hint}", null, answer.StatusCode);
    }

    private GgufRemoteException Failure(string message, Exception? inner, HttpStatusCode? status = null) => new(message, url, status, BytesReceived, inner);

    private static string Seconds(TimeSpan t) => $"{t.TotalSeconds:0.###} s";

    private static string Version() => typeof(HttpRangeStream).Assembly.GetName().Version is { } v ? $"{v.Major}.{v.Minor}" : "0";

    private void CloseResponse()
    {
        body?.Dispose();
        body = null;
        response?.Dispose();
        response = null;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) CloseResponse();
        base.Dispose(disposing);
    }

    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
