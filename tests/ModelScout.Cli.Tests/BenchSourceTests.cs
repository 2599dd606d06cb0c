using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using ModelScout.Core.Settings;
using ModelScout.Engine;
using ModelScout.Server;
using ModelScout.Server.Hosting;
using ModelScout.Store;
using ModelScout.Testing;

namespace ModelScout.Cli.Tests;

/// <summary>
/// The Bench page's endpoints over real HTTP: scout serve with stories260K and the CLI's bench source, measuring itself
/// (through its own /api/chat, with the key the server wants, which the server passes on only to itself). Reports land in
/// a home folder of this class's own.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "xunit disposes the class through IAsyncLifetime.DisposeAsync")]
public sealed class BenchSourceTests : IAsyncLifetime
{
    private const string Key = "bench-key";
    private readonly string profile = Directory.CreateTempSubdirectory("scout-bench-ui-").FullName;
    private ModelHost? engine;
    private ScoutServer? server;
    private HttpClient http = new();

    // No SCOUT_BENCH_API_KEY: the page's runs on this server get the server's own key from the server.
    private ScoutSettings Settings => new(_ => null, profile);

    private string Folder => Settings.BenchReports;

    public async Task InitializeAsync()
    {
        var store = new ModelStore(Path.Combine(profile, "models"));
        await store.ImportAsync(Path.GetFullPath(RepoPaths.Model("stories260K.gguf")), "stories");
        var settings = new ServerSettings { Host = "127.0.0.1", Port = 0, ApiKey = Key, Engine = new EngineSettings { Threads = 1, Parallel = 2, KeepAlive = TimeSpan.FromMinutes(10) } };
        engine = new ModelHost(store, settings.Engine);
        server = ScoutServer.Create(new ServerServices(engine, store, settings) { Bench = new CliBenchSource(new FixedMachineSource(), Settings) }, _ => { });
        await server.StartAsync();
        http = new HttpClient { BaseAddress = server.Address, Timeout = TimeSpan.FromSeconds(120) };
        http.DefaultRequestHeaders.Authorization = new("Bearer", Key);
    }

    public async Task DisposeAsync()
    {
        http.Dispose();
        if (server is not null)
        {
            await server.StopAsync();
            await server.DisposeAsync();
        }
        if (engine is not null) await engine.DisposeAsync();
        try { Directory.Delete(profile, recursive: true); }
        catch (IOException) { /* a report still being written */ }
    }

    private JsonObject Run(string model = "stories", int requests = 3, string concurrency = "1,2", string? url = null, int outputTokens = 8) => new()
    {
        ["endpoints"] = new JsonArray(new JsonObject { ["url"] = url ?? server!.Address.ToString(), ["model"] = model }),
        ["concurrency"] = concurrency, ["requests"] = requests, ["inputTokens"] = 8, ["outputTokens"] = outputTokens, ["warmup"] = 0,
    };

