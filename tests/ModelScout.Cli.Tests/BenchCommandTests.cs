using System.Text.Json;
using ModelScout.Cli.Framework;
using ModelScout.Engine;
using ModelScout.LoadTest;
using ModelScout.Server;
using ModelScout.Server.Hosting;
using ModelScout.Store;
using ModelScout.Testing;

namespace ModelScout.Cli.Tests;

/// <summary>scout serve in-process over stories260K: four slots, one thread; the bench measures it over HTTP.</summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Reliability", "CA1001", Justification = "xunit disposes the fixture through IAsyncLifetime.DisposeAsync")]
public sealed class StoriesServeFixture : IAsyncLifetime
{
    private readonly string root = Directory.CreateTempSubdirectory("scout-bench-store-").FullName;
    private ModelHost? engine;
    private ScoutServer? server;

    public Uri Root { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var store = new ModelStore(root);
        await store.ImportAsync(Path.GetFullPath(RepoPaths.Model("stories260K.gguf")), "stories");
        var settings = new ServerSettings { Host = "127.0.0.1", Port = 0, Engine = new EngineSettings { Threads = 1, Parallel = 4, KeepAlive = TimeSpan.FromMinutes(10) } };
        engine = new ModelHost(store, settings.Engine);
        server = ScoutServer.Create(new ServerServices(engine, store, settings), _ => { });
        await server.StartAsync();
        Root = server.Address;
    }

    public async Task DisposeAsync()
    {
        if (server is not null)
        {
            await server.StopAsync();
            await server.DisposeAsync();
        }
        if (engine is not null) await engine.DisposeAsync();
        Directory.Delete(root, recursive: true);
    }
}

public sealed class BenchServeTests(StoriesServeFixture serve) : IClassFixture<StoriesServeFixture>
{
    private static readonly HttpClient Http = new() { Timeout = Timeout.InfiniteTimeSpan };

    [Fact]
    public async Task Batching_gain_shows_in_output_throughput_from_c1_to_c4()
    {
        var target = new BenchTarget("scout", serve.Root, "stories", StreamFormat.OpenAIChat);
        var prompts = await SyntheticPrompts.CreateAsync(Http, serve.Root, "stories", 16, seed: 0);
        Assert.True(prompts.Tokenized, "scout serve has /tokenize");
        Assert.All(prompts.MeasuredTokens, t => Assert.Equal(16, t));
        var plan = new LoadPlan
        {
            Levels = [new LoadLevel(LoadKind.Concurrency, 1), new LoadLevel(LoadKind.Concurrency, 2), new LoadLevel(LoadKind.Concurrency, 4)],
            Requests = 8, Rounds = 2, Warmup = 1, OutputTokens = 48,
        };
        // The gain is a throughput comparison on a shared machine: up to three tries, only `>` is asserted.
        var throughputs = new List<string>();
        for (var attempt = 0; attempt < 3; attempt++)
        {
            var report = await new BenchRunner(Http, TimeSpan.FromSeconds(120)).RunAsync([target], [prompts], plan);
            Assert.Equal(3, report.Points.Count);
            foreach (var point in report.Points)
            {
                Assert.Equal(8, point.Summary.Completed);
                Assert.All(point.Samples, s => Assert.Equal(TokenCountSource.Usage, s.OutputTokenSource));
                Assert.All(point.Samples, s => Assert.InRange(s.OutputTokens, 1, 48));
                Assert.Equal(point.Samples.Sum(s => (long)s.OutputTokens), point.Summary.TotalOutputTokens);
                Assert.NotNull(point.ServerMetrics);
            }
            var c1 = report.Points[0].Summary.OutputTokenThroughput;
            var c4 = report.Points[2].Summary.OutputTokenThroughput;
            throughputs.Add($"c1 {c1:0.0} c4 {c4:0.0}");
            if (c4 > c1) return;
        }
        Assert.Fail("output throughput at c=4 never exceeded c=1: " + string.Join("; ", throughputs));
    }

