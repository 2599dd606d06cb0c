using Deque.AxeCore.Playwright;
using Microsoft.Playwright;
using ModelScout.Engine;
using ModelScout.Server;
using ModelScout.Server.Hosting;
using ModelScout.Store;
using ModelScout.Testing;

namespace ModelScout.Ui.Tests;

/// <summary>
/// One real <c>scout serve</c> (Kestrel on 127.0.0.1:0, llama.cpp through the engine, a real store holding stories260K as
/// <see cref="Model"/>) and one headless Debian chromium, shared by the tests of a class. The UI keeps its data in a
/// temporary home folder, which outlives <see cref="RestartAsync"/>.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "xunit disposes fixtures through IAsyncLifetime.DisposeAsync")]
public abstract class UiFixture : IAsyncLifetime
{
    /// <summary>The model every test chats with.</summary>
    public const string Model = "stories:latest";

    private readonly string home = Path.Combine(Path.GetTempPath(), "scout-ui-" + Guid.NewGuid().ToString("N")[..8]);
    private IPlaywright? playwright;
    private ModelHost? engine;

    /// <summary>The API key the server requires, or null for an open (loopback) UI.</summary>
    protected virtual string? ApiKey => null;

    public ScoutServer Server { get; private set; } = null!;
    public ModelStore Store { get; private set; } = null!;
    public IBrowser Browser { get; private set; } = null!;
    public HttpClient Http { get; private set; } = null!;
    public Uri Address => Server.Address;

    /// <summary>The dashboard pages' data (the CLI's documents); null leaves those endpoints off.</summary>
    protected virtual ModelScout.Server.Ui.Dashboard.IDashboardSource? Dashboard => null;

    /// <summary>The Bench page's runs and reports (scout bench from the CLI); null leaves those endpoints off.</summary>
    protected virtual ModelScout.Server.Ui.Bench.IBenchSource? Bench => null;

    /// <summary>Changes a subclass makes to the server's settings (a registry, say).</summary>
    protected virtual ServerSettings Configure(ServerSettings settings) => settings;

    /// <summary>Runs before the first server starts, and its counterpart after the last stops.</summary>
    protected virtual Task PrepareAsync() => Task.CompletedTask;

    protected virtual Task CleanUpAsync() => Task.CompletedTask;

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(home);
        Store = new ModelStore(Path.Combine(home, "models"));
        await Store.ImportAsync(RepoPaths.Model("stories260K.gguf"), Model);
        await PrepareAsync();
        await StartServerAsync();
        if (!Chromium.Installed) return; // the tests are named skips (BrowserFact)
        playwright = await Playwright.CreateAsync();
        Browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Chromium.Path,
            Headless = true,
            Args = Chromium.Args,
        });
    }

    private async Task StartServerAsync()
    {
        engine = new ModelHost(Store, new EngineSettings { Threads = 1, Parallel = 2, MaxQueue = 8, KeepAlive = TimeSpan.FromMinutes(10) });
        var settings = new ServerSettings { Host = "127.0.0.1", Port = 0, ShutdownGrace = TimeSpan.FromSeconds(2), ApiKey = ApiKey, UiData = Path.Combine(home, "ui") };
        Server = ScoutServer.Create(new ServerServices(engine, Store, Configure(settings)) { Dashboard = Dashboard, Bench = Bench });
        await Server.StartAsync();
        Http?.Dispose();
        Http = new HttpClient { BaseAddress = Server.Address, Timeout = TimeSpan.FromSeconds(60) };
    }

    /// <summary>Stops the server and starts a new one over the same home folder (on a new port).</summary>
    public async Task RestartAsync()
    {
        await StopServerAsync();
        await StartServerAsync();
    }

    private async Task StopServerAsync()
    {
        await Server.StopAsync();
        await Server.DisposeAsync();
        if (engine is not null) await engine.DisposeAsync();
    }

    /// <summary>A fresh browser context and page on the server, with the browser's console errors collected.</summary>
    public async Task<IPage> NewPageAsync(string hash = "#/chat")
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 1280, Height = 860 } });
        var page = await context.NewPageAsync();
        page.SetDefaultTimeout(20_000);
        if (hash.Length > 0) await page.GotoAsync(new Uri(Address, "/" + hash).ToString());
        return page;
    }

    /// <summary>Saves a screenshot of <paramref name="page"/> as docs/ui/NAME.png in the repository.</summary>
    public static async Task ScreenshotAsync(IPage page, string name)
    {
        var folder = Path.Combine(RepoPaths.Root, "docs", "ui");
        Directory.CreateDirectory(folder);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(folder, name + ".png"), FullPage = false });
    }

    /// <summary>axe-core finds no serious or critical violation on <paramref name="page"/> as it stands.</summary>
    public static async Task AssertAccessibleAsync(IPage page)
    {
        var result = await page.RunAxe();
        var bad = result.Violations.Where(v => v.Impact is "serious" or "critical").Select(v => $"{v.Id} ({v.Impact}): {v.Help} at {string.Join(", ", v.Nodes.Select(n => n.Html))}").ToList();
        Assert.True(bad.Count == 0, string.Join("\n", bad));
    }

    public async Task DisposeAsync()
    {
        if (Browser is not null) await Browser.CloseAsync();
        playwright?.Dispose();
        Http?.Dispose();
        if (Server is not null) await StopServerAsync();
        await CleanUpAsync();
        try { Directory.Delete(home, recursive: true); }
        catch (IOException) { /* a file still open; the temp folder is cleaned by the OS */ }
    }
}

/// <summary>An open UI (no API key): the chat tests.</summary>
public sealed class OpenUiFixture : UiFixture;

/// <summary>A UI behind an API key.</summary>
public sealed class KeyedUiFixture : UiFixture
{
    public const string Key = "s3cret-ui-key";

    protected override string? ApiKey => Key;
}

/// <summary>Debian's chromium, the browser the tests drive (Playwright's own download cannot run here).</summary>
public static class Chromium
{
    /// <summary>Where Debian installs it; SCOUT_TEST_CHROMIUM names another.</summary>
    public static string Path => Environment.GetEnvironmentVariable("SCOUT_TEST_CHROMIUM") is { Length: > 0 } p ? p : "/usr/lib/chromium/chromium";

    public static bool Installed => File.Exists(Path);

    /// <summary>As root, chromium refuses to start without --no-sandbox.</summary>
    public static string[] Args => Environment.UserName == "root" ? ["--no-sandbox"] : [];
}

/// <summary>A test that needs the browser: a named skip saying how to install it when it is missing, never a silent pass.</summary>
public sealed class BrowserFactAttribute : FactAttribute
{
    public BrowserFactAttribute()
    {
        if (!Chromium.Installed) Skip = $"no browser at {Chromium.Path}: install it with `apt-get install chromium` (as root), or set SCOUT_TEST_CHROMIUM";
    }
}
