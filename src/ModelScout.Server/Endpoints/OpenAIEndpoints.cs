using System.Runtime.CompilerServices;
using System.Text.Json.Serialization.Metadata;
using System.Threading.Channels;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using ModelScout.Contracts;
using ModelScout.Contracts.OpenAI;
using ModelScout.Engine;
using ModelScout.Server.Hosting;
using ModelScout.Server.Streaming;
using ModelScout.Server.Translation;

namespace ModelScout.Server.Endpoints;

/// <summary>OpenAI's API under <c>/v1</c>: a translator into the same generation pipeline the Ollama endpoints use.</summary>
public static class OpenAIEndpoints
{
    private static WireJsonContext Wire => WireJsonContext.Wire;

    public static IEndpointRouteBuilder MapOpenAI(this IEndpointRouteBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapGet("/v1/models", context => WireWriter.JsonAsync(context, StoreTranslator.OpenAIModels(ServerServices.Of(context).Store.List()), Wire.OpenAIModelList));
        app.MapGet("/v1/models/{**id}", context =>
        {
            var id = (string)context.Request.RouteValues["id"]!;
            var model = ServerServices.Of(context).Store.Find(id)
                ?? throw new InferenceException(InferenceErrorKind.ModelNotFound, $"The model '{id}' does not exist; GET /v1/models lists the models here") { Param = "model" };
            return WireWriter.JsonAsync(context, StoreTranslator.OpenAIModel(model), Wire.OpenAIModel);
        });
        app.MapPost("/v1/chat/completions", ChatAsync);
        app.MapPost("/v1/completions", CompletionsAsync);
        app.MapPost("/v1/embeddings", EmbeddingsAsync);
        return app;
    }

    private static async Task ChatAsync(HttpContext context)
    {
        var s = ServerServices.Of(context);
        var request = await RequestBody.ReadAsync(context, Wire.ChatCompletionRequest);
        var generation = OpenAITranslator.ToGeneration(request);
        var (id, created, model, n) = Begin(context, s, generation, request, "chatcmpl-");
        await RunChoicesAsync(context, s, generation, n, request.Stream == true,
            outcomes => WireWriter.JsonAsync(context, OpenAITranslator.Chat(id, created, model, outcomes, generation.Logprobs), Wire.ChatCompletion),
            async runs =>
            {
                for (var i = 0; i < n; i++) await WireWriter.EventAsync(context, OpenAITranslator.RoleChunk(id, created, model, i), Wire.ChatCompletionChunk);
                await StreamChoicesAsync(context, s, runs, Wire.ChatCompletionChunk, new ChunkShape<ChatCompletionChunk>(
                    (index, token, released) => OpenAITranslator.TokenChunk(id, created, model, index, token, released) is { } chunk ? [chunk] : [],
                    (index, reason, calls, stats) => OpenAITranslator.FinishChunk(id, created, model, index, reason, calls) with { Timings = stats is null ? null : OpenAITranslator.Timings(stats) },
                    request.StreamOptions?.IncludeUsage == true ? usage => OpenAITranslator.UsageChunk(id, created, model, usage) : null)
                {
                    ToolCall = (index, callIndex, call) => OpenAITranslator.ToolCallChunks(id, created, model, index, callIndex, call),
                });
            });
    }

    private static async Task CompletionsAsync(HttpContext context)
    {
        var s = ServerServices.Of(context);
        var request = await RequestBody.ReadAsync(context, Wire.CompletionRequest);
        var generation = OpenAITranslator.ToGeneration(request);
        var (id, created, model, n) = Begin(context, s, generation, request, "cmpl-");
        var promptLength = generation.Prompt?.Length ?? 0;
        await RunChoicesAsync(context, s, generation, n, request.Stream == true,
            outcomes => WireWriter.JsonAsync(context, OpenAITranslator.Completion(id, created, model, outcomes, generation.Logprobs, promptLength), Wire.Completion),
            runs =>
            {
                var offsets = runs.Select(_ => promptLength).ToArray();
                return StreamChoicesAsync(context, s, runs, Wire.Completion, new ChunkShape<Completion>(
                    (index, token, released) =>
                    {
                        if (token.Text.Length == 0) return [];
                        var logprobs = generation.Logprobs ? OpenAITranslator.CompletionLogprobs(released, offsets[index]) : null;
                        offsets[index] += released.Sum(r => r.Chosen.Text.Length);
                        return [OpenAITranslator.CompletionChunk(id, created, model, index, token.Text, logprobs, null)];
                    },
                    (index, reason, _, stats) => OpenAITranslator.CompletionChunk(id, created, model, index, "", null, OpenAITranslator.FinishReason(reason)) with { Timings = stats is null ? null : OpenAITranslator.Timings(stats) },
                    request.StreamOptions?.IncludeUsage == true ? usage => OpenAITranslator.CompletionUsageChunk(id, created, model, usage) : null));
            });
    }

