using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace ModelScout.Server.Tests;

/// <summary>
/// Clients that trickle their request (slow-loris) are cut off by the server's Kestrel limits, while a normal client is
/// served at the same time.
/// </summary>
public sealed class SlowClientTests
{
    // Sends head, then one byte of trickle per second until the server closes the connection or the bytes run out;
    // returns what the server answered and how long after the first byte the connection ended.
    private static async Task<(string Answer, TimeSpan Lasted, int Trickled)> TrickleAsync(Uri server, string head, string trickle)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(server.Host, server.Port);
        var stream = tcp.GetStream();
        var clock = Stopwatch.StartNew();
        await stream.WriteAsync(Encoding.ASCII.GetBytes(head));
        var sent = 0;
        using var stop = new CancellationTokenSource();
        var writer = Task.Run(async () =>
        {
            try
            {
                foreach (var b in Encoding.ASCII.GetBytes(trickle))
                {
                    await Task.Delay(TimeSpan.FromSeconds(1), stop.Token);
                    await stream.WriteAsync(new[] { b }, stop.Token);
                    Interlocked.Increment(ref sent);
                }
            }
            catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
            {
                // The server closed the connection: what the test waits for.
            }
        });
        var answer = new StringBuilder();
        var buffer = new byte[4096];
        try
        {
            using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            int read;
            while ((read = await stream.ReadAsync(buffer, deadline.Token)) > 0) answer.Append(Encoding.ASCII.GetString(buffer, 0, read));
        }
        catch (IOException)
        {
            // A reset rather than a clean close ends the connection just as well.
        }
        var lasted = clock.Elapsed;
        await stop.CancelAsync();
        await writer;
        return (answer.ToString(), lasted, Volatile.Read(ref sent));
    }

    [Fact]
    public async Task A_client_sending_its_headers_a_byte_a_second_is_cut_off_while_others_are_served()
    {
        await using var h = await ServerHarness.StartScriptedAsync(s => s with { RequestHeadersTimeout = TimeSpan.FromSeconds(3) });
        var loris = TrickleAsync(h.BaseAddress, "GET /api/tags HTTP/1.1\r\nHost: localhost\r\n", "X-Slow: " + new string('a', 40) + "\r\n\r\n");

        // Served meanwhile, on other connections.
        await Task.Delay(TimeSpan.FromSeconds(1));
        using var tags = await h.Http.GetAsync("/api/tags");
        Assert.Equal(HttpStatusCode.OK, tags.StatusCode);
        using var chat = await h.Http.PostAsync("/api/chat", new StringContent(
            """{"model":"llama3.1:8b","messages":[{"role":"user","content":"hi"}],"stream":false}""", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.OK, chat.StatusCode);
        Assert.False(loris.IsCompleted, "the slow client was cut off before the others were served; the test shows nothing");

        var (answer, lasted, trickled) = await loris;
        // Kestrel checks its timeouts once a second: the cut comes between 3 and about 5 s, far before the 50 bytes end.
        Assert.True(lasted < TimeSpan.FromSeconds(12), $"the connection lasted {lasted.TotalSeconds:0.0} s");
        Assert.True(trickled < 20, $"{trickled} header bytes were accepted one a second");
        Assert.True(answer.Length == 0 || answer.StartsWith("HTTP/1.1 408", StringComparison.Ordinal), answer);
    }

    [Fact]
    public async Task A_client_trickling_its_body_is_cut_off_by_the_minimum_data_rate()
    {
        await using var h = await ServerHarness.StartScriptedAsync(s => s with { MinDataRateGrace = TimeSpan.FromSeconds(2) });
        const string body = """{"model":"llama3.1:8b","messages":[{"role":"user","content":"a slow client says hello"}],"stream":false}""";
        var head = $"POST /api/chat HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: {body.Length}\r\n\r\n";

        var (answer, lasted, trickled) = await TrickleAsync(h.BaseAddress, head, body);

        // 1 byte/s against a 240 bytes/s minimum: cut once the 2 s grace is over, long before the body is complete.
        Assert.True(lasted < TimeSpan.FromSeconds(12), $"the connection lasted {lasted.TotalSeconds:0.0} s");
        Assert.True(trickled < body.Length / 2, $"{trickled} of {body.Length} body bytes were accepted one a second");
        Assert.True(answer.Length == 0 || answer.StartsWith("HTTP/1.1 408", StringComparison.Ordinal), answer);
        using var after = await h.Http.GetAsync("/api/tags");
        Assert.Equal(HttpStatusCode.OK, after.StatusCode);
    }
}
