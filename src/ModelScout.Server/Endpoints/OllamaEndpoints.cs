using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;
using System.Threading.Channels;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Routing;
using ModelScout.Contracts;
using ModelScout.Contracts.Ollama;
using ModelScout.Engine;
using ModelScout.Gguf;
using ModelScout.Prompting;
using ModelScout.Server.Hosting;
using ModelScout.Server.Streaming;
using ModelScout.Server.Translation;
using ModelScout.Store;

namespace ModelScout.Server.Endpoints;

/// <summary>Ollama's native API under <c>/api</c>, plus <c>GET/HEAD /</c>.</summary>
public static class OllamaEndpoints
{
    /// <summary>Reported by /api/version: the Ollama API level these endpoints follow, so clients that check it accept us.</summary>
    public const string CompatibleVersion = "0.12.0";

    private static WireJsonContext Wire => WireJsonContext.Wire;

    public static IEndpointRouteBuilder MapOllama(this IEndpointRouteBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapMethods("/", ["GET", "HEAD"], context =>
        {
            context.Response.ContentType = "text/plain; charset=utf-8";
            return context.Response.WriteAsync("Ollama is running", context.RequestAborted);
        });
        app.MapMethods("/api/version", ["GET", "HEAD"], context => WireWriter.JsonAsync(context,
            new VersionResponse { Version = CompatibleVersion, Server = ServerIdentity.Name, ModelScoutVersion = ServerIdentity.Version }, Wire.VersionResponse));
        app.MapMethods("/api/tags", ["GET", "HEAD"], context => WireWriter.JsonAsync(context, StoreTranslator.Tags(ServerServices.Of(context).Store.List()), Wire.ModelListResponse));
        app.MapGet("/api/ps", context =>
        {
            var s = ServerServices.Of(context);
            return WireWriter.JsonAsync(context, StoreTranslator.Running(s.Engine.Loaded, s.Store.Find), Wire.ModelListResponse);
        });
        app.MapPost("/api/show", ShowAsync);
        app.MapPost("/api/generate", GenerateAsync);
        app.MapPost("/api/chat", ChatAsync);
        app.MapPost("/api/embed", EmbedAsync);
        app.MapPost("/api/embeddings", EmbeddingsAsync);
        app.MapPost("/api/pull", PullAsync);
        app.MapPost("/api/copy", CopyAsync);
        app.MapDelete("/api/delete", DeleteAsync);
        app.MapPost("/api/create", CreateAsync);
        app.MapMethods("/api/blobs/{digest}", ["HEAD"], context =>
        {
            var digest = (string)context.Request.RouteValues["digest"]!;
            context.Response.StatusCode = ServerServices.Of(context).Store.BlobPath(digest) is null ? 404 : 200;
            return Task.CompletedTask;
        });
        app.MapPost("/api/blobs/{digest}", UploadBlobAsync);
        return app;
    }

    private static Task GenerateAsync(HttpContext context) =>
        AnswerAsync(context, Wire.GenerateRequest, OllamaTranslator.IsLoadOnly, OllamaTranslator.ToGeneration,
            Wire.GenerateResponse, OllamaTranslator.GenerateLoaded, OllamaTranslator.GenerateChunk, OllamaTranslator.GenerateDone);

    private static Task ChatAsync(HttpContext context) =>
        AnswerAsync(context, Wire.ChatRequest, OllamaTranslator.IsLoadOnly, OllamaTranslator.ToGeneration,
            Wire.ChatResponse, OllamaTranslator.ChatLoaded, OllamaTranslator.ChatChunk, OllamaTranslator.ChatDone);

    /// <summary>
    /// /api/generate and /api/chat: a request without a prompt (or messages) only loads or unloads the model; any other
    /// runs one generation. The two differ only in their records, hence the translator functions passed in.
    /// </summary>
    private static async Task AnswerAsync<TRequest, TResponse>(HttpContext context, JsonTypeInfo<TRequest> requestInfo,
        Func<TRequest, bool> isLoadOnly, Func<TRequest, GenerationRequest> translate, JsonTypeInfo<TResponse> info,
        Func<string, DateTimeOffset, string, TResponse> loaded,
        Func<string, DateTimeOffset, GenerationPiece, IReadOnlyList<EmittedLogprob>?, TResponse> chunk,
        Func<string, DateTimeOffset, GenerationStats, GenerationPiece, IReadOnlyList<EmittedLogprob>?, TResponse> done)
        where TRequest : OllamaGenerationRequest
    {
        var s = ServerServices.Of(context);
        var request = await RequestBody.ReadAsync(context, requestInfo);
        var model = RequestFields.RequireModel(request.Model);
        RequestTelemetry.Of(context).Model = model;
        if (isLoadOnly(request))
        {
            var reason = await LoadOrUnloadAsync(s, model, request.Options, request.KeepAlive, context.RequestAborted);
            await WireWriter.JsonAsync(context, loaded(model, s.Time.GetUtcNow(), reason), info);
            return;
        }
        var generation = translate(request);
        await RunAsync(context, s, generation, request.Stream ?? true, info,
            (piece, lp) => chunk(model, s.Time.GetUtcNow(), piece, lp),
            (stats, piece, lp) => done(model, s.Time.GetUtcNow(), stats, piece, lp));
    }