    [Fact]
    public void The_bench_command_writes_the_whole_report_as_json()
    {
        var outFile = Path.Combine(Path.GetTempPath(), $"scout-bench-{Guid.NewGuid():N}.json");
        try
        {
            var run = Scout.Run("bench", "--endpoint", serve.Root + "v1", "--model", "stories", "--endpoint", serve.Root.ToString(), "--model", "stories",
                "--concurrency", "1,2", "--requests", "4", "--rounds", "2", "--input-tokens", "8", "--output-tokens", "16", "--warmup", "0",
                "--slo", "ttft=10s,tpot=1s", "--json", "--out", outFile);
            Assert.True(run.ExitCode == 0, run.Stderr);
            using var json = JsonDocument.Parse(run.Stdout);
            var root = json.RootElement;
            Assert.Equal("modelscout/bench/v1", root.GetProperty("schema").GetString());
            Assert.Equal(["openai", "ollama"], root.GetProperty("targets").EnumerateArray().Select(t => t.GetProperty("api").GetString()));
            var points = root.GetProperty("points");
            Assert.Equal(4, points.GetArrayLength());
            foreach (var p in points.EnumerateArray())
            {
                Assert.Equal(4, p.GetProperty("summary").GetProperty("completed").GetInt32());
                Assert.Equal(4, p.GetProperty("samples").GetArrayLength());
                Assert.True(p.GetProperty("summary").GetProperty("goodput").GetDouble() > 0);
            }
            Assert.Contains(root.GetProperty("ratios").EnumerateArray(), r => r.GetProperty("metric").GetString() == "output_throughput");
            Assert.Contains("via /tokenize", root.GetProperty("settings").EnumerateObject().First(s => s.Name.StartsWith("prompts[", StringComparison.Ordinal)).Value.GetString(), StringComparison.Ordinal);
            Assert.Equal(root.GetProperty("points").GetArrayLength(), JsonDocument.Parse(File.ReadAllText(outFile)).RootElement.GetProperty("points").GetArrayLength());
            // Progress went to stderr as plain lines.
            Assert.Contains("bench c=2 round 2/2", run.Stderr, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(outFile);
        }
    }

    [Fact]
    public void The_bench_command_prints_tables_with_ratios()
    {
        var run = Scout.Run("bench", "--endpoint", serve.Root + "v1", "--endpoint", serve.Root + "v1", "--model", "stories",
            "--requests", "2", "--rounds", "2", "--input-tokens", "8", "--output-tokens", "8", "--warmup", "0");
        Assert.True(run.ExitCode == 0, run.Stderr);
        Assert.Contains("output throughput (tok/s)", run.Stdout, StringComparison.Ordinal);
        Assert.Contains("ratio output_throughput vs 1:", run.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void Html_png_and_svg_reports_are_written_beside_each_other_creating_the_folder()
    {
        var folder = Path.Combine(Path.GetTempPath(), $"scout-bench-{Guid.NewGuid():N}");
        try
        {
            var run = Scout.Run("bench", "--endpoint", serve.Root + "v1", "--model", "stories", "--endpoint", serve.Root.ToString(), "--model", "stories",
                "--concurrency", "1,2", "--requests", "2", "--rounds", "1", "--input-tokens", "8", "--output-tokens", "8", "--warmup", "0",
                "--html", Path.Combine(folder, "html", "run.html"), "--png", Path.Combine(folder, "run.png"), "--svg", Path.Combine(folder, "run.svg"));
            Assert.True(run.ExitCode == 0, run.Stderr);
            var html = File.ReadAllText(Path.Combine(folder, "html", "run.html"));
            Assert.Contains("<svg", html, StringComparison.Ordinal);
            Assert.Contains("(openai)", html, StringComparison.Ordinal);
            Assert.Contains("(ollama)", html, StringComparison.Ordinal);
            foreach (var name in new[] { "run", "run-ttft", "run-tpot" })
            {
                var png = File.ReadAllBytes(Path.Combine(folder, name + ".png"));
                Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, png[..4]);
                var svg = System.Xml.Linq.XDocument.Load(Path.Combine(folder, name + ".svg"));
                Assert.Equal("svg", svg.Root!.Name.LocalName);
            }
        }
        finally
        {
            if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void Local_measures_pp_and_tg_in_process_with_mean_and_std()
    {
        var run = Scout.Run("bench", "--local", RepoPaths.Model("stories260K.gguf"), "--pp", "32", "--tg", "8", "--repetitions", "2", "--threads", "1", "--json");
        Assert.True(run.ExitCode == 0, run.Stderr);
        using var json = JsonDocument.Parse(run.Stdout);
        var root = json.RootElement;
        Assert.Equal("modelscout/bench-local/v1", root.GetProperty("schema").GetString());
        Assert.Equal(1, root.GetProperty("threads").GetInt32());
        var tests = root.GetProperty("tests").EnumerateArray().ToList();
        Assert.Equal(["pp32", "tg8"], tests.Select(t => t.GetProperty("name").GetString()));
        foreach (var t in tests)
        {
            var runs = t.GetProperty("runTokensPerSecond").EnumerateArray().Select(x => x.GetDouble()).ToList();
            Assert.Equal(2, runs.Count);
            Assert.All(runs, r => Assert.True(r > 0));
            Assert.Equal(runs.Average(), t.GetProperty("meanTokensPerSecond").GetDouble(), 0.02);
        }
    }
}

public sealed class BenchCommandTests
{
    [Theory]
    [InlineData(new[] { "bench", "--model", "m" }, "give an endpoint")]
    [InlineData(new[] { "bench", "--endpoint", "http://127.0.0.1:1/v1" }, "give the model")]
    [InlineData(new[] { "bench", "--endpoint", "ftp://x", "--model", "m" }, "is not an http(s) URL")]
    [InlineData(new[] { "bench", "--endpoint", "http://a/v1", "--endpoint", "http://b/v1", "--model", "m", "--model", "n", "--model", "o" }, "2 --endpoint but 3 --model")]
    [InlineData(new[] { "bench", "--endpoint", "http://a/v1", "--model", "m", "--concurrency", "1,x" }, "--concurrency: 'x' is not a number")]
    [InlineData(new[] { "bench", "--endpoint", "http://a/v1", "--model", "m", "--concurrency", "1.5" }, "not a whole number")]
    [InlineData(new[] { "bench", "--endpoint", "http://a/v1", "--model", "m", "--rate", "0" }, "not a positive rate")]
    [InlineData(new[] { "bench", "--endpoint", "http://a/v1", "--model", "m", "--rate", "1", "--concurrency", "2" }, "not both")]
    [InlineData(new[] { "bench", "--endpoint", "http://a/v1", "--model", "m", "--duration", "soon" }, "--duration: 'soon' is not a positive time")]
    [InlineData(new[] { "bench", "--endpoint", "http://a/v1", "--model", "m", "--slo", "latency=5ms" }, "--slo: 'latency=5ms'")]
    [InlineData(new[] { "bench", "--endpoint", "http://a/v1", "--model", "m", "--api", "grpc" }, "--api: 'grpc'")]
    [InlineData(new[] { "bench", "--local", "model.gguf", "--endpoint", "http://a/v1", "--model", "m" }, "run it on its own")]
    [InlineData(new[] { "bench", "--local", "model.gguf", "--pp", "0", "--tg", "0" }, "leave nothing to measure")]
    [InlineData(new[] { "bench", "--endpoint", "http://a/v1", "--model", "m", "--requests", "2", "--rounds", "3" }, "--rounds 3 is more than --requests 2")]
    [InlineData(new[] { "bench", "--endpoint", "http://a/v1", "--model", "m", "--prompts", "x.jsonl", "--input-tokens", "5" }, "--input-tokens or --prompts")]
    public void Bad_flags_exit_2_saying_what_to_write(string[] args, string message)
    {
        var run = Scout.Run(args);
        Assert.Equal(ExitCodes.Usage, run.ExitCode);
        Assert.Contains(message, run.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unreachable_endpoint_names_the_url_and_what_to_check()
    {
        var run = Scout.Run("bench", "--endpoint", "http://127.0.0.1:9/v1", "--model", "m", "--requests", "1", "--rounds", "1");
        Assert.Equal(ExitCodes.Error, run.ExitCode);
        Assert.Contains("http://127.0.0.1:9/v1/chat/completions", run.Stderr, StringComparison.Ordinal);
        Assert.Contains("Check that the server is running", run.Stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("http://host:8000/v1", null, "http://host:8000/", StreamFormat.OpenAIChat)]
    [InlineData("http://host:8000/v1/", null, "http://host:8000/", StreamFormat.OpenAIChat)]
    [InlineData("http://host:11434", null, "http://host:11434/", StreamFormat.OllamaChat)]
    [InlineData("http://host/proxy/v1", null, "http://host/proxy/", StreamFormat.OpenAIChat)]
    [InlineData("http://host:8080", "openai", "http://host:8080/", StreamFormat.OpenAIChat)]
    public void The_api_is_inferred_from_the_path_unless_forced(string url, string? api, string root, StreamFormat format)
    {
        var (r, f) = Commands.BenchCommand.Endpoint(url, api);
        Assert.Equal(root, r.ToString());
        Assert.Equal(format, f);
    }
}
