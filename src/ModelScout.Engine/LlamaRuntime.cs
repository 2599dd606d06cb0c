using LLama.Native;
using Microsoft.Extensions.Logging;

namespace ModelScout.Engine;

/// <summary>
/// The process-wide llama.cpp setup. The log callback and the library choice must be made before the native library
/// loads, so every entry point of the engine calls <see cref="EnsureInitialized"/> first; later calls only swap the
/// logger. A library given by SCOUT_LLAMA_LIBRARY is checked (<see cref="LlamaLibrary.Check"/>) before LLamaSharp is
/// told about it; without one, <see cref="CpuLibraryPolicy"/> picks the bundled CPU build.
/// </summary>
public static class LlamaRuntime
{
    private static readonly Lock Gate = new();
    private static ILogger? sink;
    private static bool initialized;
    private static LlamaLibraryInfo? library;

    /// <summary>The library loaded in this process; null before <see cref="EnsureInitialized"/>.</summary>
    public static LlamaLibraryInfo? Library
    {
        get
        {
            lock (Gate) return library;
        }
    }

    /// <summary>
    /// Routes llama.cpp's log lines to <paramref name="logger"/> (debug level; warnings and errors as such) and loads
    /// <paramref name="libraryPath"/> (null: the bundled CPU build). A library that fails its checks, or one other than
    /// the library this process already loaded, is an <see cref="InferenceException"/> of kind
    /// <see cref="InferenceErrorKind.LibraryIncompatible"/>, and nothing is loaded.
    /// </summary>
    public static LlamaLibraryInfo EnsureInitialized(ILogger? logger = null, string? libraryPath = null)
    {
        lock (Gate)
        {
            if (logger is not null) sink = logger;
            if (initialized)
            {
                if (libraryPath is not null && library is { } loaded && !SameFile(Resolve(libraryPath), loaded.Path))
                {
                    // What is wrong with the library itself comes first; a good one still cannot join this process.
                    LlamaLibrary.Check(libraryPath);
                    throw new InferenceException(InferenceErrorKind.LibraryIncompatible,
                        $"this process already loaded llama.cpp from {loaded.Path}; a process loads one library, so run {libraryPath} in a new one");
                }
                return library!;
            }
            var chosen = libraryPath is null ? null : LlamaLibrary.Check(libraryPath);
            if (!NativeLibraryConfig.LLama.LibraryHasLoaded)
            {
                var config = NativeLibraryConfig.All.WithLogCallback(OnLog);
                if (chosen is null) config.WithSelectingPolicy(new CpuLibraryPolicy());
                else config.WithLibrary(chosen.Path, LlamaLibrary.MtmdBeside(chosen.Path));
            }
            initialized = true;
            NativeApi.llama_empty_call();
            library = chosen ?? LlamaLibrary.Describe(LoadedPath() ?? "(bundled, path unknown)", bundled: true);
            sink?.LogInformation("{Library}", library.Describe());
            return library;
        }
    }

    private static string Resolve(string path)
    {
        var full = Path.GetFullPath(path.Trim());
        return Directory.Exists(full) ? Path.Combine(full, LlamaLibrary.LlamaFileName) : full;
    }

    private static bool SameFile(string a, string b)
    {
        static string Real(string p)
        {
            try
            {
                return new FileInfo(p).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? Path.GetFullPath(p);
            }
            catch (IOException)
            {
                return p;
            }
        }
        return string.Equals(Real(a), Real(b), OperatingSystem.IsLinux() ? StringComparison.Ordinal : StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>Where the dynamic loader mapped libllama from (Linux: /proc/self/maps); null elsewhere.</summary>
    private static string? LoadedPath()
    {
        try
        {
            if (!File.Exists("/proc/self/maps")) return null;
            var suffix = "/" + LlamaLibrary.LlamaFileName;
            foreach (var line in File.ReadLines("/proc/self/maps"))
            {
                var slash = line.IndexOf('/', StringComparison.Ordinal);
                if (slash >= 0 && line.EndsWith(suffix, StringComparison.Ordinal)) return line[slash..];
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
        return null;
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
