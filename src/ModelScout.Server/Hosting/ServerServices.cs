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
        conversations = new(() => new Ui.Chat.ConversationStore(settings.UiData, Time));
        uiSessions = new(() => new Ui.UiSessions(settings.UiData, settings.ApiKey, Time));
        LoginThrottle = new Ui.LoginThrottle(Time);
    }

    /// <summary>Wrong keys at the UI's login, counted per address.</summary>
    public Ui.LoginThrottle LoginThrottle { get; }

    private readonly Lazy<Ui.Chat.ConversationStore> conversations;

    /// <summary>The chat playground's conversations (SQLite in <see cref="ServerSettings.UiData"/>), opened on first use.</summary>
    public Ui.Chat.ConversationStore Conversations => conversations.Value;

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

    /// <summary>The web UI's browser sessions (SQLite in <see cref="ServerSettings.UiData"/>, tied to the API key), opened on first use.</summary>
    public Ui.UiSessions UiSessions => uiSessions.Value;

    private readonly Lazy<Ui.UiSessions> uiSessions;

    /// <summary>The CLI's --json documents for the UI's dashboard pages; null turns those endpoints off.</summary>
    public Ui.Dashboard.IDashboardSource? Dashboard { get; init; }

    /// <summary><c>scout bench</c> and its saved reports for the UI's Bench page; null turns those endpoints off.</summary>
    public Ui.Bench.IBenchSource? Bench { get; init; }

    /// <summary>Arena battles and votes: given, else <c>arena.db</c> in <see cref="ServerSettings.UiData"/>; null (the arena is off) without either.</summary>
    public Ui.Arena.ArenaStore? Arena
    {
        get
        {
            if (arena is null && Settings.UiData is { Length: > 0 } folder)
                Interlocked.CompareExchange(ref arena, new Ui.Arena.ArenaStore(Path.Combine(folder, "arena.db")), null);
            return arena;
        }
        init => arena = value;
    }

    private Ui.Arena.ArenaStore? arena;

    /// <summary>Cancelled when the server begins to shut down: running generations end early with a clean final message.</summary>
    public CancellationToken Stopping { get; internal set; }

    /// <summary>The token a generation runs under: the client leaving or the server stopping ends it.</summary>
    internal CancellationTokenSource Link(CancellationToken requestAborted) => CancellationTokenSource.CreateLinkedTokenSource(requestAborted, Stopping);
}