    /// <summary>What both endpoints settle once the request is translated: the choice count, the id, the creation time.</summary>
    private static (string Id, long Created, string Model, int Choices) Begin(HttpContext context, ServerServices s, GenerationRequest generation,
        OpenAIGenerationRequest request, string idPrefix)
    {
        var n = OpenAITranslator.Choices(request.N);
        RequestTelemetry.Of(context).Model = generation.Model;
        return (OpenAITranslator.NewId(idPrefix), s.Time.GetUtcNow().ToUnixTimeSeconds(), generation.Model, n);
    }

    /// <summary>
    /// Runs <paramref name="n"/> generations and answers with all of them at once (<paramref name="whole"/>) or as an SSE
    /// stream (<paramref name="stream"/>); the runs are disposed either way.
    /// </summary>
    private static async Task RunChoicesAsync(HttpContext context, ServerServices s, GenerationRequest generation, int n, bool streaming,
        Func<GenerationOutcome[], Task> whole, Func<GenerationRun[], Task> stream)
    {
        using var cancel = s.Link(context.RequestAborted);
        var runs = await StartAsync(s, generation, n, cancel.Token);
        try
        {
            if (!streaming)
            {
                await whole(await CollectAsync(context, runs, cancel.Token));
                return;
            }
            WireWriter.StartSse(context);
            await stream(runs);
        }
        finally
        {
            foreach (var r in runs) await r.DisposeAsync();
        }
    }

    private static async Task EmbeddingsAsync(HttpContext context)
    {
        var s = ServerServices.Of(context);
        var request = await RequestBody.ReadAsync(context, Wire.OpenAIEmbeddingRequest);
        var embedding = OpenAITranslator.ToEmbedding(request);
        RequestTelemetry.Of(context).Model = embedding.Model;
        var result = await s.Engine.EmbedAsync(embedding, context.RequestAborted);
        RequestTelemetry.Of(context).PromptTokens = result.PromptTokens;
        var vectors = RequestFields.CutVectors(result.Vectors, request.Dimensions, normalize: true);
        await WireWriter.JsonAsync(context, OpenAITranslator.Embeddings(embedding.Model, vectors, result.PromptTokens, request.EncodingFormat == "base64"), Wire.EmbeddingList);
    }

    /// <summary>
    /// How one endpoint's SSE chunks look: the chunks of a token (none when it shows nothing), the finish chunk (given the
    /// choice's tool-call count and, when it finished, its counters for llama-server's <c>timings</c>), the usage chunk when asked for, and the chunks of a tool call (chat only).
    /// </summary>
    private sealed record ChunkShape<TChunk>(
        Func<int, GenerationToken, IReadOnlyList<EmittedLogprob>, IReadOnlyList<TChunk>> Token,
        Func<int, DoneReason, int, GenerationStats?, TChunk> Finish,
        Func<Usage, TChunk>? Usage)
    {
        /// <summary>Choice index, call index within the choice, the call → its chunks.</summary>
        public Func<int, int, ModelScout.Prompting.ToolCall, IEnumerable<TChunk>>? ToolCall { get; init; }
    }

