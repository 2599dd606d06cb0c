using ModelScout.Core.Fit;
using ModelScout.Core.Memory;
using ModelScout.Gguf;
using ModelScout.Hardware;

namespace ModelScout.Cli.Framework;

/// <summary>Options shared by several commands, defined once.</summary>
internal sealed class CommonOptions
{
    public Option<bool> Json { get; } = new("--json") { Description = "Write JSON to stdout (schema in docs/json.md); human notes go to stderr", Recursive = true };
    public Option<string?> CatalogFile { get; } = new("--catalog") { Description = $"A catalog JSON file overlaid on the embedded one (also ${ScoutVariables.Catalog.Name}; default {ScoutVariables.Catalog.Default})", Recursive = true, HelpName = "FILE" };

    public Option<string?> Models { get; } = new("--models") { Description = $"The model store directory (also ${ScoutVariables.Models.Name}; default {ScoutVariables.Models.Default})", HelpName = "DIR" };

    public Option<string[]> Gpu { get; } = new("--gpu", "--gpus") { Description = "Plan for these GPUs instead of probing: \"RTX 4090\", 2x\"RTX 3090\", h100-sxm (repeatable)", HelpName = "GPU", AllowMultipleArgumentsPerToken = false };
    public Option<string?> Vram { get; } = new("--vram") { Description = "GPU memory (alone: one GPU of that size; with --gpu: overrides its size). A bare number is GiB; 24GB means 24x10^9 bytes (22.4 GiB)", HelpName = "SIZE" };
    public Option<string?> Ram { get; } = new("--ram") { Description = "System RAM. A bare number is GiB (64 = 64 GiB, what a \"64GB\" kit holds); 64GB means 64x10^9 bytes", HelpName = "SIZE" };
    public Option<string?> Apple { get; } = new("--apple") { Description = "Apple silicon with unified memory: m3-16, m2-max-64, m4-pro-48", HelpName = "CHIP-GIB" };
    public Option<bool> CpuOnly { get; } = new("--cpu-only") { Description = "Ignore GPUs and plan for the CPU alone" };
    public Option<string?> Profile { get; } = new("--profile") { Description = "A named machine from the catalog (pi5-8gb, phone-8gb, edge-4gb, rtx-4090, 8x-h100 ...)", HelpName = "ID" };
    public Option<int?> Cores { get; } = new("--cores") { Description = "CPU cores of a simulated machine" };
    public Option<double?> RamBandwidth { get; } = new("--ram-bandwidth") { Description = "System memory bandwidth in GB/s (default: assumed from cores)", HelpName = "GBPS" };

    public Option<string?> Context { get; } = new("--ctx") { Description = "Context length in tokens (8192 or 8K); default 8K, a practical size", HelpName = "TOKENS" };
    public Option<string> KvType { get; } = new("--kv-type") { Description = "KV cache type: f16, q8_0 or q4_0", DefaultValueFactory = _ => "f16", HelpName = "TYPE" };
    public Option<string> FlashAttention { get; } = new("--flash-attn") { Description = "Flash attention on or off (llama.cpp default on; Ollama's long-time default off)", DefaultValueFactory = _ => "on", HelpName = "on|off" };
    public Option<int?> Ubatch { get; } = new("--ubatch") { Description = "Physical batch size (llama.cpp -ub)", HelpName = "N" };
    public Option<int?> Parallel { get; } = new("--parallel") { Description = "Sequences served at once; each gets its own context (Ollama OLLAMA_NUM_PARALLEL)", HelpName = "N" };

    public Option<int> Users { get; } = new("--users") { Description = "People using the model at the same time (4 or more favours vLLM)", DefaultValueFactory = _ => 1 };
    public Option<bool> Gui { get; } = new("--gui") { Description = "Prefer a desktop GUI runtime" };
    public Option<bool> Fastest { get; } = new("--fastest") { Description = "Prefer the fastest single-stream runtime" };

    /// <summary><c>--threads</c>: CPU threads for llama.cpp; every command that runs the engine shows the same default.</summary>
    public static Option<int?> Threads(string description) => new("--threads") { Description = $"{description} (default: {ThreadsDefault})", HelpName = "N" };

