using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using ModelScout.Store;

namespace ModelScout.Server.Tests.Fakes;

/// <summary>A model store in a dictionary (the real ModelStore is built elsewhere); blobs live under a temp directory.</summary>
internal sealed class InMemoryModelStore : IModelStore, IDisposable
{
    private readonly ConcurrentDictionary<string, StoredModel> models = new(StringComparer.Ordinal);

    public InMemoryModelStore(params (string Name, string Path)[] entries)
    {
        Root = Directory.CreateTempSubdirectory("scout-store-").FullName;
        foreach (var (name, path) in entries) Add(name, path);
    }

    public string Root { get; }

    /// <summary>Progress lines PullAsync reports before it adds the model; an exception to throw instead.</summary>
    public List<PullProgress> PullScript { get; } = [new("pulling manifest"), new("pulling sha256:abc", "sha256:abc", 100, 50), new("pulling sha256:abc", "sha256:abc", 100, 100), new("verifying sha256 digest")];
    public Exception? PullFailure { get; set; }
    public List<(string Name, ModelDefinition Definition)> Created { get; } = [];

    public StoredModel Add(string name, string path, JsonObject? parameters = null) =>
        models[name] = new StoredModel
        {
            Name = name,
            FullName = "registry.ollama.ai/library/" + name,
            Digest = "sha256:" + new string('a', 64),
            Size = File.Exists(path) ? new FileInfo(path).Length : 1234,
            ModifiedAt = new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero),
            ModelPath = path,
            ModelDigest = "sha256:" + new string('b', 64),
            Details = new ModelDetails { Family = "llama", Families = ["llama"], ParameterSize = "260K", QuantizationLevel = "F32" },
            Parameters = parameters,
        };

    /// <summary>Changes a stored model (its template, say) in place.</summary>
    public StoredModel Change(string name, Func<StoredModel, StoredModel> change) => models[name] = change(models[name]);

    public ResolvedModel Resolve(string name)
    {
        var m = Find(name) ?? throw new StoreException(StoreErrorKind.NotFound, $"model '{name}' not found; scout pull {name} or scout import FILE {name}") { Param = "model" };
        return new ResolvedModel { Name = m.Name, GgufPath = m.ModelPath, Digest = m.ModelDigest, ModifiedAt = m.ModifiedAt };
    }

    public IReadOnlyList<StoredModel> List() => [.. models.Values.OrderBy(m => m.Name, StringComparer.Ordinal)];

    public StoredModel? Find(string name) => models.GetValueOrDefault(name);

    public Task<StoredModel> ImportAsync(string ggufPath, string name, IProgress<PullProgress>? progress = null, CancellationToken cancellationToken = default) =>
        Task.FromResult(Add(name, ggufPath));

    public async Task<StoredModel> PullAsync(string nameOrUrl, PullOptions? options = null, IProgress<PullProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        foreach (var p in PullScript)
        {
            await Task.Yield();
            progress?.Report(p);
        }
        if (PullFailure is not null) throw PullFailure;
        return Add(nameOrUrl, "/nowhere/" + nameOrUrl);
    }

    public Task<StoredModel> CreateAsync(string name, ModelDefinition definition, IProgress<PullProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        var source = Find(definition.From) ?? (BlobPath(definition.From) is { } blob ? Add("blob-" + name, blob) : null)
            ?? throw new StoreException(StoreErrorKind.NotFound, $"'{definition.From}' is neither a stored model nor a blob") { Param = "from" };
        progress?.Report(new PullProgress("using existing layer " + source.ModelDigest));
        progress?.Report(new PullProgress("writing manifest"));
        lock (Created) Created.Add((name, definition));
        return Task.FromResult(models[name] = source with { Name = name, FullName = "registry.ollama.ai/library/" + name, System = definition.System, Template = definition.Template, Parameters = definition.Parameters });
    }

    public bool Remove(string name) => models.TryRemove(name, out _);

    public StoredModel Copy(string source, string destination)
    {
        var m = Find(source) ?? throw new StoreException(StoreErrorKind.NotFound, $"model '{source}' not found");
        return models[destination] = m with { Name = destination, FullName = "registry.ollama.ai/library/" + destination };
    }

    public async Task<string> AddBlobAsync(Stream content, string expectedDigest, CancellationToken cancellationToken = default)
    {
        using var buffer = new MemoryStream();
        await content.CopyToAsync(buffer, cancellationToken);
        var actual = "sha256:" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(buffer.ToArray()));
        if (actual != expectedDigest) throw new StoreException(StoreErrorKind.InvalidRequest, $"the uploaded bytes hash to {actual}, not {expectedDigest}") { Param = "digest" };
        Directory.CreateDirectory(Path.Combine(Root, "blobs"));
        await File.WriteAllBytesAsync(Path.Combine(Root, "blobs", "sha256-" + actual[7..]), buffer.ToArray(), cancellationToken);
        return actual;
    }

    public string? BlobPath(string digest)
    {
        if (!digest.StartsWith("sha256:", StringComparison.Ordinal)) return null;
        var path = Path.Combine(Root, "blobs", "sha256-" + digest[7..]);
        return File.Exists(path) ? path : null;
    }

    public void Dispose()
    {
        try { Directory.Delete(Root, recursive: true); } catch (IOException) { }
    }
}
