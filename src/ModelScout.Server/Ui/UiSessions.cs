using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace ModelScout.Server.Ui;

/// <summary>
/// Browser sessions of the web UI: an HttpOnly, SameSite=Strict cookie naming a random session, each with its own CSRF
/// token that state-changing calls must echo in <see cref="CsrfHeader"/> (the page reads it from /ui/api/session, a
/// cross-site page cannot). Kept in memory: a restart asks for the key again.
/// </summary>
public sealed class UiSessions
{
    /// <summary>The session cookie's name.</summary>
    public const string Cookie = "scout_session";

    /// <summary>The header carrying the session's CSRF token on POST, PUT, PATCH and DELETE.</summary>
    public const string CsrfHeader = "X-Scout-Csrf";

    private readonly ConcurrentDictionary<string, string> sessions = new(StringComparer.Ordinal);

    /// <summary>Starts a session, sets its cookie on <paramref name="response"/> and returns its CSRF token.</summary>
    public string Start(HttpResponse response)
    {
        ArgumentNullException.ThrowIfNull(response);
        var id = NewToken();
        var csrf = NewToken();
        sessions[id] = csrf;
        response.Cookies.Append(Cookie, id, new CookieOptions { HttpOnly = true, SameSite = SameSiteMode.Strict, Path = "/", IsEssential = true });
        return csrf;
    }

    /// <summary>Ends the request's session, if any, and clears its cookie.</summary>
    public void End(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.Request.Cookies[Cookie] is { } id) sessions.TryRemove(id, out _);
        context.Response.Cookies.Delete(Cookie, new CookieOptions { HttpOnly = true, SameSite = SameSiteMode.Strict, Path = "/" });
    }

    /// <summary>The CSRF token of the request's session, or null when it has none (no cookie, or an unknown one).</summary>
    public string? CsrfOf(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return request.Cookies[Cookie] is { } id && sessions.TryGetValue(id, out var csrf) ? csrf : null;
    }

    /// <summary>
    /// Null when the request may change state on behalf of its session: same origin (Origin, when sent, names this
    /// server; Sec-Fetch-Site is not cross-site) and the CSRF header matches. Otherwise why not.
    /// </summary>
    public string? RefuseStateChange(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method) || HttpMethods.IsOptions(request.Method)) return null;
        if (CrossOrigin(request)) return "cross-origin request refused: the UI's endpoints answer only pages served by this server";
        var expected = CsrfOf(request);
        if (expected is null) return "no UI session: open the UI again (and log in) to get one";
        var given = request.Headers[CsrfHeader].ToString();
        return CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(given), Encoding.UTF8.GetBytes(expected))
            ? null
            : $"missing or wrong {CsrfHeader} header: reload the page to get the session's token";
    }

    /// <summary>True when the browser says the request comes from another site (Origin or Sec-Fetch-Site).</summary>
    public static bool CrossOrigin(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Headers["Sec-Fetch-Site"].ToString() is "cross-site" or "same-site") return true;
        var origin = request.Headers.Origin.ToString();
        if (origin.Length == 0 || origin == "null") return origin == "null";
        return !string.Equals(origin, $"{request.Scheme}://{request.Host}", StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>True when the client connects from this machine.</summary>
    public static bool IsLoopback(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var remote = context.Connection.RemoteIpAddress;
        return remote is null || IPAddress.IsLoopback(remote);
    }

    private static string NewToken() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
