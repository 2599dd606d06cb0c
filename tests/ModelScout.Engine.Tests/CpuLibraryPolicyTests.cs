using LLama.Native;

namespace ModelScout.Engine.Tests;

public class CpuLibraryPolicyTests
{
    [Theory]
    [InlineData("fpu sse2 avx avx2 avx512f avx512bw avx512vl", AvxLevel.Avx512)]
    [InlineData("fpu sse2 avx avx2 avx512f", AvxLevel.Avx2)]
    [InlineData("fpu sse2 avx avx2", AvxLevel.Avx2)]
    [InlineData("fpu sse2 avx", AvxLevel.Avx)]
    [InlineData("fpu sse2 sse4_2", AvxLevel.None)]
    public void The_build_follows_the_kernels_cpu_flags(string flags, AvxLevel expected)
    {
        var file = Path.GetTempFileName();
        try
        {
            File.WriteAllText(file, $"processor\t: 0\nmodel name\t: test\nflags\t\t: {flags}\n\nprocessor\t: 1\nflags\t\t: fpu\n");
            Assert.Equal(expected, CpuLibraryPolicy.Detect(CpuLibraryPolicy.ReadCpuFlags(file)));
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public void Without_proc_cpuinfo_llamasharps_own_choice_stands()
    {
        Assert.Null(CpuLibraryPolicy.ReadCpuFlags(Path.Combine(Path.GetTempPath(), $"no-such-{Guid.NewGuid():N}")));
        Assert.Null(CpuLibraryPolicy.Detect(null));
    }

    [CpuFlagsFact]
    public void The_loaded_llama_build_is_the_best_this_machine_offers()
    {
        // The engine has loaded llama.cpp through the policy; the library mapped into this process must be the
        // build for the flags /proc/cpuinfo shows (avx512 on the CI machine).
        LlamaRuntime.EnsureInitialized();
        var expected = CpuLibraryPolicy.Detect(CpuLibraryPolicy.ReadCpuFlags()) switch
        {
            AvxLevel.Avx512 => "avx512",
            AvxLevel.Avx2 => "avx2",
            AvxLevel.Avx => "avx",
            AvxLevel.None => "noavx",
            var level => throw new InvalidOperationException($"no llama.cpp build is named for {level}"),
        };
        var maps = File.ReadAllLines("/proc/self/maps").Where(l => l.EndsWith("/libllama.so", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(maps);
        Assert.All(maps, l => Assert.Contains($"/{expected}/libllama.so", l, StringComparison.Ordinal));
    }
}

/// <summary>
/// A fact that compares the loaded llama.cpp build with the CPU flags of /proc/cpuinfo: reported as skipped where the
/// kernel shows none (not Linux, or no flags line).
/// </summary>
public sealed class CpuFlagsFactAttribute : FactAttribute
{
    public CpuFlagsFactAttribute()
    {
        if (CpuLibraryPolicy.Detect(CpuLibraryPolicy.ReadCpuFlags()) is null)
        {
            Skip = "no CPU flags to read here (/proc/cpuinfo is missing or has no flags line), so there is no expected llama.cpp build";
        }
    }
}
