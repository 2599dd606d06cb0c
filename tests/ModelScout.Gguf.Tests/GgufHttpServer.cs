using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using ModelScout.Testing;

namespace ModelScout.Gguf.Tests;

/// <summary>One request as the server saw it.</summary>
public sealed record ServedRequest(string Path, string? Range, string UserAgent);

/// <summary>
/// A Kestrel server on 127.0.0.1 that serves the test files the ways real servers answer and fail. URLs are
/// <c>/{mode}/{file}?{options}</c>.
/// </summary>
/// <remarks>
/// Modes: <c>range</c> honours a single byte range with 206; <c>full</c> ignores Range and sends 200 with the whole
/// file; <c>kestrel</c> is ASP.NET Core's own file result with range processing; <c>status</c> answers <c>code</c>;
/// <c>redirect</c> answers 302 to <c>/range/{file}</c>; <c>slow</c> waits before answering; <c>html</c> sends a login page.
/// Options for range and full: <c>total=unknown</c> (Content-Range total <c>*</c>), <c>cap=N</c> (at most N bytes an
/// answer), <c>shift=N</c> (a range N bytes later than asked), <c>drop=N</c> (abort the connection at file offset N),
/// <c>stall=N</c> (stop sending at file offset N), <c>chunked=1</c> (full without Content-Length), <c>rangesBelow=N</c>
/// (answer ranges starting at or past N with the whole file, as a server behind a changing proxy might), <c>bodyOnly=N</c>
/// (a 206 that claims the whole range but whose chunked body ends cleanly after N bytes).
/// </remarks>
public sealed class GgufHttpServer : IAsyncLifetime
{
    private LoopbackHttpServer? server;

    /// <summary>Where the server listens, once started.</summary>
    public Uri BaseUri => server?.BaseUri ?? new("http://127.0.0.1/");

    /// <summary>Every request, in arrival order.</summary>
    public IReadOnlyList<ServedRequest> Log => server is null ? [] : [.. server.Requests.Select(Served)];

    public Uri Url(string mode, string file, string query = "") => new(BaseUri, $"/{mode}/{file}{(query.Length > 0 ? "?" + query : "")}");

    /// <summary>The requests that arrived after the first <paramref name="skip"/>.</summary>
    public ServedRequest[] Since(int skip) => [.. Log.Skip(skip)];

    public async Task InitializeAsync() =>
        server = await LoopbackHttpServer.StartAsync(app => app.Run(Handle), new LoopbackHttpServerOptions { RecordRequests = true });

    public async Task DisposeAsync()
    {
        if (server is not null) await server.DisposeAsync();
    }

    private static ServedRequest Served(RecordedRequest r) => new(r.Path, r.Header("Range") is { Length: > 0 } range ? range : null, r.Header("User-Agent") ?? "");

    private static async Task Handle(HttpContext ctx)
    {
        var segments = (ctx.Request.Path.Value ?? "").Trim('/').Split('/');
        if (segments.Length != 2)
        {
            ctx.Response.StatusCode = StatusCodes.Status404NotFound;
            return;
        }
        var (mode, name) = (segments[0], segments[1]);
        var query = ctx.Request.Query;
        long? Option(string key) => long.TryParse(query[key].ToString(), NumberStyles.None, CultureInfo.InvariantCulture, out var v) ? v : null;
        try
        {
            switch (mode)
            {
                case "slow":
                    await Task.Delay(TimeSpan.FromSeconds(30), ctx.RequestAborted);
                    return;
                case "html":
                    ctx.Response.ContentType = "text/html; charset=utf-8";
                    await ctx.Response.WriteAsync("<!DOCTYPE html><html><body>Sign in to continue</body></html>", ctx.RequestAborted);
                    return;
                case "redirect":
                    ctx.Response.Redirect($"/range/{name}");
                    return;
            }
            var path = TestFiles.Path(name);
            if (path is null)
            {
                ctx.Response.StatusCode = StatusCodes.Status404NotFound;
                return;
            }
            switch (mode)
            {
                case "status":
                    var code = (int)(Option("code") ?? 500);
                    ctx.Response.StatusCode = code;
                    if (code == StatusCodes.Status416RangeNotSatisfiable) ctx.Response.Headers.ContentRange = $"bytes */{new FileInfo(path).Length}";
                    await ctx.Response.WriteAsync("error", ctx.RequestAborted);
                    return;
                case "kestrel":
                    await Results.File(path, "application/octet-stream", enableRangeProcessing: true).ExecuteAsync(ctx);
                    return;
                case "range" or "full":
                    var rangesBelow = Option("rangesBelow") ?? long.MaxValue;
                    await Serve(ctx, path, honourRange: mode == "range", rangesBelow, Option("cap"), Option("bodyOnly"), Option("shift") ?? 0, Option("drop"), Option("stall"),
                        query["total"] == "unknown", query["chunked"] == "1");
                    return;
                default:
                    ctx.Response.StatusCode = StatusCodes.Status404NotFound;
                    return;
            }
        }
        catch (Exception e) when (e is OperationCanceledException or IOException)
        {
            // The client hung up, as the reader does once it has the header.
        }
    }

    private static async Task Serve(HttpContext ctx, string path, bool honourRange, long rangesBelow, long? cap, long? bodyOnly, long shift, long? dropAt, long? stallAt, bool unknownTotal, bool chunked)
    {
        var length = new FileInfo(path).Length;
        long start = 0, end = length - 1;
        var ranges = ctx.Request.GetTypedHeaders().Range?.Ranges;
        var response = ctx.Response;
        response.ContentType = "application/octet-stream";
        if (honourRange && ranges is { Count: 1 } && ranges.First() is { From: { } from } item && from < rangesBelow)
        {
            if (from >= length)
            {
                response.StatusCode = StatusCodes.Status416RangeNotSatisfiable;
                if (!unknownTotal) response.Headers.ContentRange = $"bytes */{length}";
                return;
            }
            start = from + shift;
            end = Math.Min(Math.Min(item.To ?? long.MaxValue, length - 1) + shift, length - 1);
            if (cap is { } c) end = Math.Min(end, start + c - 1);
            response.StatusCode = StatusCodes.Status206PartialContent;
            response.Headers.ContentRange = $"bytes {start}-{end}/{(unknownTotal ? "*" : length.ToString(CultureInfo.InvariantCulture))}";
            response.Headers.AcceptRanges = "bytes";
            if (bodyOnly is { } b) end = Math.Min(end, start + b - 1);
            else response.ContentLength = end - start + 1;
        }
        else if (!chunked)
        {
            response.ContentLength = length;
        }

        await using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.Asynchronous | FileOptions.SequentialScan);
        file.Position = start;
        var buffer = new byte[1 << 16];
        for (var at = start; at <= end;)
        {
            if (at == dropAt)
            {
                await response.Body.FlushAsync(ctx.RequestAborted);
                ctx.Abort();
                return;
            }
            if (at == stallAt)
            {
                await response.Body.FlushAsync(ctx.RequestAborted);
                await Task.Delay(Timeout.Infinite, ctx.RequestAborted);
            }
            var chunk = Math.Min(buffer.Length, end - at + 1);
            if (dropAt > at) chunk = Math.Min(chunk, dropAt.Value - at);
            if (stallAt > at) chunk = Math.Min(chunk, stallAt.Value - at);
            var n = await file.ReadAsync(buffer.AsMemory(0, (int)chunk), ctx.RequestAborted);
            await response.Body.WriteAsync(buffer.AsMemory(0, n), ctx.RequestAborted);
            at += n;
        }
    }
}
