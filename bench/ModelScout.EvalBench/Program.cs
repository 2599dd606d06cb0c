using System.Diagnostics;
using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using ModelScout.Evaluation;
using ModelScout.Evaluation.Clients;
using ModelScout.Evaluation.Results;
using ModelScout.Evaluation.Running;

// Per-sample harness overhead: the time between consecutive finished samples when the model answers instantly, so
// everything measured is ours (request building, hashing, the chat client, storing the reply and the score, progress).
var samples = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 2000;
var dir = Directory.CreateTempSubdirectory("scout-evalbench-").FullName;
try
{
    using var store = EvalStore.Open(Path.Combine(dir, "eval.db"));
    using var instant = new InstantChatClient();
    Measure("in-process fake client", store, instant, samples);

    var builder = WebApplication.CreateSlimBuilder();
    builder.Logging.ClearProviders();
    builder.WebHost.UseUrls("http://127.0.0.1:0");
    await using var app = builder.Build();
    const string body = """{"id":"chatcmpl-1","object":"chat.completion","created":1,"model":"m","choices":[{"index":0,"message":{"role":"assistant","content":"A"},"logprobs":null,"finish_reason":"stop"}],"usage":{"prompt_tokens":20,"completion_tokens":1,"total_tokens":21}}""";
    app.MapPost("/v1/chat/completions", (HttpContext c) =>
    {
        c.Response.ContentType = "application/json";
        return c.Response.WriteAsync(body);
    });
    await app.StartAsync();
    using var http = new HttpClient();
    using var client = new RetryingChatClient(new OpenAIEndpointChatClient(new Uri(app.Urls.First() + "/v1"), "m", http: http));
    Measure("HTTP client, instant Kestrel endpoint", store, client, samples);
    await app.StopAsync();
}
finally
{
    Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
    Directory.Delete(dir, recursive: true);
}

static void Measure(string label, EvalStore store, IChatClient client, int samples)
{
    var runner = new EvalRunner(client, store);
    // Warm-up: JIT, connection, SQLite page cache.
    runner.RunAsync(store.OpenRun(label + " warm-up", new RunKey("bench", "m"), new ReproducibilityRecord()), [new OneStepSuite(200)]).GetAwaiter().GetResult();
    var clock = new Clock();
    var started = Stopwatch.GetTimestamp();
    var result = runner.RunAsync(store.OpenRun(label, new RunKey("bench", "m"), new ReproducibilityRecord()), [new OneStepSuite(samples)], clock).GetAwaiter().GetResult();
    var total = Stopwatch.GetElapsedTime(started);
    var gaps = clock.Gaps();
    gaps.Sort();
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"{label}: {result.Suites[0].Scored} samples in {total.TotalMilliseconds:F0} ms; per sample median {Percentile(gaps, 0.5):F3} ms, p90 {Percentile(gaps, 0.9):F3} ms, mean {gaps.Average():F3} ms"));
}

static double Percentile(List<double> sorted, double p)
{
    var rank = p * (sorted.Count - 1);
    var lo = (int)Math.Floor(rank);
    var hi = Math.Min(lo + 1, sorted.Count - 1);
    return sorted[lo] + (rank - lo) * (sorted[hi] - sorted[lo]);
}

/// <summary>Records when each sample finished (reported synchronously, on the runner's thread).</summary>
internal sealed class Clock : IProgress<EvalProgress>
{
    private readonly List<long> stamps = [];

    public void Report(EvalProgress value) => stamps.Add(Stopwatch.GetTimestamp());

    // The first report is the suite's start (0 done); each later one is a finished sample.
    public List<double> Gaps() => [.. stamps.Zip(stamps.Skip(1), (a, b) => Stopwatch.GetElapsedTime(a, b).TotalMilliseconds)];
}

/// <summary>A model that answers "A" at once.</summary>
internal sealed class InstantChatClient : IChatClient
{
    public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
        Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, "A"))
        {
            FinishReason = ChatFinishReason.Stop,
            Usage = new UsageDetails { InputTokenCount = 20, OutputTokenCount = 1 },
        });

    public IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException();

    public object? GetService(Type serviceType, object? serviceKey = null) => null;

    public void Dispose()
    {
    }
}

/// <summary>A multiple-choice-shaped prompt, one request per sample, scored by comparing a letter.</summary>
internal sealed class OneStepSuite(int count) : IEvalSuite
{
    public string Name => "bench";

    public string ScoringMode => "bench:letter";

    public IReadOnlyList<EvalItem> Items { get; } = [.. Enumerable.Range(0, count).Select(i => new EvalItem("bench", i.ToString("D6", CultureInfo.InvariantCulture), "s" + (i % 57).ToString(CultureInfo.InvariantCulture)))];

    public ModelRequest? NextRequest(EvalItem item, IReadOnlyList<ModelReply> replies) => replies.Count > 0 ? null : new ModelRequest(0,
        [new ChatMessage(ChatRole.User, $"The following is a multiple choice question.\n\nQuestion {item.Id}: what is 2 + 2?\nA. 4\nB. 3\nC. 5\nD. 22\nAnswer:")],
        MaxTokens: 1, TopLogprobs: 0);

    public Task<SampleScore> ScoreAsync(EvalItem item, IReadOnlyList<ModelReply> replies, CancellationToken cancellationToken) =>
        Task.FromResult(new SampleScore(replies[0].Text.Trim() == "A" ? 1 : 0, replies[0].Text.Trim(), false));
}
