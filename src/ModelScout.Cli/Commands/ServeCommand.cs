using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using ModelScout.Engine;
using ModelScout.Server;
using ModelScout.Server.Hosting;
using ModelScout.Store;

namespace ModelScout.Cli.Commands;

/// <summary>scout serve: the Ollama- and OpenAI-compatible HTTP server over the local engine and model store.</summary>
internal sealed class ServeCommand : ICommandBuilder
{
    private readonly Option<string?> host = new("--host") { Description = "Listen address: HOST:PORT, :PORT, HOST or http://HOST:PORT (default 127.0.0.1:11434; SCOUT_HOST)", HelpName = "HOST:PORT" };
    private readonly Option<int?> threads = CommonOptions.Threads("CPU threads for prompt processing and generation");
    private readonly Option<string?> keepAlive = CommonOptions.KeepAlive("How long an idle model stays loaded: 5m, 1h, 0 (unload at once), -1 (forever) (SCOUT_KEEP_ALIVE)");
    private readonly Option<int?> maxQueue = new("--max-queue") { Description = "Requests that may wait for a slot before new ones get 503 server busy (default 512; SCOUT_MAX_QUEUE)", HelpName = "N" };
    private readonly Option<string?> apiKey = CommonOptions.ApiKey("Require Authorization: Bearer KEY on every request but / and /health (SCOUT_API_KEY)");
    private readonly Option<string?> gpuLayers = EngineSetup.GpuLayersOption();
    private readonly Option<bool> noUi = new("--no-ui") { Description = "Do not serve the web UI at / (API clients are unaffected)" };
    private readonly Option<string[]> origins = new("--origins") { Description = "Extra browser origins allowed by CORS, * as wildcard (repeatable or comma-separated; SCOUT_ORIGINS)", HelpName = "ORIGIN", AllowMultipleArgumentsPerToken = true };

    public Command Build(CommonOptions o) =>
        new("serve", "Serve local GGUF models over Ollama's API (/api) and OpenAI's (/v1), with /health, /metrics and /tokenize, until Ctrl+C.") { host, o.Models, o.Parallel, threads, keepAlive, maxQueue, apiKey, origins, gpuLayers, noUi };

    public int Run(CommandContext ctx)
    {
        var settings = Settings(ctx, ServerSettings.FromEnvironment(ctx.Settings.Environment) with { UiData = ctx.Settings.UiData });
        PrepareStore(ctx, ctx.Store);
        return ServeAsync(ctx, settings, ctx.Store).GetAwaiter().GetResult();
    }

    /// <summary>
    /// As Ollama does with OLLAMA_MODELS, a store folder that does not exist is created, and said so: a mistyped
    /// --models would otherwise serve an empty list without a word. An empty store is named too.
    /// </summary>
    internal static void PrepareStore(CommandContext ctx, ModelStore store)
    {
        if (!Directory.Exists(store.Root))
        {
            Directory.CreateDirectory(store.Root);
            ctx.Stderr.WriteLine($"scout serve: created the model store {store.Root} (it did not exist; check --models / {ScoutVariables.Models.Name} if you meant another). Add models with `scout pull NAME` or `scout import FILE NAME`.");
        }
        else if (store.List().Count == 0)
        {
            ctx.Stderr.WriteLine($"scout serve: no models in {store.Root} yet. Add one with `scout pull NAME` or `scout import FILE NAME`, or point --models at another store.");
        }
    }

    /// <summary>Command-line options over the environment over the defaults.</summary>
    internal ServerSettings Settings(CommandContext ctx, ServerSettings fromEnvironment)
    {
        var p = ctx.Parse;
        var s = fromEnvironment;
        if (p.GetValue(host) is { } h)
        {
            var (name, port) = HostAddress.Parse(h, "--host");
            s = s with { Host = name, Port = port };
        }
        if (p.GetValue(apiKey) is { Length: > 0 } key) s = s with { ApiKey = key };
        if (p.GetValue(noUi)) s = s with { Ui = false };
        if (p.GetValue(origins) is { Length: > 0 } extra) s = s with { Origins = [.. extra.SelectMany(ServerSettings.SplitOrigins)] };
        var engine = s.Engine;
        if (p.GetValue(ctx.Options.Parallel) is { } parallel) engine = engine with { Parallel = Positive(parallel, "--parallel") };
        if (p.GetValue(threads) is { } t) engine = engine with { Threads = Positive(t, "--threads") };
        if (p.GetValue(maxQueue) is { } q) engine = engine with { MaxQueue = q >= 0 ? q : throw new ArgumentException("--max-queue must be 0 or more") };
        if (p.GetValue(keepAlive) is { } ka)
        {
            try { engine = engine with { KeepAlive = KeepAliveParser.Parse(ka) }; }
            catch (InferenceException e) { throw new ArgumentException("--keep-alive: " + e.Message, e); }
        }
        return s with { Engine = EngineSetup.Apply(ctx, engine, gpuLayers) };
    }

