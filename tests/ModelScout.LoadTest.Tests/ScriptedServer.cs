using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using ModelScout.Testing;

namespace ModelScout.LoadTest.Tests;

/// <summary>
/// A Kestrel server on 127.0.0.1:0 that streams scripted answers. The model name picks the behaviour ("ok", "nousage",
/// "reset", "500", "503", "stall", "malformed"); the prompt is the request's id. It records, on the shared monotonic
/// clock, when each content chunk finished flushing: that is the truth the client's timestamps are checked against.
/// </summary>
internal sealed class ScriptedServer : IAsyncDisposable
{
    // Staggered per request, as real arrivals are: sixteen streams flushing in the same instant would measure the order
    // in which one client reads sixteen sockets, not the delays.
    public static int FirstDelayMs(int id) => 10 + 2 * (id % 16);

    public static int GapMs(int id) => 4 + id % 3;

    private LoopbackHttpServer server = null!;

    public ConcurrentDictionary<string, List<long>> Flushed { get; } = new();

    public Uri BaseAddress => server.BaseUri;

    private ScriptedServer()
    {
    }

    /// <summary>Content chunks for request <paramref name="id"/>: 2 to 6.</summary>
    public static int Chunks(int id) => 2 + id % 5;

    /// <summary>Tokens the server reports for request <paramref name="id"/>: two per chunk, so a counter differs from a chunk count.</summary>
    public static int Tokens(int id) => 2 * Chunks(id);

    public static int PromptTokens(int id) => 10 + id;

    /// <summary>Requests served; /metrics reports it as a counter.</summary>
    public int Served => served;

    private int served;

    /// <param name="extras">Also serve /tokenize (one token per whitespace-separated word) and /metrics.</param>
    public static async Task<ScriptedServer> StartAsync(bool extras = false)
    {
        var scripted = new ScriptedServer();
        scripted.server = await LoopbackHttpServer.StartAsync(app => scripted.Map(app, extras), new LoopbackHttpServerOptions
        {
            // Inline scheduling puts the bytes on the socket inside FlushAsync, so the timestamp taken after it is the send
            // time rather than the time the bytes entered Kestrel's queue.
            Configure = builder => builder.WebHost.UseSockets(sockets => sockets.UnsafePreferInlineScheduling = true),
        });
        return scripted;
    }

    private void Map(WebApplication app, bool extras)
    {
        app.MapPost("/v1/chat/completions", (HttpContext context) => ServeAsync(context, openAI: true));
        app.MapPost("/api/chat", (HttpContext context) => ServeAsync(context, openAI: false));
        if (extras)
        {
            app.MapPost("/tokenize", async (HttpContext context) =>
            {
                using var request = await JsonDocument.ParseAsync(context.Request.Body);
                var words = request.RootElement.GetProperty("content").GetString()!.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length;
                await context.Response.WriteAsync($"{{\"tokens\":[{string.Join(",", Enumerable.Repeat(7, words))}]}}");
            });
            app.MapGet("/metrics", (HttpContext context) => context.Response.WriteAsync(
                $"# TYPE scripted_requests_total counter\nscripted_requests_total{{server=\"scripted\"}} {Served}\n"));
        }
    }

    private async Task ServeAsync(HttpContext context, bool openAI)
    {
        using var request = await JsonDocument.ParseAsync(context.Request.Body);
        var model = request.RootElement.GetProperty("model").GetString()!;
        var messages = request.RootElement.GetProperty("messages");
        var idText = messages[0].GetProperty("content").GetString()!;
        var id = int.Parse(idText);
        Interlocked.Increment(ref served);
        if (openAI && !request.RootElement.GetProperty("stream_options").GetProperty("include_usage").GetBoolean())
        {
            context.Response.StatusCode = 400;
            return;
        }
        if (model is "500" or "503")
        {
            context.Response.StatusCode = int.Parse(model);
            await context.Response.WriteAsync("scripted failure: model is overloaded");
            return;
        }
        // A repeated request id starts a fresh record (a test may rerun a scenario).
        var flushed = new List<long>();
        Flushed[idText] = flushed;
        var response = context.Response;
        response.ContentType = openAI ? "text/event-stream" : "application/x-ndjson";
        var abort = context.RequestAborted;
        await Task.Delay(FirstDelayMs(id), abort);
        var chunks = Chunks(id);
        for (var i = 0; i < chunks; i++)
        {
            if (i > 0) await Task.Delay(GapMs(id), abort);
            if (model == "reset" && i == 1)
            {
                context.Abort();
                return;
            }
            if (model == "malformed" && i == 1)
            {
                await WriteAsync(response, openAI ? "data: {\"choices\":[{\"delta\":{\"content\":\"x\"\n\n" : "{\"message\":{\"content\":\n", abort);
                continue;
            }
            if (model == "stall" && i == 1) await Task.Delay(Timeout.Infinite, abort);
            var text = openAI
                ? $"data: {{\"id\":\"c{id}\",\"object\":\"chat.completion.chunk\",\"choices\":[{{\"index\":0,\"delta\":{{\"content\":\"t{i} \"}},\"finish_reason\":null}}]}}\n\n"
                : $"{{\"model\":\"{model}\",\"message\":{{\"role\":\"assistant\",\"content\":\"t{i} \"}},\"done\":false}}\n";
            await WriteAsync(response, text, abort);
            flushed.Add(Stopwatch.GetTimestamp());
        }
        if (openAI)
        {
            // A role-only first chunk and a finish chunk carry no content and must not move TTFT or E2E.
            await WriteAsync(response, $"data: {{\"choices\":[{{\"index\":0,\"delta\":{{}},\"finish_reason\":\"stop\"}}]}}\n\n", abort);
            if (model != "nousage")
            {
                await WriteAsync(response, $"data: {{\"choices\":[],\"usage\":{{\"prompt_tokens\":{PromptTokens(id)},\"completion_tokens\":{Tokens(id)},\"total_tokens\":{PromptTokens(id) + Tokens(id)}}}}}\n\n", abort);
            }
            await WriteAsync(response, "data: [DONE]\n\n", abort);
        }
        else
        {
            var counters = model == "nousage" ? "" : $",\"prompt_eval_count\":{PromptTokens(id)},\"eval_count\":{Tokens(id)}";
            await WriteAsync(response, $"{{\"model\":\"{model}\",\"message\":{{\"role\":\"assistant\",\"content\":\"\"}},\"done\":true{counters}}}\n", abort);
        }
    }

    private static async Task WriteAsync(HttpResponse response, string text, CancellationToken cancellationToken)
    {
        await response.Body.WriteAsync(Encoding.UTF8.GetBytes(text), cancellationToken);
        await response.Body.FlushAsync(cancellationToken);
    }

    public ValueTask DisposeAsync() => server.DisposeAsync();
}