    /// <summary>
    /// The SSE body after the first chunk, for chat and legacy completions alike: content and finish chunks per choice
    /// as they come, an error event if the engine fails mid-stream, a finish chunk for every open choice when the server
    /// shuts down, then the usage chunk and <c>[DONE]</c>.
    /// </summary>
    private static async Task StreamChoicesAsync<TChunk>(HttpContext context, ServerServices s, GenerationRun[] runs, JsonTypeInfo<TChunk> info, ChunkShape<TChunk> shape)
    {
        var transcripts = runs.Select(_ => new GenerationTranscript()).ToArray();
        try
        {
            await foreach (var (index, update) in Merge(runs, context.RequestAborted))
            {
                var transcript = transcripts[index];
                var released = transcript.Add(update);
                switch (update)
                {
                    case GenerationToken token:
                        foreach (var chunk in shape.Token(index, token, released)) await WireWriter.EventAsync(context, chunk, info);
                        break;
                    case GenerationToolCall when shape.ToolCall is { } toolCall:
                        // The transcript's copy: it carries the id given to a call the engine sent without one.
                        var callIndex = transcript.ToolCalls.Count - 1;
                        foreach (var chunk in toolCall(index, callIndex, transcript.ToolCalls[callIndex])) await WireWriter.EventAsync(context, chunk, info);
                        break;
                    case GenerationCompleted completed:
                        await WireWriter.EventAsync(context, shape.Finish(index, completed.Stats.DoneReason, transcript.ToolCalls.Count, completed.Stats), info);
                        break;
                }
            }
        }
        catch (InferenceException e) when (!context.RequestAborted.IsCancellationRequested)
        {
            await WireWriter.ErrorEventAsync(context, ApiProblem.From(e));
            return;
        }
        catch (OperationCanceledException) when (s.Stopping.IsCancellationRequested && !context.RequestAborted.IsCancellationRequested)
        {
            // Shutting down: finish every open choice so the client sees a complete stream.
            for (var i = 0; i < runs.Length; i++)
                if (transcripts[i].Stats is null) await WireWriter.EventAsync(context, shape.Finish(i, DoneReason.Cancelled, 0, null), info);
            await WireWriter.DoneAsync(context);
            return;
        }
        var stats = transcripts.Select(t => t.Stats!).ToList();
        Record(context, stats);
        if (shape.Usage is { } usage) await WireWriter.EventAsync(context, usage(OpenAITranslator.Usage(stats)), info);
        await WireWriter.DoneAsync(context);
    }

    /// <summary>Starts <paramref name="n"/> generations of one request; if any fails to start, the others are stopped.</summary>
    private static async Task<GenerationRun[]> StartAsync(ServerServices s, GenerationRequest generation, int n, CancellationToken cancellationToken)
    {
        var starts = Enumerable.Range(0, n).Select(_ => GenerationRun.StartAsync(s, generation, cancellationToken)).ToArray();
        try
        {
            return await Task.WhenAll(starts);
        }
        catch
        {
            foreach (var t in starts)
                if (t.IsCompletedSuccessfully) await t.Result.DisposeAsync();
            throw;
        }
    }

    /// <summary>Updates of several generations as they come, tagged with their choice index.</summary>
    private static async IAsyncEnumerable<(int Index, GenerationUpdate Update)> Merge(GenerationRun[] runs, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        if (runs.Length == 1)
        {
            await foreach (var u in runs[0].ReadAllAsync(cancellationToken)) yield return (0, u);
            yield break;
        }
        var channel = Channel.CreateUnbounded<(int, GenerationUpdate)>(new UnboundedChannelOptions { SingleReader = true });
        var pumps = runs.Select((run, i) => Task.Run(async () =>
        {
            await foreach (var u in run.ReadAllAsync(cancellationToken)) await channel.Writer.WriteAsync((i, u), cancellationToken);
        }, cancellationToken)).ToArray();
        _ = Task.WhenAll(pumps).ContinueWith(t => channel.Writer.TryComplete(t.Exception?.InnerException), TaskScheduler.Default);
        await foreach (var item in channel.Reader.ReadAllAsync(cancellationToken)) yield return item;
    }

    /// <summary>Every choice read to its end (non-streaming answers), with the request's token counts recorded.</summary>
    private static async Task<GenerationOutcome[]> CollectAsync(HttpContext context, GenerationRun[] runs, CancellationToken cancellationToken)
    {
        var outcomes = await Task.WhenAll(runs.Select(r => r.CollectAsync(cancellationToken)));
        Record(context, outcomes.Select(o => o.Stats).ToList());
        return outcomes;
    }

    private static void Record(HttpContext context, List<GenerationStats> stats)
    {
        var t = RequestTelemetry.Of(context);
        t.PromptTokens = stats.Count == 0 ? 0 : stats[0].PromptTokens;
        t.CompletionTokens = stats.Sum(s => s.CompletionTokens);
    }
}
