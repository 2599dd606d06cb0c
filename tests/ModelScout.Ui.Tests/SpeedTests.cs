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
public sealed class SpeedTests(BenchUiFixture f, ITestOutputHelper output) : IClassFixture<BenchUiFixture>
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
        var rows = new List<string>
        {
            "| model | API tok/s | page tok/s | cost | server tok/s (API / page runs) | page main thread CPU ms/token | ms/frame | renderer CPU ms/token | chromium CPU ms/token | frames |",
            "|---|---|---|---|---|---|---|---|---|---|",
        };
        rows.Add(await MeasureAsync(UiFixture.Model, "stories260K (worst case)"));
        if (BenchUiFixture.RealShapePath is not null) rows.Add(await MeasureAsync(BenchUiFixture.RealShapeModel, "llama 125M Q8_0 random (realistic)"));
        else output.WriteLine($"(set {BenchUiFixture.RealShapeVariable} to a GGUF for the realistic-rate row; bench/ui-bench.sh does)");
        foreach (var row in rows) output.WriteLine("table " + row);
    }

    /// <summary>
    /// One row: a warm-up reply, then ROUNDS alternating rounds of the API read as a client and the same request in the
    /// page; medians. The page's own work comes from Chrome's Performance.getMetrics (main thread TaskDuration, its
    /// script/layout/style parts, the renderer's CPU time) taken before sending and after the reply is done (so it
    /// includes the final Markdown render), and the CPU time of every chromium process from /proc.
    /// </summary>
    private async Task<string> MeasureAsync(string model, string label)
    {
        const int tokens = 512;
        var rounds = int.TryParse(Environment.GetEnvironmentVariable("SCOUT_UI_BENCH_ROUNDS"), out var r) && r > 0 ? r : 5;
        var page = await f.NewPageAsync();
        await page.Locator($"#model-select option[value='{model}']").WaitForAsync(new() { State = WaitForSelectorState.Attached });
        var cdp = await page.Context.NewCDPSessionAsync(page);
        await cdp.SendAsync("Performance.enable");
        Assert.Equal("visible", await page.EvaluateAsync<string>("() => document.visibilityState"));
        await ApiRunAsync(model, tokens); // loads the model
        await PageRunAsync(page, cdp, model, tokens);
        var api = new List<double>();
        var apiServer = new List<double>();
        var ui = new List<PageRun>();
        for (var i = 0; i < rounds; i++)
        {
            var a = await ApiRunAsync(model, tokens);
            api.Add(a.ClientTokensPerSecond);
            apiServer.Add(a.ServerTokensPerSecond);
            ui.Add(await PageRunAsync(page, cdp, model, tokens));
        }
        await page.Context.CloseAsync();
        var apiMedian = Median(api);
        var uiMedian = Median(ui.Select(u => u.TokensPerSecond));
        var cost = 1 - uiMedian / apiMedian;
        string F(double x, string format = "F0") => x.ToString(format, System.Globalization.CultureInfo.InvariantCulture);
        output.WriteLine($"{label}: 512-token reply, median of {rounds}: API {F(apiMedian)} tok/s, page {F(uiMedian)} tok/s, cost {cost:P1}");
        output.WriteLine($"{label}: API runs {string.Join(", ", api.Select(x => F(x)))}; page runs {string.Join(", ", ui.Select(u => F(u.TokensPerSecond)))}");
        output.WriteLine($"{label}: page main thread CPU ms/token {string.Join(", ", ui.Select(u => F(u.MainThreadMs / u.Tokens, "F3")))}; "
            + $"its tasks (wall) {F(Median(ui.Select(u => u.TaskMs / u.Tokens)), "F3")}, script {F(Median(ui.Select(u => u.ScriptMs / u.Tokens)), "F3")}, layout {F(Median(ui.Select(u => u.LayoutMs / u.Tokens)), "F3")}, "
            + $"style {F(Median(ui.Select(u => u.StyleMs / u.Tokens)), "F3")} ms/token; layouts {F(Median(ui.Select(u => (double)u.Layouts)))}, "
            + $"style recalcs {F(Median(ui.Select(u => (double)u.StyleRecalcs)))} per reply");
        return $"| {label} | {F(apiMedian)} | {F(uiMedian)} | {cost:P1} | {F(Median(apiServer))} / {F(Median(ui.Select(u => u.ServerTokensPerSecond)))} "
            + $"| {F(Median(ui.Select(u => u.MainThreadMs / u.Tokens)), "F3")} | {F(Median(ui.Select(u => u.MainThreadMs / Math.Max(1, u.Frames))), "F2")} "
            + $"| {F(Median(ui.Select(u => u.RendererCpuMs / u.Tokens)), "F3")} | {F(Median(ui.Select(u => u.ChromiumCpuMs / u.Tokens)), "F3")} "
            + $"| {F(Median(ui.Select(u => (double)u.Frames)))} |";
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
public sealed class BenchUiFixture : UiFixture
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