    private sealed class StartGate
    {
        private volatile bool started;

        public bool Started
        {
            get => started;
            set => started = value;
        }
    }

    /// <summary>The logger the generic host reports a failed start under.</summary>
    internal const string HostLogCategory = "Microsoft.Extensions.Hosting.Internal.Host";

    /// <summary>What to do when the address is taken: the address, and the two ways to pick another port.</summary>
    internal static string AddressInUse(ServerSettings settings)
    {
        var next = settings.Port is > 0 and < 65535 ? settings.Port + 1 : 11435;
        var host = settings.Host.Contains(':', StringComparison.Ordinal) ? $"[{settings.Host}]" : settings.Host;
        return string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $"{host}:{settings.Port} is already in use (is Ollama or another scout serve running?). Pick another port: scout serve --host {host}:{next}, or set {ScoutVariables.Host.Name}={host}:{next} (scout reads {ScoutVariables.Host.Name}, not OLLAMA_HOST).");
    }

    /// <summary>What the start-up line says about GPU layers; each load's count is in the log and in /api/ps.</summary>
    internal static string GpuLayersText(EngineSettings engine, LlamaLibraryInfo library) =>
        !library.GpuOffload ? "0 (the library has no GPU backend)"
        : engine.GpuLayers is { } n ? $"{n} per model (num_gpu in a request overrides)"
        : engine.Hardware is { HasGpu: true } m ? $"auto, the fit planner's placement per model on {string.Join(" + ", m.Gpus.Select(g => g.Name))}"
        : "auto, 0 (no GPU detected; num_gpu in a request overrides)";

    /// <summary>The start-up line about the web UI: its URL and who may use it, or how it was turned off.</summary>
    internal static string UiLine(ServerSettings settings, int port)
    {
        if (!settings.Ui) return "web UI: off (--no-ui)";
        var url = settings.DisplayUrl.Replace(":0", ":" + port.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal) + "/";
        return string.IsNullOrEmpty(settings.ApiKey)
            ? $"web UI: {url} (no API key: open to this machine only; start with --api-key KEY to use it from elsewhere)"
            : $"web UI: {url} (log in with the API key)";
    }

    private static int Positive(int value, string option) => value > 0 ? value : throw new ArgumentException($"{option} must be at least 1");

    private static async Task<int> ServeAsync(CommandContext ctx, ServerSettings settings, ModelStore store)
    {
        using var logs = LoggerFactory.Create(ScoutServer.ConsoleLogging);
        await using var engine = new ModelHost(store, settings.Engine, logs);
        // The host logs a failed start with the whole Kestrel stack; the CLI says it in one line below, so the host's
        // own errors are let through only once it is running.
        var gate = new StartGate();
        var services = new ServerServices(engine, store, settings) { Dashboard = ctx.Dashboard?.Invoke(), Bench = ctx.Bench?.Invoke() };
        await using var server = ScoutServer.Create(services, logging =>
        {
            ScoutServer.ConsoleLogging(logging);
            logging.AddFilter(HostLogCategory, level => gate.Started && level >= LogLevel.Warning);
        });
        try
        {
            await server.StartAsync();
            gate.Started = true;
        }
        catch (IOException e) when (e.InnerException is SocketException { SocketErrorCode: SocketError.AddressAlreadyInUse } || e.Message.Contains("address already in use", StringComparison.OrdinalIgnoreCase))
        {
            throw new CliException(AddressInUse(settings), ExitCodes.Error);
        }
        ctx.Stdout.WriteLine($"scout serve: listening on {settings.DisplayUrl.Replace(":0", ":" + server.Address.Port, StringComparison.Ordinal)} (Ollama API /api, OpenAI API /v1, /health, /metrics)");
        ctx.Stdout.WriteLine(UiLine(settings, server.Address.Port));
        ctx.Stdout.WriteLine($"models from {store.Root}; {settings.Engine.Parallel} parallel, queue {settings.Engine.MaxQueue}, {settings.Engine.Threads} threads; Ctrl+C stops");
        ctx.Stdout.WriteLine($"{engine.Library.Describe()}; GPU layers: {GpuLayersText(settings.Engine, engine.Library)}");
        ctx.Stdout.Flush();
        await server.WaitForShutdownAsync();
        return ExitCodes.Ok;
    }
}
