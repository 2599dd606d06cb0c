using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using ModelScout.Server.Ui;

namespace ModelScout.Ui.Tests;

/// <summary>The shell: the page, its files, headers, navigation and the UI's security rules (open UI, no key).</summary>
public sealed class ShellTests(OpenUiFixture f) : IClassFixture<OpenUiFixture>
{
    [Fact]
    public async Task A_browser_gets_the_page_at_root_with_a_strict_policy_and_api_clients_still_get_ollamas_text()
    {
        using var html = new HttpRequestMessage(HttpMethod.Get, "/");
        html.Headers.Accept.ParseAdd("text/html,application/xhtml+xml");
        using var page = await f.Http.SendAsync(html);
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal("text/html", page.Content.Headers.ContentType!.MediaType);
        var csp = page.Headers.GetValues("Content-Security-Policy").Single();
        Assert.Contains("script-src 'self'", csp, StringComparison.Ordinal);
        Assert.Contains("frame-ancestors 'none'", csp, StringComparison.Ordinal);
        Assert.DoesNotContain("unsafe-inline", csp, StringComparison.Ordinal);
        Assert.Equal("nosniff", page.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.Equal("no-referrer", page.Headers.GetValues("Referrer-Policy").Single());
        var body = await page.Content.ReadAsStringAsync();
        Assert.Contains("/ui/app.js", body, StringComparison.Ordinal);
        Assert.DoesNotContain("<script>", body, StringComparison.Ordinal);
        Assert.DoesNotContain("style=", body, StringComparison.Ordinal);

        Assert.Equal("Ollama is running", await f.Http.GetStringAsync("/"));
    }

    [Fact]
    public async Task Files_are_served_compressed_with_etags_and_a_matching_etag_is_a_304()
    {
        using var handler = new HttpClientHandler { AutomaticDecompression = DecompressionMethods.None };
        using var http = new HttpClient(handler) { BaseAddress = f.Address };
        using var plain = await http.GetAsync("/ui/app.js");
        Assert.Equal("text/javascript", plain.Content.Headers.ContentType!.MediaType);
        var raw = await plain.Content.ReadAsByteArrayAsync();
        var etag = plain.Headers.ETag!;

        using var gz = new HttpRequestMessage(HttpMethod.Get, "/ui/app.js");
        gz.Headers.AcceptEncoding.ParseAdd("gzip");
        using var gzipped = await http.SendAsync(gz);
        Assert.Equal("gzip", gzipped.Content.Headers.ContentEncoding.Single());
        Assert.True((await gzipped.Content.ReadAsByteArrayAsync()).Length < raw.Length / 2);

        using var br = new HttpRequestMessage(HttpMethod.Get, "/ui/style.css");
        br.Headers.AcceptEncoding.ParseAdd("gzip, deflate, br");
        using var brotli = await http.SendAsync(br);
        Assert.Equal("br", brotli.Content.Headers.ContentEncoding.Single());
        Assert.Equal("text/css", brotli.Content.Headers.ContentType!.MediaType);

        using var again = new HttpRequestMessage(HttpMethod.Get, "/ui/app.js");
        again.Headers.IfNoneMatch.Add(etag);
        using var notModified = await http.SendAsync(again);
        Assert.Equal(HttpStatusCode.NotModified, notModified.StatusCode);

        using var missing = await http.GetAsync("/ui/pages/nope.js");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
    }

    [Fact]
    public async Task Ui_endpoints_need_a_session_and_state_changes_need_the_csrf_token_from_the_same_origin()
    {
        using var handler = new HttpClientHandler { UseCookies = true, CookieContainer = new CookieContainer() };
        using var http = new HttpClient(handler) { BaseAddress = f.Address };
        using var noSession = await http.PostAsync("/ui/api/logout", null);
        Assert.Equal(HttpStatusCode.Unauthorized, noSession.StatusCode);

        var session = JsonDocument.Parse(await http.GetStringAsync("/ui/api/session")).RootElement;
        Assert.False(session.GetProperty("auth_required").GetBoolean());
        var csrf = session.GetProperty("csrf").GetString()!;
        var cookie = handler.CookieContainer.GetAllCookies().Single(c => c.Name == UiSessions.Cookie);
        Assert.True(cookie.HttpOnly);

        using var noToken = await http.PostAsync("/ui/api/logout", null);
        Assert.Equal(HttpStatusCode.Forbidden, noToken.StatusCode);

        using var crossSite = new HttpRequestMessage(HttpMethod.Post, "/ui/api/logout");
        crossSite.Headers.Add(UiSessions.CsrfHeader, csrf);
        crossSite.Headers.Add("Origin", "http://evil.example");
        using var refused = await http.SendAsync(crossSite);
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);

        using var ok = new HttpRequestMessage(HttpMethod.Post, "/ui/api/logout");
        ok.Headers.Add(UiSessions.CsrfHeader, csrf);
        using var done = await http.SendAsync(ok);
        Assert.Equal(HttpStatusCode.NoContent, done.StatusCode);
    }

