using System.Buffers;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using ModelScout.Contracts;
using ModelScout.Contracts.Ollama;
using ModelScout.Contracts.OpenAI;
using ModelScout.Server.Translation;

namespace ModelScout.Server.Streaming;

/// <summary>
/// Puts JSON, NDJSON lines and SSE events on the response, each flushed at once so a client sees every token as it is
/// generated. Every write uses the request's abort token: a client that left ends the write, not the server.
/// </summary>
internal static class WireWriter
{
    private static readonly byte[] DataPrefix = "data: "u8.ToArray();
    private static readonly byte[] EventEnd = "\n\n"u8.ToArray();
    private static readonly byte[] Done = "data: [DONE]\n\n"u8.ToArray();

    public static async Task JsonAsync<T>(HttpContext context, T value, JsonTypeInfo<T> info, int status = 200)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json; charset=utf-8";
        await context.Response.Body.WriteAsync(JsonSerializer.SerializeToUtf8Bytes(value, info), context.RequestAborted);
    }

    public static void StartNdjson(HttpContext context) => Start(context, "application/x-ndjson");

    public static void StartSse(HttpContext context)
    {
        Start(context, "text/event-stream");
        context.Response.Headers.CacheControl = "no-cache";
        // Proxies such as nginx buffer responses unless told not to.
        context.Response.Headers["X-Accel-Buffering"] = "no";
    }

    public static async Task LineAsync<T>(HttpContext context, T value, JsonTypeInfo<T> info)
    {
        var body = context.Response.BodyWriter;
        Serialize(body, value, info);
        body.Write("\n"u8);
        await body.FlushAsync(context.RequestAborted);
    }

    public static async Task EventAsync<T>(HttpContext context, T value, JsonTypeInfo<T> info)
    {
        // Straight into the response pipe and one flush per event: no per-token byte arrays, one send per token.
        var body = context.Response.BodyWriter;
        body.Write(DataPrefix);
        Serialize(body, value, info);
        body.Write(EventEnd);
        await body.FlushAsync(context.RequestAborted);
    }

    private static void Serialize<T>(System.IO.Pipelines.PipeWriter body, T value, JsonTypeInfo<T> info)
    {
        // A writer escapes with its own encoder, not the serializer's: without this, streamed text would go out as
        // \u00E9 and \u0022 escapes where the whole-answer JSON (and Ollama and OpenAI) write the characters.
        using var json = new Utf8JsonWriter(body, new JsonWriterOptions { Encoder = info.Options.Encoder });
        JsonSerializer.Serialize(json, value, info);
    }

    public static async Task DoneAsync(HttpContext context)
    {
        var body = context.Response.BodyWriter;
        body.Write(Done);
        await body.FlushAsync(context.RequestAborted);
    }

    /// <summary>Ollama's shape for /api and /; OpenAI's everywhere else (/v1 and the llama.cpp extras).</summary>
    public static bool UsesOllamaErrors(PathString path) => path == "/" || path.StartsWithSegments("/api", StringComparison.Ordinal);

    /// <summary>An error response in the shape of the API the path belongs to.</summary>
    public static Task ErrorAsync(HttpContext context, ApiProblem problem)
    {
        if (problem.RetryAfterSeconds is { } retry) context.Response.Headers.RetryAfter = retry.ToString(System.Globalization.CultureInfo.InvariantCulture);
        else if (problem.Status == 503) context.Response.Headers.RetryAfter = "1";
        return UsesOllamaErrors(context.Request.Path)
            ? JsonAsync(context, new OllamaError { Error = problem.Message }, WireJsonContext.Wire.OllamaError, problem.Status)
            : JsonAsync(context, OpenAIError(problem), WireJsonContext.Wire.OpenAIError, problem.Status);
    }

    /// <summary>A mid-stream error as one NDJSON line (Ollama) — the status is already sent.</summary>
    public static Task ErrorLineAsync(HttpContext context, ApiProblem problem) =>
        LineAsync(context, new OllamaError { Error = problem.Message }, WireJsonContext.Wire.OllamaError);

    /// <summary>A mid-stream error as one SSE event followed by [DONE], as vLLM ends a failed stream.</summary>
    public static async Task ErrorEventAsync(HttpContext context, ApiProblem problem)
    {
        await EventAsync(context, OpenAIError(problem), WireJsonContext.Wire.OpenAIError);
        await DoneAsync(context);
    }

    public static OpenAIError OpenAIError(ApiProblem problem) =>
        new() { Error = new OpenAIErrorBody { Message = problem.Message, Type = problem.Type, Param = problem.Param, Code = problem.Code } };

    private static void Start(HttpContext context, string contentType)
    {
        context.Response.StatusCode = 200;
        context.Response.ContentType = contentType;
        context.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
    }
}
