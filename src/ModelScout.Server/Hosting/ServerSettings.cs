using System.Globalization;
using ModelScout.Core.Settings;
using ModelScout.Engine;

namespace ModelScout.Server.Hosting;

/// <summary>
/// Everything <c>scout serve</c> can be told, declared once with its default and environment variable. Engine knobs
/// (parallel, queue, threads, keep-alive) live in <see cref="Engine"/> and keep <see cref="EngineSettings"/>'s names.
/// </summary>
public sealed record ServerSettings
{
    /// <summary>Ollama's port, so clients written for Ollama find us without configuration.</summary>
    public const int DefaultPort = 11434;

    /// <summary>32 MiB: larger than any chat a small context can hold, small enough that a stray upload cannot exhaust memory.</summary>
    public const long DefaultMaxRequestBodyBytes = 32L * 1024 * 1024;

    /// <summary>Interface to listen on. SCOUT_HOST (parsed like OLLAMA_HOST). Default 127.0.0.1.</summary>
    public string Host { get; init; } = "127.0.0.1";

    /// <summary>TCP port; 0 picks a free one. Default 11434.</summary>
    public int Port { get; init; } = DefaultPort;

    /// <summary>When set, every request except <c>/</c> and <c>/health</c> needs <c>Authorization: Bearer KEY</c>. SCOUT_API_KEY.</summary>
    public string? ApiKey { get; init; }

    /// <summary>Extra browser origins allowed by CORS (patterns may use <c>*</c>), on top of the local defaults. SCOUT_ORIGINS (comma-separated).</summary>
    public IReadOnlyList<string> Origins { get; init; } = [];

    /// <summary>Largest request body accepted; larger ones get 413. SCOUT_MAX_BODY_BYTES.</summary>
    public long MaxRequestBodyBytes { get; init; } = DefaultMaxRequestBodyBytes;

