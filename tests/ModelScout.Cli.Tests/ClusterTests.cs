using System.Text.Json;
using Microsoft.Data.Sqlite;
using ModelScout.Engine;
using ModelScout.Server;
using ModelScout.Server.Hosting;
using ModelScout.Store;
using ModelScout.Testing;

namespace ModelScout.Cli.Tests;

/// <summary>
/// A simulated cluster: real scout serve replicas of stories260K on 127.0.0.1:0 (one llama.cpp thread each), a real
/// reverse proxy (YARP) in front of them for bench, and one replica killed mid-run. scout eval spreads items over the
/// replicas itself; bench goes through the proxy as it would through a cluster's load balancer.
/// </summary>
public sealed class ClusterTests : IAsyncLifetime
{
    private const string Model = "stories:latest";
    private readonly string dir = Directory.CreateTempSubdirectory("scout-cluster-").FullName;
    private readonly List<(IInferenceService Host, ScoutServer Server)> replicas = [];
    private ModelStore store = null!;

    public async Task InitializeAsync()
    {
        store = new ModelStore(Path.Combine(dir, "models"));
        await store.ImportAsync(RepoPaths.Model("stories260K.gguf"), Model);
        for (var i = 0; i < 2; i++) replicas.Add(await StartReplicaAsync(store));
    }

    private static async Task<(IInferenceService, ScoutServer)> StartReplicaAsync(ModelStore models)
    {
        var host = new ModelHost(models, new EngineSettings { Threads = 1, Parallel = 1, KeepAlive = TimeSpan.FromMinutes(10) });
        // No grace: stopping drops the requests in flight, as a crashed replica would.
        var server = ScoutServer.Create(new ServerServices(host, models, new ServerSettings { Host = "127.0.0.1", Port = 0, ShutdownGrace = TimeSpan.Zero }));
        await server.StartAsync();
        return (host, server);
    }

    private readonly bool[] stopped = new bool[3];

    private async Task KillAsync(int i)
    {
        if (stopped[i]) return;
        stopped[i] = true;
        await replicas[i].Server.StopAsync();
    }

    public async Task DisposeAsync()
    {
        for (var i = 0; i < replicas.Count; i++)
        {
            if (!stopped[i]) await replicas[i].Server.StopAsync();
            await replicas[i].Server.DisposeAsync();
            await ((IAsyncDisposable)replicas[i].Host).DisposeAsync();
        }
        SqliteConnection.ClearAllPools();
        Directory.Delete(dir, true);
    }

    private string Api(int i) => new Uri(replicas[i].Server.Address, "v1").ToString();

