using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Microsoft.Playwright;
using Xunit.Abstractions;

namespace ModelScout.Ui.Tests;

/// <summary>
/// The chat page's weight (a test: first load ≤ 300 KB transferred) and, when SCOUT_UI_BENCH=1 (bench/ui-bench.sh), the
/// cost of streaming a 512-token reply in the page against reading the same stream from the API in the same run.
/// </summary>
public sealed class SpeedTests(OpenUiFixture f, ITestOutputHelper output) : IClassFixture<OpenUiFixture>
{
    /// <summary>The issue's budget for the chat page's first load.</summary>
    public const long FirstLoadBudgetBytes = 300 * 1024;

    [BrowserFact]
    public async Task The_chat_pages_first_load_transfers_at_most_300_KB()
    {
        var context = await f.Browser.NewContextAsync();
        var page = await context.NewPageAsync();
        var responses = new List<IResponse>();
        page.Response += (_, r) => responses.Add(r);
        await page.GotoAsync(new Uri(f.Address, "/#/chat").ToString(), new() { WaitUntil = WaitUntilState.NetworkIdle });
        await page.Locator("#model-select option").First.WaitForAsync(new() { State = WaitForSelectorState.Attached });
        long total = 0;
        foreach (var r in responses)
        {
            var sizes = await r.Request.SizesAsync();
            total += sizes.ResponseBodySize + sizes.ResponseHeadersSize + sizes.RequestBodySize + sizes.RequestHeadersSize;
        }
        output.WriteLine($"first load of #/chat: {responses.Count} requests, {total} bytes transferred");
        Assert.True(total > 0);
        Assert.True(total <= FirstLoadBudgetBytes, $"the chat page's first load transferred {total} bytes, over the {FirstLoadBudgetBytes} budget");
        await context.CloseAsync();
    }

    [BenchFact]
    public async Task Streaming_512_tokens_in_the_page_costs_little_against_the_api()
    {
        const int tokens = 512;
        const int rounds = 5;
        var page = await f.NewPageAsync();
        await page.Locator("#model-select option").First.WaitForAsync(new() { State = WaitForSelectorState.Attached });
        var api = new List<double>();
        var ui = new List<double>();
        for (var i = 0; i < rounds; i++)
        {
            api.Add(await ApiTokensPerSecondAsync(tokens));
            await page.ClickAsync("#new-chat");
            // A new chat starts from empty sampler fields.
            await page.FillAsync("#opt-temperature", "0");
            await page.FillAsync("#opt-num_predict", tokens.ToString(System.Globalization.CultureInfo.InvariantCulture));
            await page.FillAsync("#prompt", "Once upon a time");
            await page.PressAsync("#prompt", "Enter");
            var done = page.Locator("article[data-role=assistant][data-state=done]");
            await done.WaitForAsync(new() { Timeout = 120_000 });
            var ms = double.Parse((await done.GetAttributeAsync("data-client-gen-ms"))!, System.Globalization.CultureInfo.InvariantCulture);
            var n = int.Parse((await done.GetAttributeAsync("data-eval-count"))!, System.Globalization.CultureInfo.InvariantCulture);
            ui.Add((n - 1) / (ms / 1000));
        }
        var apiMedian = Median(api);
        var uiMedian = Median(ui);
        var cost = 1 - uiMedian / apiMedian;
        output.WriteLine($"512-token reply, median of {rounds}: API {apiMedian:F0} tok/s, page {uiMedian:F0} tok/s, cost {cost:P1}");
        output.WriteLine($"API runs: {string.Join(", ", api.Select(a => a.ToString("F0", System.Globalization.CultureInfo.InvariantCulture)))}; page runs: {string.Join(", ", ui.Select(a => a.ToString("F0", System.Globalization.CultureInfo.InvariantCulture)))}");
        await page.Context.CloseAsync();
    }

    private static double Median(List<double> xs) => xs.Order().ElementAt(xs.Count / 2);

    /// <summary>Tokens/s from the first content line to the final one, reading /api/chat's stream as a client.</summary>
    private async Task<double> ApiTokensPerSecondAsync(int tokens)
    {
        var body = $$"""{"model":"{{UiFixture.Model}}","stream":true,"options":{"temperature":0,"num_predict":{{tokens}}},"messages":[{"role":"user","content":"Once upon a time"}]}""";
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/chat") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        using var response = await f.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        long first = 0;
        var n = 0;
        while (await reader.ReadLineAsync() is { } line)
        {
            var e = JsonDocument.Parse(line).RootElement;
            if (e.GetProperty("done").GetBoolean())
            {
                n = e.GetProperty("eval_count").GetInt32();
                break;
            }
            if (first == 0) first = Stopwatch.GetTimestamp();
        }
        return (n - 1) / Stopwatch.GetElapsedTime(first).TotalSeconds;
    }
}

/// <summary>A benchmark: runs only with SCOUT_UI_BENCH=1 (bench/ui-bench.sh) and with the browser; a named skip otherwise.</summary>
public sealed class BenchFactAttribute : FactAttribute
{
    public BenchFactAttribute()
    {
        if (!Chromium.Installed) Skip = $"no browser at {Chromium.Path}: install it with `apt-get install chromium`";
        else if (Environment.GetEnvironmentVariable("SCOUT_UI_BENCH") != "1") Skip = "a benchmark, not a test: run bench/ui-bench.sh (SCOUT_UI_BENCH=1)";
    }
}
