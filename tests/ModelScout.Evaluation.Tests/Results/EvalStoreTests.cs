using Microsoft.Data.Sqlite;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Time.Testing;
using ModelScout.Evaluation.Results;
using ModelScout.Evaluation.Tests.Fakes;

namespace ModelScout.Evaluation.Tests.Results;

public sealed class EvalStoreTests : IDisposable
{
    private readonly TempDb db = new();
    private static readonly RunKey Key = new("http://localhost:11434/v1", "llama3.1:8b", "sha256:abc", "Q4_K_M");

    private static ReproducibilityRecord Record => new()
    {
        Endpoint = Key.Endpoint,
        Model = Key.ModelId,
        Seed = 42,
        Sampling = new Dictionary<string, string> { ["temperature"] = "0" },
        DatasetHashes = new Dictionary<string, string> { ["mmlu/abstract_algebra_test.csv"] = "00ff" },
        ScoringModes = new Dictionary<string, string> { ["mmlu"] = "mmlu:logprob:5-shot" },
        SandboxNetworkIsolated = false,
    };

    [Fact]
    public void Replies_and_scores_survive_reopening_the_file()
    {
        var reply = new ModelReply("A", "stop", 12, 1, [[new TokenChoice(" A", -0.25), new TokenChoice(" B", -1.5)]], TimeSpan.FromMilliseconds(12.5), "{\"raw\":1}");
        var request = new ModelRequest(0, [new ChatMessage(ChatRole.User, "Q?")], 1, TopLogprobs: 5);
        var json = RequestHash.CanonicalJson(request);
        using (var store = EvalStore.Open(db.Path))
        {
            var run = store.OpenRun("r1", Key, Record);
            store.SaveReply(run, new StoredReply("mmlu", "algebra/0", 0, RequestHash.Of(json), json, reply, null, 2, false, DateTimeOffset.UtcNow));
            store.SaveReply(run, new StoredReply("mmlu", "algebra/1", 0, "h", json, null, "answered 500", 5, false, DateTimeOffset.UtcNow));
            store.SaveScore(run, new EvalItem("mmlu", "algebra/0", "abstract_algebra", "STEM"), new SampleScore(1, "A", false, new Dictionary<string, double> { ["p"] = 0.75 }, "ok"), "mmlu:logprob");
        }

        using var reopened = EvalStore.Open(db.Path);
        var found = reopened.FindRun("r1");
        Assert.NotNull(found);
        Assert.Equal(Key, found.Key);
        Assert.Equal(42, found.Record.Seed);
        Assert.Equal("00ff", found.Record.DatasetHashes!["mmlu/abstract_algebra_test.csv"]);
        Assert.False(found.Record.SandboxNetworkIsolated);

        var replies = reopened.Replies(found, "mmlu");
        Assert.Equal(2, replies.Count);
        var ok = replies[0];
        Assert.Equal(RequestHash.Of(json), ok.PromptHash);
        Assert.Equal(json, ok.RequestJson);
        Assert.Equal(2, ok.Attempts);
        Assert.NotNull(ok.Reply);
        Assert.Equal("A", ok.Reply.Text);
        Assert.Equal("stop", ok.Reply.FinishReason);
        Assert.Equal(12, ok.Reply.PromptTokens);
        Assert.Equal(12.5, ok.Reply.Latency.TotalMilliseconds, 6);
        Assert.Equal("{\"raw\":1}", ok.Reply.Raw);
        Assert.Equal([new TokenChoice(" A", -0.25), new TokenChoice(" B", -1.5)], ok.Reply.Logprobs![0]);
        Assert.Null(replies[1].Reply);
        Assert.Equal("answered 500", replies[1].Error);

        var score = Assert.Single(reopened.Scores(found, "mmlu"));
        Assert.Equal(new EvalItem("mmlu", "algebra/0", "abstract_algebra", "STEM"), score.Item);
        Assert.Equal(0.75, score.Score.Metrics!["p"]);
        Assert.Equal("ok", score.Score.Detail);
        Assert.Equal("mmlu:logprob", score.ScoringMode);

        var summary = reopened.Summarize(found, "mmlu");
        Assert.Equal(1, summary.Scored);
        Assert.Equal(1, summary.Errors);
        Assert.Equal(2, summary.Replies);
        Assert.Equal(12, summary.PromptTokens);
        Assert.Equal([new ScoreAggregate("STEM", 1, 1)], summary.Groups);
    }

