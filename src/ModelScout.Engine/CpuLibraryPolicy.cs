using LLama.Abstractions;
using LLama.Native;

namespace ModelScout.Engine;

/// <summary>
/// Picks the llama.cpp build (avx512, avx2, avx, noavx) from what the CPU and kernel really offer. LLamaSharp decides
/// with <c>Avx2.IsSupported</c> and friends, which a Native AOT binary answers for the instruction set it was compiled
/// for, not the machine it runs on: the AOT <c>scout</c> loaded the noavx build and generated at half speed.
/// </summary>
internal sealed class CpuLibraryPolicy : INativeLibrarySelectingPolicy
{
    private static readonly AvxLevel[] Descending = [AvxLevel.Avx512, AvxLevel.Avx2, AvxLevel.Avx, AvxLevel.None];

    public IEnumerable<INativeLibrary> Apply(NativeLibraryConfig.Description description, SystemInfo systemInfo, NativeLogConfig.LLamaLogCallback? logCallback = null)
    {
        var best = Detect(ReadCpuFlags()) ?? description.AvxLevel;
        // The best level first, then each lower one, so a build missing from the package falls back instead of failing.
        foreach (var level in Descending.SkipWhile(l => l != best))
            yield return new NativeLibraryWithAvx(description.Library, level, description.SkipCheck);
    }

    /// <summary>The best level the flags allow; null when there are no flags to read (not Linux).</summary>
    internal static AvxLevel? Detect(IReadOnlySet<string>? flags) => flags switch
    {
        null => null,
        _ when flags.Contains("avx512f") && flags.Contains("avx512bw") => AvxLevel.Avx512,
        _ when flags.Contains("avx2") => AvxLevel.Avx2,
        _ when flags.Contains("avx") => AvxLevel.Avx,
        _ => AvxLevel.None,
    };

    /// <summary>The first "flags" line of /proc/cpuinfo: the features the kernel has enabled.</summary>
    internal static IReadOnlySet<string>? ReadCpuFlags(string path = "/proc/cpuinfo")
    {
        try
        {
            foreach (var line in File.ReadLines(path))
            {
                if (!line.StartsWith("flags", StringComparison.Ordinal)) continue;
                var colon = line.IndexOf(':', StringComparison.Ordinal);
                if (colon < 0) continue;
                return line[(colon + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries).ToHashSet(StringComparer.Ordinal);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
        return null;
    }
}
