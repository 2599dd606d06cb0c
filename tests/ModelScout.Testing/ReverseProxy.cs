using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Yarp.ReverseProxy.Configuration;

namespace ModelScout.Testing;

/// <summary>
/// A real reverse proxy (YARP) on 127.0.0.1:0 in front of several servers, as a load balancer fronts the replicas of a
/// cluster: every path is forwarded, round robin, with no health checks, so a replica that dies keeps getting its share
/// and the proxy answers those requests itself (502 Bad Gateway when the replica refuses the connection). Streams pass
/// through unbuffered.
/// </summary>
public sealed class ReverseProxy : IAsyncDisposable
{
    private readonly LoopbackHttpServer server;
    private readonly Counter counter;

    private ReverseProxy(LoopbackHttpServer server, Counter counter)
    {
        this.server = server;
        this.counter = counter;
    }

    /// <summary>Chat requests (any path ending in /chat or /chat/completions) the proxy has received so far.</summary>
    public int ChatRequests => Volatile.Read(ref counter.Chats);

    /// <summary>The proxy's root, e.g. http://127.0.0.1:PORT/.</summary>
    public Uri BaseUri => server.BaseUri;

    /// <summary>Starts a proxy that spreads requests over <paramref name="destinations"/> (server roots) in turn.</summary>
    public static async Task<ReverseProxy> StartAsync(IReadOnlyList<Uri> destinations)
    {
        ArgumentNullException.ThrowIfNull(destinations);
        if (destinations.Count == 0) throw new ArgumentException("give at least one destination", nameof(destinations));
        var routes = new[] { new RouteConfig { RouteId = "all", ClusterId = "replicas", Match = new RouteMatch { Path = "{**rest}" } } };
        var clusters = new[]
        {
            new ClusterConfig
            {
                ClusterId = "replicas",
                LoadBalancingPolicy = "RoundRobin",
                Destinations = destinations.Select((d, i) => (i, d)).ToDictionary(x => $"replica{x.i}", x => new DestinationConfig { Address = x.d.ToString() }),
            },
        };
        var counter = new Counter();
        var server = await LoopbackHttpServer.StartAsync(app =>
        {
            app.Use((context, next) =>
            {
                var path = context.Request.Path.Value ?? "";
                if (path.EndsWith("/chat", StringComparison.Ordinal) || path.EndsWith("/chat/completions", StringComparison.Ordinal)) Interlocked.Increment(ref counter.Chats);
                return next(context);
            });
            app.MapReverseProxy();
        }, new LoopbackHttpServerOptions { Configure = builder => builder.Services.AddReverseProxy().LoadFromMemory(routes, clusters) });
        return new ReverseProxy(server, counter);
    }

    private sealed class Counter
    {
        public int Chats;
    }

    public ValueTask DisposeAsync() => server.DisposeAsync();
}