    private static long Count(string db, string sql)
    {
        if (!File.Exists(db)) return 0;
        try
        {
            using var c = new SqliteConnection($"Data Source={db};Mode=ReadOnly;Pooling=False");
            c.Open();
            using var cmd = c.CreateCommand();
            cmd.CommandText = sql;
            return Convert.ToInt64(cmd.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (SqliteException)
        {
            return 0;
        }
    }

    [Fact]
    public async Task Eval_over_two_replicas_with_one_killed_mid_run_stores_every_item_exactly_once()
    {
        var db = Path.Combine(dir, "eval.db");
        var killed = Api(1);
        var run = Task.Run(() => Scout.Run("eval", "--suite", "gsm8k,math", "--endpoint", Api(0), "--endpoint", killed, "--model", Model,
            "--limit", "10", "--max-tokens", "200", "--db", db, "--json"));
        // Kill replica 2 once it has answered something and the run is not over.
        await Eventually.WaitUntilAsync(() => run.IsCompleted || Count(db, $"SELECT COUNT(*) FROM replies WHERE endpoint = '{killed}'") >= 1,
            TimeSpan.FromSeconds(60), "replica 2 to answer a first item");
        Assert.False(run.IsCompleted, "the run ended before a replica could be killed; raise --limit");
        await KillAsync(1);
        var result = await run;

        Assert.True(result.ExitCode == 0, result.Stderr + result.Stdout);
        Assert.Contains($"replica {killed} was taken out of rotation", result.Stderr, StringComparison.Ordinal);
        var root = JsonDocument.Parse(result.Stdout).RootElement;
        foreach (var suite in root.GetProperty("suites").EnumerateArray())
        {
            Assert.Equal(suite.GetProperty("total").GetInt32(), suite.GetProperty("n").GetInt32());
            Assert.Equal(0, suite.GetProperty("errors").GetInt32());
        }
        // Each item exactly once, none an error, each answered by a named replica, both replicas among them.
        var items = Count(db, "SELECT COUNT(*) FROM scores");
        Assert.Equal(items, Count(db, "SELECT COUNT(*) FROM replies"));
        Assert.Equal(items, Count(db, "SELECT COUNT(DISTINCT suite || '/' || item_id) FROM replies"));
        Assert.Equal(0, Count(db, "SELECT COUNT(*) FROM replies WHERE error IS NOT NULL OR endpoint IS NULL"));
        Assert.True(Count(db, $"SELECT COUNT(*) FROM replies WHERE endpoint = '{Api(0)}'") > 0);
        Assert.True(Count(db, $"SELECT COUNT(*) FROM replies WHERE endpoint = '{killed}'") > 0);
        Assert.Equal("replicas", root.GetProperty("record").GetProperty("endpoint").GetString());

        // Resume with another set of endpoints (the survivor and a new replica): the run key holds the model, not the URLs.
        replicas.Add(await StartReplicaAsync(store));
        var again = Scout.Run("eval", "--suite", "gsm8k,math", "--endpoint", Api(0), "--endpoint", Api(2), "--model", Model,
            "--limit", "10", "--max-tokens", "200", "--db", db, "--json");
        Assert.True(again.ExitCode == 0, again.Stderr + again.Stdout);
        var resumed = JsonDocument.Parse(again.Stdout).RootElement;
        Assert.Equal(root.GetProperty("run").GetString(), resumed.GetProperty("run").GetString());
        Assert.Equal(0, resumed.GetProperty("sent").GetInt32());
        var endpoints = resumed.GetProperty("record").GetProperty("endpoints").EnumerateArray().Select(e => e.GetString()).ToList();
        Assert.Equal([Api(0), killed, Api(2)], endpoints);
    }

    [Fact]
    public async Task Bench_through_the_proxy_records_the_killed_replicas_failures_with_their_reasons()
    {
        await using var proxy = await ReverseProxy.StartAsync([replicas[0].Server.Address, replicas[1].Server.Address]);
        var report = Path.Combine(dir, "bench.json");
        var plan = RepoPaths.Fixture("plan", "llama-3.1-8b-2xh100.json");
        var run = Task.Run(() => Scout.Run("bench", "--endpoint", new Uri(proxy.BaseUri, "v1").ToString(), "--model", Model, "--concurrency", "1,2",
            "--requests", "16", "--input-tokens", "16", "--output-tokens", "48", "--warmup", "0", "--plan", plan, "--out", report, "--json"));
        await Eventually.WaitUntilAsync(() => run.IsCompleted || proxy.ChatRequests >= 8, TimeSpan.FromSeconds(60), "the proxy to pass on eight requests");
        Assert.False(run.IsCompleted, "bench ended before a replica could be killed");
        await KillAsync(1);
        var result = await run;

        Assert.True(result.ExitCode == 0, result.Stderr + result.Stdout);
        var root = JsonDocument.Parse(File.ReadAllText(report)).RootElement;
        var summaries = root.GetProperty("points").EnumerateArray().Select(p => p.GetProperty("summary")).ToList();
        Assert.True(summaries.Sum(s => s.GetProperty("completed").GetInt32()) > 0);
        var reasons = summaries.SelectMany(s => s.GetProperty("failuresByReason").EnumerateObject()).ToList();
        Assert.True(reasons.Sum(r => r.Value.GetInt32()) > 0, File.ReadAllText(report));
        // YARP answers 502 for the dead replica's share; a stream cut when it died reads as a reset.
        Assert.Contains(reasons, r => r.Name == "HTTP 502");
        Assert.All(reasons, r => Assert.Contains(r.Name, new[] { "HTTP 502", "HTTP 503", "connection reset", "truncated" }));
        Assert.Equal(summaries.Sum(s => s.GetProperty("failed").GetInt32()), reasons.Sum(r => r.Value.GetInt32()));
        // The plan's prediction sits beside the measurement.
        Assert.Equal(123, root.GetProperty("plan").GetProperty("maxConcurrency").GetDouble());
        Assert.Equal(JsonValueKind.Array, root.GetProperty("knees").ValueKind);
    }

    [Fact]
    public async Task Replicas_serving_different_weights_under_one_name_are_refused_naming_them()
    {
        var other = new ModelStore(Path.Combine(dir, "other"));
        await other.ImportAsync(RepoPaths.Model("llama-2-tiny-random.gguf"), Model);
        var (host, server) = await StartReplicaAsync(other);
        try
        {
            var odd = new Uri(server.Address, "v1").ToString();
            var run = Scout.Run("eval", "--suite", "gsm8k", "--endpoint", Api(0), "--endpoint", odd, "--model", Model, "--limit", "2",
                "--db", Path.Combine(dir, "mixed.db"));
            Assert.NotEqual(0, run.ExitCode);
            Assert.Contains("do not serve the same model", run.Stderr, StringComparison.Ordinal);
            Assert.Contains(odd, run.Stderr, StringComparison.Ordinal);
            Assert.Contains("digest", run.Stderr, StringComparison.Ordinal);
            Assert.False(File.Exists(Path.Combine(dir, "mixed.db")));
        }
        finally
        {
            await server.StopAsync();
            await server.DisposeAsync();
            await ((IAsyncDisposable)host).DisposeAsync();
        }
    }
}
