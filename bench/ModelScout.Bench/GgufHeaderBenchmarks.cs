using BenchmarkDotNet.Attributes;
using ModelScout.Gguf;

namespace ModelScout.Bench;

/// <summary>
/// Reading the header of a 100k-token vocab file (<see cref="VocabFile"/>: 102,400 tokens, 99,757 merges, a 3.8 MB
/// header) from disk, as `scout` does, with and without deriving the model facts. The file is GGUF_BENCH_FILE, or
/// bench/out/vocab-100k.gguf, written on first use.
/// </summary>
[MemoryDiagnoser]
public class GgufHeaderBenchmarks
{
    private string path = "";

    [GlobalSetup]
    public void Setup()
    {
        path = BenchFile.Path;
        if (!File.Exists(path)) VocabFile.Write(path);
    }

    [Benchmark(Baseline = true, Description = "GgufReader.ReadFile")]
    public GgufFile ReadFile() => GgufReader.ReadFile(path);

    [Benchmark(Description = "ReadFile + GgufModelInfo.From")]
    public GgufModelInfo ReadFileAndInfo() => GgufModelInfo.From(GgufReader.ReadFile(path));
}

internal static class BenchFile
{
    public static string Path => Environment.GetEnvironmentVariable("GGUF_BENCH_FILE") is { Length: > 0 } p ? p : System.IO.Path.Combine(RepoRoot(), "bench", "out", "vocab-100k.gguf");

    private static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "ModelScout.slnx"))) return dir.FullName;
        }
        return Directory.GetCurrentDirectory();
    }
}