    /// <summary>Empty prompt: load the model (done_reason "load"), or with keep_alive 0 unload it ("unload").</summary>
    private static async Task<string> LoadOrUnloadAsync(ServerServices s, string model, System.Text.Json.JsonElement? options, System.Text.Json.JsonElement? keepAlive, CancellationToken cancellationToken)
    {
        var keep = KeepAliveParser.Parse(keepAlive ?? default);
        if (keep == TimeSpan.Zero)
        {
            await s.Engine.UnloadAsync(model);
            return "unload";
        }
        await s.Engine.LoadAsync(model, ModelOptions.FromJson(options ?? default), keep, cancellationToken);
        return "load";
    }

    /// <summary>
    /// Runs one generation and writes it as NDJSON (streaming) or one object. A stream sends a line per token that shows
    /// text or reasoning and a line per finished tool call, then the done line.
    /// </summary>
    private static async Task RunAsync<T>(HttpContext context, ServerServices s, GenerationRequest generation, bool stream, JsonTypeInfo<T> info,
        Func<GenerationPiece, IReadOnlyList<EmittedLogprob>, T> chunk, Func<GenerationStats, GenerationPiece, IReadOnlyList<EmittedLogprob>, T> done)
    {
        using var cancel = s.Link(context.RequestAborted);
        await using var run = await GenerationRun.StartAsync(s, generation, cancel.Token);
        var telemetry = RequestTelemetry.Of(context);
        if (!stream)
        {
            var outcome = await run.CollectAsync(cancel.Token);
            telemetry.PromptTokens = outcome.Stats.PromptTokens;
            telemetry.CompletionTokens = outcome.Stats.CompletionTokens;
            await WireWriter.JsonAsync(context, done(outcome.Stats, GenerationPiece.Of(outcome), outcome.Logprobs), info);
            return;
        }
        WireWriter.StartNdjson(context);
        var transcript = new GenerationTranscript();
        try
        {
            await foreach (var update in run.ReadAllAsync(context.RequestAborted))
            {
                var released = transcript.Add(update);
                switch (update)
                {
                    case GenerationToken token when token.Text.Length > 0 || token.Thinking.Length > 0:
                        await WireWriter.LineAsync(context, chunk(new GenerationPiece(token.Text, token.Thinking), released), info);
                        break;
                    case GenerationToolCall:
                        // The transcript's copy: it carries the id given to a call the engine sent without one.
                        var index = transcript.ToolCalls.Count - 1;
                        await WireWriter.LineAsync(context, chunk(GenerationPiece.None with { ToolCalls = [new IndexedToolCall(index, transcript.ToolCalls[index])] }, []), info);
                        break;
                    case GenerationCompleted completed:
                        telemetry.PromptTokens = completed.Stats.PromptTokens;
                        telemetry.CompletionTokens = completed.Stats.CompletionTokens;
                        await WireWriter.LineAsync(context, done(completed.Stats, GenerationPiece.None, []), info);
                        break;
                }
            }
        }
        catch (InferenceException e) when (!context.RequestAborted.IsCancellationRequested)
        {
            await WireWriter.ErrorLineAsync(context, ApiProblem.From(e));
        }
        catch (OperationCanceledException) when (s.Stopping.IsCancellationRequested && !context.RequestAborted.IsCancellationRequested)
        {
            // The server is shutting down: end the stream as a finished answer the client can read.
            await WireWriter.LineAsync(context, done(transcript.Cancelled(generation.Model), GenerationPiece.None, []), info);
        }
    }

    private static Task EmbedAsync(HttpContext context) =>
        EmbedAsync(context, Wire.EmbedRequest, OllamaTranslator.ToEmbedding, Wire.EmbedResponse,
            // Ollama loads the model and answers with no vectors.
            (embedding, loaded) => new EmbedResponse { Model = embedding.Model, Embeddings = [], LoadDuration = OllamaTranslator.Nanoseconds(loaded.LoadDuration) },
            (request, embedding, result) => new EmbedResponse
            {
                Model = embedding.Model,
                Embeddings = RequestFields.CutVectors(result.Vectors, request.Dimensions, normalize: true),
                TotalDuration = OllamaTranslator.Nanoseconds(result.TotalDuration),
                LoadDuration = OllamaTranslator.Nanoseconds(result.LoadDuration),
                PromptEvalCount = result.PromptTokens,
            });

