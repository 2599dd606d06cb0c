using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using ModelScout.Server.Endpoints;
using ModelScout.Server.Hosting;
using ModelScout.Server.Metrics;
using ModelScout.Server.Streaming;
using ModelScout.Server.Translation;
using ModelScout.Server.Ui;
using ModelScout.Server.Ui.Arena;
using ModelScout.Server.Ui.Chat;
using ModelScout.Server.Ui.Bench;
using ModelScout.Server.Ui.Dashboard;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace ModelScout.Server;

/// <summary>
/// <c>scout serve</c>: Kestrel with the Ollama, OpenAI and llama.cpp endpoint groups over one engine and one store, plus
/// request logging, error shaping, API-key checks, CORS and body limits.
/// </summary>
public sealed partial class ScoutServer : IAsyncDisposable
{
    private readonly WebApplication app;
    private readonly ServerServices services;

    private ScoutServer(WebApplication app, ServerServices services)
    {
        this.app = app;
        this.services = services;
    }

    /// <summary>The first address the server listens on, once started (the real port when 0 was asked for).</summary>
    public Uri Address => new(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First().Replace("[::]", "localhost", StringComparison.Ordinal));

    /// <summary>
    /// Builds the server. <paramref name="logging"/> configures log providers (none when null); <paramref name="telemetry"/>
    /// adds to the OpenTelemetry set-up (tests add in-memory exporters).
    /// </summary>
    public static ScoutServer Create(ServerServices services, Action<ILoggingBuilder>? logging = null, Action<IOpenTelemetryBuilder>? telemetry = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var settings = services.Settings;
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            ApplicationName = typeof(ScoutServer).Assembly.GetName().Name,
            ContentRootPath = AppContext.BaseDirectory,
            Args = [],
        });
        builder.Logging.ClearProviders();
        logging?.Invoke(builder.Logging);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = settings.MaxRequestBodyBytes;
            // Slow or greedy clients: none may hold a connection (and the thread reading it) longer than these allow.
            kestrel.Limits.RequestHeadersTimeout = settings.RequestHeadersTimeout;
            kestrel.Limits.MinRequestBodyDataRate = new Microsoft.AspNetCore.Server.Kestrel.Core.MinDataRate(settings.MinRequestBodyBytesPerSecond, settings.MinDataRateGrace);
            kestrel.Limits.MinResponseDataRate = new Microsoft.AspNetCore.Server.Kestrel.Core.MinDataRate(settings.MinResponseBytesPerSecond, settings.MinDataRateGrace);
            kestrel.Limits.MaxConcurrentConnections = settings.MaxConcurrentConnections;
            foreach (var address in Resolve(settings.Host)) kestrel.Listen(address, settings.Port);
        });
        // Every token is one small write: sending it from the thread that produced it saves a hop to the transport's
        // own thread per token. Safe here because no handler blocks a thread (all I/O is awaited).
        builder.WebHost.UseSockets(sockets => sockets.UnsafePreferInlineScheduling = true);
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = settings.ShutdownGrace);
        builder.Services.AddSingleton(services);
        builder.Services.AddCors();
        IMeterFactory? meters = null;
        builder.AddScoutTelemetry(settings.Telemetry, telemetry, () => meters);
        var app = builder.Build();
        meters = app.Services.GetRequiredService<IMeterFactory>();
        services.Metrics = new ServerMetrics(services.Engine, meters, settings.Telemetry.VllmNames);
        services.Stopping = app.Lifetime.ApplicationStopping;
        var log = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("ModelScout.Server");
        var origins = new OriginPolicy(settings.Origins);
        app.Use((context, next) =>
        {
            // Set as the response starts, so that error pages (which clear the response) carry it too.
            context.Response.OnStarting(static state => { ((HttpResponse)state).Headers.Server = ServerIdentity.Header; return Task.CompletedTask; }, context.Response);
            return next(context);
        });
        app.Use((context, next) => LogRequestAsync(context, next, log, services.Time));
        app.Use((context, next) => ShapeErrorsAsync(context, next, log, settings));
        app.UseCors(policy => policy.SetIsOriginAllowed(origins.IsAllowed).AllowAnyHeader().AllowAnyMethod());
        app.Use(UiEndpoints.GuardAsync);
        app.Use((context, next) => CheckApiKeyAsync(context, next, settings));
        app.UseScoutTelemetry();
        if (settings.Ui)
        {
            app.MapUi();
            app.MapDashboard();
            app.MapArena();
            app.MapModelLoad();
            app.MapBench();
        }
        app.MapOllama();
        app.MapOpenAI();
        app.MapLlamaCppExtras();
        app.MapFallback(context => throw new ApiException(new ApiProblem(404,
            $"no endpoint {context.Request.Method} {context.Request.Path}; docs/api.md lists the endpoints", "not_found_error", null, "unknown_url")));
        return new ScoutServer(app, services);
    }

    /// <summary>
    /// One line per event on stderr (stdout stays for the listening URL), with timestamps; framework chatter only from
    /// warnings up.
    /// </summary>
    public static void ConsoleLogging(ILoggingBuilder logging)
    {
        ArgumentNullException.ThrowIfNull(logging);
        logging.AddSimpleConsole(o =>
        {
            o.SingleLine = true;
            o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fff ";
            o.UseUtcTimestamp = true;
        });
        logging.Services.Configure<Microsoft.Extensions.Logging.Console.ConsoleLoggerOptions>(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
        logging.AddFilter("Microsoft", LogLevel.Warning);
        logging.AddFilter("System", LogLevel.Warning);
    }

    /// <summary>Binds and starts serving.</summary>
    public Task StartAsync(CancellationToken cancellationToken = default) => app.StartAsync(cancellationToken);

    /// <summary>Stops accepting, cancels running generations (their streams end with a final message) and waits for them.</summary>
    public Task StopAsync(CancellationToken cancellationToken = default) => app.StopAsync(cancellationToken);

    /// <summary>Completes when the host shuts down (SIGINT/SIGTERM or <see cref="StopAsync"/>).</summary>
    public Task WaitForShutdownAsync(CancellationToken cancellationToken = default) => app.WaitForShutdownAsync(cancellationToken);

    /// <summary>Pushes what the telemetry readers hold to their exporters now (tests read in-memory exporters after it).</summary>
    internal void FlushTelemetry()
    {
        // A pull reader (Prometheus) answers false here; the push readers have flushed all the same.
        app.Services.GetService<MeterProvider>()?.ForceFlush();
        app.Services.GetService<TracerProvider>()?.ForceFlush();
    }

    /// <summary>The settings and services the server runs with.</summary>
    public ServerServices Services => services;

    public async ValueTask DisposeAsync() => await app.DisposeAsync();

    private static IEnumerable<IPAddress> Resolve(string host)
    {
        if (host is "localhost") return [IPAddress.Loopback];
        if (IPAddress.TryParse(host, out var ip)) return [ip];
        var addresses = Dns.GetHostAddresses(host);
        return addresses.Length > 0 ? [addresses[0]] : throw new ArgumentException($"host '{host}' does not resolve to an address; use an IP such as 127.0.0.1 or 0.0.0.0");
    }

    private static async Task LogRequestAsync(HttpContext context, RequestDelegate next, ILogger log, TimeProvider time)
    {
        var started = time.GetTimestamp();
        try
        {
            await next(context);
        }
        finally
        {
            if (log.IsEnabled(LogLevel.Information))
            {
                var t = RequestTelemetry.Of(context);
                var status = context.RequestAborted.IsCancellationRequested && !context.Response.HasStarted ? 499 : context.Response.StatusCode;
                var path = context.Request.Path.Value ?? "/";
                var milliseconds = Math.Round(time.GetElapsedTime(started).TotalMilliseconds, 1);
                var trace = Activity.Current is { } activity ? activity.TraceId.ToHexString() : "-";
                var run = ScoutTelemetry.RunOf(context) ?? "-";
                RequestDone(log, context.Request.Method, path, t.Model ?? "-", status, t.PromptTokens, t.CompletionTokens, milliseconds, trace, run);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "{Method} {Path} model={Model} status={Status} prompt_tokens={PromptTokens} completion_tokens={CompletionTokens} duration_ms={DurationMs} trace_id={TraceId} run={Run}")]
    private static partial void RequestDone(ILogger log, string method, string path, string model, int status, int promptTokens, int completionTokens, double durationMs, string traceId, string run);

    [LoggerMessage(Level = LogLevel.Error, Message = "{Method} {Path} failed (request {RequestId})")]
    private static partial void RequestFailed(ILogger log, Exception error, string method, string path, string requestId);

    /// <summary>Turns every failure into a JSON error in the API's shape; nothing escapes to crash the process.</summary>
    private static async Task ShapeErrorsAsync(HttpContext context, RequestDelegate next, ILogger log, ServerSettings settings)
    {
        try
        {
            await next(context);
        }
        catch (Exception e) when (context.RequestAborted.IsCancellationRequested && e is OperationCanceledException or IOException or ConnectionResetException)
        {
            // The client left; its generation was cancelled through RequestAborted and nobody is listening.
        }
        catch (Exception e)
        {
            var problem = ApiProblem.Of(e) ?? e switch
            {
                BadHttpRequestException { StatusCode: 413 } => new ApiProblem(413,
                    $"request body is larger than the {settings.MaxRequestBodyBytes / (1024 * 1024)} MiB limit; send less, or raise SCOUT_MAX_BODY_BYTES", "invalid_request_error", null, "request_too_large"),
                BadHttpRequestException bad => new ApiProblem(bad.StatusCode, bad.Message, "invalid_request_error"),
                OperationCanceledException when services(context).Stopping.IsCancellationRequested => new ApiProblem(503, "the server is shutting down; retry against the next instance", "server_busy_error", null, "shutting_down"),
                _ => new ApiProblem(500, $"internal error (request {context.TraceIdentifier}): {e.Message} The server log has the details under that request id.", "api_error"),
            };
            if (problem.Status >= 500) RequestFailed(log, e, context.Request.Method, context.Request.Path.Value ?? "/", context.TraceIdentifier);
            if (context.Response.HasStarted)
            {
                // Headers are out: the best left is to end the stream with an error the client can read.
                try
                {
                    if (context.Response.ContentType?.StartsWith("text/event-stream", StringComparison.Ordinal) == true) await WireWriter.ErrorEventAsync(context, problem);
                    else if (context.Response.ContentType?.StartsWith("application/x-ndjson", StringComparison.Ordinal) == true) await WireWriter.ErrorLineAsync(context, problem);
                }
                catch (Exception write) when (write is IOException or OperationCanceledException or ObjectDisposedException)
                {
                    // The connection is gone as well.
                }
                return;
            }
            context.Response.Clear();
            await WireWriter.ErrorAsync(context, problem);
        }

        static ServerServices services(HttpContext c) => c.RequestServices.GetRequiredService<ServerServices>();
    }

    /// <summary>
    /// <c>Authorization: Bearer KEY</c> on everything but the liveness probes (/ and /health), CORS preflights and the UI's
    /// own files. The UI's session cookie stands in for the key, with its CSRF token on state changes; /ui/api always
    /// needs a session (or the key).
    /// </summary>
    private static Task CheckApiKeyAsync(HttpContext context, RequestDelegate next, ServerSettings settings)
    {
        var key = settings.ApiKey;
        var request = context.Request;
        if (HttpMethods.IsOptions(request.Method)) return next(context);
        if (settings.Ui && request.Path.StartsWithSegments("/ui/api", StringComparison.Ordinal))
            return UiEndpoints.Authorize(context, key) is { } refused ? WireWriter.ErrorAsync(context, refused) : next(context);
        if (settings.Ui && UiEndpoints.IsUiRequest(request)) return next(context);
        if (string.IsNullOrEmpty(key) || request.Path == "/" || request.Path == "/health" || UiEndpoints.HasBearer(request, key)) return next(context);
        if (settings.Ui && ServerServices.Of(context).UiSessions.CsrfOf(request) is not null)
        {
            return ServerServices.Of(context).UiSessions.RefuseStateChange(request) is { } why
                ? WireWriter.ErrorAsync(context, new ApiProblem(403, why, "permission_error", null, "csrf_failed"))
                : next(context);
        }
        var header = request.Headers.Authorization.ToString();
        context.Response.Headers.WWWAuthenticate = "Bearer";
        return WireWriter.ErrorAsync(context, new ApiProblem(401,
            header.Length == 0 ? "missing API key: send Authorization: Bearer <key> (the key scout serve was started with)" : "invalid API key: send Authorization: Bearer <key> with the key scout serve was started with",
            "authentication_error", null, "invalid_api_key"));
    }
}
