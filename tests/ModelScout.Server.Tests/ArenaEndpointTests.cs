using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using ModelScout.Server.Hosting;
using ModelScout.Server.Tests.Fakes;
using ModelScout.Server.Ui.Arena;
using ModelScout.Testing;

namespace ModelScout.Server.Tests;

/// <summary>The arena over real HTTP: blind battle, both sides streamed, vote, names revealed, leaderboard, export.</summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "xunit disposes the class through IAsyncLifetime.DisposeAsync")]
public sealed class ArenaEndpointTests : IAsyncLifetime
{
    private readonly string folder = Directory.CreateTempSubdirectory("scout-arena-").FullName;
    private ScoutServer? server;
    private HttpClient http = new();
    private ArenaStore? arena;

    public async Task InitializeAsync()
    {
        var stories = RepoPaths.Model("stories260K.gguf");
        var store = new InMemoryModelStore(("one:latest", stories), ("two:latest", stories), ("=cmd()<b>:latest", stories));
        arena = new ArenaStore(Path.Combine(folder, "ui", "arena.db"));
        var services = new ServerServices(new ScriptedEngine(), store, new ServerSettings { ApiKey = "arena-key", Host = "127.0.0.1", Port = 0, ShutdownGrace = TimeSpan.FromSeconds(5) }) { Arena = arena };
        server = ScoutServer.Create(services, logging => logging.AddProvider(new LogCollector()));
        await server.StartAsync();
        http = new HttpClient { BaseAddress = server.Address, Timeout = TimeSpan.FromSeconds(30) };
        http.DefaultRequestHeaders.Authorization = new("Bearer", "arena-key");
    }

    public async Task DisposeAsync()
    {
        http.Dispose();
        if (server is not null)
        {
            await server.StopAsync();
            await server.DisposeAsync();
        }
        Directory.Delete(folder, recursive: true);
    }

    [Fact]
    public async Task A_battle_streams_both_sides_blind_and_reveals_the_names_after_the_vote()
    {
        var created = await Post("/ui/api/arena/battles", new JsonObject { ["prompt"] = "Once upon a time", ["models"] = new JsonArray("one:latest", "two:latest") });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var battle = JsonNode.Parse(await created.Content.ReadAsStringAsync())!;
        var id = battle["id"]!.GetValue<string>();
        Assert.DoesNotContain("one:latest", battle.ToJsonString(), StringComparison.Ordinal);

        var sides = await Task.WhenAll(Side(id, "a"), Side(id, "b"));
        foreach (var lines in sides)
        {
            Assert.Equal(ScriptedEngine.Story, string.Concat(lines.Where(l => l["done"]!.GetValue<bool>() == false).Select(l => l["text"]!.GetValue<string>())));
            Assert.True(lines[^1]["done"]!.GetValue<bool>());
            Assert.True(lines[^1]["tokens"]!.GetValue<int>() > 0);
            Assert.All(lines, l => Assert.DoesNotContain("latest", l.ToJsonString(), StringComparison.Ordinal));
        }
        var before = JsonNode.Parse(await http.GetStringAsync($"/ui/api/arena/battles/{id}"))!;
        Assert.Null(before["modelA"]);

        var voted = JsonNode.Parse(await (await Post($"/ui/api/arena/battles/{id}/vote", new JsonObject { ["vote"] = "a" })).Content.ReadAsStringAsync())!;
        var a = voted["modelA"]!.GetValue<string>();
        var b = voted["modelB"]!.GetValue<string>();
        Assert.Equal(new[] { "one:latest", "two:latest" }, new[] { a, b }.Order(StringComparer.Ordinal));
        Assert.Equal(HttpStatusCode.Conflict, (await Post($"/ui/api/arena/battles/{id}/vote", new JsonObject { ["vote"] = "b" })).StatusCode);

        var board = JsonNode.Parse(await http.GetStringAsync("/ui/api/arena/leaderboard"))!;
        Assert.Equal(1, board["votes"]!.GetValue<int>());
        var winner = board["models"]!.AsArray().Single(m => m!["model"]!.GetValue<string>() == a)!;
        Assert.Equal(1, winner["wins"]!.GetValue<int>());
        Assert.Equal(1, winner["votes"]!.GetValue<int>());
        Assert.Contains("Bradley-Terry", board["method"]!.GetValue<string>(), StringComparison.Ordinal);

        var export = JsonNode.Parse(await http.GetStringAsync("/ui/api/arena/votes?format=json"))!;
        var record = Assert.Single(export["votes"]!.AsArray())!;
        Assert.Equal(a, record["winner"]!.GetValue<string>());
        Assert.Equal(1, record["scoreA"]!.GetValue<double>());
        Assert.Equal(ScriptedEngine.Story, record["replyA"]!.GetValue<string>());
        // A new store over the same file still has the vote: it was written to SQLite, not kept in memory.
        Assert.Equal(ArenaOutcome.A, Assert.Single(new ArenaStore(arena!.Path).Voted()).Vote);
    }

