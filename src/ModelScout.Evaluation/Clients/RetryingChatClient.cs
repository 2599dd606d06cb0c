using Microsoft.Extensions.AI;

namespace ModelScout.Evaluation.Clients;

/// <summary>How <see cref="RetryingChatClient"/> retries.</summary>
public sealed record RetryOptions
{
    /// <summary>Sends in all, the first included.</summary>
    public int MaxAttempts { get; init; } = 5;

    /// <summary>The first backoff; each later one doubles, with ±50 % jitter.</summary>
    public TimeSpan BaseDelay { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>No single wait is longer, Retry-After included.</summary>
    public TimeSpan MaxDelay { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>How a wait is spent; tests record the waits instead of sleeping.</summary>
    public Func<TimeSpan, CancellationToken, Task> Delay { get; init; } = static (d, ct) => Task.Delay(d, ct);
}

/// <summary>
/// Retries transient endpoint failures (408, 429, 500, 502, 503, 504, refused or dropped connections, timeouts) with
/// exponential backoff and jitter, waiting at least the server's Retry-After. Anything else (400, 401, 404, ...) fails
/// at once. The number of sends is put on the response under <see cref="ModelReplies.AttemptsKey"/>, or on the final
/// <see cref="EndpointException"/>.
/// </summary>
public sealed class RetryingChatClient(IChatClient inner, RetryOptions? retry = null) : DelegatingChatClient(inner)
{
    private readonly RetryOptions retry = retry ?? new RetryOptions();

    public override async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        var list = messages as IReadOnlyList<ChatMessage> ?? [.. messages];
        var max = Math.Max(1, retry.MaxAttempts);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                var response = await base.GetResponseAsync(list, options, cancellationToken).ConfigureAwait(false);
                (response.AdditionalProperties ??= [])[ModelReplies.AttemptsKey] = attempt;
                return response;
            }
            catch (EndpointException e)
            {
                e.Attempts = attempt;
                if (!e.Transient || attempt >= max) throw;
                await retry.Delay(Backoff(attempt, e.RetryAfter), cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>The wait before send <paramref name="attempt"/> + 1.</summary>
    internal TimeSpan Backoff(int attempt, TimeSpan? retryAfter)
    {
        var exponential = retry.BaseDelay.TotalMilliseconds * Math.Pow(2, attempt - 1);
        var jittered = exponential * (0.5 + Random.Shared.NextDouble());
        var wait = TimeSpan.FromMilliseconds(Math.Min(jittered, retry.MaxDelay.TotalMilliseconds));
        if (retryAfter is { } ra && ra > wait) wait = ra < retry.MaxDelay ? ra : retry.MaxDelay;
        return wait;
    }
}
