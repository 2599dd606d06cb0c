using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using ModelScout.Engine;
using ModelScout.Server.Metrics;
using ModelScout.Store;

namespace ModelScout.Server.Hosting;

/// <summary>What the endpoints share: the engine, the store, metrics, the clock, settings and the shutdown signal.</summary>
public sealed class ServerServices
{
    public ServerServices(IInferenceService engine, IModelStore store, ServerSettings settings, TimeProvider? time = null)
    {
        Engine = engine ?? throw new ArgumentNullException(nameof(engine));
        Store = store ?? throw new ArgumentNullException(nameof(store));
        Settings = settings ?? throw new ArgumentNullException(nameof(settings));
        Time = time ?? TimeProvider.System;
    }

    /// <summary>The services of the server answering <paramref name="context"/>.</summary>
    public static ServerServices Of(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return context.RequestServices.GetRequiredService<ServerServices>();
    }

    public IInferenceService Engine { get; }
    public IModelStore Store { get; }
    public ServerSettings Settings { get; }
    /// <summary>The server's instruments, on the host's meter factory; <see cref="ScoutServer.Create"/> makes them.</summary>
    public ServerMetrics Metrics
    {
        get => metrics ?? throw new InvalidOperationException("the metrics are made by ScoutServer.Create; build the server first");
        internal set => metrics = value;
    }

    private ServerMetrics? metrics;
    public TimeProvider Time { get; }

    /// <summary>Cancelled when the server begins to shut down: running generations end early with a clean final message.</summary>
    public CancellationToken Stopping { get; internal set; }

    /// <summary>The token a generation runs under: the client leaving or the server stopping ends it.</summary>
    internal CancellationTokenSource Link(CancellationToken requestAborted) => CancellationTokenSource.CreateLinkedTokenSource(requestAborted, Stopping);
}
