using System.Net;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Time.Testing;
using ModelScout.Evaluation.Clients;
using ModelScout.Evaluation.Results;
using ModelScout.Evaluation.Running;
using ModelScout.Evaluation.Tests.Fakes;

namespace ModelScout.Evaluation.Tests.Replicas;

/// <summary>A replica in memory: answers "A" after a short wait, counts what it holds at once, and can be made to die.</summary>
internal sealed class FakeReplica(string name, TimeSpan? delay = null) : IChatClient
{
    private int inFlight;
    private int peak;
    private int answered;

    public string Name { get; } = name;

    /// <summary>From now on every request (and every one in flight) fails as a dead server's would.</summary>
    public volatile bool Dead;

    /// <summary>Requests fail with this non-transient status instead (the request's own fault).</summary>
    public HttpStatusCode? RejectWith { get; set; }

    public int Peak => Volatile.Read(ref peak);

    public int Answered => Volatile.Read(ref answered);

    public async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        var now = Interlocked.Increment(ref inFlight);
        int seen;
        while ((seen = Volatile.Read(ref peak)) < now && Interlocked.CompareExchange(ref peak, now, seen) != seen)
        {
        }
        try
        {
            if (RejectWith is { } status) throw new EndpointException($"{Name} answered {(int)status}", status, transient: false);
            await Task.Delay(delay ?? TimeSpan.FromMilliseconds(5), cancellationToken);
            if (Dead) throw new EndpointException($"could not reach {Name}: Connection refused", transient: true);
            Interlocked.Increment(ref answered);
            return new ChatResponse(new ChatMessage(ChatRole.Assistant, "A")) { FinishReason = ChatFinishReason.Stop };
        }
        finally
        {
            Interlocked.Decrement(ref inFlight);
        }
    }

    public IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException();

    public object? GetService(Type serviceType, object? serviceKey = null) => null;

    public void Dispose()
    {
    }
}

public sealed class ReplicaPoolTests : IDisposable
{
    private static readonly RunKey Key = RunKey.ForReplicas("m", "sha256:aa", "Q4_K_M");
    private readonly TempDb db = new();

    public void Dispose() => db.Dispose();

    private static ReproducibilityRecord Record => new() { Model = "m" };

    [Fact]
    public async Task Items_spread_over_every_replica_and_no_replica_holds_more_than_its_slots()
    {
        var a = new FakeReplica("a");
        var b = new FakeReplica("b");
        using var pool = new ReplicaPoolChatClient([new Replica("http://a/v1", a, 2), new Replica("http://b/v1", b, 2)]);
        using var store = EvalStore.Open(db.Path);
        var run = store.OpenRun("r", Key, Record);
        var result = await new EvalRunner(pool, store, new EvalRunnerOptions { Concurrency = pool.TotalConcurrency }).RunAsync(run, [new LetterSuite(40)]);

        Assert.Equal(40, result.Suites[0].Scored);
        Assert.InRange(a.Peak, 1, 2);
        Assert.InRange(b.Peak, 1, 2);
        // Least-outstanding-first with equal replicas: each takes a fair share, not all of it.
        Assert.InRange(a.Answered, 10, 30);
        Assert.Equal(40, a.Answered + b.Answered);
        var replies = store.Replies(run, "letters");
        Assert.Equal(a.Answered, replies.Count(r => r.Endpoint == "http://a/v1"));
        Assert.Equal(b.Answered, replies.Count(r => r.Endpoint == "http://b/v1"));
    }

