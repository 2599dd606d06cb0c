using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.Extensions.AI;
using ModelScout.Cli.Framework;
using ModelScout.Engine;
using ModelScout.Evaluation.Clients;
using ModelScout.Server;
using ModelScout.Server.Hosting;
using ModelScout.Store;
using ModelScout.Testing;

namespace ModelScout.Cli.Tests;

/// <summary>
/// scout eval end to end with a real model: stories260K behind scout serve on 127.0.0.1:0 (every suite, MT-Bench graded by
/// a scripted judge endpoint, as a team would grade with a strong hosted model; and once by stories itself, which never
/// gives a rating) and in-process with --local. The model writes children's stories, so scores sit near chance; what is
/// checked is that every suite runs, scores land in range and the modes are the ones the probe should pick.
/// </summary>
public sealed class EvalStoriesTests : IAsyncLifetime
{
    private readonly string dir = Directory.CreateTempSubdirectory("scout-eval-stories-").FullName;
    private ModelStore store = null!;
    private IInferenceService host = null!;
    private ScoutServer server = null!;

    public async Task InitializeAsync()
    {
        store = new ModelStore(Path.Combine(dir, "models"));
        await store.ImportAsync(RepoPaths.Model("stories260K.gguf"), "stories:latest");
        host = new ModelHost(store, new EngineSettings { Threads = 1, Parallel = 1, KeepAlive = TimeSpan.FromMinutes(10) });
        server = ScoutServer.Create(new ServerServices(host, store, new ServerSettings { Host = "127.0.0.1", Port = 0, ShutdownGrace = TimeSpan.FromSeconds(5) }));
        await server.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await server.StopAsync();
        await server.DisposeAsync();
        await ((IAsyncDisposable)host).DisposeAsync();
        Directory.Delete(dir, true);
    }

    private static JsonElement Suite(JsonElement root, string name) =>
        root.GetProperty("suites").EnumerateArray().Single(s => s.GetProperty("suite").GetString() == name);

    [Fact]
    public async Task Every_suite_runs_against_scout_serve()
    {
        await using var judge = await EvalScriptedEndpoint.StartAsync();
        var api = new Uri(server.Address, "v1").ToString();
        var run = Scout.Run("eval", "--suite", "mmlu,humaneval,gsm8k,math,mtbench", "--endpoint", api, "--model", "stories:latest",
            "--judge-endpoint", judge.BaseUri.ToString(), "--judge-model", EvalScriptedEndpoint.Model,
            "--limit", "2", "--max-tokens", "40", "--db", Path.Combine(dir, "eval.db"), "--json");
        Assert.True(run.ExitCode == 0, run.Stderr + run.Stdout);
        // Two questions, two turns each, every one graded once.
        Assert.Equal(4, judge.Judged);
        var root = JsonDocument.Parse(run.Stdout).RootElement;
        Assert.Equal("logprob", root.GetProperty("mmluMode").GetString());
        // scout serve has Ollama's /api/tags and /api/show: the run key names the GGUF itself and its type.
        using (var file = File.OpenRead(RepoPaths.Model("stories260K.gguf")))
            Assert.Equal("sha256:" + Convert.ToHexStringLower(SHA256.HashData(file)), root.GetProperty("modelDigest").GetString());
        Assert.Equal("F32", root.GetProperty("quantization").GetString());
        Assert.Equal(20, root.GetProperty("record").GetProperty("max_top_logprobs").GetInt32());
        foreach (var name in new[] { "mmlu", "humaneval", "gsm8k", "math", "mtbench" })
        {
            var s = Suite(root, name);
            Assert.Equal(2, s.GetProperty("n").GetInt32());
            Assert.Equal(0, s.GetProperty("errors").GetInt32());
            Assert.InRange(s.GetProperty("score").GetDouble(), 0, name == "mtbench" ? 10 : 1);
            Assert.InRange(s.GetProperty("extractionFailureRate").GetDouble(), 0, 1);
        }
        // A children's-story model answers a letter at the answer position rarely; logprob mode still reads a letter from the top 20.
        Assert.Equal("mmlu:logprob:5-shot", Suite(root, "mmlu").GetProperty("scoringMode").GetString());
        Assert.True(Suite(root, "humaneval").GetProperty("metrics").TryGetProperty("pass@1", out _));
        Assert.True(Suite(root, "mtbench").GetProperty("promptTokens").GetInt64() > 0);
        Assert.StartsWith("mtbench:single-judge", Suite(root, "mtbench").GetProperty("scoringMode").GetString(), StringComparison.Ordinal);
        Assert.InRange(Suite(root, "mtbench").GetProperty("score").GetDouble(), 1, 10);
    }

    [Fact]
    public void Bfcl_runs_against_scout_serve_with_every_item_scored()
    {
        var api = new Uri(server.Address, "v1").ToString();
        var run = Scout.Run("eval", "--suite", "bfcl", "--endpoint", api, "--model", "stories:latest",
            "--limit", "4", "--max-tokens", "40", "--db", Path.Combine(dir, "bfcl.db"), "--json");
        Assert.True(run.ExitCode == 0, run.Stderr + run.Stdout);
        var bfcl = Suite(JsonDocument.Parse(run.Stdout).RootElement, "bfcl");
        // The tools reach the model and its replies come back; a story-writing model makes no valid call, so it scores low.
        Assert.Equal(0, bfcl.GetProperty("errors").GetInt32());
        Assert.True(bfcl.GetProperty("n").GetInt32() > 0);
        Assert.InRange(bfcl.GetProperty("score").GetDouble(), 0, 1);
    }

