using ModelScout.Gguf;

namespace ModelScout.Store.Tests;

/// <summary>A store in a fresh temporary directory, deleted afterwards.</summary>
internal sealed class TempStore : IDisposable
{
    public TempStore(HttpClient? http = null)
    {
        Dir = Path.Combine(Path.GetTempPath(), "scout-store-" + Guid.NewGuid().ToString("N"));
        Store = new ModelStore(Dir, http);
        // Retries in tests wait milliseconds, not seconds.
        Store.Registry.Transfer = new TransferSettings { RetryDelay = TimeSpan.FromMilliseconds(10), SaveEvery = TimeSpan.Zero };
    }

    public string Dir { get; }

    public ModelStore Store { get; }

    public string Blobs => Path.Combine(Dir, "blobs");

    public string Manifests => Path.Combine(Dir, "manifests");

    /// <summary>Finished blob files (sha256-*), not partial downloads.</summary>
    public string[] BlobFiles() => Directory.Exists(Blobs) ? Directory.GetFiles(Blobs, "sha256-*") : [];

    public string[] ManifestFiles() => Directory.Exists(Manifests) ? Directory.GetFiles(Manifests, "*", SearchOption.AllDirectories) : [];

    public string[] PartialFiles() => Directory.Exists(Path.Combine(Blobs, "partial")) ? Directory.GetFiles(Path.Combine(Blobs, "partial")) : [];

    public void Dispose()
    {
        try
        {
            Directory.Delete(Dir, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
        }
    }
}

/// <summary>Collects progress synchronously (Progress&lt;T&gt; would post to the thread pool and lose the order).</summary>
internal sealed class ProgressLog : IProgress<PullProgress>
{
    private readonly List<PullProgress> items = [];

    public void Report(PullProgress value)
    {
        lock (items) items.Add(value);
    }

    public IReadOnlyList<PullProgress> Items
    {
        get
        {
            lock (items) return [.. items];
        }
    }

    public IReadOnlyList<string> Statuses => Items.Select(i => i.Status).Distinct().ToList();
}

internal static class TestModels
{
    public const string StoriesSha = "sha256:270cba1bd5109f42d03350f60406024560464db173c0e387d91f0426d3bd256d";

    public static string Stories => ModelScout.Testing.RepoPaths.Model("stories260K.gguf");

    public static string TinyRandom => ModelScout.Testing.RepoPaths.Model("llama-2-tiny-random.gguf");

    /// <summary>A small valid llama GGUF made in code: file type Q4_K_M stated, 3,000 F32 weights.</summary>
    public static byte[] Written(string name = "writer-test")
    {
        var weights = new byte[3000 * 4];
        new Random(7).NextBytes(weights);
        return new GgufWriter()
            .Add("general.architecture", "llama")
            .Add("general.name", name)
            .Add("general.file_type", 15u)
            .Add("llama.block_count", 1u)
            .Add("llama.context_length", 256u)
            .AddTensor("token_embd.weight", [1000, 3], GgmlType.F32, weights)
            .ToArray();
    }

    public static string WriteTemp(byte[] bytes, string extension = ".gguf")
    {
        var path = Path.Combine(Path.GetTempPath(), $"scout-test-{Guid.NewGuid():N}{extension}");
        File.WriteAllBytes(path, bytes);
        return path;
    }
}
