using System.Globalization;
using Microsoft.Extensions.AI;
using Polly;
using Polly.CircuitBreaker;
using Polly.Retry;

namespace ModelScout.Evaluation.Clients;

/// <summary>How <see cref="RetryingChatClient"/> retries, and when it stops sending to an endpoint that is down.</summary>
public sealed record RetryOptions
{
    /// <summary>Sends in all, the first included.</summary>
    public int MaxAttempts { get; init; } = 5;

    /// <summary>The first backoff; each later one doubles, with random jitter.</summary>
    public TimeSpan BaseDelay { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>No single wait is longer, Retry-After included.</summary>
    public TimeSpan MaxDelay { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>How a wait is spent; tests record the waits instead of sleeping.</summary>
    public Func<TimeSpan, CancellationToken, Task> Delay { get; init; } = static (d, ct) => Task.Delay(d, ct);

    /// <summary>
    /// The circuit opens when at least this many sends in <see cref="BreakWindow"/> failed transiently and none of
    /// them succeeded (so: this many failures in a row). Below 2 the circuit breaker is off.
    /// </summary>
    public int BreakAfter { get; init; } = 10;

    /// <summary>How far back the circuit breaker looks for <see cref="BreakAfter"/> failures.</summary>
    public TimeSpan BreakWindow { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>How long an open circuit fails requests at once, without sending; then one request tries the endpoint.</summary>
    public TimeSpan BreakFor { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>The circuit breaker's clock; tests move it by hand.</summary>
    public TimeProvider Time { get; init; } = TimeProvider.System;
}

/// <summary>
/// Retries transient endpoint failures (408, 429, 500, 502, 503, 504, refused or dropped connections, timeouts) with
/// a Polly pipeline: exponential backoff and jitter, waiting at least the server's Retry-After (capped by
/// <see cref="RetryOptions.MaxDelay"/>). Anything else (400, 401, 404, ...) fails at once. Inside the retries a
/// circuit breaker counts transient failures across all requests through this client: after
/// <see cref="RetryOptions.BreakAfter"/> in a row it fails every request at once for <see cref="RetryOptions.BreakFor"/>
/// with an <see cref="EndpointException"/> saying the endpoint is down and when it is tried again. The number of sends
/// is put on the response under <see cref="ModelReplies.AttemptsKey"/>, or on the final <see cref="EndpointException"/>.
/// </summary>
public sealed class RetryingChatClient : DelegatingChatClient
{
    private readonly RetryOptions retry;
    private readonly ResiliencePipeline pipeline;
    private readonly string endpoint;
    private readonly Lock gate = new();
    private string lastFailure = "";
    private DateTimeOffset openUntil;

    public RetryingChatClient(IChatClient inner, RetryOptions? retry = null)
        : base(inner)
    {
        this.retry = retry ?? new RetryOptions();
        endpoint = inner.GetService<OpenAIEndpointChatClient>()?.BaseUri.ToString() ?? "the endpoint";
        pipeline = Build();
    }

    public override async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        var list = messages as IReadOnlyList<ChatMessage> ?? [.. messages];
        var sends = 0;
        try
        {
            var response = await pipeline.ExecuteAsync(async ct =>
            {
                sends++;
                return await base.GetResponseAsync(list, options, ct).ConfigureAwait(false);
            }, cancellationToken).ConfigureAwait(false);
            (response.AdditionalProperties ??= [])[ModelReplies.AttemptsKey] = sends;
            return response;
        }
        catch (EndpointException e)
        {
            e.Attempts = sends;
            throw;
        }
        catch (BrokenCircuitException e)
        {
            throw Down(e, sends);
        }
    }

    private EndpointException Down(BrokenCircuitException e, int sends)
    {
        DateTimeOffset until;
        string last;
        lock (gate) (until, last) = (openUntil, lastFailure);
        var left = until - retry.Time.GetUtcNow();
        if (left < TimeSpan.Zero) left = TimeSpan.Zero;
        var message = string.Create(CultureInfo.InvariantCulture, $"{endpoint} is down: {retry.BreakAfter} requests in a row failed (last: {last}). Nothing is sent to it until {until:HH:mm:ss} UTC (in {Math.Ceiling(left.TotalSeconds)} s), then one request tries it again; check that the server is running and not overloaded (lower --concurrency), then rerun.");
        return new EndpointException(message, transient: true, retryAfter: left, inner: e) { Attempts = sends };
    }

    private ResiliencePipeline Build()
    {
        var builder = new ResiliencePipelineBuilder { TimeProvider = new PollyClock(retry.Time) };
        var max = Math.Max(1, retry.MaxAttempts);
        if (max > 1)
        {
            builder.AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = new PredicateBuilder().Handle<EndpointException>(e => e.Transient),
                MaxRetryAttempts = max - 1,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = retry.BaseDelay,
                MaxDelay = retry.MaxDelay,
                DelayGenerator = args => ValueTask.FromResult(RetryAfterWait(args.AttemptNumber, (args.Outcome.Exception as EndpointException)?.RetryAfter)),
                OnRetry = args => new ValueTask(retry.Delay(args.RetryDelay, args.Context.CancellationToken)),
            });
        }
        if (retry.BreakAfter >= 2)
        {
            builder.AddCircuitBreaker(new CircuitBreakerStrategyOptions
            {
                ShouldHandle = new PredicateBuilder().Handle<EndpointException>(e =>
                {
                    if (e.Transient)
                    {
                        lock (gate) lastFailure = e.Message;
                    }
                    return e.Transient;
                }),
                FailureRatio = 1.0,
                MinimumThroughput = retry.BreakAfter,
                SamplingDuration = retry.BreakWindow,
                BreakDuration = retry.BreakFor,
                OnOpened = args =>
                {
                    lock (gate) openUntil = retry.Time.GetUtcNow() + args.BreakDuration;
                    return ValueTask.CompletedTask;
                },
            });
        }
        return builder.Build();
    }

    /// <summary>
    /// The wait before retry <paramref name="retryNumber"/> (0-based) when the server sent a Retry-After: at least that
    /// and at least the unjittered backoff, never over MaxDelay. Null leaves the wait to Polly's jittered backoff.
    /// </summary>
    internal TimeSpan? RetryAfterWait(int retryNumber, TimeSpan? retryAfter)
    {
        if (retryAfter is not { } ra) return null;
        var backoff = TimeSpan.FromMilliseconds(retry.BaseDelay.TotalMilliseconds * Math.Pow(2, retryNumber));
        var wait = ra > backoff ? ra : backoff;
        return wait < retry.MaxDelay ? wait : retry.MaxDelay;
    }

    /// <summary>
    /// Polly's clock: time is read from <see cref="RetryOptions.Time"/>, and a sleep Polly schedules ends at once,
    /// because the retry's OnRetry has already spent that wait through <see cref="RetryOptions.Delay"/> (whatever its
    /// length: Task.Delay on a TimeProvider would skip waits under a millisecond, and tests record every wait).
    /// </summary>
    private sealed class PollyClock(TimeProvider time) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => time.GetUtcNow();

        public override long GetTimestamp() => time.GetTimestamp();

        public override long TimestampFrequency => time.TimestampFrequency;

        public override TimeZoneInfo LocalTimeZone => time.LocalTimeZone;

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            if (dueTime != Timeout.InfiniteTimeSpan) ThreadPool.UnsafeQueueUserWorkItem(s => callback(s), state, preferLocal: false);
            return new SpentTimer();
        }
    }

    /// <summary>A timer that has already fired; nothing to change or stop.</summary>
    private sealed class SpentTimer : ITimer
    {
        public bool Change(TimeSpan dueTime, TimeSpan period) => false;

        public void Dispose()
        {
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
