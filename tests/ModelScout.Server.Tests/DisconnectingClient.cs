using System.Net.Sockets;
using System.Text;

namespace ModelScout.Server.Tests;

/// <summary>
/// A client that goes away mid-stream: sends a request over a raw socket, reads until the first bytes of the body, then
/// resets the connection. (HttpClient would instead drain the rest of the response before giving the connection up.)
/// </summary>
internal static class DisconnectingClient
{
    public static async Task<string> PostThenResetAsync(Uri server, string path, string json, string waitFor, Action? beforeReset = null)
    {
        using var client = new TcpClient();
        await client.ConnectAsync(server.Host, server.Port);
        var body = Encoding.UTF8.GetBytes(json);
        var head = $"POST {path} HTTP/1.1\r\nHost: {server.Host}:{server.Port}\r\nContent-Type: application/json\r\nContent-Length: {body.Length}\r\n\r\n";
        var stream = client.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes(head));
        await stream.WriteAsync(body);
        var received = new StringBuilder();
        var buffer = new byte[4096];
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (!received.ToString().Contains(waitFor, StringComparison.Ordinal))
        {
            var n = await stream.ReadAsync(buffer, timeout.Token);
            if (n == 0) throw new InvalidOperationException("the server closed the connection before sending " + waitFor + ": " + received);
            received.Append(Encoding.UTF8.GetString(buffer, 0, n));
        }
        beforeReset?.Invoke();
        // Linger 0: close with a reset, as a killed process or a dropped network does.
        client.Client.LingerState = new LingerOption(true, 0);
        client.Client.Close();
        return received.ToString();
    }
}
