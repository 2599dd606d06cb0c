using Microsoft.Extensions.AI;

namespace ModelScout.Evaluation.Clients;

/// <summary>One replica of a model: where it is and the client that talks to it (with its own retries).</summary>
/// <param name="Endpoint">The API base, as stored with every reply it gives.</param>
/// <param name="Client">The replica's client; the pool disposes it.</param>
/// <param name="Concurrency">Requests this replica is given at once (its parallel slots).</param>
public sealed record Replica(string Endpoint, IChatClient Client, int Concurrency);

/// <summary>A replica that was taken out of rotation, and why.</summary>
public sealed record ReplicaFailure(string Endpoint, string Reason);

/// <summary>
/// Spreads requests over replicas of one model: each request goes to the live replica with the fewest requests
/// outstanding that still has a free slot (ties go to the one listed first), and waits when every live replica is full.
/// A replica whose request fails in a way a retry could have cured (connection refused or reset, 5xx, timeout; the
/// replica's own client has already retried) is taken out of rotation and the request goes to another replica; so do
/// the requests it had in flight, as each of them fails. After a cool-down (<see cref="ProbeAfter"/>, doubled each time
/// the same replica fails again, at most <see cref="MaxProbeAfter"/>) it is given one request on probation: an answer
/// puts it back in rotation (a restarted server rejoins the run), another fault takes it out again. A failure that is the request's own
/// (400, 404) is passed to the caller unchanged. When no replica is left the request fails with an
/// <see cref="EndpointException"/> naming each one and why it left. Each response carries the replica that answered
/// under <see cref="ModelReplies.EndpointKey"/>, and each failure under the same key in its Data.
/// </summary>
public sealed class ReplicaPoolChatClient : IChatClient
{
    private readonly Slot[] slots;
    private readonly Lock gate = new();
    private readonly List<ReplicaFailure> failures = [];
    private readonly List<string> returns = [];
    private readonly TimeProvider time;
    private TaskCompletionSource changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>The first cool-down before a failed replica is tried again.</summary>
    public static readonly TimeSpan ProbeAfter = TimeSpan.FromSeconds(30);

    /// <summary>The longest cool-down, however often a replica has failed.</summary>
    public static readonly TimeSpan MaxProbeAfter = TimeSpan.FromMinutes(5);

    /// <param name="time">The clock of the cool-downs; the system clock unless given.</param>
    public ReplicaPoolChatClient(IReadOnlyList<Replica> replicas, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(replicas);
        if (replicas.Count == 0) throw new ArgumentException("give at least one replica", nameof(replicas));
        if (replicas.Any(r => r.Concurrency < 1)) throw new ArgumentException("each replica needs at least one slot", nameof(replicas));
        slots = [.. replicas.Select(r => new Slot(r))];
        this.time = time ?? TimeProvider.System;
    }

    /// <summary>Endpoints that came back into rotation after a failure, in the order they came back.</summary>
    public IReadOnlyList<string> Returned
    {
        get
        {
            lock (gate) return [.. returns];
        }
    }

    /// <summary>Slots over all replicas: the concurrency to run items at so that every replica is kept full.</summary>
    public int TotalConcurrency => slots.Sum(s => s.Replica.Concurrency);

    /// <summary>Replicas taken out of rotation so far, in the order they left.</summary>
    public IReadOnlyList<ReplicaFailure> Failures
    {
        get
        {
            lock (gate) return [.. failures];
        }
    }

    /// <summary>Requests each replica answered, by endpoint.</summary>
    public IReadOnlyDictionary<string, int> Answered
    {
        get
        {
            lock (gate) return slots.ToDictionary(s => s.Replica.Endpoint, s => s.Answered, StringComparer.Ordinal);
        }
    }

    public async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var list = messages as IReadOnlyList<ChatMessage> ?? [.. messages];
        while (true)
        {
            var slot = await AcquireAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                var response = await slot.Replica.Client.GetResponseAsync(list, options, cancellationToken).ConfigureAwait(false);
                (response.AdditionalProperties ??= [])[ModelReplies.EndpointKey] = slot.Replica.Endpoint;
                lock (gate)
                {
                    slot.Answered++;
                    if (slot.Down)
                    {
                        // The probe answered: back in rotation, with a clean record.
                        slot.Down = false;
                        slot.Strikes = 0;
                        returns.Add(slot.Replica.Endpoint);
                    }
                }
                return response;
            }
            catch (Exception e) when (ReplicaFault(e) && !cancellationToken.IsCancellationRequested)
            {
                // The replica is gone or broken: out of rotation, and this request tries the next one.
                TakeOut(slot, e.Message);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                e.Data[ModelReplies.EndpointKey] = slot.Replica.Endpoint;
                throw;
            }
            finally
            {
                Release(slot);
            }
        }
    }

    /// <summary>A failure of the replica rather than of the request: no answer, or an answer a retry could have changed.</summary>
    public static bool ReplicaFault(Exception e) => e switch
    {
        EndpointException ee => ee.Transient && !ee.PromptTooLong,
        HttpRequestException => true,
        TimeoutException => true,
        _ => false,
    };

    private async Task<Slot> AcquireAsync(CancellationToken ct)
    {
        while (true)
        {
            Task wait;
            lock (gate)
            {
                Slot? best = null;
                var now = time.GetUtcNow();
                foreach (var s in slots)
                {
                    // A failed replica is due one probe request (alone) once its cool-down is over.
                    var usable = s.Down ? now >= s.RetryAt && s.Outstanding == 0 : s.Outstanding < s.Replica.Concurrency;
                    if (!usable) continue;
                    if (best is null || s.Outstanding < best.Outstanding) best = s;
                }
                if (best is not null)
                {
                    best.Outstanding++;
                    return best;
                }
                if (slots.All(s => s.Down))
                    throw new EndpointException("every replica failed: " + string.Join("; ", failures.Select(f => $"{f.Endpoint}: {f.Reason}"))
                        + "; check the servers and rerun the same command to continue", transient: false);
                wait = changed.Task;
            }
            await wait.WaitAsync(ct).ConfigureAwait(false);
        }
    }

    private void Release(Slot slot)
    {
        TaskCompletionSource signal;
        lock (gate)
        {
            slot.Outstanding--;
            signal = changed;
            changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
        signal.TrySetResult();
    }

    private void TakeOut(Slot slot, string reason)
    {
        lock (gate)
        {
            var now = time.GetUtcNow();
            if (slot.Down && slot.RetryAt > now) return; // one of its earlier requests failing after it already left
            var wait = TimeSpan.FromTicks(Math.Min(MaxProbeAfter.Ticks, ProbeAfter.Ticks << Math.Min(slot.Strikes, 10)));
            slot.Strikes++;
            slot.Down = true;
            slot.RetryAt = now + wait;
            failures.Add(new ReplicaFailure(slot.Replica.Endpoint, reason));
        }
    }

    public IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null,
        CancellationToken cancellationToken = default) =>
        throw new NotSupportedException("scout eval sends whole requests; the replica pool does not stream");

    public object? GetService(Type serviceType, object? serviceKey = null) =>
        serviceKey is null && serviceType?.IsInstanceOfType(this) == true ? this : null;

    public void Dispose()
    {
        foreach (var s in slots) s.Replica.Client.Dispose();
    }

    private sealed class Slot(Replica replica)
    {
        public Replica Replica { get; } = replica;
        public int Outstanding { get; set; }
        public int Answered { get; set; }
        public bool Down { get; set; }
        public int Strikes { get; set; }
        public DateTimeOffset RetryAt { get; set; }
    }
}