    [Fact]
    public void Runs_scores_and_scoring_errors_are_stamped_by_the_clock_the_store_was_opened_with()
    {
        var later = new DateTimeOffset(2026, 3, 4, 5, 6, 7, TimeSpan.Zero);
        var earlier = new DateTimeOffset(2025, 1, 2, 3, 4, 5, TimeSpan.Zero);
        var clock = new FakeTimeProvider(later);
        using var store = EvalStore.Open(db.Path, clock);
        var first = store.OpenRun("made-first", Key, Record);
        store.SaveScore(first, new EvalItem("mmlu", "algebra/0", "abstract_algebra", "STEM"), new SampleScore(1, "A", false, null, null), "mmlu:logprob");
        // A clock set back (as after a correction) makes the second run the older one, whatever order they were made in.
        clock.AdjustTime(earlier);
        var second = store.OpenRun("made-second", Key, Record);
        clock.Advance(TimeSpan.FromMinutes(1));
        store.SaveScoringError(second, new EvalItem("mmlu", "algebra/1", "abstract_algebra", "STEM"), "the judge gave no rating");

        Assert.Equal(later, first.Created);
        Assert.Equal(earlier, second.Created);
        Assert.Equal(later, store.FindRun("made-first")!.Created);
        Assert.Equal(earlier, store.FindRun("made-second")!.Created);
        Assert.Equal(["made-first", "made-second"], store.ListRuns().Select(r => r.Name));
        using var c = new SqliteConnection($"Data Source={db.Path};Pooling=False");
        c.Open();
        using var stamps = c.CreateCommand();
        stamps.CommandText = "SELECT (SELECT created FROM scores), (SELECT created FROM scoring_errors)";
        using var r = stamps.ExecuteReader();
        Assert.True(r.Read());
        Assert.Equal("2026-03-04T05:06:07.0000000Z", r.GetString(0));
        Assert.Equal("2025-01-02T03:05:05.0000000Z", r.GetString(1));
    }

    [Fact]
    public void Schema_is_versioned_and_written_ahead()
    {
        using (EvalStore.Open(db.Path))
        {
        }
        using var c = new SqliteConnection($"Data Source={db.Path};Pooling=False");
        c.Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = "PRAGMA user_version";
        Assert.Equal((long)EvalStore.SchemaVersion, cmd.ExecuteScalar());
        cmd.CommandText = "PRAGMA journal_mode";
        Assert.Equal("wal", cmd.ExecuteScalar());
    }

    [Fact]
    public void A_schema_1_file_gains_the_scoring_errors_table_and_keeps_its_runs()
    {
        using (var store = EvalStore.Open(db.Path)) store.OpenRun("old", Key, Record);
        using (var c = new SqliteConnection($"Data Source={db.Path};Pooling=False"))
        {
            c.Open();
            using var cmd = c.CreateCommand();
            cmd.CommandText = "DROP TABLE scoring_errors; PRAGMA user_version = 1";
            cmd.ExecuteNonQuery();
        }
        using var upgraded = EvalStore.Open(db.Path);
        var run = upgraded.FindRun("old")!;
        upgraded.SaveScoringError(run, new EvalItem("mtbench", "81"), "no rating");
        Assert.Equal([("81", "no rating")], upgraded.ScoringErrors(run, "mtbench"));
        Assert.Equal(1, upgraded.Summarize(run, "mtbench").Errors);
    }

