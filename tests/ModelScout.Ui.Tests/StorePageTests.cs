using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Playwright;
using ModelScout.Cli;
using ModelScout.Gguf;
using ModelScout.Server.Hosting;
using ModelScout.Server.Ui.Dashboard;
using ModelScout.Testing;

namespace ModelScout.Ui.Tests;

/// <summary>
/// The store page and the chat picker's pulls: a fake registry (which can drop a connection part-way), a catalog overlay
/// with one small model whose Ollama tag the registry serves and whose name carries markup, and a GGUF whose metadata
/// carries markup too.
/// </summary>
public sealed class StoreUiFixture : CliUiFixture
{
    /// <summary>Markup that would run or become an element if a page inserted it as HTML.</summary>
    public const string Payload = "<img src=x onerror=window.__xss=1>";

    /// <summary>The catalog model's Ollama tag, served by the registry.</summary>
    public const string CatalogTag = "tinycat";

    /// <summary>A second registry model, for the dropped-connection pull.</summary>
    public const string Dropper = "dropper";

    public const string CatalogName = "Tiny Cat " + Payload;

    private CliDashboardSource? source;

    public FakeRegistry Registry { get; private set; } = null!;
    public string Overlay => Path.Combine(CliHome, "overlay.json");

    protected override string? CatalogFile => Overlay;

    /// <summary>stories260K with <see cref="Payload"/> as general.name, saved under a file name that is markup too.</summary>
    public string HostileGguf => Path.Combine(CliHome, "files", Payload + ".gguf");

    /// <summary>The registry digest of <see cref="Dropper"/>'s model layer.</summary>
    public string DropperDigest { get; private set; } = "";

    protected override IDashboardSource? Dashboard => source ??= new CliDashboardSource(Machines, Settings, Overlay);

    protected override ServerSettings Configure(ServerSettings settings) => settings with { Registry = Registry.BaseUri };

    protected override async Task PrepareAsync()
    {
        var model = new JsonObject
        {
            ["id"] = "tiny-cat", ["name"] = CatalogName, ["kind"] = "open", ["license"] = "llama-3.1-community",
            ["ollama"] = new JsonObject { ["tags"] = new JsonArray(CatalogTag), ["sizeGb"] = 0.0018 },
            ["parameters"] = new JsonObject { ["total"] = 4_000_000 }, ["context"] = new JsonObject { ["max"] = 2048, ["native"] = 2048 },
            ["architecture"] = new JsonObject
            {
                ["ggufArchitecture"] = "llama", ["layers"] = 2, ["embeddingLength"] = 64, ["headCount"] = 4, ["kvHeadCount"] = 4,
                ["keyLength"] = 16, ["feedForwardLength"] = 128, ["vocabSize"] = 32000,
            },
        };
        await File.WriteAllTextAsync(Overlay, new JsonObject { ["models"] = new JsonArray(model) }.ToJsonString());
        Directory.CreateDirectory(Path.GetDirectoryName(HostileGguf)!);
        await File.WriteAllBytesAsync(HostileGguf, Rename(RepoPaths.Model("stories260K.gguf"), Payload));
        Registry = await FakeRegistry.StartAsync();
        Registry.Publish("library", CatalogTag, "latest", await File.ReadAllBytesAsync(RepoPaths.Model("llama-2-tiny-random.gguf")));
        // Other bytes than anything in the store, so the pull has all of it to download.
        (_, DropperDigest) = Registry.Publish("library", Dropper, "latest", Rename(RepoPaths.Model("stories260K.gguf"), "dropper"));
        // Two tries per pull, quickly: a connection that keeps dropping ends the pull in a second or so.
        Store.Registry.Transfer = Store.Registry.Transfer with { MaxAttempts = 2, RetryDelay = TimeSpan.FromMilliseconds(50) };
    }

    /// <summary>The GGUF at <paramref name="path"/> with another general.name (tensors and other metadata kept).</summary>
    private static byte[] Rename(string path, string name)
    {
        var file = GgufReader.ReadFile(path);
        var bytes = File.ReadAllBytes(path);
        var w = new GgufWriter(file.Alignment);
        var named = false;
        foreach (var (key, value) in file.Metadata)
        {
            if (key == "general.name") { w.Add(key, name); named = true; }
            else if (key != "general.alignment") w.Add(key, value);
        }
        if (!named) w.Add("general.name", name);
        foreach (var t in file.Tensors)
            w.AddTensor(t.Name, [.. t.Dimensions], t.Type, bytes.AsMemory((int)(file.DataOffset + t.Offset), (int)t.Bytes));
        return w.ToArray();
    }

