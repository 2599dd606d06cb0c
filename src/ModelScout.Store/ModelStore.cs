using System.Buffers;
using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using ModelScout.Gguf;
using ModelScout.Prompting;

namespace ModelScout.Store;

/// <summary>
/// The model store on disk, laid out as Ollama lays out <c>~/.ollama/models</c>: content-addressed
/// <c>blobs/sha256-&lt;hex&gt;</c> and one Docker v2 manifest per name under <c>manifests/&lt;host&gt;/&lt;namespace&gt;/&lt;model&gt;/&lt;tag&gt;</c>.
/// Every file appears by an atomic rename of a finished temporary file, so several processes may import, pull and remove
/// at once and a reader never sees half a blob or half a manifest.
/// </summary>
public sealed partial class ModelStore : IModelStore
{
    /// <summary>Environment variable that moves the store (Ollama's is OLLAMA_MODELS).</summary>
    public const string ModelsVariable = "SCOUT_MODELS";

    // Text layers (template, system, params, licence, messages) are small; a larger one is not read into memory.
    private const int MaxTextLayerBytes = 4 << 20;
    private const int MaxManifestBytes = 1 << 20;

    private static readonly Lazy<HttpClient> SharedHttp = new(CreateHttpClient);

    private readonly HttpClient http;

    /// <summary>A store rooted at <paramref name="root"/> (created on the first write, never by reading).</summary>
    /// <param name="root">The directory that holds <c>blobs/</c> and <c>manifests/</c>.</param>
    /// <param name="http">The client pulls use; one shared client with connect and stall timeouts when null.</param>
    public ModelStore(string root, HttpClient? http = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(root);
        Root = Path.GetFullPath(root);
        this.http = http ?? SharedHttp.Value;
    }

