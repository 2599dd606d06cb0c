using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.Playwright;
using ModelScout.Cli;
using ModelScout.Server.Hosting;
using ModelScout.Server.Ui.Arena;
using ModelScout.Server.Ui.Dashboard;
using ModelScout.Testing;

namespace ModelScout.Ui.Tests;

/// <summary>
/// The UI with the dashboard's data from the CLI (this machine's real probe, shared with the <c>scout fit</c> the test
/// runs), a second stored model for the arena, and a fake registry for pulls.
/// </summary>
public sealed class DashboardUiFixture : CliUiFixture
{
    /// <summary>The model the registry serves, slowly enough to watch its progress.</summary>
    public const string Pullable = "tiny";

    private CliDashboardSource? source;

    public FakeRegistry Registry { get; private set; } = null!;

    /// <summary>A catalog overlay whose one model has markup in its name: every page that lists models must show it as text.</summary>
    public string Overlay => Path.Combine(CliHome, "overlay.json");

    protected override string? CatalogFile => Overlay;

    /// <summary>The overlay model's name.</summary>
    public const string XssName = "Our <img src=x onerror=\"window.__xss=1\"> 8B";

    protected override IDashboardSource? Dashboard => source ??= new CliDashboardSource(Machines, Settings, Overlay);

    protected override ServerSettings Configure(ServerSettings settings) => settings with { Registry = Registry.BaseUri };

    protected override async Task PrepareAsync()
    {
        var model = new JsonObject
        {
            ["id"] = "our-xss-8b", ["name"] = XssName, ["kind"] = "open", ["license"] = "llama-3.1-community",
            ["parameters"] = new JsonObject { ["total"] = 8030261248 }, ["context"] = new JsonObject { ["max"] = 131072, ["native"] = 131072 },
            ["architecture"] = new JsonObject
            {
                ["ggufArchitecture"] = "llama", ["layers"] = 32, ["embeddingLength"] = 4096, ["headCount"] = 32, ["kvHeadCount"] = 8,
                ["keyLength"] = 128, ["feedForwardLength"] = 14336, ["vocabSize"] = 128256,
            },
        };
        await File.WriteAllTextAsync(Overlay, new JsonObject { ["models"] = new JsonArray(model) }.ToJsonString());
        // Not stories260K: the store already holds that blob, and a pull of it would have nothing to download.
        var tiny = await File.ReadAllBytesAsync(RepoPaths.Model("llama-2-tiny-random.gguf"));
        Registry = await FakeRegistry.StartAsync();
        Registry.ChunkSize = 4 << 10;
        Registry.ChunkDelay = TimeSpan.FromMilliseconds(25);
        Registry.Publish("library", Pullable, "latest", tiny);
        await Store.ImportAsync(RepoPaths.Model("stories260K.gguf"), "stories-twin:latest");
    }

    protected override async Task CleanUpAsync()
    {
        await Registry.DisposeAsync();
        await base.CleanUpAsync();
    }
}

/// <summary>The dashboard and arena pages in a real browser.</summary>
public sealed class DashboardPageTests(DashboardUiFixture f) : IClassFixture<DashboardUiFixture>
{
    private const string Xss = "<img src=x onerror=\"window.__xss=1\"><script>window.__xss=2</script>";

    [BrowserFact]
    public async Task The_fit_table_shows_the_numbers_of_scout_fit_json()
    {
        var page = await f.NewPageAsync("#/machine");
        await page.Locator("#fit-table").WaitForAsync();
        var fit = f.Scout("fit", "--all");
        var fitting = fit["models"]!.AsArray().Where(m => m!["fits"]!.GetValue<bool>()).ToList();
        Assert.NotEmpty(fitting);
        Assert.Equal(fitting.Count, await page.Locator("#fit-table tbody tr").CountAsync());
        foreach (var m in fitting)
        {
            var row = page.Locator($"#fit-table tr[data-id='{m!["id"]!.GetValue<string>()}']");
            var best = m["best"]!;
            Assert.Equal(m["name"]!.GetValue<string>(), await row.Locator("th").InnerTextAsync());
            Assert.Equal(best["quant"]!.GetValue<string>(), await row.Locator("td[data-col=quant]").InnerTextAsync());
            Assert.Equal(Gib(best["memory"]!["host"]!["totalBytes"]!.GetValue<long>()), await row.Locator("td[data-col=ram]").InnerTextAsync());
            var speed = best["speed"];
            if (speed is not null) Assert.StartsWith(speed["low"]!.GetValue<double>().ToString("0.0", CultureInfo.InvariantCulture), await row.Locator("td[data-col=speed]").InnerTextAsync(), StringComparison.Ordinal);
        }
        // With the filter off every model is listed, those that do not fit included.
        await page.Locator("#fit-only").UncheckAsync();
        Assert.Equal(fit["models"]!.AsArray().Count, await page.Locator("#fit-table tbody tr").CountAsync());

        // A row opens its memory per device, byte for byte, and its commands.
        var first = fitting[0]!;
        await page.Locator($"#fit-table tr[data-id='{first["id"]!.GetValue<string>()}'] button").ClickAsync();
        var host = first["best"]!["memory"]!["host"]!;
        var cells = page.Locator("#fit-details tbody tr").First.Locator("td[data-bytes]");
        Assert.Equal(host["weightsBytes"]!.GetValue<long>().ToString(CultureInfo.InvariantCulture), await cells.Nth(0).GetAttributeAsync("data-bytes"));
        Assert.Equal(host["totalBytes"]!.GetValue<long>().ToString(CultureInfo.InvariantCulture), await cells.Nth(5).GetAttributeAsync("data-bytes"));
        foreach (var c in first["commands"]!.AsArray())
            Assert.True(await page.Locator("#fit-details code").Filter(new() { HasTextString = c!["command"]!.GetValue<string>() }).CountAsync() >= 1);
        Assert.Equal(DashboardUiFixture.XssName, await page.Locator("#fit-table tr[data-id='our-xss-8b'] th").InnerTextAsync());
        await AssertInertAsync(page);
        await UiFixture.AssertAccessibleAsync(page);
        await UiFixture.ScreenshotAsync(page, "machine");
        await page.Context.CloseAsync();
    }

