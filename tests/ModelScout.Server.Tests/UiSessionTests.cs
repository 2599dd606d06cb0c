using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using ModelScout.Server.Hosting;
using ModelScout.Server.Tests.Fakes;
using ModelScout.Server.Ui;
using ModelScout.Testing;

namespace ModelScout.Server.Tests;

/// <summary>
/// The web UI's sessions over real HTTP, across server restarts over one UI data folder: kept with the same key, ended by
/// another key, by logging out and by their idle and absolute limits; the database never holds a session token.
/// </summary>
public sealed class UiSessionTests : IDisposable
{
    private readonly string folder = Directory.CreateTempSubdirectory("scout-uisessions-").FullName;
    private readonly FakeTimeProvider clock = new(DateTimeOffset.Parse("2026-12-01T09:00:00Z", System.Globalization.CultureInfo.InvariantCulture));

    private string UiData => Path.Combine(folder, "ui");

    /// <summary>A real server over <see cref="UiData"/> with <paramref name="key"/>, on its own port.</summary>
    private async Task<(ScoutServer Server, HttpClient Http)> StartAsync(string? key)
    {
        var settings = new ServerSettings { Host = "127.0.0.1", Port = 0, ShutdownGrace = TimeSpan.FromSeconds(2), ApiKey = key, UiData = UiData };
        var store = new InMemoryModelStore(("one:latest", RepoPaths.Model("stories260K.gguf")));
        var server = ScoutServer.Create(new ServerServices(new ScriptedEngine(), store, settings, clock), logging => logging.AddProvider(new LogCollector()));
        await server.StartAsync();
        // No cookie container: the test carries the cookie itself, from one server to the next.
        return (server, new HttpClient(new HttpClientHandler { UseCookies = false }) { BaseAddress = server.Address, Timeout = TimeSpan.FromSeconds(30) });
    }

    private static async Task StopAsync((ScoutServer Server, HttpClient Http) s)
    {
        s.Http.Dispose();
        await s.Server.StopAsync();
        await s.Server.DisposeAsync();
    }

    /// <summary>Logs in with <paramref name="key"/>; the session token from Set-Cookie and the CSRF token.</summary>
    private static async Task<(string Token, string Csrf)> LoginAsync(HttpClient http, string key, string? oldToken = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/ui/api/login")
        {
            Content = new StringContent(JsonSerializer.Serialize(new Dictionary<string, string> { ["key"] = key }), Encoding.UTF8, "application/json"),
        };
        if (oldToken is not null) request.Headers.Add("Cookie", $"{UiSessions.Cookie}={oldToken}");
        using var response = await http.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var cookie = response.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith(UiSessions.Cookie + "=", StringComparison.Ordinal));
        Assert.Contains("httponly", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=strict", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("expires=", cookie, StringComparison.OrdinalIgnoreCase);
        var token = cookie[(UiSessions.Cookie.Length + 1)..cookie.IndexOf(';', StringComparison.Ordinal)];
        var csrf = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("csrf").GetString()!;
        return (token, csrf);
    }

    /// <summary>What /ui/api/session says about the session the cookie names: logged in, and its CSRF token.</summary>
    private static async Task<(bool LoggedIn, string? Csrf)> SessionAsync(HttpClient http, string token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/ui/api/session");
        request.Headers.Add("Cookie", $"{UiSessions.Cookie}={token}");
        using var response = await http.SendAsync(request);
        var root = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        return (root.GetProperty("logged_in").GetBoolean(), root.TryGetProperty("csrf", out var c) && c.ValueKind == JsonValueKind.String ? c.GetString() : null);
    }

    /// <summary>A cookie-authenticated API call (the key is not sent): 200 while the session lives, 401 after.</summary>
    private static async Task<HttpStatusCode> TagsAsync(HttpClient http, string token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/tags");
        request.Headers.Add("Cookie", $"{UiSessions.Cookie}={token}");
        using var response = await http.SendAsync(request);
        return response.StatusCode;
    }

    [Fact]
    public async Task A_session_survives_a_restart_with_the_same_key_ends_with_another_key_and_the_db_holds_no_token()
    {
        var first = await StartAsync("key-one");
        var (token, csrf) = await LoginAsync(first.Http, "key-one");
        Assert.Equal(HttpStatusCode.OK, await TagsAsync(first.Http, token));
        await StopAsync(first);

        var second = await StartAsync("key-one");
        Assert.Equal((true, csrf), await SessionAsync(second.Http, token));
        Assert.Equal(HttpStatusCode.OK, await TagsAsync(second.Http, token));
        await StopAsync(second);

        // The database holds the token's SHA-256, never the token, the CSRF token's cookie twin or the key.
        SqliteConnection.ClearAllPools();
        var db = Path.Combine(UiData, UiSessions.FileName);
        var bytes = Encoding.UTF8.GetString(await File.ReadAllBytesAsync(db)) + (File.Exists(db + "-wal") ? Encoding.UTF8.GetString(await File.ReadAllBytesAsync(db + "-wal")) : "");
        Assert.DoesNotContain(token, bytes, StringComparison.Ordinal);
        Assert.DoesNotContain("key-one", bytes, StringComparison.Ordinal);
        Assert.Contains(UiSessions.Hash(token), bytes, StringComparison.Ordinal);

        var rekeyed = await StartAsync("key-two");
        Assert.Equal((false, null), await SessionAsync(rekeyed.Http, token));
        Assert.Equal(HttpStatusCode.Unauthorized, await TagsAsync(rekeyed.Http, token));
        await StopAsync(rekeyed);

        // Refused once, deleted: going back to the first key does not bring it back.
        var back = await StartAsync("key-one");
        Assert.False((await SessionAsync(back.Http, token)).LoggedIn);
        await StopAsync(back);
    }

