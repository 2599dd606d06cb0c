using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.AI;
using Microsoft.Playwright;
using ModelScout.Cli;
using ModelScout.Evaluation.Results;
using ModelScout.Evaluation.Running;
using ModelScout.Evaluation.Suites;
using ModelScout.Server.Ui.Arena;
using ModelScout.Server.Ui.Dashboard;
using ModelScout.Store;

namespace ModelScout.Ui.Tests;

/// <summary>The markup every hostile string below is made of: each one, run or made an element, would be a hole.</summary>
internal static class Payloads
{
    public const string Img = "<img src=x onerror=\"window.__xss='img'\">";
    public const string Script = "<script>window.__xss='script'</script>";
    public const string Svg = "\"><svg onload=\"window.__xss='svg'\">";
    public const string JsUrl = "javascript:window.__xss='url'";

    /// <summary>All of them in one string, with a word to find it by.</summary>
    public static string All(string word) => $"{word} {Img}{Script}{Svg} {JsUrl}";

    /// <summary>No markup from data ran or became an element, and no data became a script link.</summary>
    public static async Task AssertInertAsync(IPage page)
    {
        Assert.Null(await page.EvaluateAsync<string?>("() => window.__xss ?? null"));
        Assert.Equal(0, await page.Locator("main img, main script, main svg, main iframe, main object").CountAsync());
        Assert.Equal(0, await page.Locator("a[href^='javascript' i], a[href^='data' i]").CountAsync());
    }
}

/// <summary>
/// An open UI whose data is hostile everywhere the pages show data: an eval database whose runs carry markup in their
/// names, models, endpoints, questions, references, replies and errors (made by the real runner and store); a catalog
/// file whose model and licence strings carry it (the licence link a <c>javascript:</c> URL); arena votes between models
/// with markup in their names.
/// </summary>
public sealed class HostileDataUiFixture : CliUiFixture
{
    public static readonly string RunA = Payloads.All("run-a");
    public static readonly string RunB = Payloads.All("run-b");
    public static readonly string EvalModel = Payloads.All("eval-model");
    public static readonly string Endpoint = "http://127.0.0.1:9/v1/" + Payloads.Img;
    public static readonly string ModelName = Payloads.All("catalog-model");
    public static readonly string LicenceName = Payloads.All("licence");

    private CliDashboardSource? source;

    private string Catalog => Path.Combine(CliHome, "hostile-catalog.json");

    protected override IDashboardSource? Dashboard => source ??= new CliDashboardSource(Machines, Settings, Catalog);

    protected override async Task PrepareAsync()
    {
        await WriteCatalogAsync();
        await WriteEvalRunsAsync();
    }

    private async Task WriteCatalogAsync()
    {
        var licence = new JsonObject
        {
            ["id"] = "hostile-licence", ["name"] = LicenceName, ["names"] = new JsonArray(LicenceName), ["kind"] = "custom",
            ["url"] = Payloads.JsUrl,
            ["guide"] = new JsonObject
            {
                ["type"] = Payloads.All("guide-type"), ["models"] = Payloads.All("guide-models"), ["commercialUse"] = Payloads.All("guide-commercial"),
                ["keyRestriction"] = Payloads.All("guide-restriction"), ["safeForSaas"] = Payloads.All("guide-saas"),
            },
            ["terms"] = new JsonObject
            {
                ["commercial"] = Verdict("conditions"), ["saas"] = Verdict("allowed"), ["fineTune"] = Verdict("allowed"),
                ["trainOtherModels"] = Verdict("not-allowed"), ["distribution"] = Verdict("allowed"),
            },
        };
        var model = new JsonObject
        {
            ["id"] = "hostile-8b", ["name"] = ModelName, ["kind"] = "open", ["license"] = "hostile-licence",
            ["family"] = Payloads.All("family"), ["publisher"] = Payloads.All("publisher"),
            ["parameters"] = new JsonObject { ["total"] = 8030261248 }, ["context"] = new JsonObject { ["max"] = 131072, ["native"] = 131072 },
            ["architecture"] = new JsonObject
            {
                ["ggufArchitecture"] = "llama", ["layers"] = 32, ["embeddingLength"] = 4096, ["headCount"] = 32, ["kvHeadCount"] = 8,
                ["keyLength"] = 128, ["feedForwardLength"] = 14336, ["vocabSize"] = 128256,
            },
        };
        await File.WriteAllTextAsync(Catalog, new JsonObject { ["models"] = new JsonArray(model), ["licenses"] = new JsonArray(licence) }.ToJsonString());

        static JsonObject Verdict(string v) => new() { ["verdict"] = v, ["clause"] = Payloads.All("clause"), ["text"] = Payloads.All("term") };
    }

