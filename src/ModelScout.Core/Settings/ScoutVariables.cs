namespace ModelScout.Core.Settings;

/// <summary>One environment variable scout reads: its name, the older or Ollama names it also accepts, its default and meaning.</summary>
/// <param name="Name">The variable, e.g. <c>SCOUT_HOME</c>.</param>
/// <param name="Area">Which part of scout reads it (home, serve, engine, eval, bench, output).</param>
/// <param name="Default">The value used when it is unset, as a person would write it.</param>
/// <param name="Description">What it changes.</param>
/// <param name="Aliases">Names read when <paramref name="Name"/> is unset, in order (Ollama's, so an Ollama set-up carries over).</param>
public sealed record ScoutVariable(string Name, string Area, string Default, string Description, params string[] Aliases)
{
    /// <summary>The value set for this variable or, failing that, its first alias that is set; null when none is.</summary>
    public (string Value, string From)? Read(Func<string, string?> getenv)
    {
        ArgumentNullException.ThrowIfNull(getenv);
        foreach (var name in (string[])[Name, .. Aliases])
        {
            if (getenv(name) is { } value && !string.IsNullOrWhiteSpace(value)) return (value.Trim(), name);
        }
        return null;
    }
}

/// <summary>
/// Every environment variable scout reads, declared once (as Ollama's <c>envconfig</c> does). Code that reads a setting
/// names it through these fields; <c>scout env</c> lists them with their values, and docs/cli.md documents them.
/// </summary>
public static class ScoutVariables
{
    /// <summary>The one folder scout keeps its data in.</summary>
    public static readonly ScoutVariable Home = new("SCOUT_HOME", "home", "~/.modelscout",
        "the folder that holds the model store, the eval results, the catalog overlay and cached measurements");

    /// <summary>The model store.</summary>
    public static readonly ScoutVariable Models = new("SCOUT_MODELS", "home", "$SCOUT_HOME/models",
        "the model store (Ollama's layout: blobs/ and manifests/)");

    /// <summary>The eval results database.</summary>
    public static readonly ScoutVariable EvalDatabase = new("SCOUT_EVAL_DB", "home", "$SCOUT_HOME/eval.db",
        "the SQLite file scout eval keeps its runs in");

    /// <summary>A catalog overlay.</summary>
    public static readonly ScoutVariable Catalog = new("SCOUT_CATALOG", "home", "$SCOUT_HOME/catalog.json when present",
        "a JSON file overlaid on the built-in catalog (same shape; entries replace by id)");

    /// <summary>Eval data sets.</summary>
    public static readonly ScoutVariable EvalData = new("SCOUT_EVAL_DATA", "eval", "the built-in sample sets",
        "the folder holding mmlu/, humaneval/, gsm8k/, math/, mtbench/ and bfcl/ when --data is not given");

    /// <summary>Key for eval endpoints.</summary>
    public static readonly ScoutVariable EvalApiKey = new("SCOUT_EVAL_API_KEY", "eval", "none",
        "the API key scout eval sends to --endpoint when --api-key is not given");

    /// <summary>Key for bench endpoints.</summary>
    public static readonly ScoutVariable BenchApiKey = new("SCOUT_BENCH_API_KEY", "bench", "none",
        "the API key scout bench sends to each --endpoint when --api-key is not given");

    /// <summary>Chart font.</summary>
    public static readonly ScoutVariable ChartFont = new("SCOUT_CHART_FONT", "bench", "a font found on the system",
        "a TrueType font file for the PNG/SVG charts of scout bench and scout eval report");

    /// <summary>Traces and framework instruments of scout serve.</summary>
    public static readonly ScoutVariable Telemetry = new("SCOUT_TELEMETRY", "telemetry", "on",
        "off turns scout serve's traces and ASP.NET Core/runtime instruments off (scout's own /metrics stay); docs/observability.md");

