using ModelScout.Core.Settings;

namespace ModelScout.Engine;

/// <summary>
/// Engine knobs, each with its default and the environment variable that sets it (Ollama's names where one exists).
/// </summary>
public sealed record EngineSettings
{
    /// <summary>CPU threads for generation and prompt processing. Default: see <see cref="DefaultThreads"/>. SCOUT_NUM_THREAD.</summary>
    public int Threads { get; init; } = DefaultThreads(Environment.ProcessorCount);

    /// <summary>Requests one loaded model serves at once (sequences in one batch). SCOUT_NUM_PARALLEL / OLLAMA_NUM_PARALLEL.</summary>
    public int Parallel { get; init; } = 4;

    /// <summary>Requests that may wait for a slot before new ones get 503. SCOUT_MAX_QUEUE / OLLAMA_MAX_QUEUE.</summary>
    public int MaxQueue { get; init; } = 512;

    /// <summary>How long an idle model stays loaded. SCOUT_KEEP_ALIVE / OLLAMA_KEEP_ALIVE.</summary>
    public TimeSpan KeepAlive { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Most models loaded at once (0 = as many as memory allows). SCOUT_MAX_LOADED_MODELS / OLLAMA_MAX_LOADED_MODELS.</summary>
    public int MaxLoadedModels { get; init; }

    /// <summary>Bytes the loaded models may use together; null = the machine's available memory at start-up.</summary>
    public long? MemoryBudgetBytes { get; init; }

    /// <summary>
    /// Layers to offload to the GPU (llama.cpp's -ngl) when the library has a GPU backend; null = auto, the fit planner's
    /// placement on <see cref="Hardware"/> (<see cref="GpuOffload"/>). A request's num_gpu wins. SCOUT_GPU_LAYERS.
    /// </summary>
    public int? GpuLayers { get; init; }

    /// <summary>The machine auto GPU layers are planned for (the CLI probes it); null plans for no GPU.</summary>
    public ModelScout.Core.Machines.Machine? Hardware { get; init; }

    /// <summary>A llama.cpp shared library to load instead of the bundled CPU build; null = bundled. SCOUT_LLAMA_LIBRARY.</summary>
    public string? LlamaLibrary { get; init; }

    /// <summary>
    /// One KV buffer shared by every slot (true) or one per slot (false, the default: null). With one buffer, every
    /// sequence in a batch attends over the cells all sequences occupy; `scout bench` measured per-slot buffers 1.6x
    /// (4 streams) to 3.3x (one stream) faster on stories260K (docs/benchmarks.md). SCOUT_KV_UNIFIED (1/0).
    /// </summary>
    public bool? KvUnified { get; init; }

    /// <summary>
    /// What a request that does not say (<see cref="GenerationRequest.ContextShift"/> null) does when its reply fills the
    /// slot's context: true (Ollama's behaviour) keeps the first num_keep tokens, drops half of the rest and goes on;
    /// false ends the reply with <see cref="DoneReason.Length"/> (llama-server's <c>--no-context-shift</c>). SCOUT_CONTEXT_SHIFT.
    /// </summary>
    public bool ContextShift { get; init; } = true;

    /// <summary>
    /// How long a load waits for the models in its way to finish their requests before it answers InsufficientMemory
    /// (Ollama queues such a request; its load timeout is 5 minutes too).
    /// </summary>
    public TimeSpan RoomWait { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Flash attention on or off; null = <see cref="FlashAttentionFor"/>. SCOUT_FLASH_ATTENTION (1/0).</summary>
    public bool? FlashAttention { get; init; }

    /// <summary>
    /// Whether to force flash attention for a model with attention heads of <paramref name="headDimension"/>: the
    /// setting when given; otherwise off for heads narrower than 64, where llama.cpp's CPU flash-attention kernel costs
    /// more than it saves (stories260K, head size 8: 1.4x instead of 2.1x aggregate gain with 4 streams, and a slower
    /// single stream), and null (llama.cpp's automatic choice) for real models.
    /// </summary>
    public static bool? FlashAttentionFor(int? headDimension, bool? setting) =>
        setting ?? (headDimension is > 0 and < 64 ? false : null);

    /// <summary>Tokens per llama_decode call (prompt chunks are split to fit).</summary>
    public int BatchSize { get; init; } = 512;

    /// <summary>
    /// llama.cpp's CPU backend busy-waits its worker threads; with as many threads as vCPUs on a small shared machine a
    /// single stream collapses (measured: 1,604 tok/s with 1 thread vs ~69 tok/s with 2 on 2 vCPUs for stories260K).
    /// So: one thread on 1-2 cores, one fewer than the cores up to 8, and half of them beyond.
    /// </summary>
    public static int DefaultThreads(int logicalCores) => logicalCores switch
    {
        <= 2 => 1,
        <= 8 => logicalCores - 1,
        _ => logicalCores / 2,
    };

    /// <summary>Settings from the environment over the defaults (the variables are declared in <see cref="ScoutVariables"/>).</summary>
    public static EngineSettings FromEnvironment(Func<string, string?>? getenv = null)
    {
        getenv ??= Environment.GetEnvironmentVariable;
        var s = new EngineSettings();
        if (Int(getenv, ScoutVariables.NumThread) is { } t) s = s with { Threads = t };
        if (Int(getenv, ScoutVariables.NumParallel) is { } p) s = s with { Parallel = p };
        if (Int(getenv, ScoutVariables.MaxQueue) is { } q) s = s with { MaxQueue = q };
        if (Int(getenv, ScoutVariables.MaxLoadedModels) is { } m) s = s with { MaxLoadedModels = m };
        if (ScoutVariables.FlashAttention.Read(getenv) is { } fa) s = s with { FlashAttention = On(fa.Value) };
        if (ScoutVariables.KvUnified.Read(getenv) is { } kv) s = s with { KvUnified = On(kv.Value) };
        if (ScoutVariables.ContextShift.Read(getenv) is { } cs) s = s with { ContextShift = Switch(cs.Value, cs.From) };
        if (ScoutVariables.KeepAlive.Read(getenv) is { } ka) s = s with { KeepAlive = KeepAliveParser.Parse(ka.Value) };
        if (ScoutVariables.LlamaLibrary.Read(getenv) is { } lib) s = s with { LlamaLibrary = lib.Value };
        if (ScoutVariables.GpuLayers.Read(getenv) is { } gl) s = s with { GpuLayers = ParseGpuLayers(gl.Value, gl.From) };
        return s;
    }

    /// <summary>"auto" (null) or a layer count of 0 or more; <paramref name="source"/> names the setting in the error.</summary>
    public static int? ParseGpuLayers(string value, string source)
    {
        ArgumentNullException.ThrowIfNull(value);
        var v = value.Trim();
        if (v.Equals("auto", StringComparison.OrdinalIgnoreCase) || v == "-1") return null;
        if (int.TryParse(v, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var n) && n >= 0) return n;
        throw new ArgumentException($"{source}={value} is neither auto nor a layer count (0 or more)");
    }

    private static bool On(string value) => value is "1" or "true" or "on";

    /// <summary>A yes/no setting spelt 1/true/on or 0/false/off; anything else names <paramref name="source"/> in the error.</summary>
    public static bool Switch(string value, string source)
    {
        ArgumentNullException.ThrowIfNull(value);
        return value.Trim().ToLowerInvariant() switch
        {
            "1" or "true" or "on" or "yes" => true,
            "0" or "false" or "off" or "no" => false,
            _ => throw new ArgumentException($"{source}={value} is neither true nor false (1/0, on/off also work)"),
        };
    }

    private static int? Int(Func<string, string?> getenv, ScoutVariable variable)
    {
        if (variable.Read(getenv) is not (var value, var from)) return null;
        if (int.TryParse(value, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var i) && i >= 0) return i;
        throw new ArgumentException($"{from}={value} is not a non-negative integer");
    }
}
