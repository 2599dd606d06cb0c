using System.Net;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.Data.Sqlite;

namespace ModelScout.Server.Ui;

/// <summary>
/// Browser sessions of the web UI: an HttpOnly, SameSite=Strict cookie naming a random session, each with its own CSRF
/// token that state-changing calls must echo in <see cref="CsrfHeader"/> (the page reads it from /ui/api/session, a
/// cross-site page cannot). Kept in SQLite (<c>sessions.db</c> in the UI's data folder, in memory without one), so a
/// restart keeps them: the database holds the SHA-256 of each session token (never the token), its CSRF token, when it
/// was made and last used, and an HMAC of the server's API key under the token, so a session made under one key ends
/// when the server restarts with another. A session ends after <see cref="IdleLimit"/> unused or
/// <see cref="AbsoluteLimit"/> after login, whichever comes first.
/// </summary>
public sealed class UiSessions : IDisposable
{
    /// <summary>The session cookie's name.</summary>
    public const string Cookie = "scout_session";

    /// <summary>The header carrying the session's CSRF token on POST, PUT, PATCH and DELETE.</summary>
    public const string CsrfHeader = "X-Scout-Csrf";

    /// <summary>The database file's name in the UI's data folder.</summary>
    public const string FileName = "sessions.db";

    /// <summary>A session unused this long ends.</summary>
    public static readonly TimeSpan IdleLimit = TimeSpan.FromDays(7);

    /// <summary>A session ends this long after it began, however much it is used.</summary>
    public static readonly TimeSpan AbsoluteLimit = TimeSpan.FromDays(30);

    /// <summary>Last-seen times are written at most this often per session (a read per request, a write now and then).</summary>
    private static readonly TimeSpan TouchEvery = TimeSpan.FromMinutes(1);

    private readonly string connectionString;
    private readonly SqliteConnection? keeper;
    private readonly string apiKey;
    private readonly TimeProvider time;

    /// <summary>
    /// Opens (creating when missing) the sessions in <paramref name="folder"/>, or in memory when null.
    /// <paramref name="apiKey"/> is the key the server runs with (null or empty for none): sessions made under another end.
    /// </summary>
    public UiSessions(string? folder = null, string? apiKey = null, TimeProvider? time = null)
    {
        this.apiKey = apiKey ?? "";
        this.time = time ?? TimeProvider.System;
        if (folder is null)
        {
            connectionString = $"Data Source=scout-ui-sessions-{Guid.NewGuid():N};Mode=Memory;Cache=Shared";
            keeper = new SqliteConnection(connectionString);
            keeper.Open();
        }
        else
        {
            Directory.CreateDirectory(folder);
            connectionString = new SqliteConnectionStringBuilder { DataSource = Path.Combine(folder, FileName), Mode = SqliteOpenMode.ReadWriteCreate }.ToString();
        }
        using var c = Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = """
            PRAGMA journal_mode = WAL;
            CREATE TABLE IF NOT EXISTS sessions (
              token_sha256 TEXT PRIMARY KEY, csrf TEXT NOT NULL, key_check TEXT NOT NULL, created INTEGER NOT NULL, last_seen INTEGER NOT NULL);
            """;
        cmd.ExecuteNonQuery();
    }

    /// <summary>
    /// Starts a session, sets its cookie on <paramref name="response"/> and returns its CSRF token. A session the request
    /// already had ends (a login never keeps a token that existed before it).
    /// </summary>
    public string Start(HttpResponse response)
    {
        ArgumentNullException.ThrowIfNull(response);
        var token = NewToken();
        var csrf = NewToken();
        var now = time.GetUtcNow();
        if (response.HttpContext.Request.Cookies[Cookie] is { Length: > 0 } previous) Delete(Hash(previous));
        using (var c = Open())
        {
            Purge(c, now);
            using var cmd = c.CreateCommand();
            cmd.CommandText = "INSERT INTO sessions (token_sha256, csrf, key_check, created, last_seen) VALUES ($id, $csrf, $check, $now, $now)";
            cmd.Parameters.AddWithValue("$id", Hash(token));
            cmd.Parameters.AddWithValue("$csrf", csrf);
            cmd.Parameters.AddWithValue("$check", KeyCheck(token));
            cmd.Parameters.AddWithValue("$now", now.ToUnixTimeMilliseconds());
            cmd.ExecuteNonQuery();
        }
        response.Cookies.Append(Cookie, token, new CookieOptions
        {
            HttpOnly = true, SameSite = SameSiteMode.Strict, Path = "/", IsEssential = true, Expires = now + AbsoluteLimit,
            Secure = response.HttpContext.Request.IsHttps,
        });
        return csrf;
    }

