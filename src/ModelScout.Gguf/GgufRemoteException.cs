using System.Net;

namespace ModelScout.Gguf;

/// <summary>
/// Reading a GGUF header over HTTP failed for a reason that is not the file's format: an HTTP error status, a refused or
/// dropped connection, a timeout, or a server that answered a range request with other bytes than asked. A file that
/// arrives intact but is not a valid GGUF raises <see cref="GgufFormatException"/> instead.
/// </summary>
public sealed class GgufRemoteException : IOException
{
    public GgufRemoteException() : this("reading a remote GGUF header failed") { }

    public GgufRemoteException(string message) : base(message) { }

    public GgufRemoteException(string message, Exception inner) : base(message, inner) { }

    /// <summary>A failure reading <paramref name="url"/>, after <paramref name="bytesReceived"/> bytes of the file arrived.</summary>
    /// <param name="message">What happened, for a person to act on.</param>
    /// <param name="url">The URL as the caller gave it.</param>
    /// <param name="statusCode">The HTTP status, when the failure is one.</param>
    /// <param name="bytesReceived">Bytes of the file received before the failure.</param>
    /// <param name="inner">The transport's exception, if any.</param>
    public GgufRemoteException(string message, Uri url, HttpStatusCode? statusCode, long bytesReceived, Exception? inner = null) : base(message, inner)
    {
        Url = url;
        StatusCode = statusCode;
        BytesReceived = bytesReceived;
    }

    /// <summary>The URL as the caller gave it (before any redirect).</summary>
    public Uri? Url { get; }

    /// <summary>The HTTP status the server answered with, when the failure is an HTTP status.</summary>
    public HttpStatusCode? StatusCode { get; }

    /// <summary>Bytes of the file received before the failure.</summary>
    public long BytesReceived { get; }
}
