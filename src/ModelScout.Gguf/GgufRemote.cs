using System.Runtime.ExceptionServices;

namespace ModelScout.Gguf;

/// <summary>A header read over HTTP, with what reading it cost.</summary>
/// <param name="File">The parsed header; its <see cref="GgufFile.FileLength"/> is the remote file's length when the server gave it.</param>
/// <param name="BytesReceived">Bytes of the file received: the header, plus at most the reader's 64 KiB read-ahead (and the
/// bytes sent twice when a server stops honouring Range part-way and sends the file again from its start).</param>
/// <param name="Requests">HTTP requests sent (a redirect that HttpClient follows counts once).</param>
/// <param name="RangeSupported">True when the server answered the first range request with 206 Partial Content;
/// false when it sent the whole file, which was then read only as far as the header.</param>
public sealed record GgufRemoteResult(GgufFile File, long BytesReceived, int Requests, bool RangeSupported);

/// <summary>
/// Reads a GGUF header over HTTP without downloading the model: range requests starting with 512 KiB and doubling up to
/// 16 MiB until the header is parsed, or, when the server ignores <c>Range</c>, the start of the full response, which is
/// dropped as soon as the header is parsed.
/// </summary>
/// <remarks>
/// Requests go out through the synchronous <see cref="HttpClient.Send(HttpRequestMessage, HttpCompletionOption, CancellationToken)"/>
/// over HTTP/1.1, which the default handler supports; redirects are followed by the client, and later ranges go straight
/// to where the first one was redirected. <see cref="HttpClient.Timeout"/> bounds the wait for each answer and for each
/// read of its body. A <c>User-Agent</c> of ModelScout is sent unless the client sets its own.
/// </remarks>
public static class GgufRemote
{
    /// <summary>Reads the header of the GGUF file at <paramref name="url"/>.</summary>
    /// <param name="url">An absolute http or https URL (a Hugging Face <c>resolve</c> URL, for one).</param>
    /// <param name="http">The client that sends the requests.</param>
    /// <param name="limits">Caps; <see cref="GgufLimits.Default"/> when null. No byte past <see cref="GgufLimits.MaxHeaderBytes"/> is requested.</param>
    /// <param name="ct">Cancels the read; cancellation raises <see cref="OperationCanceledException"/>.</param>
    /// <exception cref="GgufFormatException">The bytes received are not a valid GGUF header (an HTML page, a truncated file).</exception>
    /// <exception cref="GgufRemoteException">The server answered with an error, the connection failed or dropped, or it timed out.</exception>
    public static GgufFile ReadHeader(Uri url, HttpClient http, GgufLimits? limits = null, CancellationToken ct = default) =>
        Read(url, http, limits, ct).File;

    /// <summary>Reads the header of the GGUF file at <paramref name="url"/>, and counts the bytes and requests it took.</summary>
    /// <inheritdoc cref="ReadHeader(Uri, HttpClient, GgufLimits?, CancellationToken)"/>
    public static GgufRemoteResult Read(Uri url, HttpClient http, GgufLimits? limits = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(url);
        ArgumentNullException.ThrowIfNull(http);
        if (!url.IsAbsoluteUri || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps))
            throw new ArgumentException($"'{url}' is not an absolute http or https URL", nameof(url));
        ct.ThrowIfCancellationRequested();
        limits ??= GgufLimits.Default;

        using var stream = new HttpRangeStream(url, http, limits.MaxHeaderBytes, ct);
        try
        {
            stream.Open();
            var file = GgufReader.Read(stream, stream.FileLength, limits);
            return new GgufRemoteResult(file, stream.BytesReceived, stream.Requests, stream.RangeSupported);
        }
        catch (IOException e) when (e.InnerException is GgufRemoteException remote)
        {
            // The reader wraps a failing stream's IOException in its own; the remote one already says what happened.
            ExceptionDispatchInfo.Capture(remote).Throw();
            throw;
        }
    }
}