    [Fact]
    public async Task Logging_in_again_replaces_the_session_and_logging_out_ends_it_for_good_and_clears_the_cookie()
    {
        var s = await StartAsync("key-one");
        var (stale, _) = await LoginAsync(s.Http, "key-one");
        // Logging in again with a cookie replaces that session: the earlier token is worth nothing.
        var (token, csrf) = await LoginAsync(s.Http, "key-one", stale);
        Assert.NotEqual(stale, token);
        Assert.Equal(HttpStatusCode.Unauthorized, await TagsAsync(s.Http, stale));
        Assert.Equal(HttpStatusCode.OK, await TagsAsync(s.Http, token));
        using (var noToken = new HttpRequestMessage(HttpMethod.Post, "/ui/api/logout"))
        {
            noToken.Headers.Add("Cookie", $"{UiSessions.Cookie}={token}");
            using var refused = await s.Http.SendAsync(noToken);
            Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        }
        using (var logout = new HttpRequestMessage(HttpMethod.Post, "/ui/api/logout"))
        {
            logout.Headers.Add("Cookie", $"{UiSessions.Cookie}={token}");
            logout.Headers.Add(UiSessions.CsrfHeader, csrf);
            using var done = await s.Http.SendAsync(logout);
            Assert.Equal(HttpStatusCode.NoContent, done.StatusCode);
            var cleared = done.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith(UiSessions.Cookie + "=", StringComparison.Ordinal));
            Assert.Contains("expires=Thu, 01 Jan 1970", cleared, StringComparison.OrdinalIgnoreCase);
        }
        // A copy of the old cookie is worth nothing, now or after a restart.
        Assert.Equal(HttpStatusCode.Unauthorized, await TagsAsync(s.Http, token));
        await StopAsync(s);
        var again = await StartAsync("key-one");
        Assert.False((await SessionAsync(again.Http, token)).LoggedIn);
        await StopAsync(again);
    }

    [Fact]
    public async Task Sessions_end_after_a_week_unused_and_thirty_days_after_login_however_used()
    {
        var s = await StartAsync("key-one");
        var (idle, _) = await LoginAsync(s.Http, "key-one");
        var (busy, _) = await LoginAsync(s.Http, "key-one");
        // Used every six days: the idle limit moves on; the unused one is gone after seven.
        for (var day = 6; day <= 24; day += 6)
        {
            clock.Advance(TimeSpan.FromDays(6));
            Assert.Equal(HttpStatusCode.OK, await TagsAsync(s.Http, busy));
        }
        Assert.Equal(HttpStatusCode.Unauthorized, await TagsAsync(s.Http, idle));
        clock.Advance(TimeSpan.FromDays(5));
        Assert.Equal(HttpStatusCode.OK, await TagsAsync(s.Http, busy)); // day 29
        clock.Advance(TimeSpan.FromDays(1));
        Assert.Equal(HttpStatusCode.Unauthorized, await TagsAsync(s.Http, busy)); // day 30: the absolute limit
        await StopAsync(s);
    }

    [Fact]
    public async Task An_open_ui_keeps_its_session_across_a_restart_too()
    {
        var s = await StartAsync(null);
        using var request = new HttpRequestMessage(HttpMethod.Get, "/ui/api/session");
        using var response = await s.Http.SendAsync(request);
        var cookie = response.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith(UiSessions.Cookie + "=", StringComparison.Ordinal));
        var token = cookie[(UiSessions.Cookie.Length + 1)..cookie.IndexOf(';', StringComparison.Ordinal)];
        var csrf = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("csrf").GetString();
        await StopAsync(s);
        var again = await StartAsync(null);
        Assert.Equal((true, csrf), await SessionAsync(again.Http, token));
        await StopAsync(again);
        // A key set later ends the sessions the open UI made.
        var keyed = await StartAsync("now-keyed");
        Assert.False((await SessionAsync(keyed.Http, token)).LoggedIn);
        await StopAsync(keyed);
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        try { Directory.Delete(folder, recursive: true); }
        catch (IOException) { /* a file still open; the temp folder is cleaned by the OS */ }
    }

    [Fact]
    public async Task Wrong_keys_at_the_login_are_throttled_per_address_and_the_window_passes()
    {
        var s = await StartAsync("right-key");
        try
        {
            async Task<HttpResponseMessage> TryAsync(string key) => await s.Http.PostAsync("/ui/api/login",
                new StringContent(JsonSerializer.Serialize(new Dictionary<string, string> { ["key"] = key }), Encoding.UTF8, "application/json"));

            for (var i = 0; i < LoginThrottle.MaxFailures; i++)
            {
                using var wrong = await TryAsync("guess-" + i);
                Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
            }
            // Over the limit: even the right key waits, and the answer says how long.
            using (var refused = await TryAsync("right-key"))
            {
                Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
                Assert.InRange(refused.Headers.RetryAfter!.Delta!.Value.TotalSeconds, 1, LoginThrottle.Window.TotalSeconds);
                Assert.Contains("too many wrong keys", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
            }
            clock.Advance(LoginThrottle.Window);
            var (token, _) = await LoginAsync(s.Http, "right-key");
            Assert.False(string.IsNullOrEmpty(token));
            // A right key clears the count: a fresh run of wrong keys starts from zero.
            using var again = await TryAsync("guess-again");
            Assert.Equal(HttpStatusCode.Unauthorized, again.StatusCode);
        }
        finally
        {
            await StopAsync(s);
        }
    }
}