    /// <summary>vLLM-named metrics.</summary>
    public static readonly ScoutVariable MetricsVllmNames = new("SCOUT_METRICS_VLLM_NAMES", "telemetry", "0",
        "1 also publishes /metrics under vLLM's names (vllm:num_requests_running..., label model_name), so a vLLM Grafana dashboard works unchanged");

    /// <summary>OTLP push.</summary>
    public static readonly ScoutVariable OtlpEndpoint = new("OTEL_EXPORTER_OTLP_ENDPOINT", "telemetry", "unset (no push)",
        "an OpenTelemetry collector (http://localhost:4318): scout serve pushes traces, metrics and logs there over OTLP");

    /// <summary>OTLP protocol.</summary>
    public static readonly ScoutVariable OtlpProtocol = new("OTEL_EXPORTER_OTLP_PROTOCOL", "telemetry", "http/protobuf",
        "grpc or http/protobuf, for OTEL_EXPORTER_OTLP_ENDPOINT");

    /// <summary>OTLP headers.</summary>
    public static readonly ScoutVariable OtlpHeaders = new("OTEL_EXPORTER_OTLP_HEADERS", "telemetry", "none",
        "key=value pairs, comma-separated, sent with every OTLP export (a hosted backend's API key)");

    /// <summary>Resource service.name.</summary>
    public static readonly ScoutVariable ServiceName = new("OTEL_SERVICE_NAME", "telemetry", "scout",
        "service.name on scout serve's traces, metrics and logs");

    /// <summary>The tag bench and eval send with their requests.</summary>
    public static readonly ScoutVariable RunTag = new("SCOUT_RUN_TAG", "telemetry", "bench-/eval- and the start time (UTC)",
        "the X-Scout-Run header scout bench and scout eval send with every request; scout serve puts it on the request's spans (scout.run) and log line");

    /// <summary>Registry for short names.</summary>
    public static readonly ScoutVariable Registry = new("SCOUT_REGISTRY", "store", "https://registry.ollama.ai/",
        "the registry scout pull uses for names without a host");

    /// <summary>Listen address.</summary>
    public static readonly ScoutVariable Host = new("SCOUT_HOST", "serve", "127.0.0.1:11434",
        "where scout serve listens (read like OLLAMA_HOST: host, :port, host:port or http://host:port)");

    /// <summary>Server API key.</summary>
    public static readonly ScoutVariable ApiKey = new("SCOUT_API_KEY", "serve", "none (no key asked)",
        "when set, every request but / and /health needs Authorization: Bearer KEY");

    /// <summary>Extra CORS origins.</summary>
    public static readonly ScoutVariable Origins = new("SCOUT_ORIGINS", "serve", "local origins only",
        "extra browser origins allowed by CORS, comma-separated (patterns may use *)");

    /// <summary>Request size limit.</summary>
    public static readonly ScoutVariable MaxBodyBytes = new("SCOUT_MAX_BODY_BYTES", "serve", "33554432 (32 MiB)",
        "the largest request body scout serve accepts (at least 1024)");

    /// <summary>Generation threads.</summary>
    public static readonly ScoutVariable NumThread = new("SCOUT_NUM_THREAD", "engine", "1 on 2 cores, cores-1 up to 8, half above",
        "llama.cpp threads per model");

    /// <summary>Parallel slots.</summary>
    public static readonly ScoutVariable NumParallel = new("SCOUT_NUM_PARALLEL", "engine", "4",
        "requests one model answers at once (continuous batching slots)", "OLLAMA_NUM_PARALLEL");

    /// <summary>Queue length.</summary>
    public static readonly ScoutVariable MaxQueue = new("SCOUT_MAX_QUEUE", "engine", "512",
        "requests waiting for a slot before new ones get 503", "OLLAMA_MAX_QUEUE");

    /// <summary>Loaded-model cap.</summary>
    public static readonly ScoutVariable MaxLoadedModels = new("SCOUT_MAX_LOADED_MODELS", "engine", "0 (as many as memory holds)",
        "models kept loaded at once", "OLLAMA_MAX_LOADED_MODELS");