    private async Task<(HttpStatusCode Status, string Error)> RefusedAsync(JsonObject body)
    {
        using var response = await http.PostAsJsonAsync("/ui/api/bench/runs", body);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, JsonNode.Parse(text)!["error"]!.GetValue<string>());
    }

    [Fact]
    public async Task Bad_input_is_a_400_saying_what_to_fix()
    {
        var none = await RefusedAsync(new JsonObject { ["endpoints"] = new JsonArray() });
        Assert.Equal(HttpStatusCode.BadRequest, none.Status);
        Assert.Contains("add an endpoint", none.Error, StringComparison.Ordinal);

        var url = await RefusedAsync(Run(url: "ftp://example"));
        Assert.Equal(HttpStatusCode.BadRequest, url.Status);
        Assert.Contains("'ftp://example' is not an http(s) URL", url.Error, StringComparison.Ordinal);

        var model = await RefusedAsync(Run(model: "no-such-model"));
        Assert.Equal(HttpStatusCode.BadRequest, model.Status);
        Assert.Contains("did not answer a test request for model 'no-such-model'", model.Error, StringComparison.Ordinal);
        Assert.Contains("Check the model name", model.Error, StringComparison.Ordinal);

        var zero = await RefusedAsync(Run(requests: 0));
        Assert.Equal(HttpStatusCode.BadRequest, zero.Status);
        Assert.Contains("--requests must be at least 1", zero.Error, StringComparison.Ordinal);

        // The server's key goes only to the server itself: under another name it is another host, and gets no key.
        var other = await RefusedAsync(Run(url: $"http://localhost:{server!.Address.Port}/"));
        Assert.Equal(HttpStatusCode.BadRequest, other.Status);
        Assert.Contains("The server wants a key", other.Error, StringComparison.Ordinal);

        // A value that would be read as an option is refused, not passed on.
        var option = await RefusedAsync(Run(concurrency: "--out=/tmp/x"));
        Assert.Equal(HttpStatusCode.BadRequest, option.Status);
        // Nothing was measured, so nothing was saved.
        Assert.False(Directory.Exists(Folder) && Directory.EnumerateFiles(Folder).Any());
    }

    [Fact]
    public async Task A_run_streams_each_request_and_ends_with_the_saved_report_and_its_charts()
    {
        using var response = await http.PostAsJsonAsync("/ui/api/bench/runs", Run());
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/x-ndjson", response.Content.Headers.ContentType?.MediaType);
        var events = (await response.Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonNode.Parse(l)!.AsObject()).ToList();
        var plan = events[0];
        Assert.Equal("plan", (string?)plan["event"]);
        Assert.Equal(["c=1", "c=2"], plan["levels"]!.AsArray().Select(l => (string?)l));
        var requests = events.Where(e => (string?)e["event"] == "request").ToList();
        Assert.Equal(6, requests.Count);
        Assert.All(requests, r =>
        {
            Assert.True((bool)r["ok"]!, r.ToJsonString());
            Assert.True((double)r["ttftMs"]! > 0);
            Assert.True((double)r["e2eMs"]! >= (double)r["ttftMs"]!);
            Assert.InRange((int)r["outputTokens"]!, 1, 8);
        });
        Assert.Equal([1, 2, 3], requests.Where(r => (int)r["level"]! == 1).Select(r => (int)r["done"]!).Order());
        Assert.Equal(2, events.Count(e => (string?)e["event"] == "level"));
        var last = events[^1];
        Assert.Equal("report", (string?)last["event"]);
        Assert.False((bool)last["interrupted"]!);
        var id = (string)last["id"]!;

        // The report is the file scout bench keeps, served as written.
        var file = Path.Combine(Folder, id + ".json");
        Assert.Equal((string?)last["path"], file);
        var served = JsonNode.Parse(await http.GetStringAsync($"/ui/api/bench/reports/{id}"))!;
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(await File.ReadAllTextAsync(file)), served));
        Assert.Equal("modelscout/bench/v1", (string?)served["schema"]);
        Assert.Equal(2, served["points"]!.AsArray().Count);
        Assert.All(served["points"]!.AsArray(), p => Assert.Equal(3, (int)p!["summary"]!["completed"]!));

        var list = JsonNode.Parse(await http.GetStringAsync("/ui/api/bench/reports"))!["reports"]!.AsArray();
        var entry = list.Single(r => (string?)r!["id"] == id)!;
        Assert.Equal(["c=1", "c=2"], entry["levels"]!.AsArray().Select(l => (string?)l));
        Assert.Equal("stories", (string?)entry["targets"]![0]!["model"]);
        Assert.Equal(6, (int)entry["headline"]![0]!["completed"]!);
        Assert.True((double)entry["headline"]![0]!["bestOutputTokenThroughput"]! > 0);

        using var chart = await http.GetAsync($"/ui/api/bench/reports/{id}/charts/ttft.svg");
        Assert.Equal(HttpStatusCode.OK, chart.StatusCode);
        Assert.Equal("image/svg+xml", chart.Content.Headers.ContentType?.MediaType);
        Assert.Contains("<svg", await chart.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        using var unknown = await http.GetAsync($"/ui/api/bench/reports/{id}/charts/pie.svg");
        Assert.Equal(HttpStatusCode.BadRequest, unknown.StatusCode);

        using var deleted = await http.DeleteAsync($"/ui/api/bench/reports/{id}");
        Assert.Equal(HttpStatusCode.OK, deleted.StatusCode);
        Assert.False(File.Exists(file));
        using var gone = await http.GetAsync($"/ui/api/bench/reports/{id}");
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
    }

    [Fact]
    public async Task An_open_loop_run_bounded_by_a_duration_becomes_scout_benchs_rate_and_duration()
    {
        // The form sends every field: a rate replaces the concurrency levels and a duration the request count.
        var body = Run(requests: 50);
        body["rate"] = "4";
        body["duration"] = "2s";
        using var response = await http.PostAsJsonAsync("/ui/api/bench/runs", body);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var events = (await response.Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonNode.Parse(l)!.AsObject()).ToList();
        var plan = events[0];
        Assert.Equal(["rate=4/s"], plan["levels"]!.AsArray().Select(l => (string?)l));
        Assert.Null(plan["requests"]);
        Assert.Equal(2.0, (double)plan["durationSeconds"]!);
        var requests = events.Where(e => (string?)e["event"] == "request").ToList();
        Assert.NotEmpty(requests);
        Assert.All(requests, r => Assert.Null(r["total"]));
        var report = JsonNode.Parse(await http.GetStringAsync($"/ui/api/bench/reports/{(string)events[^1]["id"]!}"))!;
        Assert.Equal("rate=4/s", (string?)report["levels"]![0]!["label"]);
    }

    [Fact]
    public void Scout_bench_keeps_the_report_it_prints_in_the_home_folder()
    {
        var run = Scout.RunIn(Settings, null, "bench", "--endpoint", server!.Address.ToString(), "--model", "stories", "--api-key", Key,
            "--requests", "2", "--input-tokens", "8", "--output-tokens", "8", "--warmup", "0", "--json");
        Assert.True(run.ExitCode == 0, run.Stderr);
        var line = run.Stderr.Split('\n').Single(l => l.StartsWith("scout: report saved as ", StringComparison.Ordinal));
        var path = line[(line.IndexOf(": /", StringComparison.Ordinal) + 2)..line.IndexOf(" (the web UI", StringComparison.Ordinal)];
        Assert.Equal(Folder, Path.GetDirectoryName(path));
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(run.Stdout), JsonNode.Parse(File.ReadAllText(path))));
    }

    [Fact]
    public async Task Stopping_a_run_saves_what_was_measured_as_interrupted_and_one_run_at_a_time()
    {
        using var cancel = new CancellationTokenSource();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/ui/api/bench/runs") { Content = JsonContent.Create(Run(requests: 5000, concurrency: "1", outputTokens: 64)) };
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancel.Token);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using (var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cancel.Token)))
        {
            while (await reader.ReadLineAsync(cancel.Token) is { } line)
                if (line.Contains("\"event\":\"request\"", StringComparison.Ordinal)) break;
            var busy = await RefusedAsync(Run());
            Assert.Equal(HttpStatusCode.Conflict, busy.Status);
            Assert.Contains("already running", busy.Error, StringComparison.Ordinal);
            await cancel.CancelAsync();
        }
        // The run notices the page left, stops, and saves what finished.
        var deadline = DateTime.UtcNow.AddSeconds(60);
        JsonNode? entry = null;
        while (entry is null && DateTime.UtcNow < deadline)
        {
            await Task.Delay(200);
            entry = JsonNode.Parse(await http.GetStringAsync("/ui/api/bench/reports"))!["reports"]!.AsArray().FirstOrDefault(r => (bool?)r!["interrupted"] == true);
        }
        Assert.True(entry is not null, await http.GetStringAsync("/ui/api/bench/reports"));
        var completed = (int)entry["headline"]![0]!["completed"]!;
        Assert.InRange(completed, 1, 4999);
    }

    [Fact]
    public async Task A_malformed_report_is_listed_as_unreadable_with_the_reason()
    {
        Directory.CreateDirectory(Folder);
        await File.WriteAllTextAsync(Path.Combine(Folder, "broken.json"), "{ not json");
        await File.WriteAllTextAsync(Path.Combine(Folder, "other.json"), """{"schema":"modelscout/plan/v1"}""");
        var list = JsonNode.Parse(await http.GetStringAsync("/ui/api/bench/reports"))!["reports"]!.AsArray();
        Assert.StartsWith("unreadable: not JSON", (string?)list.Single(r => (string?)r!["id"] == "broken")!["error"], StringComparison.Ordinal);
        Assert.Contains("not a modelscout/bench/v1 report", (string?)list.Single(r => (string?)r!["id"] == "other")!["error"], StringComparison.Ordinal);
        using var open = await http.GetAsync("/ui/api/bench/reports/broken");
        Assert.Equal((HttpStatusCode)422, open.StatusCode);
        Assert.Contains("report broken is unreadable", await open.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        // An id that would leave the folder is refused.
        using var escape = await http.GetAsync("/ui/api/bench/reports/..broken");
        Assert.Equal(HttpStatusCode.BadRequest, escape.StatusCode);
    }
}