    /// <summary>
    /// Time a client has to send the request line and all headers; a slower one (slow-loris) gets 408 and is disconnected.
    /// Default 15 s (Kestrel's is 30 s).
    /// </summary>
    public TimeSpan RequestHeadersTimeout { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>
    /// Slowest request body accepted, averaged after <see cref="MinDataRateGrace"/>: a client trickling its body is
    /// disconnected instead of holding a connection and a thread. Default 240 bytes/s.
    /// </summary>
    public double MinRequestBodyBytesPerSecond { get; init; } = 240;

    /// <summary>
    /// Slowest a client may take queued response bytes (measured only while a write waits on it, so a slow token
    /// stream is never cut off; a client that stops reading is). Default 240 bytes/s.
    /// </summary>
    public double MinResponseBytesPerSecond { get; init; } = 240;

    /// <summary>How long a transfer may run below the minimum rates before they are enforced; more than 1 s. Default 5 s.</summary>
    public TimeSpan MinDataRateGrace { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Open connections at most; further ones are refused until one closes. Default 1024 (the default queue is 512).</summary>
    public long MaxConcurrentConnections { get; init; } = 1024;

    /// <summary>The registry /api/pull uses for names without a host; null = Ollama's. SCOUT_REGISTRY.</summary>
    public Uri? Registry { get; init; }

    /// <summary>How long in-flight requests get to finish after SIGINT/SIGTERM before they are cancelled.</summary>
    public TimeSpan ShutdownGrace { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Serve the web UI at <c>/</c> (browsers) and <c>/ui/</c>. <c>scout serve --no-ui</c> turns it off.</summary>
    public bool Ui { get; init; } = true;

    /// <summary>The folder the UI keeps its data in (conversations); null keeps nothing on disk. The CLI passes <c>~/.modelscout/ui</c>.</summary>
    public string? UiData { get; init; }

    /// <summary>Traces, OTLP export and vLLM-named metrics.</summary>
    public TelemetrySettings Telemetry { get; init; } = new();

    /// <summary>Engine settings: threads, parallel slots, queue length, keep-alive.</summary>
    public EngineSettings Engine { get; init; } = new();

    /// <summary>The URL clients use (<c>http://127.0.0.1:11434</c>); a wildcard host is shown as localhost.</summary>
    public string DisplayUrl => $"http://{(Host is "0.0.0.0" or "::" or "[::]" ? "localhost" : Host)}:{Port.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>Settings from the environment over the defaults; a bad value is an <see cref="ArgumentException"/> naming the variable.</summary>
    public static ServerSettings FromEnvironment(Func<string, string?>? getenv = null)
    {
        getenv ??= Environment.GetEnvironmentVariable;
        var s = new ServerSettings { Engine = EngineSettings.FromEnvironment(getenv), Telemetry = TelemetrySettings.FromEnvironment(getenv) };
        if (ScoutVariables.Host.Read(getenv) is (var host, var hostFrom))
        {
            var (h, p) = HostAddress.Parse(host, hostFrom);
            s = s with { Host = h, Port = p };
        }
        if (ScoutVariables.Registry.Read(getenv) is (var registry, var registryFrom))
        {
            s = s with
            {
                Registry = Uri.TryCreate(registry, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https"
                    ? uri
                    : throw new ArgumentException($"{registryFrom}={registry} is not an http(s) URL; set it like https://registry.example.com"),
            };
        }
        if (ScoutVariables.ApiKey.Read(getenv) is { } key) s = s with { ApiKey = key.Value };
        if (ScoutVariables.Origins.Read(getenv) is { } origins) s = s with { Origins = SplitOrigins(origins.Value) };
        if (ScoutVariables.MaxBodyBytes.Read(getenv) is (var body, var bodyFrom))
        {
            if (!long.TryParse(body, NumberStyles.Integer, CultureInfo.InvariantCulture, out var bytes) || bytes < 1024)
                throw new ArgumentException($"{bodyFrom}={body} is not a byte count of at least 1024");
            s = s with { MaxRequestBodyBytes = bytes };
        }
        return s;
    }

    /// <summary>Comma-separated origins, blanks dropped.</summary>
    public static IReadOnlyList<string> SplitOrigins(string text) =>
        [.. (text ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)];
}

/// <summary>Reads a listen address the way OLLAMA_HOST is read.</summary>
public static class HostAddress
{
    /// <summary>
    /// "0.0.0.0" (default port), ":8080" (default host), "host:port", "http://host:port", "[::1]:8080". An https scheme is
    /// refused because the server speaks plain HTTP (put a TLS proxy in front).
    /// </summary>
    public static (string Host, int Port) Parse(string text, string source = "--host")
    {
        ArgumentNullException.ThrowIfNull(text);
        var s = text.Trim();
        if (s.StartsWith("https://", StringComparison.OrdinalIgnoreCase))
            throw new ArgumentException($"{source}={text}: scout serve speaks plain HTTP; put a TLS proxy in front and use http://");
        if (s.StartsWith("http://", StringComparison.OrdinalIgnoreCase)) s = s["http://".Length..];
        s = s.TrimEnd('/');
        if (s.Contains('/', StringComparison.Ordinal)) throw Bad(text, source);
        string host;
        string? port = null;
        if (s.StartsWith('['))
        {
            var close = s.IndexOf(']', StringComparison.Ordinal);
            if (close < 0) throw Bad(text, source);
            host = s[1..close];
            var rest = s[(close + 1)..];
            if (rest.Length > 0)
            {
                if (!rest.StartsWith(':')) throw Bad(text, source);
                port = rest[1..];
            }
        }
        else
        {
            var colon = s.LastIndexOf(':');
            if (colon >= 0 && s.IndexOf(':', StringComparison.Ordinal) == colon)
            {
                host = s[..colon];
                port = s[(colon + 1)..];
            }
            else if (colon >= 0)
            {
                host = s; // a bare IPv6 address
            }
            else
            {
                host = s;
            }
        }
        if (host.Length == 0) host = "127.0.0.1";
        var p = ServerSettings.DefaultPort;
        if (port is not null && (!int.TryParse(port, NumberStyles.None, CultureInfo.InvariantCulture, out p) || p > 65535)) throw Bad(text, source);
        return (host, p);
    }

    private static ArgumentException Bad(string text, string source) =>
        new($"{source}={text} is not a listen address: use HOST, :PORT, HOST:PORT or http://HOST:PORT (for example 0.0.0.0:11434)");
}
