using Microsoft.Extensions.Logging;
using ModelScout.Engine;
using ModelScout.Server.Hosting;
using ModelScout.Server.Tests.Fakes;
using ModelScout.Store;
using ModelScout.Testing;
using OpenTelemetry;

namespace ModelScout.Server.Tests;

/// <summary>A real Kestrel server on 127.0.0.1:0 over an engine and a store, with an HttpClient pointed at it.</summary>
internal sealed class ServerHarness : IAsyncDisposable
{
    private ServerHarness(ScoutServer server, IInferenceService engine, IModelStore store)
    {
        Server = server;
        Engine = engine;
        Store = store;
        BaseAddress = server.Address;
        Http = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
    }

    public ScoutServer Server { get; }
    public IInferenceService Engine { get; }
    public IModelStore Store { get; }
    public Uri BaseAddress { get; }
    public HttpClient Http { get; }

    /// <summary>What the server logged.</summary>
    public LogCollector Logs { get; private init; } = new();

    /// <summary>The model the guide's curl example names; the scripted engine and the store both know it.</summary>
    public const string Model = "llama3.1:8b";

    public static Task<ServerHarness> StartScriptedAsync(Func<ServerSettings, ServerSettings>? configure = null, ScriptedEngine? engine = null, Action<IOpenTelemetryBuilder>? telemetry = null) =>
        StartAsync(engine ?? new ScriptedEngine([Model]), new InMemoryModelStore((Model, RepoPaths.Model("stories260K.gguf"))), configure, telemetry);

    public static async Task<ServerHarness> StartAsync(IInferenceService engine, IModelStore store, Func<ServerSettings, ServerSettings>? configure = null, Action<IOpenTelemetryBuilder>? telemetry = null)
    {
        var settings = new ServerSettings { Host = "127.0.0.1", Port = 0, ShutdownGrace = TimeSpan.FromSeconds(5) };
        if (configure is not null) settings = configure(settings);
        var logs = new LogCollector();
        var server = ScoutServer.Create(new ServerServices(engine, store, settings), logging => logging.AddProvider(logs), telemetry);
        await server.StartAsync();
        return new ServerHarness(server, engine, store) { Logs = logs };
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await Server.StopAsync();
        await Server.DisposeAsync();
        (Store as IDisposable)?.Dispose();
        if (Engine is IAsyncDisposable d) await d.DisposeAsync();
        else (Engine as IDisposable)?.Dispose();
    }
}
