using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.Playwright;

namespace ModelScout.Ui.Tests;

/// <summary>The chat playground in chromium against a real scout serve with stories260K.</summary>
public sealed partial class ChatTests(OpenUiFixture f) : IClassFixture<OpenUiFixture>
{
    private const string Reply = "article[data-role=assistant]";

    [GeneratedRegex(@"\s+")]
    private static partial Regex Spaces();

    private static string Norm(string? s) => Spaces().Replace(s ?? "", " ").Trim();

    /// <summary>What /api/chat answers greedily for these messages (the page must show the same).</summary>
    private async Task<string> ApiReplyAsync(int maxTokens, params (string Role, string Content)[] messages)
    {
        var body = new JsonObject
        {
            ["model"] = UiFixture.Model, ["stream"] = false,
            ["options"] = new JsonObject { ["temperature"] = 0, ["num_predict"] = maxTokens },
            ["messages"] = new JsonArray([.. messages.Select(m => (JsonNode)new JsonObject { ["role"] = m.Role, ["content"] = m.Content })]),
        };
        using var response = await f.Http.PostAsync("/api/chat", new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"));
        response.EnsureSuccessStatusCode();
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("message").GetProperty("content").GetString()!;
    }

    private static async Task SetAsync(IPage page, string option, string value) => await page.FillAsync($"#opt-{option}", value);

    private static async Task SendAsync(IPage page, string text)
    {
        await page.FillAsync("#prompt", text);
        await page.PressAsync("#prompt", "Enter");
    }

    private static ILocator Done(IPage page, int n = 1) => page.Locator($"{Reply}[data-state=done]").Nth(n - 1);

    private static async Task<IPage> ReadyAsync(IPage page)
    {
        await page.Locator("#model-select option").First.WaitForAsync(new() { State = WaitForSelectorState.Attached });
        return page;
    }

    [BrowserFact]
    public async Task A_prompt_streams_the_greedy_continuation_with_live_speed_figures()
    {
        var expected = await ApiReplyAsync(24, ("user", "Once upon a time"));
        var page = await ReadyAsync(await f.NewPageAsync());
        await SetAsync(page, "temperature", "0");
        await SetAsync(page, "num_predict", "24");
        var states = new List<string>();
        await SendAsync(page, "Once upon a time");
        await Done(page).WaitForAsync();
        Assert.Equal(Norm(expected), Norm(await Done(page).Locator(".msg-content").TextContentAsync()));
        var stats = await Done(page).Locator(".msg-stats").TextContentAsync();
        Assert.Matches(@"TTFT \d+ ms", stats);
        Assert.Matches(@"prompt \d+ tok, [\d.]+ tok/s", stats);
        Assert.Matches(@"generation \d+ tok, [\d.]+ tok/s", stats);
        // The prompt box was emptied and the conversation saved under its id.
        Assert.Equal("", await page.InputValueAsync("#prompt"));
        // history.replaceState is not a navigation Playwright can wait for: poll the address instead.
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("#/chat/[0-9a-f-]+$"));
        await UiFixture.ScreenshotAsync(page, "chat");
        await page.Context.CloseAsync();
    }

    [BrowserFact]
    public async Task Stop_mid_stream_ends_the_generation_and_frees_the_slot()
    {
        var page = await ReadyAsync(await f.NewPageAsync());
        await SetAsync(page, "num_predict", "100000");
        await SendAsync(page, "Once upon a time");
        var streaming = page.Locator($"{Reply}[data-state=streaming] .msg-content");
        await UntilAsync(async () => (await streaming.CountAsync()) == 1 && (await streaming.TextContentAsync())!.Length > 40,
            TimeSpan.FromSeconds(20), "the reply to stream some text");
        Assert.Equal(1, await page.Locator("#stop:not([disabled])").CountAsync());
        await page.Keyboard.PressAsync("Escape");
        await page.Locator($"{Reply}[data-state=stopped]").WaitForAsync();
        await UntilAsync(async () => Running(await f.Http.GetStringAsync("/metrics")) == 0,
            TimeSpan.FromSeconds(10), "scout_requests_running to fall to 0 after Stop");
        var ps = JsonDocument.Parse(await f.Http.GetStringAsync("/api/ps")).RootElement.GetProperty("models");
        Assert.Contains(ps.EnumerateArray(), m => m.GetProperty("name").GetString() == UiFixture.Model);
        // The slot is usable at once: the next request is answered.
        Assert.NotEmpty(await ApiReplyAsync(4, ("user", "Lily")));
        await page.Context.CloseAsync();
    }

