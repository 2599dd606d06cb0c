using System.Text.Json.Nodes;
using ModelScout.Cli;
using ModelScout.Server.Ui.Bench;

namespace ModelScout.Ui.Tests;

/// <summary>The UI with the CLI's bench (scout bench in-process) and a home folder of its own for the reports.</summary>
public sealed class BenchUiFixture : CliUiFixture
{
    private CliBenchSource? source;

    protected override IBenchSource? Bench => source ??= new CliBenchSource(Machines, Settings);
}

public sealed class BenchPageTests(BenchUiFixture ui) : IClassFixture<BenchUiFixture>
{
    private const string Xss = "<img src=x onerror=\"window.__xss=1\">";

    [BrowserFact]
    public async Task A_bench_runs_from_the_page_with_live_charts_and_its_report_opens_with_tables_and_charts()
    {
        var page = await ui.NewPageAsync("#/bench");
        await page.Locator("#bench-form").WaitForAsync();
        Assert.Equal(ui.Address.ToString().TrimEnd('/'), await page.InputValueAsync("#bench-url-1"));
        Assert.Equal(UiFixture.Model, await page.InputValueAsync("#bench-model-1"));
        await page.FillAsync("#bench-levels", "1,2");
        await page.FillAsync("#bench-requests", "3");
        await page.FillAsync("#bench-input", "16");
        await page.FillAsync("#bench-output", "16");
        await page.FillAsync("#bench-warmup", "0");
        Assert.Contains("6 measured requests", await page.TextContentAsync("#bench-total"), StringComparison.Ordinal);
        // Enter in a field does not start a run.
        await page.PressAsync("#bench-requests", "Enter");
        await Task.Delay(300);
        Assert.True(await page.Locator("#bench-live").IsHiddenAsync());

        await page.ClickAsync("#bench-start");
        await page.WaitForFunctionAsync("() => Number(document.querySelectorAll('#bench-live svg.chart')[1].getAttribute('data-points')) > 0");
        await page.Locator("#bench-status", new() { HasTextString = "Done" }).WaitForAsync(new() { Timeout = 60_000 });
        // Every request is a point on the TTFT chart, and each level's progress bar is full.
        Assert.Equal("6", await page.Locator("#bench-live svg.chart").Nth(1).GetAttributeAsync("data-points"));
        Assert.True(Number(await page.Locator("#bench-live svg.chart").Nth(0).GetAttributeAsync("data-points")) >= 6);
        var bars = page.Locator("#bench-progress progress");
        Assert.Equal(2, await bars.CountAsync());
        for (var i = 0; i < 2; i++) Assert.Equal(await bars.Nth(i).GetAttributeAsync("max"), await bars.Nth(i).GetAttributeAsync("value"));

        // The report was saved, listed, and opened: its tables per level and the CLI's charts as images.
        await page.Locator("#bench-report").WaitForAsync();
        Assert.Equal(1, await page.Locator("#bench-report-list tbody tr").CountAsync());
        Assert.Equal(2, await page.Locator("#bench-report table.bench-level").CountAsync());
        Assert.Contains("Output tok/s", await page.TextContentAsync("#bench-report"), StringComparison.Ordinal);
        await page.WaitForFunctionAsync("() => [...document.querySelectorAll('#bench-report img')].every(i => i.complete && i.naturalWidth > 0)");
        Assert.Equal(3, await page.Locator("#bench-report img").CountAsync());
        await UiFixture.AssertAccessibleAsync(page);
        await page.Locator("#bench-live").ScrollIntoViewIfNeededAsync();
        await UiFixture.ScreenshotAsync(page, "bench");

        // A report whose names and failures carry markup: shown as text, nothing runs.
        var folder = ui.Settings.BenchReports;
        var saved = JsonNode.Parse(await File.ReadAllTextAsync(Directory.EnumerateFiles(folder, "*.json").Single()))!;
        var label = (string)saved["targets"]![0]!["label"]!;
        saved["targets"]![0]!["label"] = Xss;
        saved["targets"]![0]!["model"] = "model " + Xss;
        foreach (var p in saved["points"]!.AsArray())
        {
            p!["target"] = Xss;
            p["summary"]!["failed"] = 1;
            p["summary"]!["failuresByReason"] = new JsonObject { [Xss] = 1 };
        }
        saved["settings"]![$"prompts[{label}]"] = Xss;
        await File.WriteAllTextAsync(Path.Combine(folder, "xss.json"), saved.ToJsonString());
        await File.WriteAllTextAsync(Path.Combine(folder, "broken.json"), "{ \"schema\": ");
        await page.GotoAsync(new Uri(ui.Address, "/#/bench/xss").ToString());
        await page.Locator("#bench-report").WaitForAsync();
        await page.ReloadAsync();
        await page.Locator("#bench-report table.bench-level").First.WaitForAsync();
        Assert.Contains("model " + Xss, await page.TextContentAsync("#bench-report-list"), StringComparison.Ordinal);
        Assert.Contains(Xss + ": 1", await page.TextContentAsync("#bench-report"), StringComparison.Ordinal);
        Assert.Contains("unreadable: not JSON", await page.TextContentAsync("#bench-report-list"), StringComparison.Ordinal);
        Assert.Null(await page.EvaluateAsync<int?>("() => window.__xss ?? null"));
        Assert.Equal(0, await page.Locator("img[src=x], main script").CountAsync());

        // An open-loop level bounded by a duration (scout bench --rate 4 --duration 1s): no total to count to, so the bar
        // runs without a value and fills when the run ends.
        await page.SelectOptionAsync("#bench-mode", "rate");
        await page.FillAsync("#bench-levels", "4");
        await page.FillAsync("#bench-duration", "1s");
        await page.FillAsync("#bench-input", "8");
        await page.FillAsync("#bench-output", "8");
        await page.FillAsync("#bench-warmup", "0");
        Assert.True(await page.Locator("#bench-requests").IsDisabledAsync());
        Assert.Contains("× 1s ×", await page.TextContentAsync("#bench-total"), StringComparison.Ordinal);
        await page.ClickAsync("#bench-start");
        await page.Locator("#bench-status", new() { HasTextString = "Done" }).WaitForAsync(new() { Timeout = 60_000 });
        Assert.Equal("rate=4/s", await page.Locator("#bench-progress tbody th").First.TextContentAsync());
        Assert.Equal("1", await page.Locator("#bench-progress progress").First.GetAttributeAsync("value"));
        Assert.True(Number(await page.Locator("#bench-live svg.chart").Nth(1).GetAttributeAsync("data-points")) >= 1);
        await page.Context.CloseAsync();
    }

    private static double Number(string? text) => double.Parse(text ?? "0", System.Globalization.CultureInfo.InvariantCulture);
}