    protected override async Task CleanUpAsync()
    {
        await Registry.DisposeAsync();
        await base.CleanUpAsync();
    }
}

/// <summary>Store operations in a real browser, the chat picker's pulls and loads, and markup in names and metadata.</summary>
public sealed class StorePageTests(StoreUiFixture f) : IClassFixture<StoreUiFixture>
{
    private const string Payload = StoreUiFixture.Payload;

    [BrowserFact]
    public async Task Import_create_copy_and_delete_from_the_store_page_show_in_api_tags_and_markup_in_names_and_metadata_stays_text()
    {
        var page = await f.NewPageAsync("#/store");
        await page.Locator("#store-table").WaitForAsync();

        // Import: the file input, a file whose name and general.name are markup.
        await page.Locator("#import-file").SetInputFilesAsync(f.HostileGguf);
        await page.Locator("#import-name").FillAsync("hostile:latest");
        await page.Locator("section[aria-label=Import] button[type=submit]").ClickAsync();
        await Assertions.Expect(page.Locator("#import-status")).ToContainTextAsync("Imported " + Payload + ".gguf as hostile:latest", new() { Timeout = 30_000 });
        await Assertions.Expect(page.Locator("#store-table tr[data-name='hostile:latest']")).ToHaveCountAsync(1);
        Assert.Contains("hostile:latest", await TagsAsync());
        await page.Locator("#store-table tr[data-name='hostile:latest'] button[aria-label^=Details]").ClickAsync();
        await Assertions.Expect(page.Locator("#details-general-name")).ToHaveTextAsync(Payload);

        // Create from a Modelfile whose SYSTEM, TEMPLATE and a PARAMETER carry markup.
        await page.Locator("#create-name").FillAsync("hostile-chat:latest");
        await page.Locator("#create-modelfile").FillAsync(
            $"FROM hostile:latest\nSYSTEM {Payload}\nPARAMETER temperature 0.3\nPARAMETER stop \"{Payload}\"\nTEMPLATE \"\"\"{{{{ .Prompt }}}} {Payload}\"\"\"");
        await page.Locator("section[aria-label=Create] button[type=submit]").ClickAsync();
        await Assertions.Expect(page.Locator("#create-status")).ToHaveTextAsync("Created hostile-chat:latest.");
        await Assertions.Expect(page.Locator("#store-table tr[data-name='hostile-chat:latest']")).ToHaveCountAsync(1);
        using (var show = await f.Http.PostAsJsonAsync("/api/show", new { model = "hostile-chat:latest" }))
        {
            var json = JsonNode.Parse(await show.Content.ReadAsStringAsync())!;
            Assert.Equal(Payload, json["system"]!.GetValue<string>());
            Assert.Contains("temperature", json["parameters"]!.GetValue<string>(), StringComparison.Ordinal);
            Assert.Contains("0.3", json["parameters"]!.GetValue<string>(), StringComparison.Ordinal);
            Assert.Contains(Payload, json["template"]!.GetValue<string>(), StringComparison.Ordinal);
        }
        await page.Locator("#store-table tr[data-name='hostile-chat:latest'] button[aria-label^=Details]").ClickAsync();
        await Assertions.Expect(page.Locator("#details-system")).ToHaveTextAsync(Payload);
        await Assertions.Expect(page.Locator("#details-template")).ToContainTextAsync(Payload);
        await Assertions.Expect(page.Locator("#details-parameters")).ToContainTextAsync(Payload);

        // Copy answers window.prompt, delete answers window.confirm.
        page.Dialog += async (_, dialog) =>
        {
            if (dialog.Type == "prompt") await dialog.AcceptAsync("hostile-copy:latest");
            else await dialog.AcceptAsync();
        };
        await page.Locator("button[aria-label='Copy hostile:latest']").ClickAsync();
        await Assertions.Expect(page.Locator("#store-table tr[data-name='hostile-copy:latest']")).ToHaveCountAsync(1);
        Assert.Contains("hostile-copy:latest", await TagsAsync());
        await page.Locator("button[aria-label='Delete hostile-copy:latest']").ClickAsync();
        await Assertions.Expect(page.Locator("#store-table tr[data-name='hostile-copy:latest']")).ToHaveCountAsync(0);
        var tags = await TagsAsync();
        Assert.DoesNotContain("hostile-copy:latest", tags);
        Assert.Contains("hostile:latest", tags);
        await AssertInertAsync(page);
        await UiFixture.AssertAccessibleAsync(page);

        // The chat picker lists the stored model and the catalog model whose name is markup, as text.
        await page.GotoAsync(new Uri(f.Address, "/#/chat").ToString());
        await page.Locator("#model-select option[value='hostile:latest']").WaitForAsync(new() { State = WaitForSelectorState.Attached });
        var catalogOption = page.Locator($"#model-select option[data-pull='{StoreUiFixture.CatalogTag}']");
        await catalogOption.WaitForAsync(new() { State = WaitForSelectorState.Attached, Timeout = 60_000 });
        Assert.Contains(StoreUiFixture.CatalogName, await catalogOption.TextContentAsync() ?? "", StringComparison.Ordinal);
        await AssertInertAsync(page);
        await page.Context.CloseAsync();
    }

