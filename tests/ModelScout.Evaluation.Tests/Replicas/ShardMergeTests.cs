using Microsoft.Data.Sqlite;
using Microsoft.Extensions.AI;
using ModelScout.Evaluation.Results;
using ModelScout.Evaluation.Running;
using ModelScout.Evaluation.Suites;
using ModelScout.Evaluation.Tests.Fakes;

namespace ModelScout.Evaluation.Tests.Replicas;

public sealed class ShardMergeTests : IDisposable
{
    private static readonly RunKey Key = new("http://a/v1", "m", "sha256:aa", "Q4_K_M");
    private readonly string dir = Directory.CreateTempSubdirectory("scout-shards-").FullName;

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(dir, true);
    }

    private string File(string name) => Path.Combine(dir, name);

    private static ReproducibilityRecord Record(string? shard, string temperature = "0") => new()
    {
        Model = "m",
        Sampling = shard is null ? new Dictionary<string, string> { ["temperature"] = temperature } : new Dictionary<string, string> { ["temperature"] = temperature, ["shard"] = shard },
        ScoringModes = new Dictionary<string, string> { ["letters"] = "letters:exact" },
        DatasetHashes = new Dictionary<string, string> { ["/data/one/letters.csv"] = "ff" },
        Shard = shard,
    };

    // Answers "A" to even-numbered questions and "B" to every third, so the score is neither 0 nor 1.
    private sealed class Answers : IChatClient
    {
        public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
        {
            var n = int.Parse(messages.Last().Text[1..], System.Globalization.CultureInfo.InvariantCulture);
            return Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, n % 3 == 0 ? "B" : "A")));
        }

        public IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException();

        public object? GetService(Type serviceType, object? serviceKey = null) => null;

        public void Dispose()
        {
        }
    }

    private static async Task<EvalRunInfo> RunAsync(EvalStore store, string name, Shard? shard, string temperature = "0")
    {
        IEvalSuite suite = new LetterSuite(25);
        if (shard is not null) suite = new ShardedSuite(suite, shard);
        var run = store.OpenRun(name, Key, Record(shard?.ToString(), temperature));
        await new EvalRunner(new Answers(), store).RunAsync(run, [suite]);
        return store.FindRun(name)!;
    }

    [Fact]
    public void Shards_split_the_items_by_index_each_once()
    {
        var items = Enumerable.Range(0, 10).ToList();
        var parts = Enumerable.Range(1, 3).Select(i => new Shard(i, 3).Apply(items)).ToList();
        Assert.Equal([0, 3, 6, 9], parts[0]);
        Assert.Equal([1, 4, 7], parts[1]);
        Assert.Equal(items, parts.SelectMany(p => p).Order());
        Assert.Equal(new Shard(2, 4), Shard.Parse("2/4"));
        Assert.Contains("count from 1", Assert.Throws<FormatException>(() => Shard.Parse("0/4")).Message, StringComparison.Ordinal);
        Assert.Throws<FormatException>(() => Shard.Parse("5/4"));
        Assert.Throws<FormatException>(() => Shard.Parse("two"));
        Assert.Equal("m-letters-abc", RunMerge.WholeName("m-letters-abc-shard2of4", new Shard(2, 4)));
    }

    [Fact]
    public async Task Sharded_and_merged_scores_equal_the_whole_runs()
    {
        SuiteSummary whole;
        using (var store = EvalStore.Open(File("whole.db")))
            whole = store.Summarize(await RunAsync(store, "whole", null), "letters");
        using var one = EvalStore.Open(File("one.db"));
        using var two = EvalStore.Open(File("two.db"));
        using var into = EvalStore.Open(File("merged.db"));
        var s1 = await RunAsync(one, "whole-shard1of2", new Shard(1, 2));
        var s2 = await RunAsync(two, "whole-shard2of2", new Shard(2, 2));
        Assert.Equal(13, one.Scores(s1, "letters").Count);
        Assert.Equal(12, two.Scores(s2, "letters").Count);

        var merged = RunMerge.Merge(into, "whole", [new ShardRun(two, s2), new ShardRun(one, s1)]);
        var summary = into.Summarize(merged, "letters");
        Assert.Equal(RunStatus.Complete, merged.Status);
        Assert.Null(merged.Record.Shard);
        Assert.False(merged.Record.Sampling!.ContainsKey("shard"));
        Assert.Equal(2, merged.Record.MergedFrom!.Count);
        Assert.Equal(whole.Scored, summary.Scored);
        Assert.Equal(whole.Mean, summary.Mean, 12);
        Assert.Equal(whole.Subjects, summary.Subjects);
        Assert.Equal(whole.Groups, summary.Groups);
        Assert.Equal(whole.Replies, summary.Replies);
        Assert.Equal(25, into.Replies(merged, "letters").Select(r => r.ItemId).Distinct().Count());
    }

    [Fact]
    public async Task Shards_of_different_settings_missing_twice_or_unfinished_are_refused()
    {
        using var one = EvalStore.Open(File("one.db"));
        using var two = EvalStore.Open(File("two.db"));
        using var into = EvalStore.Open(File("merged.db"));
        var s1 = await RunAsync(one, "w-shard1of2", new Shard(1, 2));
        var hot = await RunAsync(two, "w-shard2of2", new Shard(2, 2), temperature: "0.7");
        var e = Assert.Throws<EvalException>(() => RunMerge.Merge(into, "w", [new ShardRun(one, s1), new ShardRun(two, hot)]));
        Assert.Contains("settings", e.Message, StringComparison.Ordinal);
        Assert.Contains("temperature=0.7", e.Message, StringComparison.Ordinal);

        Assert.Contains("2/2 missing", Assert.Throws<EvalException>(() => RunMerge.Merge(into, "w", [new ShardRun(one, s1)])).Message, StringComparison.Ordinal);
        Assert.Contains("given twice", Assert.Throws<EvalException>(() => RunMerge.Merge(into, "w", [new ShardRun(one, s1), new ShardRun(one, s1)])).Message, StringComparison.Ordinal);

        var s2 = await RunAsync(two, "other-shard2of2", new Shard(2, 2));
        two.SetStatus(s2, RunStatus.Interrupted);
        Assert.Contains("interrupted", Assert.Throws<EvalException>(() => RunMerge.Merge(into, "w", [new ShardRun(one, s1), new ShardRun(two, two.FindRun("other-shard2of2")!)])).Message, StringComparison.Ordinal);
        Assert.Empty(into.ListRuns());
    }

    [Fact]
    public void A_schema_3_file_gains_the_endpoint_column_keeps_its_replies_and_stores_endpoints_from_then_on()
    {
        var path = File("old.db");
        var at = new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero);
        using (var store = EvalStore.Open(path))
        {
            var old = store.OpenRun("old", Key, Record(null));
            store.SaveReply(old, new StoredReply("letters", "q000", 0, "h", "{}", new ModelReply("A", "stop", 3, 1, null, TimeSpan.Zero), null, 1, false, at));
        }
        using (var c = new SqliteConnection($"Data Source={path};Pooling=False"))
        {
            c.Open();
            using var cmd = c.CreateCommand();
            cmd.CommandText = "ALTER TABLE replies DROP COLUMN endpoint; PRAGMA user_version = 3";
            cmd.ExecuteNonQuery();
        }
        using var upgraded = EvalStore.Open(path);
        var run = upgraded.FindRun("old")!;
        var kept = Assert.Single(upgraded.Replies(run, "letters"));
        Assert.Equal("A", kept.Reply!.Text);
        Assert.Null(kept.Endpoint);
        upgraded.SaveReply(run, new StoredReply("letters", "q001", 0, "h", "{}", new ModelReply("B", "stop", 3, 1, null, TimeSpan.Zero), null, 1, false, at, "http://b/v1"));
        Assert.Equal("http://b/v1", upgraded.Replies(run, "letters").Single(r => r.ItemId == "q001").Endpoint);
        using var check = new SqliteConnection($"Data Source={path};Mode=ReadOnly;Pooling=False");
        check.Open();
        using var version = check.CreateCommand();
        version.CommandText = "PRAGMA user_version";
        Assert.Equal(4L, (long)version.ExecuteScalar()!);
    }
}