    [BrowserFact]
    public async Task The_page_loads_without_console_errors_and_pages_without_a_module_show_as_coming()
    {
        var page = await f.NewPageAsync("");
        var errors = new List<string>();
        page.Console += (_, m) => { if (m.Type == "error") errors.Add(m.Text + " " + m.Location); };
        await page.GotoAsync(new Uri(f.Address, "/#/chat").ToString());
        await page.Locator("#nav a[data-page=chat][aria-current=page]").WaitForAsync();
        var pages = JsonDocument.Parse(await f.Http.GetStringAsync("/ui/api/session")).RootElement.GetProperty("pages").EnumerateArray().Select(p => p.GetString()).ToHashSet();
        foreach (var name in new[] { "arena", "machine", "catalog", "store", "bench", "eval", "quant", "cost" })
        {
            var selector = pages.Contains(name) ? $"#nav a[data-page={name}]" : $"#nav .coming[data-page={name}]";
            Assert.Equal(1, await page.Locator(selector).CountAsync());
        }
        Assert.Empty(errors);
        await page.Context.CloseAsync();
    }
}

/// <summary>The UI behind an API key: login, refusals, and the cookie standing in for the key.</summary>
public sealed class ApiKeyTests(KeyedUiFixture f) : IClassFixture<KeyedUiFixture>
{
    [Fact]
    public async Task Without_a_session_the_ui_endpoints_and_the_api_refuse_and_a_wrong_key_does_not_log_in()
    {
        using var handler = new HttpClientHandler { UseCookies = true, CookieContainer = new CookieContainer() };
        using var http = new HttpClient(handler) { BaseAddress = f.Address };
        var session = JsonDocument.Parse(await http.GetStringAsync("/ui/api/session")).RootElement;
        Assert.True(session.GetProperty("auth_required").GetBoolean());
        Assert.False(session.GetProperty("logged_in").GetBoolean());
        using var tags = await http.GetAsync("/api/tags");
        Assert.Equal(HttpStatusCode.Unauthorized, tags.StatusCode);
        using var wrong = await http.PostAsync("/ui/api/login", new StringContent("""{"key":"guess"}""", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        Assert.Empty(handler.CookieContainer.GetAllCookies());

        using var right = await http.PostAsync("/ui/api/login", new StringContent($$"""{"key":"{{KeyedUiFixture.Key}}"}""", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.OK, right.StatusCode);
        var csrf = JsonDocument.Parse(await right.Content.ReadAsStringAsync()).RootElement.GetProperty("csrf").GetString();
        // The cookie now stands in for the key on reads; a state change without the CSRF token is refused.
        using var tagsAgain = await http.GetAsync("/api/tags");
        Assert.Equal(HttpStatusCode.OK, tagsAgain.StatusCode);
        using var show = await http.PostAsync("/api/show", new StringContent($$"""{"model":"{{UiFixture.Model}}"}""", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Forbidden, show.StatusCode);
        using var withToken = new HttpRequestMessage(HttpMethod.Post, "/api/show") { Content = new StringContent($$"""{"model":"{{UiFixture.Model}}"}""", Encoding.UTF8, "application/json") };
        withToken.Headers.Add(UiSessions.CsrfHeader, csrf);
        using var shown = await http.SendAsync(withToken);
        Assert.Equal(HttpStatusCode.OK, shown.StatusCode);
        // A Bearer client is unaffected.
        using var bearer = new HttpRequestMessage(HttpMethod.Get, "/api/tags");
        bearer.Headers.Authorization = new AuthenticationHeaderValue("Bearer", KeyedUiFixture.Key);
        using var byKey = await f.Http.SendAsync(bearer);
        Assert.Equal(HttpStatusCode.OK, byKey.StatusCode);
    }

    [BrowserFact]
    public async Task The_browser_is_asked_for_the_key_a_wrong_one_is_refused_and_the_right_one_opens_the_chat()
    {
        var page = await f.NewPageAsync();
        await page.Locator("#login-key").WaitForAsync();
        await UiFixture.ScreenshotAsync(page, "login");
        await page.FillAsync("#login-key", "wrong");
        await page.ClickAsync("form.login button[type=submit]");
        await page.Locator("#login-message.error-text").WaitForAsync();
        Assert.Contains("wrong API key", await page.TextContentAsync("#login-message"), StringComparison.Ordinal);
        await page.FillAsync("#login-key", KeyedUiFixture.Key);
        await page.ClickAsync("form.login button[type=submit]");
        await page.Locator("#nav a[data-page=chat][aria-current=page]").WaitForAsync();
        await page.Context.CloseAsync();
    }
}
