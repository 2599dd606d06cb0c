using System.Text.Json.Nodes;
using ModelScout.Evaluation.Clients;
using ModelScout.Evaluation.Datasets;
using ModelScout.Evaluation.Results;
using ModelScout.Evaluation.Running;
using ModelScout.Evaluation.Suites;
using ModelScout.Evaluation.Tests.Fakes;

namespace ModelScout.Evaluation.Tests.Running;

/// <summary>
/// Hendrycks' rule through the run loop: an endpoint that refuses prompts longer than its context as a real server does
/// (400, "maximum context length"), and MMLU answering with fewer shots instead of failing.
/// </summary>
public sealed class ShortenTests : IAsyncLifetime, IDisposable
{
    private static readonly RunKey Key = new("scripted", "scripted");
    private static readonly MmluDataset Data = MmluLoader.Load(DatasetSource.Samples);
    private readonly TempDb db = new();
    private readonly HttpClient http = new();
    private ScriptedEndpoint endpoint = null!;

    public async Task InitializeAsync()
    {
        endpoint = await ScriptedEndpoint.StartAsync();
        endpoint.Script = (_, _) => Letter;
    }

    public async Task DisposeAsync() => await endpoint.DisposeAsync();

    public void Dispose()
    {
        http.Dispose();
        db.Dispose();
    }

    // Always " A", the most probable of the letters offered.
    private static Scripted Letter => new(Text: " A", Logprobs: [new JsonObject
    {
        ["token"] = " A", ["logprob"] = -0.5, ["bytes"] = null,
        ["top_logprobs"] = new JsonArray(new JsonObject { ["token"] = " A", ["logprob"] = -0.5 }, new JsonObject { ["token"] = " B", ["logprob"] = -1.5 }),
    }], CompletionTokens: 1);

    private static MmluSuite Suite(int? limit = null) => new(Data, new MmluOptions(MmluMode.Logprob, Selection: limit is { } n ? new SampleSelection(Limit: n) : null));

    private RetryingChatClient Client() => new(new OpenAIEndpointChatClient(endpoint.BaseUri, "scripted", http: http),
        new RetryOptions { MaxAttempts = 3, BaseDelay = TimeSpan.FromMilliseconds(1) });

    private static int ShotsIn(string prompt) => prompt.Split("\nAnswer:").Length - 2;

    // The prompt of each item at 5..0 shots, built by the suite, checked to hold exactly that many dev examples.
    private static Dictionary<string, int[]> PromptLengths(MmluSuite suite)
    {
        var lengths = new Dictionary<string, int[]>();
        foreach (var item in suite.Items)
        {
            var list = new List<int>();
            for (var r = suite.NextRequest(item, [])!; r is not null; r = suite.Shorten(item, r))
            {
                Assert.Equal(5 - list.Count, ShotsIn(r.Messages[0].Text));
                list.Add(r.Messages[0].Text.Length);
            }
            lengths[item.Id] = [.. list];
        }
        return lengths;
    }

    // A limit no 5-shot prompt fits under and every 0-shot one does, so items land on different shot counts.
    private static int Window(Dictionary<string, int[]> lengths)
    {
        var window = lengths.Values.Min(l => l[0]) - 1;
        Assert.True(lengths.Values.Max(l => l[5]) <= window, "the sample prompts leave no window that fits every 0-shot prompt");
        return window;
    }

    // The shots the endpoint accepts for an item: the most whose prompt is within the window.
    private static int Fitting(int[] lengths, int window) => 5 - Array.FindIndex(lengths, l => l <= window);

