using Microsoft.Extensions.AI;
using Microsoft.Extensions.Time.Testing;
using ModelScout.Evaluation.Clients;
using ModelScout.Evaluation.Results;
using ModelScout.Evaluation.Running;
using ModelScout.Evaluation.Tests.Fakes;

namespace ModelScout.Evaluation.Tests.Running;

public sealed class EvalRunnerTests : IAsyncLifetime, IDisposable
{
    private static readonly RunKey Key = new("scripted", "scripted");
    private readonly TempDb db = new();
    private readonly HttpClient http = new();
    private ScriptedEndpoint endpoint = null!;

    public async Task InitializeAsync()
    {
        endpoint = await ScriptedEndpoint.StartAsync();
        endpoint.Script = Answer;
    }

    public async Task DisposeAsync() => await endpoint.DisposeAsync();

    public void Dispose()
    {
        http.Dispose();
        db.Dispose();
    }

    // Letters: always "A" (so exactly the even items are right); turns: echo "t1 x" as "r1 x".
    private static Scripted Answer(System.Text.Json.Nodes.JsonObject body, int n)
    {
        var user = ScriptedEndpoint.LastUser(body);
        return user.StartsWith('t') ? new Scripted(Text: "r" + user[1..]) : new Scripted(Text: "A");
    }

    private RetryingChatClient Client() => new RetryingChatClient(new OpenAIEndpointChatClient(endpoint.BaseUri, "scripted", http: http),
        new RetryOptions { MaxAttempts = 3, BaseDelay = TimeSpan.FromMilliseconds(1) });

    private sealed class Recorder : IProgress<EvalProgress>
    {
        public List<EvalProgress> Seen { get; } = [];

        public void Report(EvalProgress value)
        {
            lock (Seen) Seen.Add(value);
        }
    }