    [BrowserFact]
    public async Task A_pull_that_loses_its_connection_says_so_and_pulling_again_resumes_with_a_range_request()
    {
        f.Registry.ClearFaults();
        f.Registry.ChunkSize = 16 << 10;
        f.Registry.DropAt(f.DropperDigest, 400_000, times: 100);
        var page = await f.NewPageAsync("#/store");
        await page.Locator("#store-table").WaitForAsync();
        await page.Locator("#pull-name").FillAsync(StoreUiFixture.Dropper);
        await page.Locator("#pull-start").ClickAsync();
        await Assertions.Expect(page.Locator("#pull-status")).ToContainTextAsync("Pull again to resume where it stopped", new() { Timeout = 30_000 });
        Assert.StartsWith("The pull stopped:", await page.Locator("#pull-status").InnerTextAsync(), StringComparison.Ordinal);
        Assert.DoesNotContain(StoreUiFixture.Dropper + ":latest", await TagsAsync());

        f.Registry.ClearFaults();
        var before = f.Registry.RequestsFor(f.DropperDigest).Count;
        await page.Locator("#pull-start").ClickAsync();
        await Assertions.Expect(page.Locator("#pull-status")).ToHaveTextAsync($"Pulled {StoreUiFixture.Dropper}.", new() { Timeout = 30_000 });
        await Assertions.Expect(page.Locator($"#store-table tr[data-name='{StoreUiFixture.Dropper}:latest']")).ToHaveCountAsync(1);
        var resumed = f.Registry.RequestsFor(f.DropperDigest).Skip(before).First();
        Assert.Equal(206, resumed.Status);
        Assert.Matches(@"^bytes=\d+-", resumed.Range);
        var offset = long.Parse(resumed.Range!["bytes=".Length..resumed.Range!.IndexOf('-', StringComparison.Ordinal)], CultureInfo.InvariantCulture);
        Assert.InRange(offset, 1, 400_000);
        await UiFixture.AssertAccessibleAsync(page);
        await UiFixture.ScreenshotAsync(page, "store");
        await page.Context.CloseAsync();
    }