    [Fact]
    public async Task The_csv_export_quotes_fields_and_defuses_formulas()
    {
        var created = await Post("/ui/api/arena/battles", new JsonObject { ["prompt"] = "=HYPERLINK(\"x\"), \"quoted\"", ["models"] = new JsonArray("=cmd()<b>:latest", "one:latest") });
        var id = JsonNode.Parse(await created.Content.ReadAsStringAsync())!["id"]!.GetValue<string>();
        (await Post($"/ui/api/arena/battles/{id}/vote", new JsonObject { ["vote"] = "both_bad" })).EnsureSuccessStatusCode();
        var csv = await http.GetStringAsync("/ui/api/arena/votes?format=csv");
        var lines = csv.Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("id,prompt,model_a,model_b,vote,winner,score_a,score_b,created,voted", lines[0]);
        Assert.Contains("\"'=HYPERLINK(\"\"x\"\"), \"\"quoted\"\"\"", lines[1], StringComparison.Ordinal);
        Assert.Contains("'=cmd()<b>:latest", lines[1], StringComparison.Ordinal);
        Assert.Contains(",both_bad,,0.5,0.5,", lines[1], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Bad_requests_say_what_to_do()
    {
        var empty = await Post("/ui/api/arena/battles", new JsonObject { ["prompt"] = " " });
        Assert.Equal(HttpStatusCode.BadRequest, empty.StatusCode);
        Assert.Contains("prompt is empty", await empty.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var unknown = await Post("/ui/api/arena/battles", new JsonObject { ["prompt"] = "hi", ["models"] = new JsonArray("one:latest", "nope") });
        Assert.Contains("scout list", await unknown.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var created = await Post("/ui/api/arena/battles", new JsonObject { ["prompt"] = "hi" });
        var id = JsonNode.Parse(await created.Content.ReadAsStringAsync())!["id"]!.GetValue<string>();
        Assert.Equal(HttpStatusCode.BadRequest, (await Post($"/ui/api/arena/battles/{id}/vote", new JsonObject { ["vote"] = "maybe" })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("/ui/api/arena/battles/nope")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await Post($"/ui/api/arena/battles/{id}/c", new JsonObject())).StatusCode);
    }

    private Task<HttpResponseMessage> Post(string path, JsonObject body) => http.PostAsJsonAsync(path, body);

    private async Task<List<JsonNode>> Side(string id, string side)
    {
        using var response = await http.PostAsync($"/ui/api/arena/battles/{id}/{side}", null);
        response.EnsureSuccessStatusCode();
        Assert.Equal("application/x-ndjson", response.Content.Headers.ContentType!.MediaType);
        var text = await response.Content.ReadAsStringAsync();
        return [.. text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonNode.Parse(l)!)];
    }
}
