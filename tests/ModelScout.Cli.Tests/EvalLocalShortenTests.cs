using Microsoft.Extensions.AI;
using ModelScout.Cli.Eval;
using ModelScout.Engine;
using ModelScout.Engine.ChatClient;
using ModelScout.Evaluation.Clients;
using ModelScout.Evaluation.Datasets;
using ModelScout.Evaluation.Results;
using ModelScout.Evaluation.Running;
using ModelScout.Evaluation.Suites;
using ModelScout.Store;
using ModelScout.Testing;

namespace ModelScout.Cli.Tests;

/// <summary>
/// Hendrycks' rule in-process: stories260K with a small context refuses 5-shot MMLU prompts, the in-process adapters
/// turn the engine's refusal into the signal a server's 400 gives, and the run loop answers with fewer shots.
/// </summary>
public sealed class EvalLocalShortenTests : IAsyncLifetime
{
    private readonly string dir = Directory.CreateTempSubdirectory("scout-eval-shorten-").FullName;
    // Typed as the service so the class need not be IDisposable; disposed in DisposeAsync.
    private IInferenceService engine = null!;

    private ModelHost Host => (ModelHost)engine;

    public async Task InitializeAsync()
    {
        var store = new ModelStore(Path.Combine(dir, "models"));
        await store.ImportAsync(RepoPaths.Model("stories260K.gguf"), "stories:latest");
        engine = new ModelHost(store, new EngineSettings { Threads = 1, Parallel = 1, KeepAlive = TimeSpan.FromMinutes(5) });
    }

    public async Task DisposeAsync()
    {
        await Host.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(dir, true);
    }

    // Loads the model with a context of its own size, as a Modelfile's num_ctx would.
    private sealed class NumCtx(IChatClient inner, int numCtx) : DelegatingChatClient(inner)
    {
        public override Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
        {
            var o = options?.Clone() ?? new ChatOptions();
            (o.AdditionalProperties ??= [])["num_ctx"] = numCtx;
            return base.GetResponseAsync(messages, o, cancellationToken);
        }
    }

    [Fact]
    public async Task Five_shot_prompts_that_do_not_fit_the_local_context_are_answered_with_fewer_shots()
    {
        var suite = new MmluSuite(MmluLoader.Load(DatasetSource.Samples), new MmluOptions(MmluMode.Logprob, Selection: new SampleSelection(Limit: 2)));
        // A window with room for every 0-shot prompt (plus the chat template) and none of the 5-shot ones.
        var full = new List<int>();
        var bare = new List<int>();
        foreach (var item in suite.Items)
        {
            var request = suite.NextRequest(item, [])!;
            full.Add((await Host.TokenizeAsync("stories:latest", request.Messages[0].Text, addSpecial: true, parseSpecial: false)).Count);
            while (suite.Shorten(item, request) is { } shorter) request = shorter;
            bare.Add((await Host.TokenizeAsync("stories:latest", request.Messages[0].Text, addSpecial: true, parseSpecial: false)).Count);
        }
        var window = bare.Max() + 64;
        Assert.True(window < full.Min(), $"0-shot prompts of {bare.Max()} tokens leave no window below the 5-shot ones ({full.Min()})");
        var client = new LocalLogprobsChatClient(new NumCtx(new LocalChatClient(Host, "stories:latest"), window));
        using var store = EvalStore.Open(Path.Combine(dir, "eval.db"));
        var run = store.OpenRun("local-shorten", new RunKey("local", "stories:latest"), new ReproducibilityRecord());

        var result = await new EvalRunner(client, store).RunAsync(run, [suite]);

        var summary = Assert.Single(result.Suites);
        Assert.Equal((2, 0, 0, 2), (summary.Scored, summary.Errors, summary.Truncated, summary.Shortened ?? -1));
        var shots = store.Scores(run, "mmlu").Select(s => (int)s.Score.Metrics!["shots"]).ToList();
        Assert.All(shots, k => Assert.InRange(k, 0, 4));
        // One answered request per item plus one refusal per shot dropped.
        Assert.Equal(2 + shots.Sum(k => 5 - k), result.Sent);
    }

    [Fact]
    public async Task A_log_likelihood_context_longer_than_the_window_is_refused_as_prompt_too_long()
    {
        var model = new HostLogLikelihood(Host, "stories:latest");
        var context = string.Concat(Enumerable.Repeat("Once upon a time there was a little dog who liked to run. ", 400));
        var e = await Assert.ThrowsAsync<EndpointException>(() => model.ScoreContinuationsAsync(context, [" A"], CancellationToken.None));
        Assert.True(e.PromptTooLong);
        Assert.IsType<InferenceException>(e.InnerException);
        Assert.Single(await model.ScoreContinuationsAsync("Once upon a time", [" there"], CancellationToken.None));
    }
}