    /// <summary>Two runs of GSM8K over questions with markup, answered with markup (one item failing with it).</summary>
    private async Task WriteEvalRunsAsync()
    {
        var data = Path.Combine(CliHome, "data", "gsm8k");
        Directory.CreateDirectory(data);
        var lines = Enumerable.Range(1, 4).Select(i => new JsonObject
        {
            ["question"] = $"item-{i}: " + Payloads.All("question"),
            ["answer"] = $"Reference {Payloads.All("reference")}\n#### {i}",
        }.ToJsonString());
        await File.WriteAllLinesAsync(Path.Combine(data, "test.jsonl"), lines);
        using var store = EvalStore.Open(Settings.EvalDatabase);
        foreach (var (name, right) in new[] { (RunA, 2), (RunB, 3) })
        {
            var suite = SuiteCatalog.Build("gsm8k", Path.GetDirectoryName(data), new SuiteSettings()).Suite;
            var record = new ReproducibilityRecord
            {
                Endpoint = Endpoint, Model = EvalModel, Seed = 7, ScoringModes = new Dictionary<string, string> { [suite.Name] = suite.ScoringMode },
            };
            var run = store.OpenRun(name, new RunKey(Endpoint, EvalModel), record);
            var result = await new EvalRunner(new HostileClient(right), store).RunAsync(run, [suite]);
            Assert.False(result.Cancelled);
        }
    }

    /// <summary>Answers question i right when i ≤ <paramref name="right"/>, always wrapped in markup; fails question 4 with markup in the error.</summary>
    private sealed class HostileClient(int right) : IChatClient
    {
        public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
        {
            var prompt = messages.Last(m => m.Role == ChatRole.User).Text;
            var at = prompt.LastIndexOf("item-", StringComparison.Ordinal);
            var i = int.Parse(prompt.AsSpan(at + "item-".Length, 1), CultureInfo.InvariantCulture);
            if (i == 4) throw new InvalidOperationException(Payloads.All("error"));
            var text = $"{Payloads.All("reply")}\n#### {(i <= right ? i : 99)}";
            return Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, text))
            {
                FinishReason = ChatFinishReason.Stop, Usage = new UsageDetails { InputTokenCount = 10, OutputTokenCount = 3 },
            });
        }

        public IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException();

        public object? GetService(Type serviceType, object? serviceKey = null) => null;

        public void Dispose()
        {
        }
    }
}

/// <summary>Hostile strings in every kind of data the pages show, in a real browser: inert, and visible as text.</summary>
public sealed class HostileDataTests(HostileDataUiFixture f) : IClassFixture<HostileDataUiFixture>
{
    private static async Task<string> TextAsync(IPage page, string selector) => await page.Locator(selector).InnerTextAsync();