    /// <summary>Answers "A" to everything, taking <paramref name="takes"/> on <paramref name="clock"/> to do it.</summary>
    private sealed class SlowOnTheClock(FakeTimeProvider clock, TimeSpan takes) : IChatClient
    {
        public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
        {
            clock.Advance(takes);
            return Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, "A")));
        }

        public IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException("the runner asks for whole replies");

        public object? GetService(Type serviceType, object? serviceKey = null) => null;

        public void Dispose()
        {
        }
    }

    [Fact]
    public async Task Latencies_stored_times_and_the_estimate_are_read_from_the_runner_s_clock()
    {
        var start = new DateTimeOffset(2026, 5, 6, 7, 8, 9, TimeSpan.Zero);
        var clock = new FakeTimeProvider(start);
        using var store = EvalStore.Open(db.Path, clock);
        var run = store.OpenRun("clocked", Key, new ReproducibilityRecord());
        var progress = new Recorder();
        using var client = new SlowOnTheClock(clock, TimeSpan.FromSeconds(1.5));
        var result = await new EvalRunner(client, store, time: clock).RunAsync(run, [new LetterSuite(4)], progress);

        Assert.Equal(4, result.Sent);
        Assert.Equal(start, run.Created);
        var replies = store.Replies(run, "letters");
        Assert.All(replies, r => Assert.Equal(TimeSpan.FromSeconds(1.5), r.Reply!.Latency));
        Assert.Equal([1.5, 3, 4.5, 6], replies.Select(r => (r.Created - start).TotalSeconds));
        Assert.Equal(6000, result.Suites[0].LatencyMs, 6);
        // One item every 1.5 s on the clock: after the third, one item is left, 1.5 s away.
        Assert.Equal(TimeSpan.FromSeconds(1.5), progress.Seen.Single(p => p.Done == 3).Eta);
    }

    [Fact]
    public async Task A_scripted_endpoint_gives_an_exactly_known_score()
    {
        using var store = EvalStore.Open(db.Path);
        var run = store.OpenRun("exact", Key, new ReproducibilityRecord());
        var progress = new Recorder();
        var result = await new EvalRunner(Client(), store, new EvalRunnerOptions { Concurrency = 4 }).RunAsync(run, [new LetterSuite(10), new TwoTurnSuite(3)], progress);

        Assert.False(result.Cancelled);
        Assert.Equal(16, result.Sent);
        Assert.Equal(16, endpoint.Requests);
        var letters = result.Suites[0];
        Assert.Equal(10, letters.Scored);
        Assert.Equal(0.5, letters.Mean, 12);
        Assert.Equal([new ScoreAggregate("even", 5, 1), new ScoreAggregate("odd", 5, 0)], letters.Subjects);
        Assert.Equal(0, letters.Errors);
        Assert.Equal(70, letters.PromptTokens);
        Assert.Equal(30, letters.CompletionTokens);
        Assert.Equal("letters:exact", letters.ScoringMode);
        var turns = result.Suites[1];
        Assert.Equal(3, turns.Scored);
        Assert.Equal(1.0, turns.Mean, 12);
        Assert.Equal(6, turns.Replies);
        Assert.Equal(RunStatus.Complete, store.FindRun("exact")!.Status);

        // The second turn carries the first answer.
        Assert.Contains(endpoint.Bodies, b => b["messages"]!.AsArray().Count == 3 && (string?)b["messages"]![1]!["content"] == "r1 i001");
        var last = progress.Seen.Where(p => p.Suite == "letters").MaxBy(p => p.Done)!;
        Assert.Equal(10, last.Done);
        Assert.Equal(10, last.Total);
    }

    [Fact]
    public async Task A_cancelled_run_resumes_sending_only_the_unanswered_requests_and_ends_with_the_same_scores()
    {
        const int items = 12;
        using var store = EvalStore.Open(db.Path);
        using var cts = new CancellationTokenSource();
        endpoint.Script = (b, n) =>
        {
            if (n == 9) cts.Cancel();
            return Answer(b, n);
        };
        var run = store.OpenRun("resume", Key, new ReproducibilityRecord());
        var first = await new EvalRunner(Client(), store, new EvalRunnerOptions { Concurrency = 3 }).RunAsync(run, [new TwoTurnSuite(items), new LetterSuite(6)], null, cts.Token);
        Assert.True(first.Cancelled);
        Assert.Equal(RunStatus.Interrupted, store.FindRun("resume")!.Status);
        var answered = store.Replies(run, "turns").Count(r => r.Error is null) + store.Replies(run, "letters").Count(r => r.Error is null);
        Assert.InRange(answered, 1, 2 * items - 1);
        var unanswered = 2 * items + 6 - answered;
        // Replies of items that were not scored yet are read back; scored items are skipped whole.
        var scoredIds = store.Scores(run, "turns").Select(x => x.Item.Id).ToHashSet();
        var pendingAnswered = store.Replies(run, "turns").Count(r => r.Error is null && !scoredIds.Contains(r.ItemId));

        var before = endpoint.Requests;
        endpoint.Script = Answer;
        var resumed = store.OpenRun("resume", Key, new ReproducibilityRecord());
        var second = await new EvalRunner(Client(), store, new EvalRunnerOptions { Concurrency = 3 }).RunAsync(resumed, [new TwoTurnSuite(items), new LetterSuite(6)]);
        Assert.False(second.Cancelled);
        Assert.Equal(unanswered, endpoint.Requests - before);
        Assert.Equal(unanswered, second.Sent);
        Assert.Equal(pendingAnswered, second.Reused);

        var clean = store.OpenRun("clean", Key, new ReproducibilityRecord());
        await new EvalRunner(Client(), store).RunAsync(clean, [new TwoTurnSuite(items), new LetterSuite(6)]);
        foreach (var suite in new[] { "turns", "letters" })
        {
            Assert.Equal(store.Scores(clean, suite).Select(s => (s.Item, s.Score.Score, s.Score.Extracted)), store.Scores(resumed, suite).Select(s => (s.Item, s.Score.Score, s.Score.Extracted)));
        }
        Assert.Equal(items, store.Summarize(resumed, "turns").Scored);
    }

    [Fact]
    public async Task A_request_that_keeps_failing_is_an_error_row_and_a_rerun_retries_only_it()
    {
        endpoint.Script = (b, n) => ScriptedEndpoint.LastUser(b) == "q003" ? new Scripted(Status: 500, ErrorMessage: "boom") : Answer(b, n);
        using var store = EvalStore.Open(db.Path);
        var run = store.OpenRun("errors", Key, new ReproducibilityRecord());
        var progress = new Recorder();
        var result = await new EvalRunner(Client(), store, new EvalRunnerOptions { Concurrency = 2 }).RunAsync(run, [new LetterSuite(6)], progress);

        var s = Assert.Single(result.Suites);
        Assert.Equal(5, s.Scored);
        Assert.Equal(1, s.Errors);
        Assert.Equal(6 + 2, endpoint.Requests);
        var error = Assert.Single(store.Replies(run, "letters"), r => r.Error is not null);
        Assert.Equal("q003", error.ItemId);
        Assert.Equal(3, error.Attempts);
        Assert.Contains("boom", error.Error, StringComparison.Ordinal);
        Assert.Equal(1, progress.Seen.MaxBy(p => p.Done)!.Errors);

        endpoint.Script = Answer;
        var before = endpoint.Requests;
        var again = await new EvalRunner(Client(), store).RunAsync(run, [new LetterSuite(6)]);
        Assert.Equal(1, endpoint.Requests - before);
        Assert.Equal(6, again.Suites[0].Scored);
        Assert.Equal(0, again.Suites[0].Errors);
        Assert.DoesNotContain(store.Replies(run, "letters"), r => r.Error is not null);
    }

    [Fact]
    public async Task Truncated_answers_and_prompts_too_long_are_counted()
    {
        endpoint.Script = (b, n) => ScriptedEndpoint.LastUser(b) switch
        {
            "q000" or "q001" => new Scripted(Text: "A", Finish: "length"),
            "q002" => new Scripted(Status: 400, ErrorMessage: "the prompt is 900 tokens but the context window is 256; shorten it or raise num_ctx"),
            _ => Answer(b, n),
        };
        using var store = EvalStore.Open(db.Path);
        var run = store.OpenRun("trunc", Key, new ReproducibilityRecord());
        var progress = new Recorder();
        var result = await new EvalRunner(Client(), store).RunAsync(run, [new LetterSuite(5)], progress);
        var s = result.Suites[0];
        Assert.Equal(3, s.Truncated);
        Assert.Equal(1, s.Errors);
        Assert.Equal(4, s.Scored);
        Assert.Equal(5, endpoint.Requests);
        Assert.Equal(3, progress.Seen[^1].Truncated);
    }

    [Fact]
    public async Task A_changed_prompt_is_sent_again_instead_of_reusing_the_stored_answer()
    {
        using var store = EvalStore.Open(db.Path);
        var run = store.OpenRun("hash", Key, new ReproducibilityRecord());
        await new EvalRunner(Client(), store).RunAsync(run, [new LetterSuite(3)]);
        // Drop the scores so the items must be rebuilt from replies; then change what item q001 would send.
        using (var c = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={db.Path};Pooling=False"))
        {
            c.Open();
            using var cmd = c.CreateCommand();
            cmd.CommandText = "DELETE FROM scores; UPDATE replies SET prompt_hash = 'stale' WHERE item_id = 'q001'";
            cmd.ExecuteNonQuery();
        }
        var before = endpoint.Requests;
        var again = await new EvalRunner(Client(), store).RunAsync(run, [new LetterSuite(3)]);
        Assert.Equal(1, endpoint.Requests - before);
        Assert.Equal(2, again.Reused);
        Assert.Equal(3, again.Suites[0].Scored);
    }

    [Fact]
    public async Task An_item_that_cannot_be_scored_is_an_error_not_a_zero_and_the_next_run_scores_it_from_stored_replies()
    {
        using var store = EvalStore.Open(db.Path);
        var run = store.OpenRun("unscored", Key, new ReproducibilityRecord());
        var first = await new EvalRunner(Client(), store).RunAsync(run, [new FailingScorerSuite(10, "q003", "q005")]);

        // The run goes on past both (odd) items; they count as errors and stay out of the mean: the five even items are right.
        Assert.False(first.Cancelled);
        Assert.Equal(10, first.Sent);
        var summary = first.Suites[0];
        Assert.Equal((8, 2), (summary.Scored, summary.Errors));
        Assert.Equal(5 / 8.0, summary.Mean, 12);
        Assert.Equal(RunStatus.Complete, store.FindRun("unscored")!.Status);
        var why = store.ScoringErrors(run, "letters");
        Assert.Equal(["q003", "q005"], why.Select(e => e.ItemId));
        Assert.Equal("the judge gave no rating", why[0].Error);
        Assert.Contains("InvalidOperationException: scorer bug", why[1].Error, StringComparison.Ordinal);

        // The rerun sends nothing: both items are scored from their stored replies and their errors are cleared.
        var before = endpoint.Requests;
        var again = await new EvalRunner(Client(), store).RunAsync(store.OpenRun("unscored", Key, new ReproducibilityRecord()), [new LetterSuite(10)]);
        Assert.Equal(0, endpoint.Requests - before);
        Assert.Equal((0, 2), (again.Sent, again.Reused));
        Assert.Equal((10, 0), (again.Suites[0].Scored, again.Suites[0].Errors));
        Assert.Empty(store.ScoringErrors(run, "letters"));
        Assert.True(store.DeleteRun("unscored"));
    }
}
