using System.Collections.Concurrent;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace ModelScout.Testing;

/// <summary>One request a <see cref="LoopbackHttpServer"/> received, as it arrived (recorded before any route ran).</summary>
/// <param name="Path">The path, without the query.</param>
/// <param name="Query">The query string with its leading '?', or "".</param>
/// <param name="Headers">Every request header, each header's values joined with ", ".</param>
public sealed record RecordedRequest(string Method, string Path, string Query, IReadOnlyDictionary<string, string> Headers)
{
    /// <summary>One header's value, or null when the request did not carry it.</summary>
    public string? Header(string name) => Headers.TryGetValue(name, out var value) ? value : null;
}

/// <summary>How <see cref="LoopbackHttpServer.StartAsync"/> sets the server up beyond its routes.</summary>
public sealed record LoopbackHttpServerOptions
{
    /// <summary>Keep every request in <see cref="LoopbackHttpServer.Requests"/>.</summary>
    public bool RecordRequests { get; init; }

    /// <summary>Changes to the web host before it is built (a socket option, a service).</summary>
    public Action<WebApplicationBuilder>? Configure { get; init; }
}

/// <summary>
/// Kestrel on 127.0.0.1 at a free port with the routes a test scripts, for the fakes that play a model registry, an
/// OpenAI-compatible endpoint or a file server: the host plumbing they share. Logging is off, and disposing stops the
/// server, giving requests still running (a stalled download, a held stream) two seconds before their connections are cut.
/// </summary>
public sealed class LoopbackHttpServer : IAsyncDisposable
{
    private static readonly TimeSpan ShutdownTimeout = TimeSpan.FromSeconds(2);

    private readonly WebApplication app;
    private readonly ConcurrentQueue<RecordedRequest> requests;
    private int disposed;

    private LoopbackHttpServer(WebApplication app, ConcurrentQueue<RecordedRequest> requests)
    {
        this.app = app;
        this.requests = requests;
        BaseUri = new Uri(app.Urls.First().TrimEnd('/') + "/");
    }

    /// <summary>The server's root, with a trailing slash: <c>http://127.0.0.1:PORT/</c>.</summary>
    public Uri BaseUri { get; }

    /// <summary>
    /// The requests received so far, in arrival order; empty unless <see cref="LoopbackHttpServerOptions.RecordRequests"/>
    /// was set.
    /// </summary>
    public IReadOnlyList<RecordedRequest> Requests => [.. requests];

    /// <summary><paramref name="relative"/> (no leading slash keeps it under <see cref="BaseUri"/>) as an absolute URI.</summary>
    public Uri Url(string relative) => new(BaseUri, relative);

    /// <summary>Starts a server whose routes <paramref name="routes"/> maps (minimal APIs, or <c>app.Run</c> for a catch-all).</summary>
    public static async Task<LoopbackHttpServer> StartAsync(Action<WebApplication> routes, LoopbackHttpServerOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(routes);
        options ??= new LoopbackHttpServerOptions();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        builder.Services.Configure<HostOptions>(host => host.ShutdownTimeout = ShutdownTimeout);
        options.Configure?.Invoke(builder);
        var app = builder.Build();
        var requests = new ConcurrentQueue<RecordedRequest>();
        if (options.RecordRequests)
        {
            app.Use((context, next) =>
            {
                var request = context.Request;
                requests.Enqueue(new RecordedRequest(request.Method, request.Path.Value ?? "", request.QueryString.Value ?? "",
                    request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase)));
                return next(context);
            });
        }
        routes(app);
        try
        {
            await app.StartAsync().ConfigureAwait(false);
        }
        catch
        {
            await app.DisposeAsync().ConfigureAwait(false);
            throw;
        }
        return new LoopbackHttpServer(app, requests);
    }

    /// <summary>Stops the server and releases its port; a second call does nothing.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref disposed, 1) != 0) return;
        try
        {
            await app.StopAsync().ConfigureAwait(false);
        }
        finally
        {
            await app.DisposeAsync().ConfigureAwait(false);
        }
    }
}