    [Fact]
    public async Task A_replica_that_dies_mid_run_is_taken_out_and_its_items_answered_by_the_others_each_once()
    {
        var a = new FakeReplica("a");
        var b = new FakeReplica("b", TimeSpan.FromMilliseconds(20));
        using var pool = new ReplicaPoolChatClient([new Replica("http://a/v1", a, 2), new Replica("http://b/v1", b, 2)]);
        using var store = EvalStore.Open(db.Path);
        var run = store.OpenRun("r", Key, Record);
        var progress = new Progress<EvalProgress>(p =>
        {
            if (p.Done >= 6) b.Dead = true;
        });
        var result = await new EvalRunner(pool, store, new EvalRunnerOptions { Concurrency = pool.TotalConcurrency }).RunAsync(run, [new LetterSuite(30)], progress);

        Assert.Equal(30, result.Suites[0].Scored);
        Assert.Equal(0, result.Suites[0].Errors);
        var failure = Assert.Single(pool.Failures);
        Assert.Equal("http://b/v1", failure.Endpoint);
        Assert.Contains("refused", failure.Reason, StringComparison.Ordinal);
        // Each item exactly once in the store, every reply from a replica that really answered it.
        using var c = new SqliteConnection($"Data Source={db.Path};Mode=ReadOnly;Pooling=False");
        c.Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = "SELECT COUNT(*), COUNT(DISTINCT item_id), SUM(error IS NOT NULL), SUM(endpoint = 'http://b/v1') FROM replies";
        using var r = cmd.ExecuteReader();
        r.Read();
        Assert.Equal(30, r.GetInt32(0));
        Assert.Equal(30, r.GetInt32(1));
        Assert.Equal(0, r.GetInt32(2));
        Assert.Equal(b.Answered, r.GetInt32(3));
        Assert.Equal(30, a.Answered + b.Answered);
    }

    [Fact]
    public async Task A_request_the_replica_rejects_is_the_items_error_and_the_replica_stays()
    {
        var a = new FakeReplica("a") { RejectWith = HttpStatusCode.BadRequest };
        using var pool = new ReplicaPoolChatClient([new Replica("http://a/v1", a, 1), new Replica("http://b/v1", new FakeReplica("b"), 1)]);
        // Both idle: the first listed takes it, and its 400 is the answer, not a reason to try b.
        var e = await Assert.ThrowsAsync<EndpointException>(() => pool.GetResponseAsync([new ChatMessage(ChatRole.User, "q")]));
        Assert.Equal(HttpStatusCode.BadRequest, e.Status);
        Assert.Equal("http://a/v1", ModelReplies.Endpoint(e));
        Assert.Empty(pool.Failures);
    }

    [Fact]
    public async Task When_every_replica_is_down_the_request_fails_naming_each_and_why()
    {
        var a = new FakeReplica("a") { Dead = true };
        var b = new FakeReplica("b") { Dead = true };
        using var pool = new ReplicaPoolChatClient([new Replica("http://a/v1", a, 1), new Replica("http://b/v1", b, 1)]);
        var e = await Assert.ThrowsAsync<EndpointException>(() => pool.GetResponseAsync([new ChatMessage(ChatRole.User, "q")]));
        Assert.Contains("http://a/v1", e.Message, StringComparison.Ordinal);
        Assert.Contains("http://b/v1", e.Message, StringComparison.Ordinal);
        Assert.Equal(2, pool.Failures.Count);
    }

    [Fact]
    public async Task A_failed_replica_gets_a_probe_after_its_cool_down_and_rejoins_when_it_answers()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.Parse("2026-12-07T08:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
        var a = new FakeReplica("a") { Dead = true };
        var b = new FakeReplica("b");
        using var pool = new ReplicaPoolChatClient([new Replica("http://a/v1", a, 1), new Replica("http://b/v1", b, 1)], clock);
        ChatMessage[] q = [new(ChatRole.User, "q")];

        // a fails and leaves; b answers. Within the cool-down a is not tried again.
        Assert.Equal("http://b/v1", ModelReplies.Endpoint(await pool.GetResponseAsync(q)));
        Assert.Equal("http://b/v1", ModelReplies.Endpoint(await pool.GetResponseAsync(q)));
        Assert.Single(pool.Failures);

        // Still dead at the probe: out again, for twice as long.
        clock.Advance(ReplicaPoolChatClient.ProbeAfter);
        Assert.Equal("http://b/v1", ModelReplies.Endpoint(await pool.GetResponseAsync(q)));
        Assert.Equal(2, pool.Failures.Count);
        clock.Advance(ReplicaPoolChatClient.ProbeAfter);
        Assert.Equal("http://b/v1", ModelReplies.Endpoint(await pool.GetResponseAsync(q)));
        Assert.Equal(2, pool.Failures.Count);

        // Restarted: the next probe answers and a is back in rotation for good.
        a.Dead = false;
        clock.Advance(ReplicaPoolChatClient.ProbeAfter);
        Assert.Equal("http://a/v1", ModelReplies.Endpoint(await pool.GetResponseAsync(q)));
        Assert.Equal(["http://a/v1"], pool.Returned);
        Assert.Equal("http://a/v1", ModelReplies.Endpoint(await pool.GetResponseAsync(q)));
        Assert.Equal(2, a.Answered);
    }
}
