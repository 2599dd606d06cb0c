using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using ModelScout.Gguf;
using ModelScout.Prompting;

namespace ModelScout.Store;

/// <summary>
/// Names to manifests: one Docker v2 manifest per name under <c>manifests/&lt;host&gt;/&lt;namespace&gt;/&lt;model&gt;/&lt;tag&gt;</c>,
/// each naming its layers in <paramref name="blobs"/>. A manifest appears by an atomic rename of a finished temporary
/// file, so a reader never sees half of one.
/// </summary>
internal sealed class ManifestStore(string root, BlobStore blobs)
{
    /// <summary>No real manifest comes near this; a larger file or response is not one.</summary>
    public const int MaxBytes = 1 << 20;

    public string Dir { get; } = Path.Combine(root, "manifests");

    /// <summary>Called at each named step of a write (see <see cref="ModelStore.WriteStep"/>).</summary>
    public Action<string>? Step { get; set; }

    /// <summary>The error for a name the store does not hold, saying how to get it.</summary>
    public static StoreException NotFound(string name) =>
        new(StoreErrorKind.NotFound, $"model '{name}' not found; run `scout pull {name}` or `scout import FILE {name}`") { Param = "model" };

    /// <summary>Every stored model, newest first; manifests that cannot be read are left out.</summary>
    public IReadOnlyList<StoredModel> List()
    {
        if (!Directory.Exists(Dir)) return [];
        var models = new List<StoredModel>();
        foreach (var (name, path) in All())
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

    /// <summary>Every manifest file with the name its path spells; files that are not a valid name (temporaries) are skipped.</summary>
    public IEnumerable<(ModelName Name, string Path)> All()
    {
        if (!Directory.Exists(Dir)) yield break;
        foreach (var host in SafeDirectories(Dir))
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
    public (ModelName Name, string Path)? Locate(ModelName n)
    {
        var exact = Path.Combine(Dir, n.ManifestRelativePath);
        if (File.Exists(exact)) return (n, exact);
        if (!Directory.Exists(Dir)) return null;
        var dir = Dir;
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

    public static (Manifest? Manifest, byte[] Bytes, string? Problem) Read(string path)
    {
        byte[] bytes;
        try
        {
            var info = new FileInfo(path);
            if (info.Length > MaxBytes) return (null, [], $"the manifest is {info.Length:N0} bytes, more than any real manifest");
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return (null, [], e.Message);
        }
        return Parse(bytes) is var (m, problem) && m is not null ? (m, bytes, null) : (null, bytes, problem);
    }

    public static (Manifest? Manifest, string? Problem) Parse(byte[] bytes)
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
    public StoredModel? Load(ModelName name, string path)
    {
        var (manifest, bytes, _) = Read(path);
        if (manifest is null) return null;
        var modelLayer = manifest.First(MediaTypes.Model)!;
        var modelPath = blobs.FileOf(modelLayer.Digest);
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
        if (manifest.First(MediaTypes.Params) is { } pl && blobs.ReadText(pl) is { } ptext)
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
        if (manifest.First(MediaTypes.Messages) is { } ml && blobs.ReadText(ml) is { } mtext)
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
            Template = manifest.First(MediaTypes.Template) is { } t ? blobs.ReadText(t) : null,
            System = manifest.First(MediaTypes.System) is { } s ? blobs.ReadText(s) : null,
            Parameters = parameters,
            Licenses = [.. manifest.Layers!.Where(l => l.MediaType == MediaTypes.License).Select(blobs.ReadText).OfType<string>()],
            Messages = messages,
        };
    }

    private ModelConfig? ReadConfig(Layer config)
    {
        if (blobs.ReadText(config) is not { } text) return null;
        try
        {
            return JsonSerializer.Deserialize(text, StoreJson.Default.ModelConfig);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>Writes the config blob a manifest points at: the model's details and the digests of its layers.</summary>
    public Layer WriteConfig(ModelDetails details, IReadOnlyList<Layer> layers)
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
        return blobs.WriteSmall(MediaTypes.Config, JsonSerializer.SerializeToUtf8Bytes(config, StoreJson.Default.ModelConfig), null);
    }

    /// <summary>
    /// Writes a manifest through a temporary file and a rename under the store's write lock, after checking that every blob
    /// it names is in place, and drops a spelling of the same name that differs only in case. Returns the model as written
    /// (a removal that comes right after may already have taken it off the disk).
    /// </summary>
    public StoredModel Write(ModelName name, Manifest manifest) =>
        WriteBytes(name, JsonSerializer.SerializeToUtf8Bytes(manifest, StoreJson.Default.Manifest));

    public StoredModel WriteBytes(ModelName name, byte[] bytes)
    {
        using var held = StoreLock.Take(root);
        return WriteLocked(name, bytes);
    }

    private StoredModel WriteLocked(ModelName name, byte[] bytes)
    {
        var (manifest, problem) = Parse(bytes);
        if (manifest is null) throw new StoreException(StoreErrorKind.Internal, $"refusing to write a manifest for '{name}' that cannot be read back: {problem}");
        foreach (var layer in manifest.AllBlobs)
        {
            var blob = blobs.FileOf(layer.Digest);
            if (!File.Exists(blob) || new FileInfo(blob).Length != layer.Size)
            {
                throw new StoreException(StoreErrorKind.NotFound,
                    $"blob {layer.Digest} of '{name}' was removed (by a `scout rm` or DELETE /api/delete of a model that shared it) before the manifest could be written; nothing was written: run the same command again") { Param = "model" };
            }
        }
        var previous = Locate(name);
        var path = Path.Combine(Dir, name.ManifestRelativePath);
        var dir = Path.GetDirectoryName(path)!;
        Directory.CreateDirectory(dir);
        var temp = Path.Combine(dir, $".{name.Tag}.{Guid.NewGuid():N}.tmp");
        try
        {
            using var f = DurableFile.CreateTemp(temp);
            f.Write(bytes);
            Step?.Invoke("manifest-written");
            DurableFile.Commit(f, path);
        }
        finally
        {
            BlobStore.TryDelete(temp);
        }
        if (previous is { } old && !string.Equals(old.Path, path, StringComparison.Ordinal))
        {
            BlobStore.TryDelete(old.Path);
            PruneEmptyDirectories(Path.GetDirectoryName(old.Path)!);
        }
        return Load(name, path) ?? throw new StoreException(StoreErrorKind.Internal, $"the manifest just written for '{name}' cannot be read back from {path}");
    }

    /// <summary>Removes the manifest and any of its blobs no other manifest uses; false when there was no such model.</summary>
    public bool Remove(string name)
    {
        var n = ModelName.Parse(name);
        // Looked up once before the lock so that removing from a store that does not exist creates nothing.
        if (Locate(n) is null) return false;
        using var held = StoreLock.Take(root);
        if (Locate(n) is not { } found) return false;
        var (manifest, _, _) = Read(found.Path);
        File.Delete(found.Path);
        PruneEmptyDirectories(Path.GetDirectoryName(found.Path)!);
        if (manifest is null) return true;
        Step?.Invoke("manifest-removed");
        // Only this model's blobs are candidates: a full sweep could delete a blob another process has just written
        // and is about to reference from a manifest.
        var used = ReferencedDigests();
        foreach (var layer in manifest.AllBlobs)
        {
            if (!used.Contains(layer.Digest)) blobs.Delete(layer.Digest);
        }
        return true;
    }

    private HashSet<string> ReferencedDigests()
    {
        var used = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (_, path) in All())
        {
            if (Read(path).Manifest is { } m)
            {
                foreach (var l in m.AllBlobs) used.Add(l.Digest);
            }
        }
        return used;
    }

    /// <summary>Gives <paramref name="source"/>'s manifest a second name (blobs are shared).</summary>
    public StoredModel Copy(string source, string destination)
    {
        var from = ModelName.Parse(source);
        var to = ModelName.Parse(destination);
        _ = Locate(from) ?? throw NotFound(source);
        using var held = StoreLock.Take(root);
        var found = Locate(from) ?? throw NotFound(source);
        var (manifest, bytes, problem) = Read(found.Path);
        if (manifest is null)
            throw new StoreException(StoreErrorKind.Damaged, $"model '{source}' has a damaged manifest ({problem}); remove it with `scout rm {source}` and pull or import it again");
        return WriteLocked(to, bytes);
    }

    public void PruneEmptyDirectories(string dir)
    {
        var stop = Path.TrimEndingDirectorySeparator(Dir);
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
}