    [Fact]
    public async Task Refused_five_shot_prompts_are_answered_with_fewer_shots_and_each_item_records_its_shots()
    {
        var suite = Suite();
        var lengths = PromptLengths(suite);
        endpoint.MaxPromptChars = Window(lengths);
        using var store = EvalStore.Open(db.Path);
        var run = store.OpenRun("fewer", Key, new ReproducibilityRecord());

        var result = await new EvalRunner(Client(), store, new EvalRunnerOptions { Concurrency = 3 }).RunAsync(run, [suite]);

        var expected = suite.Items.ToDictionary(i => i.Id, i => Fitting(lengths[i.Id], endpoint.MaxPromptChars.Value));
        Assert.Contains(expected.Values, k => k is > 0 and < 5);
        var refusals = expected.Values.Sum(k => 5 - k);
        Assert.Equal(refusals, endpoint.Refused);
        Assert.Equal(suite.Items.Count + refusals, endpoint.Requests);
        Assert.Equal(endpoint.Requests, result.Sent);
        var summary = Assert.Single(result.Suites);
        Assert.Equal((20, 0, 0, 20), (summary.Scored, summary.Errors, summary.Truncated, summary.Shortened ?? -1));
        var scores = store.Scores(run, "mmlu");
        Assert.Equal(expected.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => (kv.Key, (double)kv.Value)),
            scores.Select(s => (s.Item.Id, s.Score.Metrics!["shots"])));
        Assert.All(scores, s => Assert.Equal("A", s.Score.Extracted));
        // Each step's row holds the request that was answered, not a refusal.
        Assert.All(store.Replies(run, "mmlu"), r => Assert.Null(r.Error));
        Assert.All(store.Replies(run, "mmlu"), r => Assert.Equal(RequestHash.Of(r.RequestJson), r.PromptHash));
    }

    [Fact]
    public async Task A_prompt_that_fits_with_no_shots_either_is_stored_as_a_truncated_error_as_before()
    {
        endpoint.MaxPromptChars = 10;
        using var store = EvalStore.Open(db.Path);
        var run = store.OpenRun("nothing-fits", Key, new ReproducibilityRecord());

        var result = await new EvalRunner(Client(), store).RunAsync(run, [Suite(limit: 3)]);

        // 5, 4, 3, 2, 1 and 0 shots, each refused once.
        Assert.Equal(3 * 6, endpoint.Requests);
        var summary = Assert.Single(result.Suites);
        Assert.Equal((0, 3, 3, 0), (summary.Scored, summary.Errors, summary.Truncated, summary.Shortened ?? -1));
        var rows = store.Replies(run, "mmlu");
        Assert.Equal(3, rows.Count);
        Assert.All(rows, r =>
        {
            Assert.True(r.Truncated);
            Assert.Contains("maximum context length", r.Error, StringComparison.Ordinal);
            // The stored request is the last one tried: the 0-shot prompt.
            Assert.Equal(0, ShotsIn(System.Text.Json.JsonDocument.Parse(r.RequestJson).RootElement.GetProperty("messages")[0].GetProperty("content").GetString()!));
        });
    }

    [Fact]
    public async Task An_interrupted_run_with_shortened_prompts_resumes_without_sending_an_answered_step_again()
    {
        var lengths = PromptLengths(Suite());
        var window = Window(lengths);
        endpoint.MaxPromptChars = window;
        using var store = EvalStore.Open(db.Path);
        using var cts = new CancellationTokenSource();
        // Stop halfway through the requests an uninterrupted run sends.
        var total = lengths.Values.Sum(l => 1 + 5 - Fitting(l, window));
        endpoint.Script = (_, n) =>
        {
            // Refused requests never reach the script, so the first answer past halfway stops the run.
            if (n >= total / 2) cts.Cancel();
            return Letter;
        };
        var run = store.OpenRun("resume", Key, new ReproducibilityRecord());
        var first = await new EvalRunner(Client(), store, new EvalRunnerOptions { Concurrency = 2 }).RunAsync(run, [Suite()], null, cts.Token);
        Assert.True(first.Cancelled);
        var answered = store.Replies(run, "mmlu").Where(r => r.Error is null).Select(r => r.ItemId).ToHashSet();
        Assert.InRange(answered.Count, 1, 19);
        // Some answered steps hold a shortened prompt's reply: those are what a naive hash check would send again.
        Assert.Contains(answered, id => Fitting(lengths[id], window) < 5);
        // Forget the scores, so every answered item must be rebuilt from its stored reply.
        using (var c = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={db.Path};Pooling=False"))
        {
            c.Open();
            using var cmd = c.CreateCommand();
            cmd.CommandText = "DELETE FROM scores";
            cmd.ExecuteNonQuery();
        }

        endpoint.Script = (_, _) => Letter;
        var before = endpoint.Requests;
        var second = await new EvalRunner(Client(), store, new EvalRunnerOptions { Concurrency = 2 }).RunAsync(store.OpenRun("resume", Key, new ReproducibilityRecord()), [Suite()]);

        // Only the unanswered items are asked, each with its refusals on the way down to the shots that fit.
        var unanswered = Suite().Items.Where(i => !answered.Contains(i.Id)).ToList();
        Assert.Equal(unanswered.Sum(i => 1 + 5 - Fitting(lengths[i.Id], window)), endpoint.Requests - before);
        Assert.Equal(endpoint.Requests - before, second.Sent);
        Assert.Equal(answered.Count, second.Reused);

        var clean = store.OpenRun("clean", Key, new ReproducibilityRecord());
        var uninterrupted = await new EvalRunner(Client(), store).RunAsync(clean, [Suite()]);
        Assert.Equal(uninterrupted.Suites[0].Mean, second.Suites[0].Mean, 12);
        Assert.Equal(20, second.Suites[0].Scored);
        Assert.Equal(uninterrupted.Suites[0].Shortened, second.Suites[0].Shortened);
        Assert.Equal(store.Scores(clean, "mmlu").Select(s => (s.Item.Id, s.Score.Score, s.Score.Metrics!["shots"])),
            store.Scores(run, "mmlu").Select(s => (s.Item.Id, s.Score.Score, s.Score.Metrics!["shots"])));
    }

    [Fact]
    public void A_stored_reply_matches_a_step_only_through_the_suite_s_own_chain_of_shorter_requests()
    {
        var suite = Suite(limit: 2);
        var item = suite.Items[0];
        var full = suite.NextRequest(item, [])!;
        var three = suite.Shorten(item, suite.Shorten(item, full)!)!;
        Assert.Equal(0, EvalRunner.StoredDepth(suite, item, full, RequestHash.Of(RequestHash.CanonicalJson(full))));
        Assert.Equal(2, EvalRunner.StoredDepth(suite, item, full, RequestHash.Of(RequestHash.CanonicalJson(three))));
        Assert.Null(EvalRunner.StoredDepth(suite, item, full, "stale"));
        // Another item's prompt is never taken for this one's.
        var other = suite.NextRequest(suite.Items[1], [])!;
        Assert.Null(EvalRunner.StoredDepth(suite, item, full, RequestHash.Of(RequestHash.CanonicalJson(other))));
    }
}