    /// <summary>$SCOUT_MODELS when set, else <c>~/.modelscout/models</c>.</summary>
    public static string DefaultRoot(Func<string, string?>? getenv = null)
    {
        getenv ??= Environment.GetEnvironmentVariable;
        var configured = getenv(ModelsVariable);
        if (!string.IsNullOrWhiteSpace(configured)) return Path.GetFullPath(configured);
        return Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".modelscout", "models");
    }

    public string Root { get; }

    private string BlobsDir => Path.Combine(Root, "blobs");

    /// <summary>Unfinished downloads and copies; nothing here is ever read as a model.</summary>
    internal string PartialDir => Path.Combine(Root, "blobs", "partial");

    private string ManifestsDir => Path.Combine(Root, "manifests");

    internal string BlobFile(string digest) => Path.Combine(BlobsDir, BlobDigest.FileName(digest));

    public async Task<string> AddBlobAsync(Stream content, string expectedDigest, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(content);
        var (digest, _) = await WriteBlobAsync(content, null, null, cancellationToken, expectedDigest).ConfigureAwait(false);
        return digest;
    }

    public string? BlobPath(string digest)
    {
        var d = BlobDigest.Normalize(digest);
        if (d is null) return null;
        var path = BlobFile(d);
        return File.Exists(path) ? path : null;
    }

    // ---- reading ---------------------------------------------------------------------------------------------------

    public IReadOnlyList<StoredModel> List()
    {
        if (!Directory.Exists(ManifestsDir)) return [];
        var models = new List<StoredModel>();
        foreach (var (name, path) in AllManifests())
        {
            if (Load(name, path) is { } m) models.Add(m);
        }
        return [.. models.OrderByDescending(m => m.ModifiedAt).ThenBy(m => m.Name, StringComparer.Ordinal)];
    }

    public StoredModel? Find(string name)
    {
        var n = ModelName.Parse(name);
        return Locate(n) is { } found ? Load(found.Name, found.Path) : null;
    }

    public ResolvedModel Resolve(string name)
    {
        var model = Find(name) ?? throw NotFound(name);
        if (!File.Exists(model.ModelPath))
        {
            throw new StoreException(StoreErrorKind.Damaged,
                $"model '{model.Name}' is damaged: its model blob {model.ModelDigest} is missing from {BlobsDir}; run `scout pull {model.Name}` or `scout import FILE {model.Name}` again");
        }
        var parameters = model.Parameters is { } p ? ReadOptions(p) : new ModelOptions();
        return new ResolvedModel
        {
            Name = model.Name,
            GgufPath = model.ModelPath,
            Digest = model.ModelDigest,
            Parameters = parameters,
            Template = model.Template,
            System = model.System,
            Messages = model.Messages,
            ModifiedAt = model.ModifiedAt,
        };
    }

    internal static StoreException NotFound(string name) =>
        new(StoreErrorKind.NotFound, $"model '{name}' not found; run `scout pull {name}` or `scout import FILE {name}`") { Param = "model" };

    /// <summary>Every manifest file with the name its path spells; files that are not a valid name (temporaries) are skipped.</summary>
    private IEnumerable<(ModelName Name, string Path)> AllManifests()
    {
        if (!Directory.Exists(ManifestsDir)) yield break;
        foreach (var host in SafeDirectories(ManifestsDir))
        foreach (var ns in SafeDirectories(host))
        foreach (var model in SafeDirectories(ns))
        foreach (var tag in SafeFiles(model))
        {
            var name = ModelName.FromParts(Path.GetFileName(host), Path.GetFileName(ns), Path.GetFileName(model), Path.GetFileName(tag));
            if (name is not null) yield return (name, tag);
        }
    }

    private static string[] SafeDirectories(string dir)
    {
        try
        {
            return Directory.GetDirectories(dir);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return [];
        }
    }

    private static string[] SafeFiles(string dir)
    {
        try
        {
            return Directory.GetFiles(dir);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return [];
        }
    }

    /// <summary>The manifest for <paramref name="n"/>: the exact spelling first, then any spelling that differs only in case.</summary>
    private (ModelName Name, string Path)? Locate(ModelName n)
    {
        var exact = Path.Combine(ManifestsDir, n.ManifestRelativePath);
        if (File.Exists(exact)) return (n, exact);
        if (!Directory.Exists(ManifestsDir)) return null;
        var dir = ManifestsDir;
        var found = new string[3];
        var wanted = new[] { n.Host, n.Namespace, n.Model };
        for (var i = 0; i < 3; i++)
        {
            var match = SafeDirectories(dir).FirstOrDefault(d => string.Equals(Path.GetFileName(d), wanted[i], StringComparison.OrdinalIgnoreCase));
            if (match is null) return null;
            found[i] = Path.GetFileName(match);
            dir = match;
        }
        var file = SafeFiles(dir).FirstOrDefault(f => string.Equals(Path.GetFileName(f), n.Tag, StringComparison.OrdinalIgnoreCase));
        if (file is null) return null;
        var stored = ModelName.FromParts(found[0], found[1], found[2], Path.GetFileName(file));
        return stored is null ? null : (stored, file);
    }

    private static (Manifest? Manifest, byte[] Bytes, string? Problem) ReadManifest(string path)
    {
        byte[] bytes;
        try
        {
            var info = new FileInfo(path);
            if (info.Length > MaxManifestBytes) return (null, [], $"the manifest is {info.Length:N0} bytes, more than any real manifest");
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return (null, [], e.Message);
        }
        return ParseManifest(bytes) is var (m, problem) && m is not null ? (m, bytes, null) : (null, bytes, problem);
    }

    internal static (Manifest? Manifest, string? Problem) ParseManifest(byte[] bytes)
    {
        Manifest? manifest;
        try
        {
            manifest = JsonSerializer.Deserialize(bytes, StoreJson.Default.Manifest);
        }
        catch (JsonException e)
        {
            return (null, "the manifest is not valid JSON: " + e.Message);
        }
        if (manifest is null) return (null, "the manifest is empty");
        return manifest.Problem() is { } problem ? (null, problem) : (manifest, null);
    }

    /// <summary>A stored model from its manifest; null when the manifest cannot be read (listed models skip it).</summary>
    private StoredModel? Load(ModelName name, string path)
    {
        var (manifest, bytes, _) = ReadManifest(path);
        if (manifest is null) return null;
        var modelLayer = manifest.First(MediaTypes.Model)!;
        var modelPath = BlobFile(modelLayer.Digest);
        var config = ReadConfig(manifest.Config!);
        var details = new ModelDetails
        {
            Format = config?.ModelFormat ?? "gguf",
            Family = config?.ModelFamily ?? "",
            Families = config?.ModelFamilies ?? (config?.ModelFamily is { Length: > 0 } f ? [f] : []),
            ParameterSize = config?.ModelType ?? "",
            QuantizationLevel = config?.FileType ?? "",
            ParentModel = config?.ParentModel,
        };
        if (string.IsNullOrEmpty(details.Family) && File.Exists(modelPath))
        {
            // A registry may serve a bare config; the GGUF header has the facts.
            try
            {
                details = ModelDetailsReader.From(GgufReader.ReadFile(modelPath)) with { ParentModel = details.ParentModel };
            }
            catch (Exception e) when (e is GgufFormatException or IOException or UnauthorizedAccessException)
            {
                // Leave the details empty; resolving the model reports the problem.
            }
        }
        JsonObject? parameters = null;
        if (manifest.First(MediaTypes.Params) is { } pl && ReadText(pl) is { } ptext)
        {
            try
            {
                parameters = JsonNode.Parse(ptext) as JsonObject;
            }
            catch (JsonException)
            {
                parameters = null;
            }
        }
        IReadOnlyList<ChatTurn> messages = [];
        if (manifest.First(MediaTypes.Messages) is { } ml && ReadText(ml) is { } mtext)
        {
            try
            {
                messages = JsonSerializer.Deserialize(mtext, StoreJson.Default.ListMessageJson)?.Select(x => new ChatTurn(x.Role, x.Content)).ToList() ?? [];
            }
            catch (JsonException)
            {
                messages = [];
            }
        }
        return new StoredModel
        {
            Name = name.DisplayName,
            FullName = name.FullName,
            Digest = Convert.ToHexStringLower(SHA256.HashData(bytes)),
            Size = manifest.Layers!.Sum(l => l.Size),
            ModifiedAt = new DateTimeOffset(File.GetLastWriteTimeUtc(path), TimeSpan.Zero),
            ModelPath = modelPath,
            ModelDigest = modelLayer.Digest,
            Details = details,
            Template = manifest.First(MediaTypes.Template) is { } t ? ReadText(t) : null,
            System = manifest.First(MediaTypes.System) is { } s ? ReadText(s) : null,
            Parameters = parameters,
            Licenses = [.. manifest.Layers!.Where(l => l.MediaType == MediaTypes.License).Select(ReadText).OfType<string>()],
            Messages = messages,
        };
    }

    private ModelConfig? ReadConfig(Layer config)
    {
        if (ReadText(config) is not { } text) return null;
        try
        {
            return JsonSerializer.Deserialize(text, StoreJson.Default.ModelConfig);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private string? ReadText(Layer layer)
    {
        if (layer.Size > MaxTextLayerBytes) return null;
        var path = BlobFile(layer.Digest);
        try
        {
            return File.Exists(path) ? File.ReadAllText(path, Encoding.UTF8) : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    // ---- writing ---------------------------------------------------------------------------------------------------

    public Task<StoredModel> ImportAsync(string ggufPath, string name, IProgress<PullProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(ggufPath);
        if (!File.Exists(ggufPath))
            throw new StoreException(StoreErrorKind.NotFound, $"no such file: {ggufPath}; give the path of a .gguf file to import");
        return CreateCoreAsync(ModelName.Parse(name), new ModelDefinition { From = ggufPath }, fromFileOnly: true, progress, cancellationToken);
    }

    public Task<StoredModel> CreateAsync(string name, ModelDefinition definition, IProgress<PullProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(definition);
        return CreateCoreAsync(ModelName.Parse(name), definition, fromFileOnly: false, progress, cancellationToken);
    }

    private async Task<StoredModel> CreateCoreAsync(ModelName target, ModelDefinition definition, bool fromFileOnly, IProgress<PullProgress>? progress, CancellationToken ct)
    {
        var from = definition.From?.Trim() ?? "";
        if (from.Length == 0)
            throw new StoreException(StoreErrorKind.InvalidRequest, "FROM is required: a stored model name, a blob digest (sha256:...) or the path of a GGUF file") { Param = "from" };
        // Parameters are checked before anything is written, so a bad value leaves the store as it was.
        var overrides = definition.Parameters is null ? null : NormalizeParameters(definition.Parameters);

        Layer modelLayer;
        ModelDetails details;
        IReadOnlyList<Layer> inherited = [];
        JsonObject? baseParameters = null;
        if (!fromFileOnly && BlobDigest.Normalize(from) is { } digest)
        {
            var path = BlobPath(digest)
                ?? throw new StoreException(StoreErrorKind.NotFound, $"blob {digest} is not in the store; upload it first (POST /api/blobs/{digest}) or create from a GGUF file") { Param = "from" };
            var file = ValidateGguf(path, $"blob {digest}");
            modelLayer = new Layer(MediaTypes.Model, digest, new FileInfo(path).Length);
            details = ModelDetailsReader.From(file);
        }
        else if (!fromFileOnly && ModelName.TryParse(from, out _) is { } baseName && Locate(baseName) is { } located
            && ReadManifest(located.Path) is { Manifest: { } baseManifest } && Load(located.Name, located.Path) is { } baseModel)
        {
            modelLayer = baseManifest.First(MediaTypes.Model)!;
            details = baseModel.Details with { ParentModel = baseModel.Name };
            inherited = [.. baseManifest.Layers!.Where(l => l.MediaType != MediaTypes.Model)];
            baseParameters = baseModel.Parameters;
            progress?.Report(new PullProgress($"using existing layer {modelLayer.Digest}", modelLayer.Digest));
        }
        else if (File.Exists(from))
        {
            (modelLayer, details) = await ImportFileAsync(from, progress, ct);
        }
        else
        {
            throw new StoreException(StoreErrorKind.NotFound,
                $"'{from}' is neither a stored model, a blob in the store, nor a GGUF file; `scout list` shows the stored models") { Param = "from" };
        }

        var layers = new List<Layer> { modelLayer };
        layers.AddRange(inherited.Where(l => l.MediaType is not (MediaTypes.Template or MediaTypes.System or MediaTypes.Params or MediaTypes.License or MediaTypes.Messages)));
        Layer? Keep(string mediaType) => inherited.FirstOrDefault(l => l.MediaType == mediaType);

        if (definition.Template is { } template) { if (template.Length > 0) layers.Add(WriteSmallBlob(MediaTypes.Template, Encoding.UTF8.GetBytes(template), progress)); }
        else if (Keep(MediaTypes.Template) is { } t) layers.Add(t);

        if (definition.System is { } system) { if (system.Length > 0) layers.Add(WriteSmallBlob(MediaTypes.System, Encoding.UTF8.GetBytes(system), progress)); }
        else if (Keep(MediaTypes.System) is { } s) layers.Add(s);

        if (overrides is not null)
        {
            // Like Ollama: the new PARAMETERs replace the base model's values name by name and keep the rest.
            var merged = baseParameters is null ? new JsonObject() : NormalizeParameters(baseParameters);
            foreach (var (k, v) in overrides) merged[k] = v?.DeepClone();
            if (merged.Count > 0) layers.Add(WriteSmallBlob(MediaTypes.Params, ParamsBytes(merged), progress));
        }
        else if (Keep(MediaTypes.Params) is { } p) layers.Add(p);

        if (definition.Licenses is { } licenses)
        {
            foreach (var license in licenses.Where(l => l.Length > 0)) layers.Add(WriteSmallBlob(MediaTypes.License, Encoding.UTF8.GetBytes(license), progress));
        }
        else layers.AddRange(inherited.Where(l => l.MediaType == MediaTypes.License));

        if (definition.Messages is { } messages)
        {
            if (messages.Count > 0)
            {
                var json = JsonSerializer.SerializeToUtf8Bytes(messages.Select(m => new MessageJson(m.Role, m.Content)).ToList(), StoreJson.Default.ListMessageJson);
                layers.Add(WriteSmallBlob(MediaTypes.Messages, json, progress));
            }
        }
        else if (Keep(MediaTypes.Messages) is { } m) layers.Add(m);

        var config = WriteConfig(details, layers);
        progress?.Report(new PullProgress("writing manifest"));
        WriteManifest(target, new Manifest { Config = config, Layers = layers });
        progress?.Report(new PullProgress("success"));
        return Find(target.FullName) ?? throw new StoreException(StoreErrorKind.Internal, $"the manifest for '{target}' vanished right after it was written (another process removed it?)");
    }

    private static GgufFile ValidateGguf(string path, string what)
    {
        try
        {
            return GgufValidator.ValidateFile(path).File;
        }
        catch (GgufFormatException e)
        {
            throw new StoreException(StoreErrorKind.InvalidRequest,
                $"{what} is not a valid GGUF file ({e.Message}); nothing was written to the store. `scout inspect --validate FILE` shows the problem; download or convert the file again") { Param = "from" };
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new StoreException(StoreErrorKind.InvalidRequest, $"cannot read {what}: {e.Message}") { Param = "from" };
        }
    }

    /// <summary>Validates a GGUF, then copies it in as a blob, hashing as it goes.</summary>
    private async Task<(Layer Layer, ModelDetails Details)> ImportFileAsync(string path, IProgress<PullProgress>? progress, CancellationToken ct)
    {
        var file = ValidateGguf(path, path);
        var details = ModelDetailsReader.From(file);
        FileStream source;
        try
        {
            source = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.Asynchronous | FileOptions.SequentialScan);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new StoreException(StoreErrorKind.InvalidRequest, $"cannot read {path}: {e.Message}") { Param = "from" };
        }
        await using (source)
        {
            var (digest, size) = await WriteBlobAsync(source, source.Length, progress, ct);
            progress?.Report(new PullProgress($"creating new layer {digest}", digest, size, size));
            return (new Layer(MediaTypes.Model, digest, size), details);
        }
    }

    /// <summary>Copies <paramref name="source"/> into a unique temporary file in the store while hashing it, then renames it to its blob name.</summary>
    internal async Task<(string Digest, long Size)> WriteBlobAsync(Stream source, long? total, IProgress<PullProgress>? progress, CancellationToken ct, string? expectedDigest = null)
    {
        Directory.CreateDirectory(PartialDir);
        var temp = Path.Combine(PartialDir, $"copy-{Guid.NewGuid():N}.tmp");
        var buffer = ArrayPool<byte>.Shared.Rent(1 << 20);
        try
        {
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            long size = 0;
            var reported = Stopwatch.StartNew();
            await using (var output = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, FileOptions.Asynchronous))
            {
                int n;
                while ((n = await source.ReadAsync(buffer, ct)) > 0)
                {
                    hash.AppendData(buffer, 0, n);
                    await output.WriteAsync(buffer.AsMemory(0, n), ct);
                    size += n;
                    if (reported.ElapsedMilliseconds >= 200)
                    {
                        progress?.Report(new PullProgress("transferring model data", null, total, size));
                        reported.Restart();
                    }
                }
                output.Flush(flushToDisk: true);
            }
            progress?.Report(new PullProgress("transferring model data", null, total ?? size, size));
            var digest = BlobDigest.Of(hash);
            if (expectedDigest is not null && digest != expectedDigest)
                throw new StoreException(StoreErrorKind.InvalidRequest, $"the uploaded bytes hash to {digest}, not {expectedDigest}; upload the file again") { Param = "digest" };
            CommitBlob(temp, digest, size);
            return (digest, size);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
            TryDelete(temp);
        }
    }

    /// <summary>Puts a finished, verified temporary file in place as the blob <paramref name="digest"/>.</summary>
    internal void CommitBlob(string temp, string digest, long size)
    {
        var target = BlobFile(digest);
        if (File.Exists(target) && new FileInfo(target).Length == size)
        {
            // Same name, same length, content-addressed: another import or pull already put it there.
            TryDelete(temp);
            return;
        }
        File.Move(temp, target, overwrite: true);
    }

    private Layer WriteSmallBlob(string mediaType, byte[] bytes, IProgress<PullProgress>? progress)
    {
        var digest = BlobDigest.Of(bytes);
        var target = BlobFile(digest);
        if (File.Exists(target) && new FileInfo(target).Length == bytes.Length)
        {
            progress?.Report(new PullProgress($"using existing layer {digest}", digest));
        }
        else
        {
            Directory.CreateDirectory(PartialDir);
            var temp = Path.Combine(PartialDir, $"small-{Guid.NewGuid():N}.tmp");
            try
            {
                File.WriteAllBytes(temp, bytes);
                CommitBlob(temp, digest, bytes.Length);
            }
            finally
            {
                TryDelete(temp);
            }
            progress?.Report(new PullProgress($"creating new layer {digest}", digest));
        }
        return new Layer(mediaType, digest, bytes.Length);
    }

    private Layer WriteConfig(ModelDetails details, IReadOnlyList<Layer> layers)
    {
        var config = new ModelConfig
        {
            ModelFormat = details.Format,
            ModelFamily = details.Family,
            ModelFamilies = details.Families,
            ModelType = details.ParameterSize,
            FileType = details.QuantizationLevel,
            ParentModel = details.ParentModel,
            Architecture = "amd64",
            Os = "linux",
            RootFs = new RootFs("layers", [.. layers.Select(l => l.Digest)]),
        };
        return WriteSmallBlob(MediaTypes.Config, JsonSerializer.SerializeToUtf8Bytes(config, StoreJson.Default.ModelConfig), null);
    }

    /// <summary>Writes a manifest through a temporary file and a rename, and drops a spelling of the same name that differs only in case.</summary>
    internal void WriteManifest(ModelName name, Manifest manifest) =>
        WriteManifestBytes(name, JsonSerializer.SerializeToUtf8Bytes(manifest, StoreJson.Default.Manifest));

    internal void WriteManifestBytes(ModelName name, byte[] bytes)
    {
        var previous = Locate(name);
        var path = Path.Combine(ManifestsDir, name.ManifestRelativePath);
        var dir = Path.GetDirectoryName(path)!;
        Directory.CreateDirectory(dir);
        var temp = Path.Combine(dir, $".{name.Tag}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var f = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                f.Write(bytes);
                f.Flush(flushToDisk: true);
            }
            File.Move(temp, path, overwrite: true);
        }
        finally
        {
            TryDelete(temp);
        }
        if (previous is { } old && !string.Equals(old.Path, path, StringComparison.Ordinal))
        {
            TryDelete(old.Path);
            PruneEmptyDirectories(Path.GetDirectoryName(old.Path)!);
        }
    }

    // ---- remove, copy ------------------------------------------------------------------------------------------------

    public bool Remove(string name)
    {
        var n = ModelName.Parse(name);
        if (Locate(n) is not { } found) return false;
        var (manifest, _, _) = ReadManifest(found.Path);
        File.Delete(found.Path);
        PruneEmptyDirectories(Path.GetDirectoryName(found.Path)!);
        if (manifest is null) return true;
        // Only this model's blobs are candidates: a full sweep could delete a blob another process has just written
        // and is about to reference from a manifest.
        var used = ReferencedDigests();
        foreach (var layer in manifest.AllBlobs)
        {
            if (!used.Contains(layer.Digest)) TryDelete(BlobFile(layer.Digest));
        }
        return true;
    }

    private HashSet<string> ReferencedDigests()
    {
        var used = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (_, path) in AllManifests())
        {
            if (ReadManifest(path).Manifest is { } m)
            {
                foreach (var l in m.AllBlobs) used.Add(l.Digest);
            }
        }
        return used;
    }

    public StoredModel Copy(string source, string destination)
    {
        var from = ModelName.Parse(source);
        var to = ModelName.Parse(destination);
        var found = Locate(from) ?? throw NotFound(source);
        var (manifest, bytes, problem) = ReadManifest(found.Path);
        if (manifest is null)
            throw new StoreException(StoreErrorKind.Damaged, $"model '{source}' has a damaged manifest ({problem}); remove it with `scout rm {source}` and pull or import it again");
        WriteManifestBytes(to, bytes);
        return Find(to.FullName) ?? throw NotFound(destination);
    }

    private void PruneEmptyDirectories(string dir)
    {
        var stop = Path.TrimEndingDirectorySeparator(ManifestsDir);
        while (dir.Length > stop.Length && dir.StartsWith(stop, StringComparison.Ordinal))
        {
            try
            {
                if (Directory.EnumerateFileSystemEntries(dir).Any()) return;
                Directory.Delete(dir);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                return;
            }
            dir = Path.GetDirectoryName(dir)!;
        }
    }

    internal static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Left behind in blobs/partial at worst; never read as a model.
        }
    }

    // ---- parameters ----------------------------------------------------------------------------------------------

    private static readonly HashSet<string> IntegerOptions = new(StringComparer.Ordinal)
    {
        "num_ctx", "num_predict", "num_keep", "top_k", "repeat_last_n", "seed", "num_thread", "num_batch",
        "num_gpu", "main_gpu", "mirostat", "num_gqa",
    };

    private static readonly HashSet<string> FloatOptions = new(StringComparer.Ordinal)
    {
        "temperature", "top_p", "min_p", "typical_p", "repeat_penalty", "presence_penalty", "frequency_penalty",
        "mirostat_tau", "mirostat_eta", "tfs_z",
    };

    /// <summary>
    /// Checks parameters as the engine will read them (a bad value is an <see cref="StoreErrorKind.InvalidRequest"/>
    /// naming it) and types them as Ollama stores them: numbers for numeric options even when given as text (Modelfiles
    /// are text), <c>stop</c> always an array, keys sorted.
    /// </summary>
    internal static JsonObject NormalizeParameters(JsonObject parameters)
    {
        ReadOptions(parameters);
        var result = new JsonObject();
        foreach (var (key, value) in parameters.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            if (value is null) continue;
            if (key == "stop")
            {
                var stops = new JsonArray();
                if (value is JsonArray array)
                {
                    foreach (var s in array) stops.Add(s?.DeepClone());
                }
                else stops.Add(value.DeepClone());
                result[key] = stops;
            }
            else if (value is JsonValue v && v.TryGetValue<string>(out var text) && (IntegerOptions.Contains(key) || FloatOptions.Contains(key)))
            {
                if (IntegerOptions.Contains(key) && long.TryParse(text, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var i)) result[key] = i;
                else if (double.TryParse(text, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var d)) result[key] = d;
                else throw new StoreException(StoreErrorKind.InvalidRequest, $"parameter '{key}' must be a number, got \"{text}\"") { Param = key };
            }
            else result[key] = value.DeepClone();
        }
        return result;
    }

    /// <summary>Parameters as the engine reads them; a value it would refuse is an InvalidRequest naming the parameter.</summary>
    private static ModelOptions ReadOptions(JsonObject parameters)
    {
        using var doc = JsonDocument.Parse(parameters.ToJsonString());
        try
        {
            return ModelOptions.FromJson(doc.RootElement);
        }
        catch (InvalidRequestException e)
        {
            throw new StoreException(StoreErrorKind.InvalidRequest, e.Message, e) { Param = e.Param };
        }
    }

    /// <summary>The params layer's bytes as Ollama's Go encoder writes them: compact, sorted keys, &lt; &gt; &amp; escaped, a final newline.</summary>
    internal static byte[] ParamsBytes(JsonObject parameters)
    {
        var json = parameters.ToJsonString(new JsonSerializerOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, WriteIndented = false });
        // Outside strings JSON never contains these characters, so replacing them escapes exactly what Go escapes.
        json = json.Replace("<", "\\u003c", StringComparison.Ordinal).Replace(">", "\\u003e", StringComparison.Ordinal).Replace("&", "\\u0026", StringComparison.Ordinal);
        return Encoding.UTF8.GetBytes(json + "\n");
    }
}
