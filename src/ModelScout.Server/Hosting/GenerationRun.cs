using System.Diagnostics;
using System.Runtime.CompilerServices;
using ModelScout.Engine;
using ModelScout.Server.Metrics;
using ModelScout.Store;

namespace ModelScout.Server.Hosting;

/// <summary>
/// The one pipeline every generation endpoint uses: starts the engine's stream, waits for its first update so that errors
/// before the first token become a proper HTTP status, measures latencies for /metrics, traces the generation
/// (<c>chat {model}</c> with queue, load, prompt and generate spans from the engine's phase times) and hands updates on.
/// </summary>
internal sealed class GenerationRun : IAsyncDisposable
{
    private readonly IAsyncEnumerator<GenerationUpdate> updates;
    private readonly CancellationTokenSource stop;
    private readonly ServerMetrics metrics;
    private readonly TimeProvider time;
    private readonly long started;
    private readonly RequestLabels labels;
    private readonly Activity? span;
    private long lastToken;
    private TimeSpan? firstToken;
    private bool ended;

    private GenerationRun(IAsyncEnumerator<GenerationUpdate> updates, CancellationTokenSource stop, ServerMetrics metrics, TimeProvider time, long started, RequestLabels labels, Activity? span)
    {
        this.updates = updates;
        this.stop = stop;
        this.metrics = metrics;
        this.time = time;
        this.started = started;
        this.labels = labels;
        this.span = span;
    }

    /// <summary>Starts the generation; engine errors before the first update are thrown from here.</summary>
    public static async Task<GenerationRun> StartAsync(ServerServices services, GenerationRequest request, CancellationToken cancellationToken)
    {
        var started = services.Time.GetTimestamp();
        var operation = request.Messages is null ? "text_completion" : "chat";
        var span = StartSpan(request, operation);
        var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var updates = services.Engine.GenerateAsync(request, stop.Token).GetAsyncEnumerator(stop.Token);
        try
        {
            if (!await updates.MoveNextAsync())
                throw new InferenceException(InferenceErrorKind.Internal, "the engine ended the generation without a result; see the server log");
            // The engine found the model, so the store knows it: the latencies go under the name the engine's own
            // counters use (the stored name, "stories:latest"), not the one the client typed ("stories").
            var labels = new RequestLabels(MetricsName(services, request.Model), operation);
            span?.SetTag("gen_ai.response.model", labels.Model);
            var run = new GenerationRun(updates, stop, services.Metrics, services.Time, started, labels, span);
            run.Observe(updates.Current);
            return run;
        }
        catch (Exception e)
        {
            if (span is not null)
            {
                span.SetStatus(ActivityStatusCode.Error, e.Message);
                span.SetTag("error.type", e is InferenceException ie ? ie.Kind.ToString() : e.GetType().Name);
                span.Dispose();
            }
            await DisposeAsync(updates, stop);
            throw;
        }
    }

    /// <summary>The GenAI span of one generation (<c>chat {model}</c>), a child of the request's span; null when nobody listens.</summary>
    private static Activity? StartSpan(GenerationRequest request, string operation)
    {
        var span = ScoutTelemetry.Source.StartActivity($"{operation} {request.Model}", ActivityKind.Internal);
        if (span is null) return null;
        span.SetTag("gen_ai.operation.name", operation);
        span.SetTag("gen_ai.provider.name", ServerMetrics.ProviderName);
        span.SetTag("gen_ai.request.model", request.Model);
        if (request.Options.NumPredict is { } max and > 0) span.SetTag("gen_ai.request.max_tokens", max);
        if (request.Options.Temperature is { } temperature) span.SetTag("gen_ai.request.temperature", temperature);
        // The request's run tag (X-Scout-Run) rides as baggage on the request's span, this span's parent.
        if (span.GetBaggageItem(ScoutTelemetry.RunAttribute) is { } run) span.SetTag(ScoutTelemetry.RunAttribute, run);
        return span;
    }

    /// <summary>The stored model's own name for what the client called <paramref name="requested"/>; as sent when the store has no such entry.</summary>
    private static string MetricsName(ServerServices services, string requested)
    {
        try
        {
            return services.Store.Find(requested)?.Name ?? requested;
        }
        catch (StoreException)
        {
            // Not a store name (an engine that takes file paths); the engine reports such models under the name as given.
            return requested;
        }
    }

