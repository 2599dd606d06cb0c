using System.Net;
using System.Text.Json.Nodes;
using ModelScout.Server;
using ModelScout.Server.Hosting;
using ModelScout.Server.Ui.Dashboard;
using ModelScout.Testing;

namespace ModelScout.Cli.Tests;

/// <summary>
/// The dashboard's data is the CLI's: /ui/api/dash/* over real HTTP answers byte for byte what <c>scout ... --json</c>
/// prints for the same machine.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "xunit disposes the class through IAsyncLifetime.DisposeAsync")]
public sealed class DashboardSourceTests : IAsyncLifetime
{
    private ScoutServer? server;
    private HttpClient http = new();
    private CliDashboardSource? source;

    public async Task InitializeAsync()
    {
        var settings = new ModelScout.Core.Settings.ScoutSettings(_ => null, Scout.IsolatedHome);
        source = new CliDashboardSource(new FixedMachineSource(), settings, null);
        var store = new ModelScout.Store.ModelStore(Directory.CreateTempSubdirectory("scout-dash-store-").FullName);
        var engine = new ScriptedEngine();
        server = ScoutServer.Create(new ServerServices(engine, store, new ServerSettings { ApiKey = "dash-key", Host = "127.0.0.1", Port = 0 }) { Dashboard = source });
        await server.StartAsync();
        http = new HttpClient { BaseAddress = server.Address };
        http.DefaultRequestHeaders.Authorization = new("Bearer", "dash-key");
    }

    public async Task DisposeAsync()
    {
        http.Dispose();
        if (server is not null)
        {
            await server.StopAsync();
            await server.DisposeAsync();
        }
    }

    [Fact]
    public async Task Fit_page_data_equals_scout_fit_json()
    {
        var cli = Scout.Run("fit", "--all", "--json");
        Assert.Equal(0, cli.ExitCode);
        var page = await http.GetStringAsync("/ui/api/dash/fit");
        Assert.Equal(cli.Stdout.Trim(), page.ReplaceLineEndings("\n"));
        var doc = JsonNode.Parse(page)!;
        Assert.Equal("modelscout/fit/v1", doc["schema"]!.GetValue<string>());
        Assert.Equal("NVIDIA GeForce RTX 4060", doc["machine"]!["gpus"]![0]!["name"]!.GetValue<string>());

        var at32k = await http.GetStringAsync("/ui/api/dash/fit?context=32K");
        Assert.Equal(Scout.Run("fit", "--all", "--ctx", "32K", "--json").Stdout.Trim(), at32k.ReplaceLineEndings("\n"));
    }

    [Fact]
    public async Task License_compare_quant_and_cost_are_the_commands_documents()
    {
        var models = JsonNode.Parse(await http.GetStringAsync("/ui/api/dash/models"))!["models"]!.AsArray();
        var first = models[0]!["id"]!.GetValue<string>();
        var second = models[1]!["id"]!.GetValue<string>();
        Assert.Equal(Scout.Run("models", "--json").Stdout.Trim(), (await http.GetStringAsync("/ui/api/dash/models")).ReplaceLineEndings("\n"));
        Assert.Equal(Scout.Run("license", first, "--commercial", "--mau", "800M", "--json").Stdout.Trim(),
            (await http.GetStringAsync($"/ui/api/dash/license?model={first}&commercial=1&mau=800M")).ReplaceLineEndings("\n"));
        Assert.Equal(Scout.Run("compare", first, second, "--json").Stdout.Trim(),
            (await http.GetStringAsync($"/ui/api/dash/compare?model={first}&model={second}")).ReplaceLineEndings("\n"));
        Assert.Equal(Scout.Run("quant", first, "--json").Stdout.Trim(), (await http.GetStringAsync($"/ui/api/dash/quant?model={first}")).ReplaceLineEndings("\n"));
        Assert.Equal(Scout.Run("cost", "--tokens-per-day", "10M", "--json").Stdout.Trim(), (await http.GetStringAsync("/ui/api/dash/cost?tokensPerDay=10M")).ReplaceLineEndings("\n"));
    }

    [Fact]
    public async Task Failures_carry_the_error_document_and_values_cannot_become_options()
    {
        var missing = await http.GetAsync("/ui/api/dash/license?model=no-such-model");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal("modelscout/error/v1", JsonNode.Parse(await missing.Content.ReadAsStringAsync())!["schema"]!.GetValue<string>());

        var injected = await http.GetAsync("/ui/api/dash/quant?model=--help");
        Assert.Equal(HttpStatusCode.BadRequest, injected.StatusCode);
        Assert.Contains("would be read as an option", await injected.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        Assert.Equal(HttpStatusCode.BadRequest, (await http.GetAsync("/ui/api/dash/compare?model=a")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await http.GetAsync("/ui/api/dash/quant")).StatusCode);
    }

    [Fact]
    public void The_source_answers_without_a_server_too()
    {
        var answer = source!.Fit(new DashboardFitQuery(Quant: "Q8_0"));
        Assert.Equal(DashboardOutcome.Answer, answer.Outcome);
        Assert.All(JsonNode.Parse(answer.Json)!["models"]!.AsArray().Where(m => m!["best"] is not null), m => Assert.Equal("Q8_0", m!["best"]!["quant"]!.GetValue<string>()));
    }
}