    /// <summary>Polls an asynchronous condition until it holds; fails at the deadline naming what it waited for.</summary>
    private static async Task UntilAsync(Func<Task<bool>> condition, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline) Assert.Fail($"timed out after {timeout.TotalSeconds} s waiting for {what}");
            await Task.Delay(50);
        }
    }

    private static double Running(string metrics) =>
        metrics.Split('\n').Where(l => l.StartsWith("scout_requests_running{", StringComparison.Ordinal))
            .Sum(l => double.Parse(l[(l.LastIndexOf(' ') + 1)..], System.Globalization.CultureInfo.InvariantCulture));

    [BrowserFact]
    public async Task Regenerate_keeps_branches_and_a_fixed_seed_reproduces_the_reply()
    {
        var page = await ReadyAsync(await f.NewPageAsync());
        await SetAsync(page, "temperature", "1.2");
        await SetAsync(page, "seed", "42");
        await SetAsync(page, "num_predict", "20");
        await SendAsync(page, "Once upon a time");
        await Done(page).WaitForAsync();
        var first = await Done(page).Locator(".msg-content").TextContentAsync();
        await page.ClickAsync($"{Reply} button.regen");
        await page.Locator($"{Reply} .branch-pos", new() { HasText = "2/2" }).WaitForAsync();
        await Done(page).WaitForAsync();
        Assert.Equal(Norm(first), Norm(await Done(page).Locator(".msg-content").TextContentAsync()));
        await SetAsync(page, "seed", "7");
        await page.ClickAsync($"{Reply} button.regen");
        await page.Locator($"{Reply} .branch-pos", new() { HasText = "3/3" }).WaitForAsync();
        await Done(page).WaitForAsync();
        Assert.NotEqual(Norm(first), Norm(await Done(page).Locator(".msg-content").TextContentAsync()));
        await page.ClickAsync($"{Reply} button.branch-prev");
        await page.Locator($"{Reply} .branch-pos", new() { HasText = "2/3" }).WaitForAsync();
        Assert.Equal(Norm(first), Norm(await Done(page).Locator(".msg-content").TextContentAsync()));
        await page.Context.CloseAsync();
    }

    [BrowserFact]
    public async Task Edit_resends_as_a_branch_and_the_system_prompt_reaches_the_model()
    {
        var page = await ReadyAsync(await f.NewPageAsync());
        await SetAsync(page, "temperature", "0");
        await SetAsync(page, "num_predict", "16");
        await page.ClickAsync("#system-box summary");
        await page.FillAsync("#system-prompt", "Tell a story about a cat.");
        await SendAsync(page, "Once upon a time");
        await Done(page).WaitForAsync();
        var withSystem = await ApiReplyAsync(16, ("system", "Tell a story about a cat."), ("user", "Once upon a time"));
        Assert.Equal(Norm(withSystem), Norm(await Done(page).Locator(".msg-content").TextContentAsync()));

        await page.ClickAsync("article[data-role=user] button.edit");
        await page.FillAsync(".edit-box", "Lily went to the park");
        await page.ClickAsync(".edit-send");
        await page.Locator("article[data-role=user] .branch-pos", new() { HasText = "2/2" }).WaitForAsync();
        await Done(page).WaitForAsync();
        Assert.Equal("Lily went to the park", Norm(await page.Locator("article[data-role=user] .msg-content").TextContentAsync()));
        var edited = await ApiReplyAsync(16, ("system", "Tell a story about a cat."), ("user", "Lily went to the park"));
        Assert.Equal(Norm(edited), Norm(await Done(page).Locator(".msg-content").TextContentAsync()));
        await page.Context.CloseAsync();
    }

    [BrowserFact]
    public async Task A_conversation_survives_a_reload_and_a_server_restart_and_is_found_by_search()
    {
        var page = await ReadyAsync(await f.NewPageAsync());
        await SetAsync(page, "temperature", "0");
        await SetAsync(page, "num_predict", "8");
        await SendAsync(page, "The dragon said hello");
        await Done(page).WaitForAsync();
        var reply = Norm(await Done(page).Locator(".msg-content").TextContentAsync());
        // history.replaceState is not a navigation Playwright can wait for: poll the address instead.
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("#/chat/[0-9a-f-]+$"));
        var id = page.Url[(page.Url.LastIndexOf('/') + 1)..];

        await page.ReloadAsync();
        await Done(page).WaitForAsync();
        Assert.Equal(reply, Norm(await Done(page).Locator(".msg-content").TextContentAsync()));
        await page.Context.CloseAsync();

        await f.RestartAsync();
        var again = await ReadyAsync(await f.NewPageAsync("#/chat/" + id));
        await Done(again).WaitForAsync();
        Assert.Equal("The dragon said hello", Norm(await again.Locator("article[data-role=user] .msg-content").TextContentAsync()));
        Assert.Equal(reply, Norm(await Done(again).Locator(".msg-content").TextContentAsync()));
        await again.FillAsync("#conv-search", "dragon");
        await again.Locator($"#conv-list li[data-id='{id}']").WaitForAsync();
        await again.FillAsync("#conv-search", "no such words anywhere");
        await again.Locator($"#conv-list li[data-id='{id}']").WaitForAsync(new() { State = WaitForSelectorState.Detached });
        await again.Context.CloseAsync();
    }

    [BrowserFact]
    public async Task Xss_payloads_in_replies_and_titles_stay_inert_and_the_chat_page_has_no_serious_accessibility_violations()
    {
        const string title = "<img src=x onerror=\"window.__xss='title'\">";
        const string payload = "<script>window.__xss='script'</script>\n\n<img src=x onerror=\"window.__xss='img'\">\n\n[click me](javascript:window.__xss='link')\n\n```js\nconst a = \"</code><img src=x onerror=window.__xss='code'>\";\n```";
        var body = new JsonObject
        {
            ["conversations"] = new JsonArray(new JsonObject
            {
                ["id"] = "xss-test", ["title"] = title, ["model"] = UiFixture.Model,
                ["body"] = JsonNode.Parse($$$"""
                    {"system":"","options":{},"format":"","rootSel":0,"roots":["u1"],"nodes":{
                      "u1":{"id":"u1","parent":null,"role":"user","content":{{{JsonSerializer.Serialize(payload)}}},"children":["a1"],"sel":0},
                      "a1":{"id":"a1","parent":"u1","role":"assistant","model":{{{JsonSerializer.Serialize(title)}}},"content":{{{JsonSerializer.Serialize(payload)}}},"children":[],"sel":0,"state":"done"} } }
                    """),
            }),
        };
        using var import = await f.Http.PostAsync("/ui/api/conversations/import", new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"));
        // A plain client without a session is refused: the UI's endpoints need a session even without a key.
        Assert.Equal(System.Net.HttpStatusCode.Unauthorized, import.StatusCode);

        var page = await ReadyAsync(await f.NewPageAsync());
        var imported = await page.EvaluateAsync<int>("""
            async (body) => {
              const s = await (await fetch('/ui/api/session')).json();
              const r = await fetch('/ui/api/conversations/import', { method: 'POST', headers: { 'Content-Type': 'application/json', 'X-Scout-Csrf': s.csrf }, body });
              return (await r.json()).imported;
            }
            """, body.ToJsonString());
        Assert.Equal(1, imported);
        var response = await page.GotoAsync(new Uri(f.Address, "/?open=xss#/chat/xss-test").ToString());
        Assert.Contains("script-src 'self'", response!.Headers["content-security-policy"], StringComparison.Ordinal);
        await Done(page).WaitForAsync();
        await page.Locator($"{Reply} .msg-content pre.code").WaitForAsync();
        await page.Locator("#conv-list li[data-id='xss-test']").WaitForAsync();
        Assert.Null(await page.EvaluateAsync<string?>("() => window.__xss ?? null"));
        Assert.Equal(0, await page.Locator("#messages img, #conv-list img, #messages script").CountAsync());
        Assert.Equal(title, await page.Locator("#conv-list li[data-id='xss-test'] .conv-open").TextContentAsync());
        Assert.Equal("#", await page.Locator($"{Reply} .msg-content a").GetAttributeAsync("href"));
        Assert.Contains("<script>", await page.Locator("article[data-role=user] .msg-content").TextContentAsync(), StringComparison.Ordinal);
        Assert.Equal(1, await page.Locator($"{Reply} pre.code button.copy").CountAsync());
        await page.Locator($"{Reply} a").ClickAsync();
        Assert.Null(await page.EvaluateAsync<string?>("() => window.__xss ?? null"));

        await UiFixture.AssertAccessibleAsync(page);
        await page.Context.CloseAsync();
    }
}