    [BrowserFact]
    public async Task Eval_catalog_licence_and_arena_pages_show_hostile_data_as_text()
    {
        // Eval: the runs, a run's report, and the two runs compared.
        var page = await f.NewPageAsync("#/eval");
        await page.Locator("main table tbody tr").First.WaitForAsync();
        var runs = await TextAsync(page, "main table");
        Assert.Contains(HostileDataUiFixture.RunA, runs, StringComparison.Ordinal);
        Assert.Contains(HostileDataUiFixture.EvalModel, runs, StringComparison.Ordinal);
        Assert.Contains(HostileDataUiFixture.Endpoint, runs, StringComparison.Ordinal);
        await Payloads.AssertInertAsync(page);
        await page.GetByRole(AriaRole.Button, new() { Name = "Report of " + HostileDataUiFixture.RunB, Exact = true }).ClickAsync();
        await page.Locator("#eval-report").WaitForAsync();
        Assert.Equal($"{HostileDataUiFixture.RunB}: {HostileDataUiFixture.EvalModel}", await TextAsync(page, "#eval-report h2"));
        await Payloads.AssertInertAsync(page);
        await page.Locator("#eval-a").SelectOptionAsync(new SelectOptionValue { Label = HostileDataUiFixture.RunA });
        await page.Locator("#eval-b").SelectOptionAsync(new SelectOptionValue { Label = HostileDataUiFixture.RunB });
        await page.Locator("form.filters button[type=submit]").ClickAsync();
        await page.Locator("#eval-compare").WaitForAsync();
        var heading = await TextAsync(page, "#eval-compare h2");
        Assert.StartsWith($"{HostileDataUiFixture.RunB} against {HostileDataUiFixture.RunA}: ", heading, StringComparison.Ordinal);
        await Payloads.AssertInertAsync(page);

        // Catalog: the model's row and panel, its licence's clauses, and the licence link (a javascript: URL) shown as text.
        await page.GotoAsync(new Uri(f.Address, "/#/catalog").ToString());
        var row = page.Locator("#catalog-table tr[data-id='hostile-8b']");
        Assert.Equal(HostileDataUiFixture.ModelName, await row.Locator("th").InnerTextAsync());
        await row.Locator("th button").ClickAsync();
        await page.Locator("#model-panel .licence").WaitForAsync();
        Assert.Equal(HostileDataUiFixture.ModelName, await TextAsync(page, "#model-panel h2"));
        var licence = await TextAsync(page, "#model-panel .licence");
        Assert.Contains(HostileDataUiFixture.LicenceName, licence, StringComparison.Ordinal);
        Assert.Contains(Payloads.All("term"), licence, StringComparison.Ordinal);
        Assert.Equal(Payloads.JsUrl, await TextAsync(page, "#model-panel .licence code"));
        Assert.Equal(0, await page.Locator("#model-panel a").CountAsync());
        await Payloads.AssertInertAsync(page);

        // Arena: the store refuses a model name with markup, but the votes database is data too: a vote between two
        // models whose names carry markup (an older or edited arena.db) shows them as text on the leaderboard.
        var refused = Assert.Throws<StoreException>(() => f.Store.Copy(UiFixture.Model, "x" + Payloads.Img + ":latest"));
        Assert.Equal(StoreErrorKind.InvalidName, refused.Kind);
        var arena = new ArenaStore(Path.Combine(f.Server.Services.Settings.UiData!, "arena.db"));
        var (nameA, nameB) = (Payloads.All("arena-a"), Payloads.All("arena-b"));
        arena.Add(new ArenaBattle("hostile-battle", Payloads.All("prompt"), nameA, nameB, DateTimeOffset.UtcNow, null, null, null, null));
        arena.SetReply("hostile-battle", true, Payloads.All("reply-a"));
        arena.SetReply("hostile-battle", false, Payloads.All("reply-b"));
        Assert.True(arena.Vote("hostile-battle", ArenaOutcome.A, DateTimeOffset.UtcNow));
        await page.GotoAsync(new Uri(f.Address, "/#/arena").ToString());
        await page.Locator("#arena-models").WaitForAsync();
        Assert.Equal(nameA, await page.Locator("#arena-models tbody tr").Filter(new() { HasTextString = "arena-a" }).Locator("th").InnerTextAsync());
        Assert.Contains(nameB, await TextAsync(page, "#arena-pairs"), StringComparison.Ordinal);
        await Payloads.AssertInertAsync(page);
        await page.Context.CloseAsync();
    }