    /// <summary>Keep-alive.</summary>
    public static readonly ScoutVariable KeepAlive = new("SCOUT_KEEP_ALIVE", "engine", "5m",
        "how long an idle model stays loaded (5m, 1h, 0 to unload at once, -1 for ever)", "OLLAMA_KEEP_ALIVE");

    /// <summary>Flash attention.</summary>
    public static readonly ScoutVariable FlashAttention = new("SCOUT_FLASH_ATTENTION", "engine", "off for attention heads narrower than 64, else llama.cpp's choice",
        "1/true/on forces flash attention on, anything else off");

    /// <summary>Shared KV buffer.</summary>
    public static readonly ScoutVariable KvUnified = new("SCOUT_KV_UNIFIED", "engine", "0 (one KV buffer per slot)",
        "1/true/on shares one KV buffer between slots");

    /// <summary>Context shift when a reply fills the context.</summary>
    public static readonly ScoutVariable ContextShift = new("SCOUT_CONTEXT_SHIFT", "engine", "true (Ollama's behaviour)",
        "when a reply fills a slot's context: true keeps the first num_keep tokens, drops half of the rest and goes on; false ends the reply with done_reason length (llama-server's --no-context-shift); a request's shift field wins");

    /// <summary>The llama.cpp library the engine loads.</summary>
    public static readonly ScoutVariable LlamaLibrary = new("SCOUT_LLAMA_LIBRARY", "engine", "the bundled CPU build (LLamaSharp.Backend.Cpu)",
        "a llama.cpp shared library you built (libllama.so, llama.dll or libllama.dylib, with its ggml libraries beside it) that run, serve, bench --local and eval --local load instead; checked before loading (docs/gpu.md)");

    /// <summary>GPU layers.</summary>
    public static readonly ScoutVariable GpuLayers = new("SCOUT_GPU_LAYERS", "engine", "auto (the fit planner's placement)",
        "layers to offload to the GPU (llama.cpp -ngl) when the library has a GPU backend: auto or a number; a request's num_gpu wins");

    /// <summary>Colour off.</summary>
    public static readonly ScoutVariable NoColor = new("NO_COLOR", "output", "unset",
        "any value turns colour and live progress off (no-color.org)");

    /// <summary>Set by CI systems.</summary>
    public static readonly ScoutVariable Ci = new("CI", "output", "unset",
        "any value turns live progress displays off (CI systems set it)");

    /// <summary>Width of piped output.</summary>
    public static readonly ScoutVariable Columns = new("COLUMNS", "output", "140 when output is not a terminal",
        "the width tables are laid out to when output goes to a pipe or a file (a terminal's own width is used otherwise); commands are never wrapped");

    /// <summary>Crash tests: where a store write stops.</summary>
    public static readonly ScoutVariable PauseAt = new("SCOUT_TEST_PAUSE_AT", "store", "unset",
        "for crash tests only: a store write step (blob-written, blob-committed, manifest-written, manifest-removed) at which the command prints `paused at STEP` to stderr and waits to be killed");

    /// <summary>Every variable, in the order <c>scout env</c> lists them.</summary>
    public static IReadOnlyList<ScoutVariable> All { get; } =
    [
        Home, Models, EvalDatabase, Catalog, Registry, PauseAt,
        Host, ApiKey, Origins, MaxBodyBytes,
        Telemetry, MetricsVllmNames, OtlpEndpoint, OtlpProtocol, OtlpHeaders, ServiceName, RunTag,
        NumThread, NumParallel, MaxQueue, MaxLoadedModels, KeepAlive, FlashAttention, KvUnified, ContextShift, LlamaLibrary, GpuLayers,
        EvalData, EvalApiKey, BenchApiKey, ChartFont, NoColor, Ci, Columns,
    ];
}
