namespace ModelScout.Store;

/// <summary>
/// The model store on disk, laid out as Ollama lays out <c>~/.ollama/models</c>: content-addressed
/// <c>blobs/sha256-&lt;hex&gt;</c> and one Docker v2 manifest per name under <c>manifests/&lt;host&gt;/&lt;namespace&gt;/&lt;model&gt;/&lt;tag&gt;</c>.
/// Every file appears by an atomic rename of a finished temporary file, so several processes may import, pull and remove
/// at once and a reader never sees half a blob or half a manifest.
/// </summary>
/// <remarks>
/// A facade over four parts: <see cref="BlobStore"/> (the blobs), <see cref="ManifestStore"/> (names to manifests),
/// <see cref="ModelImporter"/> (import and create) and <see cref="RegistryClient"/> (registry and URL pulls).
/// </remarks>
public sealed class ModelStore : IModelStore
{
    private readonly BlobStore blobs;
    private readonly ManifestStore manifests;
    private readonly ModelImporter importer;

    /// <summary>A store rooted at <paramref name="root"/> (created on the first write, never by reading).</summary>
    /// <param name="root">The directory that holds <c>blobs/</c> and <c>manifests/</c>.</param>
    /// <param name="http">The client pulls use; one shared client with connect and stall timeouts when null.</param>
    public ModelStore(string root, HttpClient? http = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(root);
        Root = Path.GetFullPath(root);
        blobs = new BlobStore(Root);
        manifests = new ManifestStore(Root, blobs);
        importer = new ModelImporter(blobs, manifests);
        Registry = new RegistryClient(blobs, manifests, http);
    }

    /// <summary>
    /// Called with the name of each step of a write: <c>blob-written</c> (a blob's bytes are in a temporary file, not yet
    /// renamed), <c>blob-committed</c> (renamed into place, no manifest names it yet), <c>manifest-written</c> (the new
    /// manifest is in a temporary file) and <c>manifest-removed</c> (rm: the manifest is gone, its blobs not yet). Crash
    /// tests stop or kill the process there; null (the default) does nothing.
    /// </summary>
    public Action<string>? WriteStep
    {
        get => blobs.Step;
        set
        {
            blobs.Step = value;
            manifests.Step = value;
        }
    }

    /// <summary>Ollama's public registry.</summary>
    public static Uri DefaultRegistry => RegistryClient.DefaultRegistry;

    public string Root { get; }

    /// <summary>The pulls' transfer settings; tests shrink them.</summary>
    internal RegistryClient Registry { get; }

    public IReadOnlyList<StoredModel> List() => manifests.List();

    public StoredModel? Find(string name) => manifests.Find(name);

    public ResolvedModel Resolve(string name)
    {
        var model = Find(name) ?? throw ManifestStore.NotFound(name);
        if (!File.Exists(model.ModelPath))
        {
            throw new StoreException(StoreErrorKind.Damaged,
                $"model '{model.Name}' is damaged: its model blob {model.ModelDigest} is missing from {blobs.Dir}; run `scout pull {model.Name}` or `scout import FILE {model.Name}` again");
        }
        return new ResolvedModel
        {
            Name = model.Name,
            GgufPath = model.ModelPath,
            Digest = model.ModelDigest,
            Parameters = model.Parameters is { } p ? ParamsLayer.Options(p) : new(),
            Template = model.Template,
            System = model.System,
            Messages = model.Messages,
            ModifiedAt = model.ModifiedAt,
        };
    }

    public Task<StoredModel> ImportAsync(string ggufPath, string name, IProgress<PullProgress>? progress = null, CancellationToken cancellationToken = default) =>
        importer.ImportAsync(ggufPath, name, progress, cancellationToken);

    public Task<StoredModel> CreateAsync(string name, ModelDefinition definition, IProgress<PullProgress>? progress = null, CancellationToken cancellationToken = default) =>
        importer.CreateAsync(name, definition, progress, cancellationToken);

    public Task<StoredModel> PullAsync(string nameOrUrl, PullOptions? options = null, IProgress<PullProgress>? progress = null, CancellationToken cancellationToken = default) =>
        Registry.PullAsync(nameOrUrl, options, progress, cancellationToken);

    public bool Remove(string name) => manifests.Remove(name);

    public StoredModel Copy(string source, string destination) => manifests.Copy(source, destination);

    public async Task<string> AddBlobAsync(Stream content, string expectedDigest, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(content);
        var (digest, _) = await blobs.WriteAsync(content, null, null, cancellationToken, expectedDigest).ConfigureAwait(false);
        return digest;
    }

    public string? BlobPath(string digest) => blobs.PathOf(digest);

    /// <summary>How long a blob no manifest names is kept before <see cref="Clean"/> removes it: a client may upload a blob and create from it a while later.</summary>
    public static TimeSpan DefaultOrphanBlobAge { get; } = TimeSpan.FromHours(1);

    /// <summary>
    /// Removes what interrupted writes left: temporary files no live writer holds, manifests naming a blob that is
    /// missing or cut short, and blobs no manifest names that are older than <paramref name="orphanBlobAge"/>
    /// (<see cref="DefaultOrphanBlobAge"/> when null). Safe while other scout processes write the store.
    /// </summary>
    public StoreCleanup Clean(TimeSpan? orphanBlobAge = null) =>
        new StoreJanitor(Root, blobs, manifests, TimeProvider.System).Clean(orphanBlobAge ?? DefaultOrphanBlobAge);
}