    private static Task EmbeddingsAsync(HttpContext context) =>
        EmbedAsync(context, Wire.EmbeddingsRequest, OllamaTranslator.ToEmbedding, Wire.EmbeddingsResponse,
            (_, _) => new EmbeddingsResponse { Embedding = [] },
            (_, _, result) => new EmbeddingsResponse { Embedding = result.Vectors[0] });

    /// <summary>/api/embed and /api/embeddings: no input only loads the model (<paramref name="loaded"/>), else the vectors.</summary>
    private static async Task EmbedAsync<TRequest, TResponse>(HttpContext context, JsonTypeInfo<TRequest> requestInfo, Func<TRequest, EmbeddingRequest> translate,
        JsonTypeInfo<TResponse> info, Func<EmbeddingRequest, LoadedModelInfo, TResponse> loaded, Func<TRequest, EmbeddingRequest, EmbeddingResult, TResponse> answer)
        where TRequest : class
    {
        var s = ServerServices.Of(context);
        var request = await RequestBody.ReadAsync(context, requestInfo);
        var embedding = translate(request);
        RequestTelemetry.Of(context).Model = embedding.Model;
        if (embedding.Inputs.Count == 0)
        {
            var model = await s.Engine.LoadAsync(embedding.Model, embedding.Options, embedding.KeepAlive, context.RequestAborted);
            await WireWriter.JsonAsync(context, loaded(embedding, model), info);
            return;
        }
        var result = await s.Engine.EmbedAsync(embedding, context.RequestAborted);
        RequestTelemetry.Of(context).PromptTokens = result.PromptTokens;
        await WireWriter.JsonAsync(context, answer(request, embedding, result), info);
    }

    private static async Task ShowAsync(HttpContext context)
    {
        var s = ServerServices.Of(context);
        var request = await RequestBody.ReadAsync(context, Wire.ModelNameRequest);
        var name = RequestFields.RequireModel(request.EffectiveModel);
        RequestTelemetry.Of(context).Model = name;
        var model = s.Store.Find(name) ?? throw NotFound(name);
        var header = Header(model.ModelPath);
        await WireWriter.JsonAsync(context, StoreTranslator.Show(model, header is null ? null : ModelInfo(header), header?.ChatTemplate), Wire.ShowResponse);
    }

    private static async Task CopyAsync(HttpContext context)
    {
        var s = ServerServices.Of(context);
        var request = await RequestBody.ReadAsync(context, Wire.CopyRequest);
        if (string.IsNullOrWhiteSpace(request.Source)) throw ApiProblem.Missing("source", "the model to copy");
        if (string.IsNullOrWhiteSpace(request.Destination)) throw ApiProblem.Missing("destination", "the new name");
        if (s.Store.Find(request.Source) is null) throw NotFound(request.Source);
        s.Store.Copy(request.Source, request.Destination);
        context.Response.StatusCode = 200;
    }

    private static async Task DeleteAsync(HttpContext context)
    {
        var s = ServerServices.Of(context);
        var request = await RequestBody.ReadAsync(context, Wire.ModelNameRequest);
        var name = RequestFields.RequireModel(request.EffectiveModel);
        if (!s.Store.Remove(name)) throw NotFound(name);
        await s.Engine.UnloadAsync(name);
        context.Response.StatusCode = 200;
    }

    private static async Task PullAsync(HttpContext context)
    {
        var s = ServerServices.Of(context);
        var request = await RequestBody.ReadAsync(context, Wire.PullRequest);
        var name = RequestFields.RequireModel(request.EffectiveModel);
        RequestTelemetry.Of(context).Model = name;
        await ProgressAsync(context, request.Stream ?? true,
            progress => s.Store.PullAsync(name, new PullOptions { Insecure = request.Insecure ?? false, Registry = s.Settings.Registry }, progress, context.RequestAborted));
    }

    private static async Task CreateAsync(HttpContext context)
    {
        var s = ServerServices.Of(context);
        var request = await RequestBody.ReadAsync(context, Wire.CreateRequest);
        var name = RequestFields.RequireModel(request.EffectiveModel);
        RequestTelemetry.Of(context).Model = name;
        var definition = StoreTranslator.Definition(request);
        await ProgressAsync(context, request.Stream ?? true, progress => s.Store.CreateAsync(name, definition, progress, context.RequestAborted));
    }