    [Fact]
    public async Task FunctionInvokingChatClient_runs_a_whole_tool_loop_against_scout_serve_over_http()
    {
        var invoked = new List<string>();
        var weather = AIFunctionFactory.Create((AgentCity city) =>
        {
            invoked.Add(city.ToString());
            return $"Sunny in {city}";
        }, "get_weather", "Current weather in a city");
        using var endpoint = new OpenAIEndpointChatClient(new Uri(server.Address, "v1"), "stories:latest");
        using var client = new ChatClientBuilder(endpoint).UseFunctionInvocation().Build();
        var response = await client.GetResponseAsync([new ChatMessage(ChatRole.User, "Weather in Rome?")], new ChatOptions
        {
            Temperature = 0,
            MaxOutputTokens = 120,
            Tools = [weather],
            ToolMode = ChatToolMode.RequireAny,
            AllowMultipleToolCalls = false,
        });
        // Call (forced, so a story model makes it) → the function runs → its result goes back → a text answer ends the loop.
        var contents = response.Messages.SelectMany(m => m.Contents).ToList();
        Assert.Single(invoked);
        var call = Assert.Single(contents.OfType<FunctionCallContent>());
        Assert.Equal(call.CallId, Assert.Single(contents.OfType<FunctionResultContent>()).CallId);
        Assert.False(string.IsNullOrWhiteSpace(response.Messages[^1].Text));
    }

    public enum AgentCity
    {
        Paris,
        Rome,
    }

    [Fact]
    public async Task The_probe_labels_scout_serve_modelscout_not_ollama()
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(60) };
        var info = await EndpointProbe.ProbeAsync(new Uri(server.Address, "v1"), "stories:latest", null, http);
        Assert.Equal(EndpointProbe.ModelScoutServer, info.Server);
        Assert.Equal(ServerIdentity.Version, info.ServerVersion);
        Assert.Equal(20, info.MaxTopLogprobs);
    }

    [Fact]
    public void A_judge_that_never_rates_leaves_items_as_errors_to_rerun_not_zeros()
    {
        // stories260K grading itself writes a story, never "[[n]]": the item has both answers but no score.
        var api = new Uri(server.Address, "v1").ToString();
        var db = Path.Combine(dir, "selfjudge.db");
        string[] args = ["eval", "--suite", "mtbench", "--endpoint", api, "--model", "stories:latest", "--judge-endpoint", api,
            "--limit", "1", "--max-tokens", "24", "--db", db, "--json"];
        var run = Scout.Run(args);
        Assert.True(run.ExitCode == 1, run.Stderr + run.Stdout);
        Assert.Contains("rerun", run.Stderr, StringComparison.Ordinal);
        var mtbench = Suite(JsonDocument.Parse(run.Stdout).RootElement, "mtbench");
        Assert.Equal((0, 1), (mtbench.GetProperty("n").GetInt32(), mtbench.GetProperty("errors").GetInt32()));
        Assert.False(mtbench.TryGetProperty("score", out _), "an unscored suite has no score");

        // The rerun sends the model under test nothing: only the judge is asked again.
        var again = Scout.Run(args);
        Assert.True(again.ExitCode == 1, again.Stderr + again.Stdout);
        var root = JsonDocument.Parse(again.Stdout).RootElement;
        Assert.Equal(0, root.GetProperty("sent").GetInt32());
        Assert.Equal(2, root.GetProperty("reused").GetInt32());
    }

    [Fact]
    public void Local_runs_mmlu_by_log_likelihood_and_gsm8k_in_process()
    {
        var env = new RunEnvironment(new StringReader(""), false, (resolver, settings) => new ModelHost(resolver, settings with { Threads = 1 }), _ => new Nothing());
        var run = Scout.RunWith(env, "eval", "--suite", "mmlu,gsm8k", "--local", RepoPaths.Model("stories260K.gguf"), "--limit", "2", "--max-tokens", "32",
            "--db", Path.Combine(dir, "local.db"), "--json");
        Assert.True(run.ExitCode == 0, run.Stderr + run.Stdout);
        var root = JsonDocument.Parse(run.Stdout).RootElement;
        Assert.Equal("loglikelihood", root.GetProperty("mmluMode").GetString());
        Assert.StartsWith("sha256:", root.GetProperty("modelDigest").GetString(), StringComparison.Ordinal);
        Assert.False(string.IsNullOrEmpty(root.GetProperty("quantization").GetString()));
        Assert.Equal(2, Suite(root, "mmlu").GetProperty("n").GetInt32());
        Assert.Equal(2, Suite(root, "gsm8k").GetProperty("n").GetInt32());
        Assert.InRange(Suite(root, "mmlu").GetProperty("score").GetDouble(), 0, 1);
        // Log-likelihood mode sends no chat requests; only GSM8K's two do.
        Assert.Equal(2, root.GetProperty("sent").GetInt32());
    }

    private sealed class Nothing : IDisposable
    {
        public void Dispose()
        {
        }
    }
}
