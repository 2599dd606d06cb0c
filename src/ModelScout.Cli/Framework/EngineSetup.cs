using ModelScout.Engine;
using ModelScout.Hardware;

namespace ModelScout.Cli.Framework;

/// <summary>
/// The GPU part of the engine settings for the commands that run llama.cpp in-process (run, serve, bench --local,
/// eval --local): <c>--gpu-layers</c> over SCOUT_GPU_LAYERS, and this machine (probed) for the fit planner's auto
/// placement. SCOUT_LLAMA_LIBRARY already came in through <see cref="EngineSettings.FromEnvironment"/>.
/// </summary>
internal static class EngineSetup
{
    /// <summary><c>--gpu-layers</c>: auto or a count.</summary>
    public static Option<string?> GpuLayersOption() => new("--gpu-layers")
    {
        Description = $"Layers on the GPU when {ScoutVariables.LlamaLibrary.Name} names a llama.cpp build with a GPU backend: auto (the fit planner's placement for this machine, model and context) or a number (llama.cpp -ngl); default auto ({ScoutVariables.GpuLayers.Name}); the bundled CPU build runs every layer on the CPU",
        HelpName = "auto|N",
    };

    /// <summary>Applies <c>--gpu-layers</c> and, when a library other than the bundled CPU build is set, the probed machine.</summary>
    public static EngineSettings Apply(CommandContext ctx, EngineSettings settings, Option<string?> gpuLayers)
    {
        ArgumentNullException.ThrowIfNull(ctx);
        return Apply(ctx, settings, ctx.Parse.GetValue(gpuLayers));
    }

    /// <summary>As above, with the option's text already read (null when not given).</summary>
    public static EngineSettings Apply(CommandContext ctx, EngineSettings settings, string? gpuLayersText)
    {
        ArgumentNullException.ThrowIfNull(ctx);
        ArgumentNullException.ThrowIfNull(settings);
        if (gpuLayersText is { } text)
        {
            try
            {
                settings = settings with { GpuLayers = EngineSettings.ParseGpuLayers(text, "--gpu-layers") };
            }
            catch (ArgumentException e)
            {
                throw new CliException(e.Message);
            }
        }
        // The bundled CPU build offloads nothing, so only a user's library needs the probe (nvidia-smi and friends).
        if (settings.LlamaLibrary is not null && settings.Hardware is null)
            settings = settings with { Hardware = ctx.Machines.Get(new MachineOptions(), ctx.Catalog) };
        return settings;
    }

    /// <summary>"12/29 layers on the GPU (1.2 GiB VRAM)" or "CPU only" for a loaded model.</summary>
    public static string Placement(LoadedModelInfo m)
    {
        ArgumentNullException.ThrowIfNull(m);
        return m.GpuLayers <= 0
            ? "0 layers on the GPU (CPU only)"
            : $"{m.GpuLayers}/{m.TotalLayers} layers on the GPU, {Output.Format.Bytes(m.GpuBytes)} VRAM";
    }
}
