using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using ModelScout.Server.Hosting;
using ModelScout.Server.Streaming;
using ModelScout.Server.Translation;
using ModelScout.Server.Ui.Dashboard;

namespace ModelScout.Server.Ui.Bench;

/// <summary>
/// <c>/ui/api/bench/...</c>: runs <c>scout bench</c> for the Bench page (POST, streamed as NDJSON; closing the request
/// stops the run) and serves the saved reports and their charts, all through <see cref="IBenchSource"/>.
/// </summary>
public static class BenchEndpoints
{
    public static IEndpointRouteBuilder MapBench(this IEndpointRouteBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapPost("/ui/api/bench/runs", RunAsync);
        app.MapGet("/ui/api/bench/reports", c => AnswerAsync(c, Source(c).Reports()));
        app.MapGet("/ui/api/bench/reports/{id}", c => AnswerAsync(c, Source(c).Report(Id(c))));
        app.MapDelete("/ui/api/bench/reports/{id}", c => AnswerAsync(c, Source(c).Delete(Id(c))));
        app.MapGet("/ui/api/bench/reports/{id}/charts/{chart}", ChartAsync);
        return app;
    }

    private static IBenchSource Source(HttpContext context) => ServerServices.Of(context).Bench
        ?? throw new ApiException(new ApiProblem(404, "the Bench page is off: this server was started without the CLI's bench (run scout serve)", "not_found_error"));

    private static string Id(HttpContext context) => (string)context.Request.RouteValues["id"]!;

    private static async Task RunAsync(HttpContext context)
    {
        var services = ServerServices.Of(context);
        var source = Source(context);
        var request = await RequestBody.ReadAsync(context, BenchJsonContext.Default.BenchRunRequest);
        // A server with a key wants it on its own /api/chat too: pass it when the run measures only this server.
        if (services.Settings.ApiKey is { Length: > 0 } key && request.Endpoints is { Count: > 0 } endpoints && endpoints.All(e => IsThisServer(context, e.Url)))
            request.ApiKey = key;
        // The page leaving (Stop) or the server stopping ends the run; what was measured is saved as interrupted.
        using var run = services.Link(context.RequestAborted);
        var start = await source.StartAsync(request, run.Token);
        if (start.Events is not { } events)
        {
            context.Response.StatusCode = start.Status;
            context.Response.ContentType = "application/json; charset=utf-8";
            await context.Response.WriteAsync(start.ErrorJson ?? "{\"error\":\"the bench did not start\"}", context.RequestAborted);
            return;
        }
        WireWriter.StartNdjson(context);
        context.Response.Headers.CacheControl = "no-store";
        try
        {
            await foreach (var line in events.ReadAllAsync(CancellationToken.None))
            {
                await context.Response.Body.WriteAsync(Encoding.UTF8.GetBytes(line + "\n"), context.RequestAborted);
                await context.Response.Body.FlushAsync(context.RequestAborted);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or IOException || context.RequestAborted.IsCancellationRequested)
        {
            // The page stopped the run (or its connection broke); the source finishes and saves it without a reader.
        }
        finally
        {
            // However this request ends, a run still going is stopped before its token source goes.
            if (!events.Completion.IsCompleted) await run.CancelAsync();
        }
    }

    private static bool IsThisServer(HttpContext context, string? url) =>
        Uri.TryCreate(url?.Trim(), UriKind.Absolute, out var uri) && string.Equals(uri.Authority, context.Request.Host.Value, StringComparison.OrdinalIgnoreCase);

    private static async Task ChartAsync(HttpContext context)
    {
        var chart = (string)context.Request.RouteValues["chart"]!;
        if (chart.EndsWith(".svg", StringComparison.Ordinal)) chart = chart[..^4];
        var image = await Task.Run(() => Source(context).Chart(Id(context), chart), context.RequestAborted);
        if (image.Outcome != DashboardOutcome.Answer)
        {
            await AnswerAsync(context, new DashboardAnswer(image.Outcome, image.Content));
            return;
        }
        context.Response.ContentType = "image/svg+xml";
        context.Response.Headers.CacheControl = "no-cache";
        await context.Response.WriteAsync(image.Content, context.RequestAborted);
    }

    private static Task AnswerAsync(HttpContext context, DashboardAnswer answer) => DashboardEndpoints.WriteAsync(context, answer);
}
