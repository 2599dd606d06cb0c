using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace ModelScout.ServeBench;

/// <summary>
/// (c) and (d): a child <c>scout serve</c> on 127.0.0.1, streaming OpenAI chat completions read with a plain
/// HttpClient and a hand-rolled SSE reader (no SDK between the bytes and the clock), then its idle RSS from /proc.
/// </summary>
internal sealed class HttpMeasure : IAsyncDisposable
{
    private readonly Process server;
    private readonly StringBuilder log;
    private readonly string logDir;
    private readonly HttpClient http;
    private readonly string model;
    private readonly BenchSettings s;

    private HttpMeasure(Process server, StringBuilder log, string logDir, HttpClient http, string model, BenchSettings s)
    {
        this.server = server;
        this.log = log;
        this.logDir = logDir;
        this.http = http;
        this.model = model;
        this.s = s;
    }

    public int Pid => server.Id;

    /// <summary>Starts `scout serve` on a free loopback port and loads the model; null (with the reason in results) if it cannot.</summary>
    public static async Task<HttpMeasure?> StartAsync(string scout, string model, string logDir, BenchSettings s, BenchResults results)
    {
        // The server serves store names: import the file first (a no-op when the blob is already there).
        var store = Path.Combine(logDir, "serve-models");
        const string name = "bench-model:latest";
        using (var import = Process.Start(new ProcessStartInfo(scout, ["import", model, name, "--models", store]) { RedirectStandardOutput = true, RedirectStandardError = true })
            ?? throw new InvalidOperationException($"could not start {scout}"))
        {
            var err = await import.StandardError.ReadToEndAsync();
            await import.WaitForExitAsync();
            if (import.ExitCode != 0)
            {
                results.Skipped["http"] = $"`scout import` failed ({import.ExitCode}): {Tail(err)}";
                return null;
            }
        }
        model = name;
        var port = FreePort();
        var start = new ProcessStartInfo(scout, ["serve"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment["SCOUT_HOST"] = $"127.0.0.1:{port}";
        start.Environment["SCOUT_NUM_THREAD"] = s.Threads.ToString(CultureInfo.InvariantCulture);
        start.Environment["SCOUT_NUM_PARALLEL"] = s.Streams.ToString(CultureInfo.InvariantCulture);
        start.Environment["SCOUT_MODELS"] = store;
        var server = Process.Start(start) ?? throw new InvalidOperationException($"could not start {scout}");
        var log = new StringBuilder();
        server.OutputDataReceived += (_, e) => { lock (log) log.AppendLine(e.Data); };
        server.ErrorDataReceived += (_, e) => { lock (log) log.AppendLine(e.Data); };
        server.BeginOutputReadLine();
        server.BeginErrorReadLine();
        var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromMinutes(5) };
        var measure = new HttpMeasure(server, log, logDir, http, model, s);
        try
        {
            if (!await ReadyAsync(http, server))
            {
                lock (log) results.Skipped["http"] = $"`{scout} serve` did not answer GET / within 60 s: " + Tail(log.ToString());
                await measure.DisposeAsync();
                return null;
            }
            await StreamAsync(http, model, s.GenerateTokens); // loads the model
            results.Facts["rss.afterLoadBytes"] = Rss(server.Id, "VmRSS:").ToString(CultureInfo.InvariantCulture);
            return measure;
        }
        catch (HttpRequestException e)
        {
            lock (log) results.Skipped["http"] = $"request failed: {e.Message}; server log: {Tail(log.ToString())}";
            await measure.DisposeAsync();
            return null;
        }
    }

    /// <summary>One streamed completion, tokens/s between the first and the last content chunk.</summary>
    public async Task<double> GenerationAsync()
    {
        var r = await StreamAsync(http, model, s.GenerateTokens);
        return (r.Tokens - 1) / (r.Last - r.First).TotalSeconds;
    }

    public async Task<double> TtftAsync() => (await StreamAsync(http, model, 8)).First.TotalMilliseconds;

    /// <summary><paramref name="streams"/> concurrent completions; all their tokens over the wall-clock time.</summary>
    public async Task<double> AggregateAsync(int streams)
    {
        var sw = Stopwatch.StartNew();
        var all = await Task.WhenAll(Enumerable.Range(0, streams).Select(_ => StreamAsync(http, model, s.GenerateTokens)));
        return all.Sum(r => r.Tokens) / sw.Elapsed.TotalSeconds;
    }

    public async ValueTask DisposeAsync()
    {
        http.Dispose();
        if (!server.HasExited)
        {
            server.Kill(entireProcessTree: true);
            await server.WaitForExitAsync();
        }
        lock (log) File.WriteAllText(Path.Combine(logDir, "serve-server.log"), log.ToString());
        server.Dispose();
    }

    /// <summary>One streamed chat completion: tokens per the usage chunk, and when the first and last content arrived.</summary>
    private static async Task<(int Tokens, TimeSpan First, TimeSpan Last)> StreamAsync(HttpClient http, string model, int maxTokens)
    {
        var body = new JsonObject
        {
            ["model"] = model,
            ["messages"] = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = "Once upon a time" }),
            ["stream"] = true,
            ["stream_options"] = new JsonObject { ["include_usage"] = true },
            ["max_tokens"] = maxTokens,
            ["temperature"] = 0,
            ["seed"] = 42,
        };
        var sw = Stopwatch.StartNew();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions") { Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json") };
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        if (response.StatusCode != HttpStatusCode.OK)
            throw new HttpRequestException($"POST /v1/chat/completions answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        TimeSpan? first = null;
        TimeSpan last = default;
        int chunks = 0, usage = -1;
        while (await reader.ReadLineAsync() is { } line)
        {
            if (!line.StartsWith("data: ", StringComparison.Ordinal)) continue;
            var data = line.AsSpan(6);
            if (data.SequenceEqual("[DONE]")) break;
            using var doc = JsonDocument.Parse(data.ToString());
            var root = doc.RootElement;
            if (root.TryGetProperty("usage", out var u) && u.ValueKind == JsonValueKind.Object) usage = u.GetProperty("completion_tokens").GetInt32();
            if (root.TryGetProperty("choices", out var choices) && choices.GetArrayLength() > 0
                && choices[0].TryGetProperty("delta", out var delta) && delta.TryGetProperty("content", out var content)
                && content.ValueKind == JsonValueKind.String && content.GetString()!.Length > 0)
            {
                last = sw.Elapsed;
                first ??= last;
                chunks++;
            }
        }
        return (usage >= 0 ? usage : chunks, first ?? sw.Elapsed, last);
    }

    private static async Task<bool> ReadyAsync(HttpClient http, Process server)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromSeconds(60) && !server.HasExited)
        {
            try
            {
                using var r = await http.GetAsync("/");
                if (r.IsSuccessStatusCode) return true;
            }
            catch (HttpRequestException)
            {
                // not listening yet
            }
            await Task.Delay(100);
        }
        return false;
    }

    /// <summary>A line of /proc/PID/status in bytes (the kernel reports kB).</summary>
    public static long Rss(int pid, string key)
    {
        foreach (var line in File.ReadLines($"/proc/{pid}/status"))
            if (line.StartsWith(key, StringComparison.Ordinal))
                return long.Parse(line[key.Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) * 1024;
        return -1;
    }

    private static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }

    private static string Tail(string s) => s.Length <= 600 ? s.Trim() : "..." + s[^600..].Trim();
}
