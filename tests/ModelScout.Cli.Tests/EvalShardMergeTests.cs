using System.Text.Json;
using Microsoft.Data.Sqlite;

namespace ModelScout.Cli.Tests;

/// <summary>scout eval --shard i/N on "two machines" (two result files) and scout eval merge, against a deterministic endpoint.</summary>
public sealed class EvalShardMergeTests : IAsyncLifetime
{
    private readonly string dir = Directory.CreateTempSubdirectory("scout-eval-shards-").FullName;
    private EvalScriptedEndpoint endpoint = null!;

    public async Task InitializeAsync() => endpoint = await EvalScriptedEndpoint.StartAsync();

    public async Task DisposeAsync()
    {
        await endpoint.DisposeAsync();
        SqliteConnection.ClearAllPools();
        Directory.Delete(dir, true);
    }

    private string Db(string name) => Path.Combine(dir, name);

    private CliRun Eval(string db, params string[] more) =>
        Scout.Run(["eval", "--suite", "gsm8k,math,mmlu", "--endpoint", endpoint.BaseUri.ToString(), "--model", EvalScriptedEndpoint.Model, "--limit", "7",
            "--db", db, "--json", .. more]);

    private static Dictionary<string, (int Scored, double Score)> Scores(string json) =>
        JsonDocument.Parse(json).RootElement.GetProperty("suites").EnumerateArray()
            .ToDictionary(s => s.GetProperty("suite").GetString()!, s => (s.GetProperty("scored").GetInt32(), s.GetProperty("score").GetDouble()));

    [Fact]
    public void Sharded_runs_merged_report_the_scores_of_the_unsharded_run()
    {
        var whole = Eval(Db("whole.db"));
        Assert.True(whole.ExitCode == 0, whole.Stderr);
        var name = JsonDocument.Parse(whole.Stdout).RootElement.GetProperty("run").GetString()!;
        var one = Eval(Db("machine1.db"), "--shard", "1/2");
        var two = Eval(Db("machine2.db"), "--shard", "2/2");
        Assert.True(one.ExitCode == 0 && two.ExitCode == 0, one.Stderr + two.Stderr);
        Assert.Equal(name + "-shard1of2", JsonDocument.Parse(one.Stdout).RootElement.GetProperty("run").GetString());
        // Every item once over the two shards: 7 per suite, 4 in the first, 3 in the second.
        Assert.All(JsonDocument.Parse(one.Stdout).RootElement.GetProperty("suites").EnumerateArray(), s => Assert.Equal(4, s.GetProperty("n").GetInt32()));
        Assert.All(JsonDocument.Parse(two.Stdout).RootElement.GetProperty("suites").EnumerateArray(), s => Assert.Equal(3, s.GetProperty("n").GetInt32()));

        var merged = Scout.Run("eval", "merge", Db("machine1.db"), Db("machine2.db"), "--into", Db("merged.db"), "--json");
        Assert.True(merged.ExitCode == 0, merged.Stderr + merged.Stdout);
        var report = Scout.Run("eval", "report", name, "--db", Db("whole.db"), "--json");
        Assert.Equal(0, report.ExitCode);
        var expected = Scores(report.Stdout);
        Assert.Equal(3, expected.Count);
        Assert.Equal(expected, Scores(merged.Stdout));
        Assert.Equal(name, JsonDocument.Parse(merged.Stdout).RootElement.GetProperty("run").GetProperty("name").GetString());

        // The same shards again into the same file: the merged run exists, so it is refused rather than doubled.
        var again = Scout.Run("eval", "merge", Db("machine1.db"), Db("machine2.db"), "--into", Db("merged.db"));
        Assert.NotEqual(0, again.ExitCode);
        Assert.Contains("already has a run named", again.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Shards_of_different_settings_are_refused_and_a_bad_shard_is_a_usage_error()
    {
        Assert.Equal(0, Eval(Db("a.db"), "--shard", "1/2").ExitCode);
        Assert.Equal(0, Eval(Db("b.db"), "--shard", "2/2", "--max-tokens", "64").ExitCode);
        var merged = Scout.Run("eval", "merge", Db("a.db"), Db("b.db"), "--into", Db("m.db"));
        Assert.NotEqual(0, merged.ExitCode);
        Assert.Contains("cannot be merged", merged.Stderr, StringComparison.Ordinal);
        Assert.Contains("max_tokens=64", merged.Stderr, StringComparison.Ordinal);

        var bad = Eval(Db("c.db"), "--shard", "3/2");
        Assert.NotEqual(0, bad.ExitCode);
        Assert.Contains("--shard", bad.Stderr, StringComparison.Ordinal);
    }
}
