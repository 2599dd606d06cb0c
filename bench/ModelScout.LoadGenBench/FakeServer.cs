using System.Buffers;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace ModelScout.LoadGenBench;

/// <summary>
/// An OpenAI-compatible endpoint that answers instantly: every streamed request gets <see cref="ContentChunks"/> content
/// chunks, a finish chunk, a usage chunk and [DONE], each flushed as its own write (as a real server sends tokens), with
/// no delay between them. A request whose model is <c>rec-N</c> has the monotonic time after each content chunk's flush
/// recorded under N, so the client can subtract it from the time it read the chunk (same CLOCK_MONOTONIC across processes).
/// <c>POST /v1/plain</c> answers one small non-streamed JSON body, the plain-HTTP ceiling.
/// </summary>
internal static class FakeServer
{
    public const int ContentChunks = 8;

    private static readonly byte[][] Chunks = Enumerable.Range(0, ContentChunks)
        .Select(i => Encoding.UTF8.GetBytes($"data: {{\"id\":\"x\",\"object\":\"chat.completion.chunk\",\"choices\":[{{\"index\":0,\"delta\":{{\"content\":\"t{i} \"}},\"finish_reason\":null}}]}}\n\n"))
        .ToArray();

    private static readonly byte[] Finish = "data: {\"id\":\"x\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\n"u8.ToArray();
    private static readonly byte[] Usage = "data: {\"id\":\"x\",\"object\":\"chat.completion.chunk\",\"choices\":[],\"usage\":{\"prompt_tokens\":4,\"completion_tokens\":8,\"total_tokens\":12}}\n\n"u8.ToArray();
    private static readonly byte[] Done = "data: [DONE]\n\n"u8.ToArray();
    private static readonly byte[] Plain = "{\"id\":\"x\",\"object\":\"chat.completion\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"t0 t1 t2 t3 t4 t5 t6 t7 \"},\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":4,\"completion_tokens\":8,\"total_tokens\":12}}"u8.ToArray();

    private static readonly ConcurrentDictionary<int, long[]> Recorded = new();

    public static async Task<int> RunAsync(int port)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls(string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{port}"));
        // The bytes go to the socket inside FlushAsync, so the time taken after it is the send time.
        builder.WebHost.UseSockets(s => s.UnsafePreferInlineScheduling = true);
        var app = builder.Build();
        app.MapPost("/v1/chat/completions", StreamAsync);
        app.MapPost("/v1/plain", PlainAsync);
        app.MapGet("/recorded", (HttpContext c) => RecordedAsync(c));
        app.MapPost("/recorded/clear", () => Recorded.Clear());
        await app.StartAsync();
        Console.WriteLine(app.Urls.First());
        Console.Out.Flush();
        var stop = new TaskCompletionSource();
        Console.CancelKeyPress += (_, e) => { e.Cancel = true; stop.TrySetResult(); };
        AppDomain.CurrentDomain.ProcessExit += (_, _) => stop.TrySetResult();
        // The script stops the server by closing its stdin.
        _ = Task.Run(() => { Console.In.ReadToEnd(); stop.TrySetResult(); });
        await stop.Task;
        await app.StopAsync();
        return 0;
    }

    private static async Task StreamAsync(HttpContext context)
    {
        var id = await RecordingId(context.Request);
        var response = context.Response;
        response.ContentType = "text/event-stream";
        var body = response.Body;
        long[]? times = id is null ? null : new long[ContentChunks];
        for (var i = 0; i < ContentChunks; i++)
        {
            await body.WriteAsync(Chunks[i]);
            await body.FlushAsync();
            if (times is not null) times[i] = Stopwatch.GetTimestamp();
        }
        await body.WriteAsync(Finish);
        await body.WriteAsync(Usage);
        await body.WriteAsync(Done);
        if (id is { } n) Recorded[n] = times!;
    }

    private static async Task PlainAsync(HttpContext context)
    {
        await Drain(context.Request);
        context.Response.ContentType = "application/json";
        context.Response.ContentLength = Plain.Length;
        await context.Response.Body.WriteAsync(Plain);
    }

    private static async Task RecordedAsync(HttpContext context)
    {
        // One line per request: id, then the flush times of its content chunks.
        var text = new StringBuilder();
        foreach (var (id, times) in Recorded)
            text.Append(id.ToString(CultureInfo.InvariantCulture)).Append(' ').AppendJoin(' ', times.Select(t => t.ToString(CultureInfo.InvariantCulture))).Append('\n');
        context.Response.ContentType = "text/plain";
        await context.Response.WriteAsync(text.ToString());
    }

    private static async Task Drain(HttpRequest request)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(4096);
        try
        {
            while (await request.Body.ReadAsync(buffer) > 0) { }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    // Reads the whole body; the model name "rec-N" marks a request whose chunk times are recorded.
    private static async Task<int?> RecordingId(HttpRequest request)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(4096);
        try
        {
            var filled = 0;
            int read;
            while ((read = await request.Body.ReadAsync(buffer.AsMemory(filled))) > 0)
            {
                filled += read;
                if (filled == buffer.Length)
                {
                    await Drain(request);
                    break;
                }
            }
            var span = buffer.AsSpan(0, filled);
            var at = span.IndexOf("\"model\":\"rec-"u8);
            if (at < 0) return null;
            var digits = span[(at + 13)..];
            var end = digits.IndexOf((byte)'"');
            return end > 0 && int.TryParse(Encoding.ASCII.GetString(digits[..end]), NumberStyles.None, CultureInfo.InvariantCulture, out var id) ? id : null;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