    [Fact]
    public void A_schema_2_file_gains_the_tool_calls_column_keeps_its_replies_and_stores_calls_from_then_on()
    {
        var request = new ModelRequest(0, [new ChatMessage(ChatRole.User, "Q?")], 8);
        var hash = RequestHash.Of(RequestHash.CanonicalJson(request));
        var at = new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero);
        using (var store = EvalStore.Open(db.Path))
        {
            var old = store.OpenRun("old", Key, Record);
            store.SaveReply(old, new StoredReply("gsm8k", "0", 0, hash, "{}", new ModelReply("#### 4", "stop", 3, 2, null, TimeSpan.Zero), null, 1, false, at));
        }
        using (var c = new SqliteConnection($"Data Source={db.Path};Pooling=False"))
        {
            c.Open();
            using var cmd = c.CreateCommand();
            cmd.CommandText = "ALTER TABLE replies DROP COLUMN tool_calls_json; PRAGMA user_version = 2";
            cmd.ExecuteNonQuery();
        }
        using var upgraded = EvalStore.Open(db.Path);
        var run = upgraded.FindRun("old")!;
        var kept = Assert.Single(upgraded.Replies(run, "gsm8k"));
        Assert.Equal("#### 4", kept.Reply!.Text);
        Assert.Null(kept.Reply.ToolCalls);
        EvalToolCall[] calls = [new("weather_current", """{"city":"Oslo"}"""), new("weather_current", "{\"city\": \"Ro")];
        upgraded.SaveReply(run, new StoredReply("bfcl", "p0", 0, hash, "{}", new ModelReply("", "tool_calls", 3, 2, null, TimeSpan.Zero, ToolCalls: calls), null, 1, false, at));
        Assert.Equal(calls, Assert.Single(upgraded.Replies(run, "bfcl")).Reply!.ToolCalls!);
    }

    [Fact]
    public void A_file_from_a_newer_schema_is_refused()
    {
        using (var c = new SqliteConnection($"Data Source={db.Path};Pooling=False"))
        {
            c.Open();
            using var cmd = c.CreateCommand();
            cmd.CommandText = "PRAGMA user_version = 99";
            cmd.ExecuteNonQuery();
        }
        var e = Assert.Throws<InvalidOperationException>(() => EvalStore.Open(db.Path));
        Assert.Contains("newer", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_new_model_file_behind_the_same_endpoint_and_name_does_not_resume_the_old_run()
    {
        using var store = EvalStore.Open(db.Path);
        var before = new RunKey("http://127.0.0.1:11434/v1/", "qwen3:8b", "sha256:" + new string('a', 64), "Q4_K_M");
        var run = store.OpenRun("ollama", before, Record);
        store.SaveScore(run, new EvalItem("mmlu", "1"), new SampleScore(1, "A", false), "m");

        var after = before with { ModelDigest = "sha256:" + new string('b', 64) };
        var e = Assert.Throws<RunKeyMismatchException>(() => store.OpenRun("ollama", after, Record));
        Assert.Contains($"model digest: stored '{before.ModelDigest}', asked '{after.ModelDigest}'", e.Message, StringComparison.Ordinal);
        // A key that now knows the digest differs from one stored without it, too.
        Assert.Throws<RunKeyMismatchException>(() => store.OpenRun("ollama", before with { ModelDigest = null }, Record));
        Assert.Equal(run.Id, store.OpenRun("ollama", before, Record).Id);
    }

    [Fact]
    public void Same_key_resumes_and_a_different_model_is_refused_naming_what_differs()
    {
        using var store = EvalStore.Open(db.Path);
        var first = store.OpenRun("cmp", Key, Record);
        var again = store.OpenRun("cmp", Key, Record with { Seed = 7 });
        Assert.Equal(first.Id, again.Id);
        Assert.Equal(7, store.FindRun("cmp")!.Record.Seed);

        var e = Assert.Throws<RunKeyMismatchException>(() => store.OpenRun("cmp", Key with { Quantization = "Q8_0" }, Record));
        Assert.Contains("quantization", e.Message, StringComparison.Ordinal);
        Assert.Contains("Q4_K_M", e.Message, StringComparison.Ordinal);
        Assert.Contains("Q8_0", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("endpoint", e.Message, StringComparison.Ordinal);

        var m = Assert.Throws<RunKeyMismatchException>(() => store.OpenRun("cmp", Key with { ModelId = "qwen3:8b" }, Record));
        Assert.Contains("model: stored 'llama3.1:8b', asked 'qwen3:8b'", m.Message, StringComparison.Ordinal);
        Assert.Single(store.ListRuns());

        store.SaveScore(first, new EvalItem("mmlu", "1"), new SampleScore(1, "A", false), "m");
        Assert.True(store.DeleteRun("cmp"));
        Assert.False(store.DeleteRun("cmp"));
        var fresh = store.OpenRun("cmp", Key with { ModelId = "qwen3:8b" }, Record);
        Assert.Empty(store.Scores(fresh, "mmlu"));
    }

    [Fact]
    public void Per_subject_means_and_extraction_failures_are_aggregated()
    {
        using var store = EvalStore.Open(db.Path);
        var run = store.OpenRun("agg", Key, Record);
        store.SaveScore(run, new EvalItem("gsm8k", "1", "s1", "g"), new SampleScore(1, "4", false), "m");
        store.SaveScore(run, new EvalItem("gsm8k", "2", "s1", "g"), new SampleScore(0, null, true), "m");
        store.SaveScore(run, new EvalItem("gsm8k", "3", "s2", "g"), new SampleScore(1, "9", false), "m");
        // A rescore of an item replaces it rather than counting twice.
        store.SaveScore(run, new EvalItem("gsm8k", "3", "s2", "g"), new SampleScore(0, "8", false), "m");

        var s = store.Summarize(run, "gsm8k");
        Assert.Equal(3, s.Scored);
        Assert.Equal(1 / 3.0, s.Mean, 12);
        Assert.Equal(1, s.ExtractionFailures);
        Assert.Equal([new ScoreAggregate("s1", 2, 0.5), new ScoreAggregate("s2", 1, 0)], s.Subjects);
        Assert.Equal("m", s.ScoringMode);
        Assert.Equal(["gsm8k"], store.Suites(run));
    }

    [Fact]
    public void The_request_hash_changes_with_anything_that_changes_the_answer()
    {
        var a = new ModelRequest(0, [new ChatMessage(ChatRole.User, "Q")], 10);
        var h = RequestHash.Of(RequestHash.CanonicalJson(a));
        Assert.Equal(64, h.Length);
        Assert.Equal(h, RequestHash.Of(RequestHash.CanonicalJson(a with { })));
        Assert.NotEqual(h, RequestHash.Of(RequestHash.CanonicalJson(a with { MaxTokens = 11 })));
        Assert.NotEqual(h, RequestHash.Of(RequestHash.CanonicalJson(a with { Temperature = 0.7 })));
        Assert.NotEqual(h, RequestHash.Of(RequestHash.CanonicalJson(a with { Messages = [new ChatMessage(ChatRole.System, "Q")] })));
        Assert.NotEqual(h, RequestHash.Of(RequestHash.CanonicalJson(a with { Stop = ["\n"] })));
    }

    public void Dispose() => db.Dispose();
}