    /// <summary>Ends the request's session, if any, and clears its cookie.</summary>
    public void End(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.Request.Cookies[Cookie] is { Length: > 0 } token) Delete(Hash(token));
        context.Response.Cookies.Delete(Cookie, new CookieOptions { HttpOnly = true, SameSite = SameSiteMode.Strict, Path = "/" });
    }

    /// <summary>
    /// The CSRF token of the request's session, or null when it has none: no cookie, an unknown one, one past its idle
    /// or absolute limit, or one made under another API key (those are deleted). Using a session moves its idle limit on.
    /// </summary>
    public string? CsrfOf(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Cookies[Cookie] is not { Length: > 0 } token) return null;
        var id = Hash(token);
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        using var c = Open();
        string csrf, check;
        long created, lastSeen;
        using (var cmd = c.CreateCommand())
        {
            cmd.CommandText = "SELECT csrf, key_check, created, last_seen FROM sessions WHERE token_sha256 = $id";
            cmd.Parameters.AddWithValue("$id", id);
            using var r = cmd.ExecuteReader();
            if (!r.Read()) return null;
            (csrf, check, created, lastSeen) = (r.GetString(0), r.GetString(1), r.GetInt64(2), r.GetInt64(3));
        }
        var expired = now - lastSeen >= (long)IdleLimit.TotalMilliseconds || now - created >= (long)AbsoluteLimit.TotalMilliseconds;
        if (expired || !FixedEquals(check, KeyCheck(token)))
        {
            Delete(id);
            return null;
        }
        if (now - lastSeen >= (long)TouchEvery.TotalMilliseconds)
        {
            using var touch = c.CreateCommand();
            touch.CommandText = "UPDATE sessions SET last_seen = $now WHERE token_sha256 = $id";
            touch.Parameters.AddWithValue("$now", now);
            touch.Parameters.AddWithValue("$id", id);
            touch.ExecuteNonQuery();
        }
        return csrf;
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
        return FixedEquals(given, expected) ? null : $"missing or wrong {CsrfHeader} header: reload the page to get the session's token";
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

    /// <summary>The SHA-256 (hex) under which a session token is stored.</summary>
    public static string Hash(string token) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)));

    public void Dispose() => keeper?.Dispose();

    /// <summary>HMAC-SHA256 of the API key keyed by the session token: ties the session to the key without storing either.</summary>
    private string KeyCheck(string token) => Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(token), Encoding.UTF8.GetBytes(apiKey)));

    private void Delete(string id)
    {
        using var c = Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = "DELETE FROM sessions WHERE token_sha256 = $id";
        cmd.Parameters.AddWithValue("$id", id);
        cmd.ExecuteNonQuery();
    }

    private static void Purge(SqliteConnection c, DateTimeOffset now)
    {
        using var cmd = c.CreateCommand();
        cmd.CommandText = "DELETE FROM sessions WHERE last_seen <= $idle OR created <= $absolute";
        cmd.Parameters.AddWithValue("$idle", (now - IdleLimit).ToUnixTimeMilliseconds());
        cmd.Parameters.AddWithValue("$absolute", (now - AbsoluteLimit).ToUnixTimeMilliseconds());
        cmd.ExecuteNonQuery();
    }

    private static bool FixedEquals(string a, string b) => CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(a), Encoding.UTF8.GetBytes(b));

    private SqliteConnection Open()
    {
        var c = new SqliteConnection(connectionString);
        c.Open();
        return c;
    }

    private static string NewToken() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