    /// <summary>Every update, the first included, ending with the <see cref="GenerationCompleted"/>.</summary>
    public async IAsyncEnumerable<GenerationUpdate> ReadAllAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var current = updates.Current;
        yield return current;
        if (current is GenerationCompleted) yield break;
        while (await updates.MoveNextAsync())
        {
            cancellationToken.ThrowIfCancellationRequested();
            Observe(updates.Current);
            yield return updates.Current;
            if (updates.Current is GenerationCompleted) yield break;
        }
        throw new InferenceException(InferenceErrorKind.Internal, "the engine ended the generation without its final counters");
    }

    /// <summary>Reads the whole generation into text, counters and log-probabilities.</summary>
    public async Task<Translation.GenerationOutcome> CollectAsync(CancellationToken cancellationToken = default)
    {
        var transcript = new Translation.GenerationTranscript();
        await foreach (var update in ReadAllAsync(cancellationToken)) transcript.Add(update);
        return transcript.ToOutcome();
    }

    private void Observe(GenerationUpdate update)
    {
        var now = time.GetTimestamp();
        switch (update)
        {
            case GenerationToken:
                if (firstToken is null)
                {
                    firstToken = time.GetElapsedTime(started, now);
                    metrics.ObserveFirstToken(labels, firstToken.Value);
                }
                else
                {
                    metrics.ObserveInterToken(labels, time.GetElapsedTime(lastToken, now));
                }
                lastToken = now;
                break;
            case GenerationCompleted done:
                var elapsed = time.GetElapsedTime(started, now);
                var phases = Phases.Of(elapsed, done.Stats);
                metrics.ObserveCompleted(labels, elapsed, firstToken, done.Stats, phases.Queue);
                EndSpan(done.Stats, phases);
                break;
        }
    }

    /// <summary>
    /// Where the time of a generation went, laid back from its end: the engine measured prompt evaluation and
    /// generation, and the load; what is left before the prompt started is the wait for a slot.
    /// </summary>
    private readonly record struct Phases(TimeSpan Load, TimeSpan Queue, TimeSpan Prompt, TimeSpan Generate)
    {
        public static Phases Of(TimeSpan elapsed, GenerationStats stats)
        {
            var generate = Clamp(stats.EvalDuration, elapsed);
            var prompt = Clamp(stats.PromptEvalDuration, elapsed - generate);
            var load = Clamp(stats.LoadDuration, elapsed - generate - prompt);
            return new Phases(load, elapsed - generate - prompt - load, prompt, generate);
        }

        private static TimeSpan Clamp(TimeSpan value, TimeSpan room) => value < TimeSpan.Zero ? TimeSpan.Zero : value > room ? (room < TimeSpan.Zero ? TimeSpan.Zero : room) : value;
    }

    private void EndSpan(GenerationStats stats, Phases phases)
    {
        if (span is null || ended) return;
        ended = true;
        var at = span.StartTimeUtc;
        if (phases.Load > TimeSpan.Zero) at = Child("load", at, phases.Load, null);
        at = Child("queue", at, phases.Queue, null);
        at = Child("prompt", at, phases.Prompt, c =>
        {
            c.SetTag("gen_ai.usage.input_tokens", stats.PromptTokens);
            c.SetTag("scout.cached_prompt_tokens", stats.CachedPromptTokens);
        });
        Child("generate", at, phases.Generate, c => c.SetTag("gen_ai.usage.output_tokens", stats.CompletionTokens));
        span.SetTag("gen_ai.usage.input_tokens", stats.PromptTokens);
        span.SetTag("gen_ai.usage.output_tokens", stats.CompletionTokens);
        span.SetTag("gen_ai.response.finish_reasons", new[] { FinishReason(stats) });
        if (stats.DoneReason == DoneReason.Cancelled) span.SetTag("error.type", "cancelled");
        span.Dispose();

        DateTime Child(string name, DateTime from, TimeSpan length, Action<Activity>? tag)
        {
            using var child = ScoutTelemetry.Source.StartActivity(name, ActivityKind.Internal, span.Context, startTime: from);
            if (child is not null)
            {
                tag?.Invoke(child);
                child.SetEndTime(from + length);
            }
            return from + length;
        }
    }

    private static string FinishReason(GenerationStats stats) => stats.ToolCalls > 0 ? "tool_calls" : stats.DoneReason switch
    {
        DoneReason.Length => "length",
        DoneReason.Cancelled => "cancelled",
        _ => "stop",
    };

    /// <summary>
    /// Cancels before disposing: a handler that leaves early (the client's socket failed before RequestAborted fired)
    /// must still free the request's slot, and the engine frees it on cancellation, not on disposal.
    /// </summary>
    public ValueTask DisposeAsync()
    {
        if (span is not null && !ended)
        {
            // The client left or the handler failed before the end: the span ends here, marked as not finished.
            ended = true;
            span.SetTag("error.type", "cancelled");
            span.Dispose();
        }
        return DisposeAsync(updates, stop);
    }

    private static async ValueTask DisposeAsync(IAsyncEnumerator<GenerationUpdate> updates, CancellationTokenSource stop)
    {
        try
        {
            await stop.CancelAsync();
            await updates.DisposeAsync();
        }
        catch (OperationCanceledException)
        {
            // The engine may observe the cancellation while unwinding; nothing is waiting for it.
        }
        finally
        {
            stop.Dispose();
        }
    }
}
