using System.Runtime.CompilerServices;
using ModelScout.Engine;
using ModelScout.Server.Metrics;
using ModelScout.Store;

namespace ModelScout.Server.Hosting;

/// <summary>
/// The one pipeline every generation endpoint uses: starts the engine's stream, waits for its first update so that errors
/// before the first token become a proper HTTP status, measures latencies for /metrics, and hands updates on.
/// </summary>
internal sealed class GenerationRun : IAsyncDisposable
{
    private readonly IAsyncEnumerator<GenerationUpdate> updates;
    private readonly CancellationTokenSource stop;
    private readonly ServerMetrics metrics;
    private readonly TimeProvider time;
    private readonly long started;
    private readonly string model;
    private long lastToken;
    private bool firstSeen;

    private GenerationRun(IAsyncEnumerator<GenerationUpdate> updates, CancellationTokenSource stop, ServerMetrics metrics, TimeProvider time, long started, string model)
    {
        this.updates = updates;
        this.stop = stop;
        this.metrics = metrics;
        this.time = time;
        this.started = started;
        this.model = model;
    }

    /// <summary>Starts the generation; engine errors before the first update are thrown from here.</summary>
    public static async Task<GenerationRun> StartAsync(ServerServices services, GenerationRequest request, CancellationToken cancellationToken)
    {
        var started = services.Time.GetTimestamp();
        var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var updates = services.Engine.GenerateAsync(request, stop.Token).GetAsyncEnumerator(stop.Token);
        try
        {
            if (!await updates.MoveNextAsync())
                throw new InferenceException(InferenceErrorKind.Internal, "the engine ended the generation without a result; see the server log");
            // The engine found the model, so the store knows it: the latencies go under the name the engine's own
            // counters use (the stored name, "stories:latest"), not the one the client typed ("stories").
            var run = new GenerationRun(updates, stop, services.Metrics, services.Time, started, MetricsName(services, request.Model));
            run.Observe(updates.Current);
            return run;
        }
        catch
        {
            await DisposeAsync(updates, stop);
            throw;
        }
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
                if (!firstSeen) metrics.ObserveFirstToken(model, time.GetElapsedTime(started, now));
                else metrics.ObserveInterToken(model, time.GetElapsedTime(lastToken, now));
                firstSeen = true;
                lastToken = now;
                break;
            case GenerationCompleted:
                metrics.ObserveRequest(model, time.GetElapsedTime(started, now));
                break;
        }
    }

    /// <summary>
    /// Cancels before disposing: a handler that leaves early (the client's socket failed before RequestAborted fired)
    /// must still free the request's slot, and the engine frees it on cancellation, not on disposal.
    /// </summary>
    public ValueTask DisposeAsync() => DisposeAsync(updates, stop);

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