    [BrowserFact]
    public async Task An_arena_vote_is_stored_counted_and_reveals_the_names_and_the_prompt_stays_text()
    {
        var page = await f.NewPageAsync("#/arena");
        await page.Locator("#arena-prompt").FillAsync("Once upon a time " + Xss);
        await page.Locator("#arena-model-1").SelectOptionAsync(UiFixture.Model);
        await page.Locator("#arena-model-2").SelectOptionAsync("stories-twin:latest");
        await page.Locator("#arena-start").ClickAsync();
        var voteA = page.Locator("button[data-vote=a]");
        await Assertions.Expect(voteA).ToBeEnabledAsync(new() { Timeout = 60_000 });
        Assert.NotEmpty((await page.Locator("#arena-out-a").InnerTextAsync()).Trim());
        Assert.DoesNotContain("stories", await page.Locator("#arena-name-a").InnerTextAsync(), StringComparison.Ordinal);
        await voteA.ClickAsync();
        await Assertions.Expect(page.Locator("#arena-result")).ToContainTextAsync("Vote stored");
        var named = await page.Locator("#arena-name-a").InnerTextAsync();
        Assert.Contains("stories", named, StringComparison.Ordinal);
        await Assertions.Expect(page.Locator("#arena-votes-count")).ToContainTextAsync("1 vote");

        // Stored in SQLite under the UI's data folder, and counted for the model that was behind A.
        var stored = Assert.Single(new ArenaStore(Path.Combine(f.Server.Services.Settings.UiData!, "arena.db")).Voted());
        Assert.Equal(ArenaOutcome.A, stored.Vote);
        Assert.Equal(named[3..], stored.ModelA);
        Assert.StartsWith("Once upon a time <img", stored.Prompt, StringComparison.Ordinal);
        Assert.Equal("1", await page.Locator($"#arena-models tr[data-model='{stored.ModelA}'] td[data-col=wins]").InnerTextAsync());
        await AssertInertAsync(page);
        await UiFixture.AssertAccessibleAsync(page);
        await UiFixture.ScreenshotAsync(page, "arena");
        await page.Context.CloseAsync();
    }

    [BrowserFact]
    public async Task A_pull_shows_its_progress_and_the_model_appears_in_the_store()
    {
        var page = await f.NewPageAsync("#/store");
        await page.Locator("#store-table").WaitForAsync();
        await page.Locator("#pull-name").FillAsync(DashboardUiFixture.Pullable);
        var seen = new List<string>();
        await page.Locator("#pull-start").ClickAsync();
        // The bar moves through intermediate values before the pull ends.
        await page.WaitForFunctionAsync("() => { const p = document.querySelector('#pull-progress'); return p && p.max > 1 && p.value > 0 && p.value < p.max; }");
        seen.Add(await page.Locator("#pull-status").InnerTextAsync());
        await Assertions.Expect(page.Locator("#pull-status")).ToContainTextAsync("Pulled tiny", new() { Timeout = 60_000 });
        Assert.Contains("%", seen[0], StringComparison.Ordinal);
        await Assertions.Expect(page.Locator("#store-table tr[data-name*='tiny']")).ToHaveCountAsync(1);
        Assert.Contains(f.Registry.Requests, r => r.Path.Contains("/blobs/", StringComparison.Ordinal));
        await UiFixture.AssertAccessibleAsync(page);
        await page.Context.CloseAsync();
    }

