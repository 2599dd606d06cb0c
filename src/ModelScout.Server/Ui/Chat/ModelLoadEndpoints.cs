using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using ModelScout.Engine;
using ModelScout.Server.Hosting;
using ModelScout.Server.Streaming;
using ModelScout.Server.Translation;
using ModelScout.Server.Ui.Dashboard;

namespace ModelScout.Server.Ui.Chat;

/// <summary>
/// The chat picker's endpoints. <c>GET /ui/api/picker/catalog</c>: <c>scout fit --all --json</c> from the dashboard source
/// (each catalog model's Ollama tag, the name <c>scout pull</c> takes, its download size and whether this machine fits
/// it), or <c>{"models":[]}</c> when the server runs without the CLI's data.
/// <c>POST /ui/api/load {"model": NAME}</c>: loads a model as Ollama's empty-prompt request does, streaming NDJSON while
/// it loads: <c>{"status":"loading","progress":0.42,...}</c> lines with llama.cpp's own progress (its load callback,
/// read from the engine's snapshot every 100 ms), then <c>{"status":"loaded","progress":1,...}</c>. An error before the
/// first line is an ordinary error response; after it, an <c>{"error":...}</c> line.
/// </summary>
public static class ModelLoadEndpoints
{
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(100);

    public static IEndpointRouteBuilder MapModelLoad(this IEndpointRouteBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapPost("/ui/api/load", LoadAsync);
        app.MapGet("/ui/api/picker/catalog", CatalogAsync);
        return app;
    }

    private static async Task CatalogAsync(HttpContext context)
    {
        var dashboard = ServerServices.Of(context).Dashboard;
        // The command reads the catalog and probes the machine: off the request thread.
        var answer = dashboard is null ? null : await Task.Run(() => dashboard.Fit(new DashboardFitQuery()), context.RequestAborted);
        context.Response.ContentType = "application/json; charset=utf-8";
        context.Response.Headers.CacheControl = "no-store";
        await context.Response.WriteAsync(answer is { Outcome: DashboardOutcome.Answer } ? answer.Json : """{"models":[]}""", context.RequestAborted);
    }

    private static async Task LoadAsync(HttpContext context)
    {
        var s = ServerServices.Of(context);
        var request = await RequestBody.ReadAsync(context, ModelLoadJson.Default.UiLoadRequest);
        var model = RequestFields.RequireModel(request.Model);
        var started = s.Time.GetUtcNow();
        var load = s.Engine.LoadAsync(model, cancellationToken: context.RequestAborted);
        var streaming = false;
        double last = -1;
        while (!load.IsCompleted)
        {
            await Task.WhenAny(load, Task.Delay(Poll, s.Time, context.RequestAborted));
            if (load.IsCompleted || context.RequestAborted.IsCancellationRequested) break;
            var progress = Find(s.Engine.Snapshot().Loads, model);
            if (progress is null || progress.Progress <= last) continue;
            last = progress.Progress;
            if (!streaming)
            {
                WireWriter.StartNdjson(context);
                streaming = true;
            }
            await WireWriter.LineAsync(context, new UiLoadUpdate
            {
                Status = "loading", Model = progress.Model, Progress = Math.Round(progress.Progress, 4),
                ElapsedMs = (long)(s.Time.GetUtcNow() - started).TotalMilliseconds, FileBytes = progress.FileBytes,
            }, ModelLoadJson.Default.UiLoadUpdate);
        }
        LoadedModelInfo info;
        try
        {
            info = await load;
        }
        catch (InferenceException e) when (streaming)
        {
            await WireWriter.ErrorLineAsync(context, ApiProblem.From(e));
            return;
        }
        if (!streaming) WireWriter.StartNdjson(context);
        await WireWriter.LineAsync(context, new UiLoadUpdate
        {
            Status = "loaded", Model = info.Name, Progress = 1, ElapsedMs = (long)(s.Time.GetUtcNow() - started).TotalMilliseconds,
            FileBytes = info.FileBytes, LoadMs = (long)info.LoadDuration.TotalMilliseconds,
        }, ModelLoadJson.Default.UiLoadUpdate);
    }

    // The engine names a load by the stored name (stories:latest), the page may have asked for stories.
    private static ModelLoadProgress? Find(IReadOnlyList<ModelLoadProgress> loads, string model) =>
        loads.FirstOrDefault(l => l.Model == model) ?? loads.FirstOrDefault(l => l.Model == model + ":latest") ?? (loads.Count == 1 ? loads[0] : null);
}

/// <summary>The load endpoint's body.</summary>
public sealed record UiLoadRequest
{
    [JsonPropertyName("model")] public string? Model { get; init; }
}

/// <summary>One NDJSON line of a load.</summary>
public sealed record UiLoadUpdate
{
    [JsonPropertyName("status")] public required string Status { get; init; }
    [JsonPropertyName("model")] public required string Model { get; init; }
    /// <summary>llama.cpp's progress, 0 to 1.</summary>
    [JsonPropertyName("progress")] public double Progress { get; init; }
    [JsonPropertyName("elapsed_ms")] public long ElapsedMs { get; init; }
    [JsonPropertyName("file_bytes")] public long FileBytes { get; init; }
    /// <summary>The engine's own load time (0 when the model was already loaded).</summary>
    [JsonPropertyName("load_ms")] public long? LoadMs { get; init; }
}

[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(UiLoadRequest))]
[JsonSerializable(typeof(UiLoadUpdate))]
internal sealed partial class ModelLoadJson : JsonSerializerContext;
