using System.Collections.Concurrent;
using ModelScout.Testing;

namespace ModelScout.Gguf.Tests;

/// <summary>
/// Files the HTTP tests serve: the two real models in tests/Fixtures/models, and writer-made ones made once per test
/// run in a temporary folder that is removed when the process exits.
/// </summary>
internal static class TestFiles
{
    public const string Stories = "stories260K.gguf";
    public const string TinyLlama = "llama-2-tiny-random.gguf";
    /// <summary>A 300,000-token vocabulary: a header of about 6 MB, more than the first few range windows.</summary>
    public const string BigHeader = "big-header.gguf";
    /// <summary>A small header before 64 MiB of zero tensor data.</summary>
    public const string ZeroData = "zeros-64m.gguf";
    /// <summary>The first 600,000 bytes of llama-2-tiny-random: cut inside its header.</summary>
    public const string Truncated = "truncated.gguf";
    public const string Empty = "empty.gguf";

    private static readonly Lazy<string> Folder = new(MakeFolder);
    private static readonly Dictionary<string, Lazy<string>> Made = new()
    {
        [BigHeader] = new(() => Write(BigHeader, MakeBigHeader)),
        [ZeroData] = new(() => Write(ZeroData, MakeZeroData)),
        [Truncated] = new(() => Write(Truncated, s => s.Write(File.ReadAllBytes(RepoPaths.Model(TinyLlama)).AsSpan(0, 600_000)))),
        [Empty] = new(() => Write(Empty, _ => { })),
    };

    /// <summary>The file's path, made on first use; null for a name that is not a test file.</summary>
    public static string? Path(string name) => name switch
    {
        Stories or TinyLlama => RepoPaths.Model(name),
        _ => Made.TryGetValue(name, out var made) ? made.Value : null,
    };

    public static string Get(string name) => Path(name) ?? throw new ArgumentException($"no test file {name}", nameof(name));

    /// <summary>The file's header read from disk, once per run: the reference the remote reads are compared with.</summary>
    public static GgufFile Local(string name) => LocalReads.GetOrAdd(name, n => new(() => GgufReader.ReadFile(Get(n)))).Value;

    private static readonly ConcurrentDictionary<string, Lazy<GgufFile>> LocalReads = new(StringComparer.Ordinal);

    private static string MakeFolder()
    {
        var dir = Directory.CreateTempSubdirectory("modelscout-gguf-tests-").FullName;
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try { Directory.Delete(dir, recursive: true); }
            catch (IOException) { }
        };
        return dir;
    }

    private static string Write(string name, Action<Stream> write)
    {
        var path = System.IO.Path.Combine(Folder.Value, name);
        using (var f = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20)) write(f);
        return path;
    }

    private static void MakeBigHeader(Stream s)
    {
        var tokens = new string[300_000];
        for (var i = 0; i < tokens.Length; i++) tokens[i] = $"token-{i:D6}";
        var w = new GgufWriter().Add("general.architecture", "llama").Add("llama.block_count", 1u)
            .Add("tokenizer.ggml.tokens", GgufValue.Array(tokens));
        w.AddZeroTensor("token_embd.weight", [64, 8], GgmlType.F32);
        w.WriteTo(s);
    }

    private static void MakeZeroData(Stream s)
    {
        var w = new GgufWriter().Add("general.architecture", "llama").Add("llama.block_count", 1u);
        w.AddZeroTensor("token_embd.weight", [4096, 4096], GgmlType.F32);
        w.WriteTo(s);
    }
}
