using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using ModelScout.Gguf;

namespace ModelScout.Store;

/// <summary>
/// Makes stored models from local things: a GGUF file (<c>scout import</c>), or a definition (<c>scout create</c>,
/// <c>/api/create</c>) over a stored model, a blob or a GGUF file with its own template, system prompt, parameters,
/// licences and messages. A GGUF is validated before any byte is copied; parameters are checked before anything is written.
/// </summary>
internal sealed class ModelImporter(BlobStore blobs, ManifestStore manifests)
{
    public Task<StoredModel> ImportAsync(string ggufPath, string name, IProgress<PullProgress>? progress, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(ggufPath);
        if (!File.Exists(ggufPath))
            throw new StoreException(StoreErrorKind.NotFound, $"no such file: {ggufPath}; give the path of a .gguf file to import");
        return CreateAsync(ModelName.Parse(name), new ModelDefinition { From = ggufPath }, fromFileOnly: true, progress, ct);
    }

    public Task<StoredModel> CreateAsync(string name, ModelDefinition definition, IProgress<PullProgress>? progress, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(definition);
        return CreateAsync(ModelName.Parse(name), definition, fromFileOnly: false, progress, ct);
    }

    private async Task<StoredModel> CreateAsync(ModelName target, ModelDefinition definition, bool fromFileOnly, IProgress<PullProgress>? progress, CancellationToken ct)
    {
        var from = definition.From?.Trim() ?? "";
        if (from.Length == 0)
            throw new StoreException(StoreErrorKind.InvalidRequest, "FROM is required: a stored model name, a blob digest (sha256:...) or the path of a GGUF file") { Param = "from" };
        // Parameters are checked before anything is written, so a bad value leaves the store as it was.
        var overrides = definition.Parameters is null ? null : ParamsLayer.Normalize(definition.Parameters);

        Layer modelLayer;
        ModelDetails details;
        IReadOnlyList<Layer> inherited = [];
        JsonObject? baseParameters = null;
        if (!fromFileOnly && BlobDigest.Normalize(from) is { } digest)
        {
            var path = blobs.PathOf(digest)
                ?? throw new StoreException(StoreErrorKind.NotFound, $"blob {digest} is not in the store; upload it first (POST /api/blobs/{digest}) or create from a GGUF file") { Param = "from" };
            var file = ValidateGguf(path, $"blob {digest}");
            modelLayer = new Layer(MediaTypes.Model, digest, new FileInfo(path).Length);
            details = ModelDetailsReader.From(file);
        }
        else if (!fromFileOnly && ModelName.TryParse(from, out _) is { } baseName && manifests.Locate(baseName) is { } located
            && ManifestStore.Read(located.Path) is { Manifest: { } baseManifest } && manifests.Load(located.Name, located.Path) is { } baseModel)
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

        if (definition.Template is { } template) { if (template.Length > 0) layers.Add(blobs.WriteSmall(MediaTypes.Template, Encoding.UTF8.GetBytes(template), progress)); }
        else if (Keep(MediaTypes.Template) is { } t) layers.Add(t);

        if (definition.System is { } system) { if (system.Length > 0) layers.Add(blobs.WriteSmall(MediaTypes.System, Encoding.UTF8.GetBytes(system), progress)); }
        else if (Keep(MediaTypes.System) is { } s) layers.Add(s);

        if (overrides is not null)
        {
            // Like Ollama: the new PARAMETERs replace the base model's values name by name and keep the rest.
            var merged = baseParameters is null ? new JsonObject() : ParamsLayer.Normalize(baseParameters);
            foreach (var (k, v) in overrides) merged[k] = v?.DeepClone();
            if (merged.Count > 0) layers.Add(blobs.WriteSmall(MediaTypes.Params, ParamsLayer.Bytes(merged), progress));
        }
        else if (Keep(MediaTypes.Params) is { } p) layers.Add(p);

        if (definition.Licenses is { } licenses)
        {
            foreach (var license in licenses.Where(l => l.Length > 0)) layers.Add(blobs.WriteSmall(MediaTypes.License, Encoding.UTF8.GetBytes(license), progress));
        }
        else layers.AddRange(inherited.Where(l => l.MediaType == MediaTypes.License));

        if (definition.Messages is { } messages)
        {
            if (messages.Count > 0)
            {
                var json = JsonSerializer.SerializeToUtf8Bytes(messages.Select(m => new MessageJson(m.Role, m.Content)).ToList(), StoreJson.Default.ListMessageJson);
                layers.Add(blobs.WriteSmall(MediaTypes.Messages, json, progress));
            }
        }
        else if (Keep(MediaTypes.Messages) is { } m) layers.Add(m);

        var config = manifests.WriteConfig(details, layers);
        progress?.Report(new PullProgress("writing manifest"));
        var stored = manifests.Write(target, new Manifest { Config = config, Layers = layers });
        progress?.Report(new PullProgress("success"));
        return stored;
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
            var (digest, size) = await blobs.WriteAsync(source, source.Length, progress, ct);
            progress?.Report(new PullProgress($"creating new layer {digest}", digest, size, size));
            return (new Layer(MediaTypes.Model, digest, size), details);
        }
    }
}
