using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using ModelScout.Engine;
using ModelScout.Store;
using ModelScout.Testing;
using Xunit.Abstractions;

namespace ModelScout.Server.Tests;

/// <summary>
/// The seeded API fuzzer against a real server (real store on disk, llama.cpp with stories260K): thousands of mutated
/// requests on every endpoint that stays on this machine, with valid requests between rounds whose answers must not
/// change. No 5xx but 503, the engine's counters back to zero, the store consistent afterwards.
/// </summary>
public sealed class ApiFuzzTests(ITestOutputHelper output) : IDisposable
{
    private const string Model = "stories";
    private readonly string parent = Directory.CreateTempSubdirectory("scout-fuzz-").FullName;

    private string Root => Path.Combine(parent, "store");

    public void Dispose()
    {
        try
        {
            Directory.Delete(parent, recursive: true);
        }
        catch (IOException)
        {
            // A temp folder left behind is harmless.
        }
    }

    private async Task<ServerHarness> StartAsync()
    {
        var store = new ModelStore(Root);
        await store.ImportAsync(RepoPaths.Model("stories260K.gguf"), Model);
        // Without a token limit a mutated request would generate until stories260K ends its story; with the context
        // shifting (Ollama's default) that can be never, as with Ollama. Input handling is what is fuzzed here, so a
        // reply ends when the context is full.
        return await ServerHarness.StartAsync(new ModelHost(store, StoriesFixture.Engine with { ContextShift = false }), store);
    }

    private static FuzzTargets Targets => new()
    {
        Model = Model,
        GgufPath = RepoPaths.Model("stories260K.gguf"),
        GgufBytes = File.ReadAllBytes(RepoPaths.Model("stories260K.gguf")),
    };

    [Fact]
    public async Task Two_thousand_hostile_requests_get_no_5xx_and_leave_answers_counters_and_store_intact()
    {
        await using var h = await StartAsync();
        var reference = await ProbeAsync(h);
        Assert.StartsWith(ConformanceSuite.Continuation, reference.Completion, StringComparison.Ordinal);

        const int Rounds = 8, Workers = 4, PerWorker = 63, PerRound = Workers * PerWorker;
        var statuses = new ConcurrentDictionary<int, int>();
        var failures = new ConcurrentQueue<string>();
        var times = new ConcurrentDictionary<string, double>();
        var slow = new ConcurrentQueue<string>();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var fuzzers = Enumerable.Range(0, Workers).Select(w => new ApiFuzzer(1800 + w, Targets)).ToArray();
        for (var round = 0; round < Rounds; round++)
        {
            await Task.WhenAll(fuzzers.Select(async fuzzer =>
            {
                for (var i = 0; i < PerWorker; i++)
                {
                    var request = fuzzer.Next();
                    var started = System.Diagnostics.Stopwatch.GetTimestamp();
                    var (status, body) = await SendAsync(h.Http, request);
                    var ms = System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                    if (ms > 2000) slow.Enqueue($"start {(clock.Elapsed.TotalMilliseconds - ms) / 1000:F2} s took {ms:F0} ms {status} {Cut(request.ToString())}");
                    times.AddOrUpdate(request.Method + " " + request.Path.Split('?')[0] + " " + request.Mutation.Split('+')[0], ms, (_, t) => t + ms);
                    statuses.AddOrUpdate(status, 1, (_, n) => n + 1);
                    if (status is >= 500 and not 503 || status == 0) failures.Enqueue($"{status} for {request}\n  -> {Cut(body)}");
                }
            }));
            var probe = await ProbeAsync(h);
            Assert.True(reference.SameAnswers(probe), $"after round {round + 1} the valid requests answered differently:\n{reference}\n{probe}");
        }
        output.WriteLine($"{Rounds * PerRound} requests in {clock.Elapsed.TotalSeconds:F1} s");
        output.WriteLine("status mix: " + string.Join(", ", statuses.OrderBy(s => s.Key).Select(s => $"{s.Key}×{s.Value}")));
        output.WriteLine("slowest endpoints (total ms): " + string.Join(", ", times.OrderByDescending(t => t.Value).Take(12).Select(t => $"{t.Key} {t.Value:F0}")));
        foreach (var line in slow.Take(10)) output.WriteLine("slow: " + line);
        Assert.True(failures.IsEmpty, $"{failures.Count} requests failed:\n{string.Join("\n", failures.Take(20))}");
        Assert.Equal(Rounds * PerRound, statuses.Values.Sum());

        await Eventually.WaitUntilAsync(() => Counters(h).Result == 0, TimeSpan.FromSeconds(30),
            "the engine's running and waiting counters to return to zero", () => h.Http.GetStringAsync("/metrics").Result);
        var problems = StoreAudit.Problems(Root);
        Assert.True(problems.Count == 0, "the store is inconsistent after the fuzz run:\n" + string.Join("\n", problems));
        // Nothing was written beside the store (names and digests with ../ in them).
        Assert.Equal(["store"], Directory.GetFileSystemEntries(parent).Select(Path.GetFileName));
    }

