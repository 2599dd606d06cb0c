using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace ModelScout.Gguf.Tests;

public sealed class RemoteFailureTests(GgufHttpServer server) : IClassFixture<GgufHttpServer>
{
    private static HttpClient Client(double seconds = 20) => new() { Timeout = TimeSpan.FromSeconds(seconds) };

    private static GgufRemoteException Fails(Uri url, HttpClient http, GgufLimits? limits = null)
    {
        var e = Assert.Throws<GgufRemoteException>(() => GgufRemote.Read(url, http, limits));
        Assert.Equal(url, e.Url);
        Assert.Contains(url.ToString(), e.Message, StringComparison.Ordinal);
        return e;
    }

    [Theory]
    [InlineData(404, "404 Not Found", "check the repository")]
    [InlineData(401, "401 Unauthorized", "gated or private")]
    [InlineData(403, "403 Forbidden", "gated or private")]
    [InlineData(500, "500 Internal Server Error", "try again later")]
    [InlineData(503, "503 Service Unavailable", "try again later")]
    [InlineData(416, "416 Range Not Satisfiable", "bytes 0-524287 were asked for")]
    public void An_HTTP_error_names_the_status_and_the_url(int code, string status, string hint)
    {
        using var http = Client();
        var url = server.Url("status", TestFiles.Stories, $"code={code}");
        var e = Fails(url, http);
        Assert.Equal((HttpStatusCode)code, e.StatusCode);
        Assert.StartsWith($"the server returned {status} for {url}", e.Message, StringComparison.Ordinal);
        Assert.Contains(hint, e.Message, StringComparison.Ordinal);
        Assert.Equal(0, e.BytesReceived);
    }

    [Fact]
    public void An_empty_file_answers_416_and_is_called_empty()
    {
        using var http = Client();
        var e = Fails(server.Url("range", TestFiles.Empty), http);
        Assert.Equal(HttpStatusCode.RequestedRangeNotSatisfiable, e.StatusCode);
        Assert.Contains("the file is empty", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_redirect_the_client_does_not_follow_is_named_with_its_target()
    {
        using var http = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false });
        var e = Fails(server.Url("redirect", TestFiles.Stories), http);
        Assert.Equal(HttpStatusCode.Found, e.StatusCode);
        Assert.Contains($"redirect to /range/{TestFiles.Stories} was not followed", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("full")]
    [InlineData("range")]
    public void A_connection_dropped_mid_header_says_how_much_arrived(string mode)
    {
        using var http = Client();
        var e = Fails(server.Url(mode, TestFiles.BigHeader, "drop=1048576"), http);
        Assert.Null(e.StatusCode);
        Assert.InRange(e.BytesReceived, 1, 1 << 20);
        Assert.StartsWith($"the connection dropped after {e.BytesReceived:N0} bytes of the header", e.Message, StringComparison.Ordinal);
        Assert.IsNotType<GgufFormatException>(e.InnerException);
    }

    [Fact]
    public void A_server_slow_to_answer_times_out_with_the_clients_timeout()
    {
        using var http = Client(0.3);
        var clock = Stopwatch.StartNew();
        var e = Fails(server.Url("slow", TestFiles.Stories), http);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), clock.Elapsed.ToString());
        Assert.Contains("did not answer within 0.3 s", e.Message, StringComparison.Ordinal);
        Assert.Null(e.StatusCode);
    }

    [Fact]
    public void A_body_that_stalls_times_out_after_what_arrived()
    {
        // 3 s, not less: on a loaded CI machine the first 700,000 bytes must arrive well inside the timeout.
        using var http = Client(3);
        var clock = Stopwatch.StartNew();
        var e = Fails(server.Url("range", TestFiles.BigHeader, "stall=700000"), http);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), clock.Elapsed.ToString());
        Assert.Equal(700_000, e.BytesReceived);
        Assert.Contains("sent nothing for 3 s after 700,000 bytes of the header (timed out)", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Cancelling_is_a_cancellation_not_a_remote_error()
    {
        using var http = Client();
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));
        Assert.ThrowsAny<OperationCanceledException>(() => GgufRemote.Read(server.Url("slow", TestFiles.Stories), http, ct: cts.Token));
    }

    [Fact]
    public void A_refused_connection_is_a_remote_error()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        using var http = Client();
        var e = Fails(new Uri($"http://127.0.0.1:{port}/model.gguf"), http);
        Assert.Null(e.StatusCode);
        Assert.IsType<HttpRequestException>(e.InnerException);
    }

    [Fact]
    public void A_206_for_other_bytes_than_asked_is_a_remote_error()
    {
        using var http = Client();
        var e = Fails(server.Url("range", TestFiles.Stories, "shift=16"), http);
        Assert.Equal(HttpStatusCode.PartialContent, e.StatusCode);
        Assert.Contains("for bytes 0-524287 but the server answered 206 Partial Content with bytes 16-524303/", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_206_with_an_empty_body_is_a_remote_error()
    {
        using var http = Client();
        var before = server.Log.Count;
        var e = Fails(server.Url("range", TestFiles.Stories, "bodyOnly=0"), http);
        Assert.Contains("the server sent no bytes for a range", e.Message, StringComparison.Ordinal);
        // Asked once, not again and again from the same byte.
        Assert.Single(server.Since(before));
    }

    [Fact]
    public void An_HTML_page_instead_of_the_file_is_the_readers_format_error()
    {
        using var http = Client();
        var e = Assert.Throws<GgufFormatException>(() => GgufRemote.Read(server.Url("html", TestFiles.Stories), http));
        Assert.Contains("looks like HTML", e.Message, StringComparison.Ordinal);
        Assert.Equal(0, e.Offset);
    }

    [Fact]
    public void A_file_cut_inside_its_header_is_a_format_error_whether_or_not_its_length_is_known()
    {
        using var http = Client();
        // With the length known, the reader sees that the token types cannot fit before reading them.
        var known = Assert.Throws<GgufFormatException>(() => GgufRemote.Read(server.Url("range", TestFiles.Truncated), http));
        Assert.Contains("remain in the file", known.Message, StringComparison.Ordinal);
        // Without it, the stream asks past the end, the server answers 416, and the reader finds the file short.
        var before = server.Log.Count;
        var unknown = Assert.Throws<GgufFormatException>(() => GgufRemote.Read(server.Url("range", TestFiles.Truncated, "total=unknown"), http));
        Assert.Contains("the file ends at byte 600000", unknown.Message, StringComparison.Ordinal);
        Assert.Equal(["bytes=0-524287", "bytes=524288-1572863", "bytes=600000-2697151"], server.Since(before).Select(q => q.Range));
    }

    [Fact]
    public void A_header_of_unknown_length_is_never_fetched_past_the_header_limit()
    {
        using var http = Client();
        var before = server.Log.Count;
        var limits = new GgufLimits { MaxHeaderBytes = 1 << 20 };
        var e = Assert.Throws<GgufFormatException>(() => GgufRemote.Read(server.Url("range", TestFiles.BigHeader, "total=unknown"), http, limits));
        Assert.Contains("the header is larger than 1,048,576 bytes", e.Message, StringComparison.Ordinal);
        Assert.Equal(["bytes=0-524287", "bytes=524288-1048575"], server.Since(before).Select(q => q.Range));
    }

    [Fact]
    public void Only_absolute_http_urls_are_accepted()
    {
        using var http = Client();
        Assert.Throws<ArgumentException>(() => GgufRemote.Read(new Uri("file:///tmp/x.gguf"), http));
        Assert.Throws<ArgumentException>(() => GgufRemote.Read(new Uri("x.gguf", UriKind.Relative), http));
    }
}
