using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using ModelScout.Server.Hosting;
using ModelScout.Server.Streaming;
using ModelScout.Server.Translation;
using ModelScout.Server.Ui.Chat;

namespace ModelScout.Server.Ui;

/// <summary>
/// The web UI: the page at <c>/</c> for browsers (clients asking for anything but HTML still get "Ollama is running"),
/// its files under <c>/ui/</c>, and its JSON endpoints under <c>/ui/api/</c>. Every UI response carries a strict
/// Content-Security-Policy; with an API key the endpoints need a session from the login form; without one the UI
/// answers only clients on this machine.
/// </summary>
public static class UiEndpoints
{
    /// <summary>The policy every UI response carries: only this server's scripts and styles, nothing inline, no framing.</summary>
    public const string ContentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; " +
        "base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

    /// <summary>True for paths the UI owns: the page at <c>/</c> (HTML requests only) and everything under <c>/ui</c>.</summary>
    public static bool IsUiRequest(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return request.Path.StartsWithSegments("/ui", StringComparison.Ordinal) || (request.Path == "/" && WantsHtml(request));
    }

    private static bool WantsHtml(HttpRequest request) =>
        (HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method)) && request.Headers.Accept.ToString().Contains("text/html", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// Runs before authentication: security headers on UI responses, the page for a browser at <c>/</c>, and the loopback
    /// rule when no key is set.
    /// </summary>
    public static Task GuardAsync(HttpContext context, RequestDelegate next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        var settings = ServerServices.Of(context).Settings;
        if (!settings.Ui || !IsUiRequest(context.Request)) return next(context);
        context.Response.OnStarting(static state =>
        {
            var headers = ((HttpResponse)state).Headers;
            headers.ContentSecurityPolicy = ContentSecurityPolicy;
            headers.XContentTypeOptions = "nosniff";
            headers["Referrer-Policy"] = "no-referrer";
            headers.XFrameOptions = "DENY";
            headers["Cross-Origin-Opener-Policy"] = "same-origin";
            return Task.CompletedTask;
        }, context.Response);
        if (string.IsNullOrEmpty(settings.ApiKey) && !UiSessions.IsLoopback(context))
        {
            return WireWriter.ErrorAsync(context, new ApiProblem(403,
                "the web UI answers only this machine while scout serve has no API key: start it with --api-key KEY (or SCOUT_API_KEY) to use the UI from elsewhere",
                "permission_error", null, "ui_loopback_only"));
        }
        if (context.Request.Path == "/") return ServeAsync(context, "index.html");
        return next(context);
    }

    /// <summary>Maps the UI's files and its session endpoints (pages add their own under /ui/api).</summary>
    public static IEndpointRouteBuilder MapUi(this IEndpointRouteBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapMethods("/ui/{**path}", ["GET", "HEAD"], context =>
        {
            var path = (string?)context.Request.RouteValues["path"] ?? "";
            if (path.StartsWith("api/", StringComparison.Ordinal) || path == "api") throw NotFound(context);
            return ServeAsync(context, path.Length == 0 ? "index.html" : path);
        });
        app.MapGet("/ui/api/session", SessionAsync);
        app.MapPost("/ui/api/login", LoginAsync);
        app.MapPost("/ui/api/logout", context =>
        {
            Sessions(context).End(context);
            context.Response.StatusCode = 204;
            return Task.CompletedTask;
        });
        app.MapChatUi();
        return app;
    }

    /// <summary>
    /// The session check for <c>/ui/api</c> (but session and login): a session cookie, plus the CSRF rule on state
    /// changes; a Bearer key is accepted too (scripts). Null when allowed, else the refusal.
    /// </summary>
    internal static ApiProblem? Authorize(HttpContext context, string? key)
    {
        var path = context.Request.Path;
        if (!path.StartsWithSegments("/ui/api", StringComparison.Ordinal) || path == "/ui/api/session" || path == "/ui/api/login") return null;
        if (!string.IsNullOrEmpty(key) && HasBearer(context.Request, key)) return null;
        var sessions = Sessions(context);
        if (sessions.CsrfOf(context.Request) is null)
        {
            return new ApiProblem(401, string.IsNullOrEmpty(key)
                ? "no UI session: open the UI at / to start one"
                : "not logged in: open the UI at / and log in with the server's API key", "authentication_error", null, "ui_login_required");
        }
        return sessions.RefuseStateChange(context.Request) is { } why ? new ApiProblem(403, why, "permission_error", null, "csrf_failed") : null;
    }

    /// <summary>True when the request carries <c>Authorization: Bearer KEY</c> with <paramref name="key"/>.</summary>
    internal static bool HasBearer(HttpRequest request, string key)
    {
        var header = request.Headers.Authorization.ToString();
        const string scheme = "Bearer ";
        var given = header.StartsWith(scheme, StringComparison.OrdinalIgnoreCase) ? header[scheme.Length..].Trim() : "";
        return given.Length > 0 && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(given), Encoding.UTF8.GetBytes(key));
    }

    private static UiSessions Sessions(HttpContext context) => ServerServices.Of(context).UiSessions;

    private static Task SessionAsync(HttpContext context)
    {
        var services = ServerServices.Of(context);
        var authRequired = !string.IsNullOrEmpty(services.Settings.ApiKey);
        var csrf = services.UiSessions.CsrfOf(context.Request);
        // Without a key the UI is open (on loopback): a page without a session gets one at once.
        if (csrf is null && !authRequired) csrf = services.UiSessions.Start(context.Response);
        context.Response.Headers.CacheControl = "no-store";
        return WireWriter.JsonAsync(context, new UiSessionInfo
        {
            AuthRequired = authRequired,
            LoggedIn = csrf is not null,
            Csrf = csrf,
            Pages = UiAssets.Pages,
            Version = ServerIdentity.Version,
        }, UiJsonContext.Default.UiSessionInfo);
    }

    private static async Task LoginAsync(HttpContext context)
    {
        var services = ServerServices.Of(context);
        if (UiSessions.CrossOrigin(context.Request))
            throw new ApiException(new ApiProblem(403, "cross-origin login refused", "permission_error", null, "csrf_failed"));
        var body = await RequestBody.ReadAsync(context, UiJsonContext.Default.UiLoginRequest);
        var key = services.Settings.ApiKey;
        var address = context.Connection.RemoteIpAddress;
        if (!string.IsNullOrEmpty(key) && services.LoginThrottle.Wait(address) is { } wait)
        {
            var seconds = (int)Math.Ceiling(wait.TotalSeconds);
            throw new ApiException(new ApiProblem(429,
                $"too many wrong keys from this address: try again in {seconds} s ({LoginThrottle.MaxFailures} tries a minute)", "rate_limit_error", "key", "login_throttled")
            { RetryAfterSeconds = seconds });
        }
        if (!string.IsNullOrEmpty(key) && !CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(body.Key ?? ""), Encoding.UTF8.GetBytes(key)))
        {
            services.LoginThrottle.Failed(address);
            throw new ApiException(new ApiProblem(401, "wrong API key: use the key scout serve was started with (--api-key or SCOUT_API_KEY)", "authentication_error", "key", "invalid_api_key"));
        }
        services.LoginThrottle.Succeeded(address);
        var csrf = services.UiSessions.Start(context.Response);
        context.Response.Headers.CacheControl = "no-store";
        await WireWriter.JsonAsync(context, new UiSessionInfo
        {
            AuthRequired = !string.IsNullOrEmpty(key),
            LoggedIn = true,
            Csrf = csrf,
            Pages = UiAssets.Pages,
            Version = ServerIdentity.Version,
        }, UiJsonContext.Default.UiSessionInfo);
    }

    private static ApiException NotFound(HttpContext context) =>
        new(new ApiProblem(404, $"no UI file or endpoint {context.Request.Path}", "not_found_error", null, "unknown_url"));

    /// <summary>An embedded file with its content type, ETag (304 on a match) and the best encoding the client accepts.</summary>
    private static Task ServeAsync(HttpContext context, string path)
    {
        var asset = UiAssets.Find(path) ?? throw NotFound(context);
        var response = context.Response;
        response.Headers.ETag = asset.ETag;
        // The page itself is revalidated every time (so a new server version shows at once); its modules too, by ETag.
        response.Headers.CacheControl = "no-cache";
        response.Headers.Vary = "Accept-Encoding";
        if (context.Request.Headers.IfNoneMatch.ToString().Split(',').Any(t => t.Trim() == asset.ETag))
        {
            response.StatusCode = 304;
            return Task.CompletedTask;
        }
        response.ContentType = asset.ContentType;
        var accept = context.Request.Headers.AcceptEncoding.ToString();
        var bytes = asset.Raw;
        if (Accepts(accept, "br")) { bytes = asset.Brotli; response.Headers.ContentEncoding = "br"; }
        else if (Accepts(accept, "gzip")) { bytes = asset.Gzip; response.Headers.ContentEncoding = "gzip"; }
        response.ContentLength = bytes.Length;
        return HttpMethods.IsHead(context.Request.Method) ? Task.CompletedTask : response.Body.WriteAsync(bytes, context.RequestAborted).AsTask();
    }

    private static bool Accepts(string acceptEncoding, string coding) =>
        acceptEncoding.Split(',').Select(p => p.Split(';')).Any(p => p[0].Trim().Equals(coding, StringComparison.OrdinalIgnoreCase)
            && !(p.Length > 1 && p[1].Trim().Replace(" ", "", StringComparison.Ordinal) is "q=0" or "q=0.0"));
}