    [BrowserFact]
    public async Task An_imported_conversation_with_hostile_fields_shows_thinking_and_tool_calls_folded_above_the_reply_and_stays_inert_after_a_reload()
    {
        const string id = "hostile-chat";
        var assistantId = Payloads.Img; // node ids are data too (keys, and data-id attributes)
        var user = Payloads.All("user");
        var reply = $"{Payloads.All("reply")}\n\n![tracking pixel](https://tracker.example/p.png)\n\n[click]({Payloads.JsUrl})\n\n```html\n</code>{Payloads.Img}\n```";
        var thinking = Payloads.All("thinking");
        var toolName = Payloads.All("tool");
        var toolArgument = Payloads.All("argument");
        var body = new JsonObject
        {
            ["system"] = Payloads.All("system"), ["options"] = new JsonObject { ["temperature"] = Payloads.Img }, ["format"] = Payloads.Img, ["schema"] = Payloads.Script,
            ["rootSel"] = 0, ["roots"] = new JsonArray("u1"),
            ["nodes"] = new JsonObject
            {
                ["u1"] = new JsonObject { ["id"] = "u1", ["parent"] = null, ["role"] = "user", ["content"] = user, ["children"] = new JsonArray(assistantId), ["sel"] = 0 },
                [assistantId] = new JsonObject
                {
                    ["id"] = assistantId, ["parent"] = "u1", ["role"] = "assistant", ["model"] = Payloads.All("node-model"), ["content"] = reply,
                    ["thinking"] = thinking, ["children"] = new JsonArray(), ["sel"] = 0, ["state"] = "done",
                    ["tool_calls"] = new JsonArray(new JsonObject
                    {
                        ["function"] = new JsonObject { ["name"] = toolName, ["arguments"] = new JsonObject { ["query"] = toolArgument } },
                    }),
                },
            },
        };
        var export = new JsonObject
        {
            ["conversations"] = new JsonArray(new JsonObject { ["id"] = id, ["title"] = Payloads.All("title"), ["model"] = Payloads.All("model"), ["body"] = body }),
        };

        var page = await f.NewPageAsync("#/chat");
        await page.Locator("#conv-import").WaitForAsync(new() { State = WaitForSelectorState.Attached });
        await page.Locator("#conv-import").SetInputFilesAsync(new FilePayload
        {
            Name = Payloads.Img + ".json", MimeType = "application/json", Buffer = Encoding.UTF8.GetBytes(export.ToJsonString()),
        });
        await page.Locator("#conv-list[data-imported='1']").WaitForAsync();
        Assert.Equal(Payloads.All("title"), await page.Locator($"#conv-list li[data-id='{id}'] .conv-open").TextContentAsync());
        await page.Locator($"#conv-list li[data-id='{id}'] .conv-open").ClickAsync();
        await CheckAsync(page);

        // From the stored conversation, after a reload.
        await page.ReloadAsync();
        await CheckAsync(page);
        await page.Context.CloseAsync();

        async Task CheckAsync(IPage p)
        {
            var answer = p.Locator("article[data-role=assistant]");
            await answer.Locator(".msg-content a.image-link").WaitForAsync();
            var thinkingBox = answer.Locator("details.thinking");
            var toolBox = answer.Locator("details.tool-calls");
            Assert.Null(await thinkingBox.GetAttributeAsync("open"));
            Assert.Null(await toolBox.GetAttributeAsync("open"));
            Assert.Equal("Tool calls (1)", await toolBox.Locator("summary").InnerTextAsync());
            // Both folds come before the answer's text.
            Assert.True(await answer.EvaluateAsync<bool>("""
                a => { const c = a.querySelector('.msg-content');
                       return [...a.querySelectorAll('details')].every(d => d.compareDocumentPosition(c) & Node.DOCUMENT_POSITION_FOLLOWING); }
                """));
            Assert.Equal(thinking, await thinkingBox.Locator(".pre").TextContentAsync());
            var calls = await toolBox.Locator("pre").TextContentAsync();
            Assert.Contains(toolArgument.Replace("\"", "\\\"", StringComparison.Ordinal), calls, StringComparison.Ordinal);
            await thinkingBox.Locator("summary").ClickAsync();
            await toolBox.Locator("summary").ClickAsync();
            Assert.True(await thinkingBox.Locator(".pre").IsVisibleAsync());
            Assert.Equal(user, await p.Locator("article[data-role=user] .msg-content").TextContentAsync());
            Assert.Equal(Payloads.All("node-model"), await answer.Locator(".msg-who").InnerTextAsync());
            Assert.Equal(Payloads.All("system"), await p.Locator("#system-prompt").InputValueAsync());
            Assert.Equal("https://tracker.example/p.png", await answer.Locator("a.image-link").GetAttributeAsync("href"));
            Assert.Equal("tracking pixel", await answer.Locator("a.image-link").InnerTextAsync());
            // (Markdown may read the payloads' double underscores as emphasis: compare up to the first.)
            Assert.Contains("reply <img src=x onerror=\"window.", await answer.Locator(".msg-content").InnerTextAsync(), StringComparison.Ordinal);
            await Payloads.AssertInertAsync(p);
        }
    }
}

/// <summary>Sessions in the browser: one outlives a server restart, and Log out ends it.</summary>
public sealed class SessionBrowserTests(KeyedUiFixture f) : IClassFixture<KeyedUiFixture>
{
    [BrowserFact]
    public async Task A_logged_in_page_stays_in_across_a_restart_and_log_out_asks_for_the_key_again()
    {
        var page = await f.NewPageAsync();
        await page.FillAsync("#login-key", KeyedUiFixture.Key);
        await page.ClickAsync("form.login button[type=submit]");
        await page.Locator("#nav a[data-page=chat][aria-current=page]").WaitForAsync();
        await Assertions.Expect(page.Locator("#logout")).ToBeVisibleAsync();

        await f.RestartAsync();
        // The new server listens on another port; cookies belong to the host, so the browser still has the session.
        await page.GotoAsync(new Uri(f.Address, "/#/chat").ToString());
        await page.Locator("#nav a[data-page=chat][aria-current=page]").WaitForAsync();
        Assert.Equal(0, await page.Locator("#login-key").CountAsync());

        await page.ClickAsync("#logout");
        await page.Locator("#login-key").WaitForAsync();
        await Assertions.Expect(page.Locator("#logout")).ToBeHiddenAsync();
        Assert.DoesNotContain(await page.Context.CookiesAsync(), c => c.Name == ModelScout.Server.Ui.UiSessions.Cookie);
        // A reload does not bring the session back.
        await page.ReloadAsync();
        await page.Locator("#login-key").WaitForAsync();
        await page.Context.CloseAsync();
    }
}