    [BrowserFact]
    public async Task The_chat_picker_pulls_a_catalog_model_with_progress_and_cancel_then_selects_and_loads_it_with_progress()
    {
        f.Registry.ClearFaults();
        // About 11 s for the whole file: time to check the page mid-pull and cancel.
        f.Registry.ChunkSize = 4 << 10;
        f.Registry.ChunkDelay = TimeSpan.FromMilliseconds(25);
        var fit = f.Scout("fit", "--all")["models"]!.AsArray().Single(m => m!["id"]!.GetValue<string>() == "tiny-cat")!;
        Assert.Equal(StoreUiFixture.CatalogTag, fit["ollamaTag"]!.GetValue<string>());
        Assert.Equal(1_800_000, fit["ollamaSizeBytes"]!.GetValue<long>());

        var page = await f.NewPageAsync("#/chat");
        var option = page.Locator($"#model-select option[data-pull='{StoreUiFixture.CatalogTag}']");
        await option.WaitForAsync(new() { State = WaitForSelectorState.Attached, Timeout = 60_000 });
        Assert.Equal("Not downloaded", await option.EvaluateAsync<string>("o => o.parentElement.label"));
        // Stored models come first.
        Assert.Equal("Stored", await page.Locator("#model-select optgroup").First.GetAttributeAsync("label"));
        await page.Locator("#model-select").SelectOptionAsync(StoreUiFixture.CatalogTag);
        var offer = page.Locator("#pull-offer-text");
        await Assertions.Expect(offer).ToContainTextAsync("is not downloaded: 1.7 MB");
        await Assertions.Expect(offer).ToContainTextAsync(fit["fits"]!.GetValue<bool>() ? "fits this machine" : "does not fit this machine");
        await Assertions.Expect(offer).ToContainTextAsync(StoreUiFixture.CatalogName);

        // Cancel part-way, then pull again: it completes, resuming.
        await page.Locator("#pull-offer-start").ClickAsync();
        await page.WaitForFunctionAsync("() => { const p = document.querySelector('#pull-progress'); return p && p.max > 1 && p.value > 0 && p.value < p.max; }");
        await UiFixture.AssertAccessibleAsync(page);
        await UiFixture.ScreenshotAsync(page, "chat-pull");
        await page.Locator("#pull-cancel").ClickAsync();
        await Assertions.Expect(page.Locator("#pull-status")).ToContainTextAsync("Cancelled. What was downloaded is kept");
        f.Registry.ChunkDelay = TimeSpan.Zero;
        await page.Locator("#pull-offer-start").ClickAsync();
        await Assertions.Expect(page.Locator("#pull-status")).ToHaveTextAsync($"Pulled {StoreUiFixture.CatalogTag}.", new() { Timeout = 30_000 });

        // Selected once stored, then loaded with llama.cpp's progress.
        await Assertions.Expect(page.Locator("#model-select")).ToHaveValueAsync(StoreUiFixture.CatalogTag + ":latest");
        await Assertions.Expect(page.Locator("#pull-offer")).ToBeHiddenAsync();
        await Assertions.Expect(page.Locator("#model-state")).ToHaveTextAsync("not loaded");
        await page.Locator("#model-load").ClickAsync();
        await Assertions.Expect(page.Locator("#model-state")).ToContainTextAsync("loaded: 100 %", new() { Timeout = 30_000 });
        Assert.Equal(1.0, await page.Locator("#load-progress").EvaluateAsync<double>("p => p.value"));
        using (var ps = await f.Http.GetAsync("/api/ps"))
            Assert.Contains(StoreUiFixture.CatalogTag + ":latest", await ps.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        await AssertInertAsync(page);

        // The load endpoint itself, called as the page calls it (session cookie and CSRF token): NDJSON whose last line is
        // the finished load; an unknown model is a 404 before any line.
        const string loadScript = """
            async (model) => {
              const session = await (await fetch('/ui/api/session')).json();
              const r = await fetch('/ui/api/load', { method: 'POST', body: JSON.stringify({ model }),
                headers: { 'Content-Type': 'application/json', 'X-Scout-Csrf': session.csrf } });
              return [String(r.status), r.headers.get('Content-Type'), await r.text()];
            }
            """;
        var load = await page.EvaluateAsync<string[]>(loadScript, UiFixture.Model);
        Assert.True(load[0] == "200" && load[1] == "application/x-ndjson", string.Join(" ", load));
        var lines = load[2].Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonNode.Parse(l)!).ToList();
        Assert.Equal("loaded", lines[^1]["status"]!.GetValue<string>());
        Assert.Equal(1.0, lines[^1]["progress"]!.GetValue<double>());
        Assert.Equal(UiFixture.Model, lines[^1]["model"]!.GetValue<string>());
        var progress = lines.Select(l => l["progress"]!.GetValue<double>()).ToList();
        Assert.Equal(progress.Order(), progress);
        Assert.Equal("404", (await page.EvaluateAsync<string[]>(loadScript, "no-such-model"))[0]);
        await page.Context.CloseAsync();
    }

    private async Task<List<string>> TagsAsync()
    {
        using var doc = JsonDocument.Parse(await f.Http.GetStringAsync("/api/tags"));
        return [.. doc.RootElement.GetProperty("models").EnumerateArray().Select(m => m.GetProperty("name").GetString()!)];
    }

    /// <summary>No markup from data ran or became an element.</summary>
    private static async Task AssertInertAsync(IPage page)
    {
        Assert.Null(await page.EvaluateAsync<int?>("() => window.__xss ?? null"));
        Assert.Equal(0, await page.Locator("img[src=x], main script").CountAsync());
    }
}