    /// <summary>
    /// Streams a store operation's progress as NDJSON ending in {"status":"success"}, or with stream:false waits and answers
    /// with the final status. Progress is queued through a channel because the store reports from its own threads.
    /// </summary>
    private static async Task ProgressAsync(HttpContext context, bool stream, Func<IProgress<PullProgress>, Task<StoredModel>> operation)
    {
        if (!stream)
        {
            await operation(new Progress<PullProgress>());
            await WireWriter.JsonAsync(context, new ProgressResponse { Status = "success" }, Wire.ProgressResponse);
            return;
        }
        var channel = Channel.CreateUnbounded<PullProgress>(new UnboundedChannelOptions { SingleReader = true });
        var task = Task.Run(async () =>
        {
            try { await operation(new ChannelProgress(channel.Writer)); channel.Writer.TryComplete(); }
            catch (Exception e) { channel.Writer.TryComplete(e); }
        });
        var first = true;
        try
        {
            await foreach (var p in channel.Reader.ReadAllAsync(context.RequestAborted))
            {
                if (first) WireWriter.StartNdjson(context);
                first = false;
                await WireWriter.LineAsync(context, new ProgressResponse { Status = p.Status, Digest = p.Digest, Total = p.Total, Completed = p.Completed }, Wire.ProgressResponse);
            }
        }
        catch (Exception e) when (first && e is not OperationCanceledException)
        {
            throw; // nothing written yet: the error middleware answers with a status code
        }
        catch (StoreException e)
        {
            await WireWriter.ErrorLineAsync(context, ApiProblem.From(e));
            return;
        }
        catch (Exception e) when (e is IOException or HttpRequestException or InvalidDataException or UnauthorizedAccessException)
        {
            await WireWriter.ErrorLineAsync(context, new ApiProblem(500, e.Message, "api_error"));
            return;
        }
        await task;
        if (first) WireWriter.StartNdjson(context);
        await WireWriter.LineAsync(context, new ProgressResponse { Status = "success" }, Wire.ProgressResponse);
    }

    private sealed class ChannelProgress(ChannelWriter<PullProgress> writer) : IProgress<PullProgress>
    {
        public void Report(PullProgress value) => writer.TryWrite(value);
    }

    /// <summary>Stores an uploaded blob after checking its sha256 (the store keeps nothing that does not match).</summary>
    private static async Task UploadBlobAsync(HttpContext context)
    {
        var s = ServerServices.Of(context);
        var digest = (string)context.Request.RouteValues["digest"]!;
        if (!digest.StartsWith("sha256:", StringComparison.Ordinal) || digest.Length != 71 || !digest[7..].All(char.IsAsciiHexDigitLower))
            throw ApiProblem.Invalid("digest", $"'{digest}' is not a digest: use sha256: followed by 64 lower-case hex digits");
        if (s.Store.BlobPath(digest) is not null)
        {
            context.Response.StatusCode = 200;
            return;
        }
        // Blobs are whole GGUF files: lift the JSON body limit for this endpoint only.
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit) limit.MaxRequestBodySize = null;
        await s.Store.AddBlobAsync(context.Request.Body, digest, context.RequestAborted);
        context.Response.StatusCode = 201;
    }

    /// <summary>The GGUF header's facts; null when the header cannot be read (the show still succeeds).</summary>
    private static GgufModelInfo? Header(string path)
    {
        try
        {
            return GgufModelInfo.From(GgufReader.ReadFile(path));
        }
        catch (Exception e) when (e is GgufFormatException or IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>A few GGUF header facts for /api/show.</summary>
    private static JsonObject ModelInfo(GgufModelInfo info)
    {
        var arch = info.Architecture ?? "unknown";
        var result = new JsonObject
        {
            ["general.architecture"] = arch,
            ["general.parameter_count"] = info.Parameters,
        };
        // As Ollama's model_info: the name the file gives itself (data from the file: clients must show it as text).
        if (info.Name is { Length: > 0 } name) result["general.name"] = name;
        if (info.Hyper.ContextLength is { } ctx) result[$"{arch}.context_length"] = ctx;
        if (info.Hyper.EmbeddingLength is { } embd) result[$"{arch}.embedding_length"] = embd;
        if (info.Hyper.BlockCount is { } blocks) result[$"{arch}.block_count"] = blocks;
        if (info.Hyper.HeadCount is { } heads) result[$"{arch}.attention.head_count"] = heads;
        if (info.FileTypeId is { } ft) result["general.file_type"] = ft;
        return result;
    }

    internal static InferenceException NotFound(string name) =>
        new(InferenceErrorKind.ModelNotFound, $"model '{name}' not found; GET /api/tags lists the models here, scout pull or scout import adds one") { Param = "model" };
}
