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
public sealed class SpeedTests(SpeedUiFixture f, ITestOutputHelper output) : IClassFixture<SpeedUiFixture>
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

    /// <summary>
    /// While a reply streams the page stays light: it writes the reply at most once per 50 ms (chat.js's WRITE_GAP_MS),
    /// never once per token, and the writes cause no style recalculation of their own (the stats line keeps one text
    /// node). The old page wrote every animation frame and replaced the stats line's text node each time.
    /// </summary>
    [BrowserFact]
    public async Task A_streaming_reply_is_written_in_batches_without_style_recalculation()
    {
        const int tokens = 256;
        var page = await f.NewPageAsync();
        await page.Locator("#model-select option").First.WaitForAsync(new() { State = WaitForSelectorState.Attached });
        var cdp = await page.Context.NewCDPSessionAsync(page);
        await cdp.SendAsync("Performance.enable");
        await page.FillAsync("#opt-temperature", "0");
        await page.FillAsync("#opt-num_predict", tokens.ToString(System.Globalization.CultureInfo.InvariantCulture));
        await page.FillAsync("#prompt", "Once upon a time");
        var before = await MetricsAsync(cdp);
        var clock = Stopwatch.StartNew();
        await page.PressAsync("#prompt", "Enter");
        var done = page.Locator("article[data-role=assistant][data-state=done]");
        await done.WaitForAsync(new() { Timeout = 60_000 });
        var wallMs = clock.Elapsed.TotalMilliseconds;
        var after = await MetricsAsync(cdp);
        var frames = (int)Attr(await done.GetAttributeAsync("data-frames"));
        var n = (int)Attr(await done.GetAttributeAsync("data-eval-count"));
        var recalcs = after["RecalcStyleCount"] - before["RecalcStyleCount"];
        output.WriteLine($"{n} tokens in {wallMs:F0} ms: {frames} writes, {recalcs} style recalculations");
        Assert.True(n > 50, $"the reply had only {n} tokens: too short to show batching");
        Assert.InRange(frames, 1, (int)(wallMs / 50) + 2);
        Assert.True(frames < n, $"{frames} writes for {n} tokens: the page wrote once per token");
        // Sending and the final render restyle the page a few times; per-write recalculation would add one per write.
        Assert.True(recalcs <= 15, $"{recalcs} style recalculations for {frames} writes: the streaming writes restyle the page");
        Assert.False(string.IsNullOrWhiteSpace(await done.Locator(".msg-content").TextContentAsync()));
        await page.Context.CloseAsync();
    }

    [BenchFact]
    public async Task Streaming_512_tokens_in_the_page_costs_little_against_the_api()
    {
        var rows = new List<string>
        {
            "| model | page | API tok/s | page tok/s | cost | server tok/s (API / page runs) | page main thread CPU ms/token | ms/frame | renderer CPU ms/token | all chromium CPU ms/token | frames written |",
            "|---|---|---|---|---|---|---|---|---|---|---|",
        };
        rows.AddRange(await MeasureAsync(UiFixture.Model, "stories260K (worst case)"));
        if (SpeedUiFixture.RealShapePath is not null) rows.AddRange(await MeasureAsync(SpeedUiFixture.RealShapeModel, "Llama-shape 125M Q8_0, random weights (realistic)"));
        else output.WriteLine($"(set {SpeedUiFixture.RealShapeVariable} to a GGUF for the realistic-rate row; bench/ui-bench.sh does)");
        foreach (var row in rows) output.WriteLine("table " + row);
    }

    /// <summary>chat.js's least time between two writes of a streaming reply, as shipped.</summary>
    private const string WriteGap = "const WRITE_GAP_MS = 50;";

    /// <summary>
    /// One model: a warm-up reply, then ROUNDS rounds of the API read as a client, the page as shipped, and the page with
    /// chat.js's write gap set to 0 (a DOM write every animation frame, as before batching; the module is rewritten on
    /// its way to the browser); medians. The page's own work comes from Chrome's Performance.getMetrics (main thread
    /// CPU time, its script/layout/style parts, the renderer process's CPU time), taken before sending and after the
    /// reply is done (so it includes the final Markdown render), and the CPU time of this test's chromium processes.
    /// </summary>
    private async Task<List<string>> MeasureAsync(string model, string label)
    {
        const int tokens = 512;
        var rounds = int.TryParse(Environment.GetEnvironmentVariable("SCOUT_UI_BENCH_ROUNDS"), out var r) && r > 0 ? r : 5;
        var shipped = await OpenAsync(model, null);
        var everyFrame = await OpenAsync(model, WriteGap.Replace("50", "0", StringComparison.Ordinal));
        await ApiRunAsync(model, tokens); // loads the model
        await PageRunAsync(shipped.Page, shipped.Cdp, model, tokens);
        await PageRunAsync(everyFrame.Page, everyFrame.Cdp, model, tokens);
        var api = new List<double>();
        var apiServer = new List<double>();
        var ui = new List<PageRun>();
        var uiEveryFrame = new List<PageRun>();
        for (var i = 0; i < rounds; i++)
        {
            var a = await ApiRunAsync(model, tokens);
            api.Add(a.ClientTokensPerSecond);
            apiServer.Add(a.ServerTokensPerSecond);
            ui.Add(await PageRunAsync(shipped.Page, shipped.Cdp, model, tokens));
            uiEveryFrame.Add(await PageRunAsync(everyFrame.Page, everyFrame.Cdp, model, tokens));
        }
        await shipped.Page.Context.CloseAsync();
        await everyFrame.Page.Context.CloseAsync();
        var apiMedian = Median(api);
        output.WriteLine($"{label}: API runs {string.Join(", ", api.Select(x => F(x)))} tok/s");
        return [Row("batched (50 ms)", ui), Row("every frame", uiEveryFrame)];

        string Row(string variant, List<PageRun> runs)
        {
            var uiMedian = Median(runs.Select(u => u.TokensPerSecond));
            var cost = 1 - uiMedian / apiMedian;
            output.WriteLine($"{label}, page {variant}: 512-token reply, median of {rounds}: API {F(apiMedian)} tok/s, page {F(uiMedian)} tok/s, cost {cost:P1}");
            output.WriteLine($"{label}, page {variant}: page runs {string.Join(", ", runs.Select(u => F(u.TokensPerSecond)))} tok/s; main thread CPU ms/token "
                + $"{string.Join(", ", runs.Select(u => F(u.MainThreadMs / u.Tokens, "F3")))}; its tasks (wall) {F(Median(runs.Select(u => u.TaskMs / u.Tokens)), "F3")}, "
                + $"script {F(Median(runs.Select(u => u.ScriptMs / u.Tokens)), "F3")}, layout {F(Median(runs.Select(u => u.LayoutMs / u.Tokens)), "F3")}, "
                + $"style {F(Median(runs.Select(u => u.StyleMs / u.Tokens)), "F3")} ms/token; layouts {F(Median(runs.Select(u => (double)u.Layouts)))}, "
                + $"style recalcs {F(Median(runs.Select(u => (double)u.StyleRecalcs)))} per reply");
            return $"| {label} | {variant} | {F(apiMedian)} | {F(uiMedian)} | {cost:P1} | {F(Median(apiServer))} / {F(Median(runs.Select(u => u.ServerTokensPerSecond)))} "
                + $"| {F(Median(runs.Select(u => u.MainThreadMs / u.Tokens)), "F3")} | {F(Median(runs.Select(u => u.MainThreadMs / Math.Max(1, u.Frames))), "F2")} "
                + $"| {F(Median(runs.Select(u => u.RendererCpuMs / u.Tokens)), "F3")} | {F(Median(runs.Select(u => u.ChromiumCpuMs / u.Tokens)), "F3")} "
                + $"| {F(Median(runs.Select(u => (double)u.Frames)))} |";
        }
    }

    private static string F(double x, string format = "F0") => x.ToString(format, System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>A page on the chat with <paramref name="model"/> in its picker; <paramref name="writeGap"/>, when set, replaces chat.js's write gap line.</summary>
    private async Task<(IPage Page, ICDPSession Cdp)> OpenAsync(string model, string? writeGap)
    {
        var page = await f.NewPageAsync("");
        var rewritten = writeGap is null;
        if (writeGap is not null)
        {
            await page.Context.RouteAsync("**/pages/chat.js", async route =>
            {
                var response = await route.FetchAsync();
                var script = await response.TextAsync();
                rewritten = script.Contains(WriteGap, StringComparison.Ordinal);
                await route.FulfillAsync(new() { Status = 200, ContentType = "text/javascript", Body = script.Replace(WriteGap, writeGap, StringComparison.Ordinal) });
            });
        }
        await page.GotoAsync(new Uri(f.Address, "/#/chat").ToString());
        await page.Locator($"#model-select option[value='{model}']").WaitForAsync(new() { State = WaitForSelectorState.Attached });
        Assert.True(rewritten, $"chat.js no longer has the line `{WriteGap}` this benchmark rewrites: update SpeedTests.WriteGap");
        var cdp = await page.Context.NewCDPSessionAsync(page);
        await cdp.SendAsync("Performance.enable");
        Assert.Equal("visible", await page.EvaluateAsync<string>("() => document.visibilityState"));
        return (page, cdp);
    }

    private sealed record PageRun(double TokensPerSecond, double ServerTokensPerSecond, int Tokens, double MainThreadMs, double TaskMs, double ScriptMs,
        double LayoutMs, double StyleMs, double RendererCpuMs, double ChromiumCpuMs, long Layouts, long StyleRecalcs, int Frames);

    private static async Task<PageRun> PageRunAsync(IPage page, ICDPSession cdp, string model, int tokens)
    {
        await page.ClickAsync("#new-chat");
        await page.SelectOptionAsync("#model-select", model);
        // A new chat starts from empty sampler fields.
        await page.FillAsync("#opt-temperature", "0");
        await page.FillAsync("#opt-num_predict", tokens.ToString(System.Globalization.CultureInfo.InvariantCulture));
        await page.FillAsync("#prompt", "Once upon a time");
        var before = await MetricsAsync(cdp);
        var chromiumBefore = ChromiumCpuMs();
        await page.PressAsync("#prompt", "Enter");
        var done = page.Locator("article[data-role=assistant][data-state=done]");
        await done.WaitForAsync(new() { Timeout = 300_000 });
        var after = await MetricsAsync(cdp);
        var chromiumAfter = ChromiumCpuMs();
        var ms = Attr(await done.GetAttributeAsync("data-client-gen-ms"));
        var n = (int)Attr(await done.GetAttributeAsync("data-eval-count"));
        var evalMs = Attr(await done.GetAttributeAsync("data-eval-ms"));
        // The animation frames in which the page wrote the streaming reply: more than zero shows the page was visible and
        // rendering (headless chromium runs requestAnimationFrame at the display rate; a hidden page gets none).
        var frames = (int)Attr(await done.GetAttributeAsync("data-frames"));
        Assert.True(frames > 0, "the page wrote no animation frame while the reply streamed: it was not rendering");
        double D(string name) => (after[name] - before[name]) * 1000;
        return new PageRun((n - 1) / (ms / 1000), n / (evalMs / 1000), n, D("ThreadTime"), D("TaskDuration"), D("ScriptDuration"), D("LayoutDuration"),
            D("RecalcStyleDuration"), D("ProcessTime"), chromiumAfter - chromiumBefore,
            (long)(after["LayoutCount"] - before["LayoutCount"]), (long)(after["RecalcStyleCount"] - before["RecalcStyleCount"]), frames);
    }

    private static double Attr(string? value) => double.Parse(value!, System.Globalization.CultureInfo.InvariantCulture);

    private static async Task<Dictionary<string, double>> MetricsAsync(ICDPSession cdp)
    {
        var result = await cdp.SendAsync("Performance.getMetrics");
        var metrics = new Dictionary<string, double>();
        foreach (var m in result!.Value.GetProperty("metrics").EnumerateArray()) metrics[m.GetProperty("name").GetString()!] = m.GetProperty("value").GetDouble();
        return metrics;
    }

    /// <summary>
    /// CPU time (user + system, ms) of this test's chromium processes (the browser, renderer, GPU and utility processes,
    /// all descendants of this process through Playwright's driver; other tests' browsers on the machine are left out).
    /// </summary>
    private static double ChromiumCpuMs()
    {
        double total = 0;
        foreach (var p in Process.GetProcessesByName("chromium"))
        {
            using (p)
            {
                try { if (DescendsFromUs(p.Id)) total += p.TotalProcessorTime.TotalMilliseconds; }
                catch (InvalidOperationException) { /* it exited */ }
                catch (IOException) { /* it exited */ }
            }
        }
        return total;
    }

    private static bool DescendsFromUs(int pid)
    {
        for (var depth = 0; depth < 16 && pid > 1; depth++)
        {
            if (pid == Environment.ProcessId) return true;
            // /proc/PID/stat: "pid (comm) state ppid ..."; comm may hold spaces, so read after the last ')'.
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            pid = int.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);
        }
        return false;
    }

    private static double Median(IEnumerable<double> xs)
    {
        var sorted = xs.Order().ToList();
        return sorted[sorted.Count / 2];
    }

    private sealed record ApiRun(double ClientTokensPerSecond, double ServerTokensPerSecond);

    /// <summary>Tokens/s from the first content line to the final one, reading /api/chat's stream as a client, and the server's own eval rate.</summary>
    private async Task<ApiRun> ApiRunAsync(string model, int tokens)
    {
        var body = $$"""{"model":"{{model}}","stream":true,"options":{"temperature":0,"num_predict":{{tokens}}},"messages":[{"role":"user","content":"Once upon a time"}]}""";
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/chat") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        using var response = await f.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        long first = 0;
        var n = 0;
        double evalSeconds = 0;
        while (await reader.ReadLineAsync() is { } line)
        {
            var e = JsonDocument.Parse(line).RootElement;
            if (e.GetProperty("done").GetBoolean())
            {
                n = e.GetProperty("eval_count").GetInt32();
                evalSeconds = e.GetProperty("eval_duration").GetInt64() / 1e9;
                break;
            }
            if (first == 0) first = Stopwatch.GetTimestamp();
        }
        return new ApiRun((n - 1) / Stopwatch.GetElapsedTime(first).TotalSeconds, n / evalSeconds);
    }
}

/// <summary>
/// The open UI with, when <see cref="RealShapeVariable"/> names a GGUF (bench/ui-bench.sh writes a random-weight
/// Llama-shape one), that model imported as <see cref="RealShapeModel"/> for the benchmark's realistic-rate row.
/// </summary>
public sealed class SpeedUiFixture : UiFixture
{
    public const string RealShapeVariable = "SCOUT_UI_BENCH_MODEL";
    public const string RealShapeModel = "realshape:latest";

    public static string? RealShapePath => Environment.GetEnvironmentVariable(RealShapeVariable) is { Length: > 0 } p ? p : null;

    protected override async Task PrepareAsync()
    {
        if (RealShapePath is { } path) await Store.ImportAsync(path, RealShapeModel);
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
