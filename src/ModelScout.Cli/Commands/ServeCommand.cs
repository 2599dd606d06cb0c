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
    private readonly Option<int?> threads = CommonOptions.Threads("CPU threads for generation (default: all cores up to 4, then fewer; SCOUT_NUM_THREAD)");
    private readonly Option<string?> keepAlive = CommonOptions.KeepAlive("How long an idle model stays loaded: 5m, 1h, 0 (unload at once), -1 (forever) (SCOUT_KEEP_ALIVE)");
    private readonly Option<int?> maxQueue = new("--max-queue") { Description = "Requests that may wait for a slot before new ones get 503 server busy (default 512; SCOUT_MAX_QUEUE)", HelpName = "N" };
    private readonly Option<string?> apiKey = CommonOptions.ApiKey("Require Authorization: Bearer KEY on every request but / and /health (SCOUT_API_KEY)");
    private readonly Option<string?> gpuLayers = EngineSetup.GpuLayersOption();
    private readonly Option<string[]> origins = new("--origins") { Description = "Extra browser origins allowed by CORS, * as wildcard (repeatable or comma-separated; SCOUT_ORIGINS)", HelpName = "ORIGIN", AllowMultipleArgumentsPerToken = true };

    public Command Build(CommonOptions o) =>
        new("serve", "Serve local GGUF models over Ollama's API (/api) and OpenAI's (/v1), with /health, /metrics and /tokenize, until Ctrl+C.") { host, o.Models, o.Parallel, threads, keepAlive, maxQueue, apiKey, origins, gpuLayers };

    public int Run(CommandContext ctx)
    {
        var settings = Settings(ctx, ServerSettings.FromEnvironment(ctx.Settings.Environment));
        return ServeAsync(ctx, settings, ctx.Store).GetAwaiter().GetResult();
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

    /// <summary>What the start-up line says about GPU layers; each load's count is in the log and in /api/ps.</summary>
    internal static string GpuLayersText(EngineSettings engine, LlamaLibraryInfo library) =>
        !library.GpuOffload ? "0 (the library has no GPU backend)"
        : engine.GpuLayers is { } n ? $"{n} per model (num_gpu in a request overrides)"
        : engine.Hardware is { HasGpu: true } m ? $"auto, the fit planner's placement per model on {string.Join(" + ", m.Gpus.Select(g => g.Name))}"
        : "auto, 0 (no GPU detected; num_gpu in a request overrides)";

    private static int Positive(int value, string option) => value > 0 ? value : throw new ArgumentException($"{option} must be at least 1");

    private static async Task<int> ServeAsync(CommandContext ctx, ServerSettings settings, ModelStore store)
    {
        using var logs = LoggerFactory.Create(ScoutServer.ConsoleLogging);
        await using var engine = new ModelHost(store, settings.Engine, logs);
        await using var server = ScoutServer.Create(new ServerServices(engine, store, settings), ScoutServer.ConsoleLogging);
        try
        {
            await server.StartAsync();
        }
        catch (IOException e) when (e.InnerException is SocketException { SocketErrorCode: SocketError.AddressAlreadyInUse } || e.Message.Contains("address already in use", StringComparison.OrdinalIgnoreCase))
        {
            throw new CliException($"{settings.Host}:{settings.Port} is already in use (is Ollama or another scout serve running?). Pick another address with --host 127.0.0.1:11435 or SCOUT_HOST.", ExitCodes.Error);
        }
        ctx.Stdout.WriteLine($"scout serve: listening on {settings.DisplayUrl.Replace(":0", ":" + server.Address.Port, StringComparison.Ordinal)} (Ollama API /api, OpenAI API /v1, /health, /metrics)");
        ctx.Stdout.WriteLine($"models from {store.Root}; {settings.Engine.Parallel} parallel, queue {settings.Engine.MaxQueue}, {settings.Engine.Threads} threads; Ctrl+C stops");
        ctx.Stdout.WriteLine($"{engine.Library.Describe()}; GPU layers: {GpuLayersText(settings.Engine, engine.Library)}");
        ctx.Stdout.Flush();
        await server.WaitForShutdownAsync();
        return ExitCodes.Ok;
    }
}