    [Theory]
    [InlineData("POST", "/api/copy", """{"source":"stories","destination":"../../escaped"}""")]
    [InlineData("POST", "/api/copy", """{"source":"stories","destination":"a/b/c/d/e"}""")]
    [InlineData("POST", "/api/copy", """{"source":"../../../etc/passwd","destination":"x"}""")]
    [InlineData("DELETE", "/api/delete", """{"model":"../../blobs/partial"}""")]
    [InlineData("POST", "/api/create", """{"model":"../escaped","from":"stories"}""")]
    [InlineData("POST", "/api/create", """{"model":"ok-name","from":"sha256:../../../../etc/passwd"}""")]
    [InlineData("POST", "/api/blobs/sha256:..%2F..%2Fescaped", "x")]
    [InlineData("POST", "/api/blobs/..%2F..%2Fescaped", "x")]
    [InlineData("HEAD", "/api/blobs/..%2F..%2Fmanifests", null)]
    public async Task Traversal_in_names_and_digests_is_refused_and_writes_nothing_outside_the_store(string method, string path, string? body)
    {
        await using var h = await StartAsync();
        var before = StoreFiles();
        var request = new FuzzRequest(new HttpMethod(method), path, body is null ? null : Encoding.UTF8.GetBytes(body), "application/json", "traversal");
        var (status, text) = await SendAsync(h.Http, request);
        Assert.True(status is 400 or 404 or 405, $"{method} {path}: {status} {text}");
        Assert.Equal(before, StoreFiles());
        Assert.Equal(["store"], Directory.GetFileSystemEntries(parent).Select(Path.GetFileName));
    }

    private string[] StoreFiles() => [.. Directory.GetFiles(Root, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal)];

    private static string Cut(string s) => s.Length > 300 ? s[..300] + "..." : s;

    private static async Task<(int Status, string Body)> SendAsync(HttpClient http, FuzzRequest request)
    {
        using var message = request.ToMessage(http.BaseAddress!);
        try
        {
            using var response = await http.SendAsync(message);
            return ((int)response.StatusCode, await response.Content.ReadAsStringAsync());
        }
        catch (HttpRequestException e)
        {
            // The server closed the connection instead of answering.
            return (0, e.ToString());
        }
    }

    private static async Task<double> Counters(ServerHarness h)
    {
        var samples = await Scrape.GetAsync(h.Http);
        var sum = samples.Where(s => s.Name is "scout_requests_running" or "scout_requests_waiting").Sum(s => s.Value);
        return sum;
    }

    private sealed record Probe(string Completion, string Generated, string Embedding, string Models)
    {
        public bool SameAnswers(Probe other) =>
            Completion == other.Completion && Generated == other.Generated && Embedding == other.Embedding && other.Models.Contains(Model + ":latest", StringComparison.Ordinal);
    }

    /// <summary>Valid requests whose answers are known: greedy text twice, embeddings' shape and values, the model list.</summary>
    private static async Task<Probe> ProbeAsync(ServerHarness h)
    {
        async Task<JsonElement> Post(string path, string body)
        {
            using var response = await h.Http.PostAsync(path, new StringContent(body, Encoding.UTF8, "application/json"));
            var text = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"probe {path}: {(int)response.StatusCode} {text}");
            return JsonDocument.Parse(text).RootElement.Clone();
        }
        var completion = (await Post("/v1/completions", """{"model":"stories","prompt":"Once upon a time","max_tokens":10,"temperature":0}"""))
            .GetProperty("choices")[0].GetProperty("text").GetString()!;
        var generated = (await Post("/api/generate", """{"model":"stories","prompt":"Once upon a time","raw":true,"stream":false,"options":{"temperature":0,"num_predict":10}}"""))
            .GetProperty("response").GetString()!;
        var embed = (await Post("/api/embed", """{"model":"stories","input":["a","b"]}""")).GetProperty("embeddings");
        var shape = $"{embed.GetArrayLength()}x{embed[0].GetArrayLength()}:{embed[0][0].GetDouble().ToString("R", CultureInfo.InvariantCulture)}";
        var tags = await h.Http.GetStringAsync("/api/tags");
        var models = await h.Http.GetStringAsync("/v1/models");
        using var tagDoc = JsonDocument.Parse(tags);
        var names = string.Join(",", tagDoc.RootElement.GetProperty("models").EnumerateArray().Select(m => m.GetProperty("name").GetString()));
        Assert.Contains(Model, models, StringComparison.Ordinal);
        return new Probe(completion, generated, shape, names);
    }
}