    [BrowserFact]
    public async Task Catalog_quant_cost_and_eval_pages_render_the_clis_documents_accessibly()
    {
        var page = await f.NewPageAsync("#/catalog");
        await page.Locator("#catalog-table").WaitForAsync();
        var models = f.Scout("models")["models"]!.AsArray();
        Assert.Equal(models.Count, await page.Locator("#catalog-table tbody tr").CountAsync());
        var id = models[0]!["id"]!.GetValue<string>();
        await page.Locator("#lic-commercial").CheckAsync();
        await page.Locator("#lic-mau").FillAsync("800M");
        await page.Locator("#lic-check").ClickAsync();
        var cli = f.Scout("license", id, "--commercial", "--mau", "800M")["reports"]!.AsArray().Select(r => r!["overall"]!.GetValue<string>()).ToList();
        var word = cli.Contains("allowed") ? "allowed" : cli.Contains("conditions") ? "allowed with conditions" : "not allowed";
        await Assertions.Expect(page.Locator($"#catalog-table tr[data-id='{id}'] td[data-col=verdict]")).ToHaveTextAsync(word, new() { Timeout = 60_000 });
        await page.Locator($"#catalog-table tr[data-id='{id}'] th button").ClickAsync();
        await page.Locator("#model-panel").WaitForAsync();
        await page.Locator($"input[data-compare='{id}']").CheckAsync();
        await page.Locator($"input[data-compare='{models[1]!["id"]!.GetValue<string>()}']").CheckAsync();
        await page.Locator("#compare").ClickAsync();
        await page.Locator("#compare-panel").WaitForAsync();
        Assert.Equal(DashboardUiFixture.XssName, await page.Locator("#catalog-table tr[data-id='our-xss-8b'] th").InnerTextAsync());
        await page.Locator("#catalog-table tr[data-id='our-xss-8b'] th button").ClickAsync();
        await Assertions.Expect(page.Locator("#model-panel h2")).ToHaveTextAsync(DashboardUiFixture.XssName);
        await AssertInertAsync(page);
        await UiFixture.AssertAccessibleAsync(page);
        await UiFixture.ScreenshotAsync(page, "catalog");

        await page.GotoAsync(new Uri(f.Address, "/#/quant").ToString());
        await page.Locator("#quant-table").WaitForAsync();
        var quant = f.Scout("quant", models[0]!["id"]!.GetValue<string>());
        Assert.Equal(quant["levels"]!.AsArray().Count, await page.Locator("#quant-table tbody tr").CountAsync());
        await UiFixture.AssertAccessibleAsync(page);
        await UiFixture.ScreenshotAsync(page, "quant");

        await page.GotoAsync(new Uri(f.Address, "/#/cost").ToString());
        await page.Locator("#cost-table").WaitForAsync();
        var cost = f.Scout("cost", "--tokens-per-day", "10M", "--input-share", "0.75");
        var cheapest = cost["lines"]!.AsArray().OrderBy(l => l!["usdPerDay"]!.GetValue<double>()).First()!;
        Assert.Equal(cheapest["usdPerDay"]!.GetValue<double>().ToString(CultureInfo.InvariantCulture),
            await page.Locator("#cost-table tbody tr").First.Locator("td[data-usd]").GetAttributeAsync("data-usd"));
        await UiFixture.AssertAccessibleAsync(page);
        await UiFixture.ScreenshotAsync(page, "cost");

        // Two real runs of `scout eval` against this server (greedy, then sampled), so the page has a report and a comparison.
        var v1 = new Uri(f.Address, "/v1").ToString();
        string[] common = ["eval", "--endpoint", v1, "--model", UiFixture.Model, "--suite", "mmlu,gsm8k", "--limit", "4", "--max-tokens", "16"];
        f.Scout([.. common, "--run", "stories-greedy"]);
        f.Scout([.. common, "--run", "stories-sampled", "--temperature", "0.9"]);
        var verdict = f.Scout("eval", "compare", "stories-greedy", "stories-sampled")["verdict"]!.GetValue<string>();

        await page.GotoAsync(new Uri(f.Address, "/#/eval").ToString());
        await page.Locator("main h1").Filter(new() { HasTextString = "Eval" }).WaitForAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Report of stories-greedy" }).ClickAsync();
        await Assertions.Expect(page.Locator("#eval-report tbody tr")).ToHaveCountAsync(2);
        await page.Locator("#eval-a").SelectOptionAsync("stories-greedy");
        await page.Locator("#eval-b").SelectOptionAsync("stories-sampled");
        await page.GetByRole(AriaRole.Button, new() { Name = "Compare", Exact = true }).ClickAsync();
        await Assertions.Expect(page.Locator("#eval-compare h2")).ToContainTextAsync(verdict);
        await UiFixture.AssertAccessibleAsync(page);
        await UiFixture.ScreenshotAsync(page, "eval");
        await page.Context.CloseAsync();
    }

    private static string Gib(long bytes) => (bytes / 1073741824.0).ToString("0.0", CultureInfo.InvariantCulture) + " GiB";

    /// <summary>No markup from data ran or became an element.</summary>
    private static async Task AssertInertAsync(IPage page)
    {
        Assert.Null(await page.EvaluateAsync<int?>("() => window.__xss ?? null"));
        Assert.Equal(0, await page.Locator("main img, main script").CountAsync());
    }
}