    /// <summary>
    /// The engine's own default thread count (<see cref="ModelScout.Engine.EngineSettings"/>) on this machine, with its rule and
    /// the variable that overrides it: one text, so run, serve, bench --local and eval --local cannot disagree.
    /// </summary>
    public static string ThreadsDefault => string.Create(System.Globalization.CultureInfo.InvariantCulture,
        $"{new ModelScout.Engine.EngineSettings().Threads} here, {Environment.ProcessorCount} cores; rule: {ScoutVariables.NumThread.Default}; {ScoutVariables.NumThread.Name} overrides");

    /// <summary><c>--keep-alive</c>: how long an idle model stays loaded.</summary>
    public static Option<string?> KeepAlive(string description, params string[] aliases) => new("--keep-alive", aliases) { Description = description, HelpName = "DURATION" };

    /// <summary><c>--api-key</c>: the bearer key a command sends to an endpoint, or the one the server requires.</summary>
    public static Option<string?> ApiKey(string description) => new("--api-key") { Description = description, HelpName = "KEY" };

    /// <summary><c>--local</c>: run a stored model or a GGUF file in-process instead of asking an endpoint.</summary>
    public static Option<string?> Local(string description) => new("--local") { Description = description, HelpName = "FILE|NAME" };

    /// <summary>Machine, memory and runtime-need options: everything a planning command takes, after its own. Returns <paramref name="c"/>.</summary>
    public Command AddPlanning(Command c, bool needs = true)
    {
        AddHardware(c);
        AddMemorySettings(c);
        if (needs) AddRuntimeNeeds(c);
        return c;
    }

    public void AddHardware(Command c)
    {
        foreach (var o in new Option[] { Gpu, Vram, Ram, Apple, CpuOnly, Profile, Cores, RamBandwidth }) c.Options.Add(o);
    }

    public void AddMemorySettings(Command c)
    {
        foreach (var o in new Option[] { Context, KvType, FlashAttention, Ubatch, Parallel }) c.Options.Add(o);
    }

    public void AddRuntimeNeeds(Command c)
    {
        foreach (var o in new Option[] { Users, Gui, Fastest }) c.Options.Add(o);
    }

    /// <summary>What the user said about the machine to plan for; all empty means "probe this machine".</summary>
    public MachineOptions Hardware(ParseResult p) => new()
    {
        Gpus = p.GetValue(Gpu) ?? [],
        VramGiB = p.GetValue(Vram) is { } v ? Units.ParseGiB(v, "--vram") : null,
        RamGiB = p.GetValue(Ram) is { } r ? Units.ParseGiB(r, "--ram") : null,
        Apple = p.GetValue(Apple),
        CpuOnly = p.GetValue(CpuOnly),
        Profile = p.GetValue(Profile),
        CpuCores = p.GetValue(Cores),
        RamBandwidthGBps = p.GetValue(RamBandwidth),
    };

    public long ContextOr(ParseResult p, long fallback) => ContextAsked(p) ?? fallback;

    /// <summary>--ctx when given; null leaves the context to the planner.</summary>
    public long? ContextAsked(ParseResult p) => p.GetValue(Context) is { } c ? Units.ParseContext(c, "--ctx") : null;

    public KvSettings Kv(ParseResult p, int defaultUbatch)
    {
        var kvName = p.GetValue(KvType) ?? "f16";
        var kv = GgmlTypes.Find(kvName) is { } t && t.Type is GgmlType.F16 or GgmlType.Q8_0 or GgmlType.Q4_0 or GgmlType.BF16 or GgmlType.F32
            ? t.Type
            : throw new CliException($"--kv-type: '{kvName}' is not a cache type llama.cpp offers here; use f16, q8_0 or q4_0");
        var fa = (p.GetValue(FlashAttention) ?? "on").ToLowerInvariant() switch
        {
            "on" or "true" or "1" => true,
            "off" or "false" or "0" => false,
            var x => throw new CliException($"--flash-attn: '{x}' is not on or off"),
        };
        if (kv != GgmlType.F16 && !fa) throw new CliException("--kv-type q8_0/q4_0 needs flash attention in llama.cpp; drop --flash-attn off");
        var parallel = p.GetValue(Parallel) ?? 1;
        if (parallel < 1) throw new CliException("--parallel must be at least 1");
        return new KvSettings(kv, kv, parallel, p.GetValue(Ubatch) ?? defaultUbatch, fa);
    }

    public RuntimeNeeds Needs(ParseResult p) => new(Math.Max(1, p.GetValue(Users)), p.GetValue(Gui), p.GetValue(Fastest));
}
