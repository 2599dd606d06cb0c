using LLama.Native;
using Microsoft.Extensions.Logging;

namespace ModelScout.Engine;

/// <summary>
/// The process-wide llama.cpp setup. The log callback must be installed before the native library loads, so every
/// entry point of the engine calls <see cref="EnsureInitialized"/> first; later calls only swap the logger.
/// </summary>
public static class LlamaRuntime
{
    private static readonly Lock Gate = new();
    private static ILogger? sink;
    private static bool initialized;

    /// <summary>Routes llama.cpp's log lines to <paramref name="logger"/> (debug level; warnings and errors as such).</summary>
    public static void EnsureInitialized(ILogger? logger = null)
    {
        lock (Gate)
        {
            if (logger is not null) sink = logger;
            if (initialized) return;
            if (!NativeLibraryConfig.LLama.LibraryHasLoaded) NativeLibraryConfig.All.WithLogCallback(OnLog).WithSelectingPolicy(new CpuLibraryPolicy());
            initialized = true;
            NativeApi.llama_empty_call();
        }
    }

    private static void OnLog(LLamaLogLevel level, string message)
    {
        var log = sink;
        if (log is null) return;
        var text = message.TrimEnd('\n');
        if (text.Length == 0) return;
        switch (level)
        {
            case LLamaLogLevel.Error:
                log.LogWarning("llama.cpp: {Message}", text);
                break;
            case LLamaLogLevel.Warning:
                log.LogInformation("llama.cpp: {Message}", text);
                break;
            default:
                if (log.IsEnabled(LogLevel.Trace)) log.LogTrace("llama.cpp: {Message}", text);
                break;
        }
    }
}
