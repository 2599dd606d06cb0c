namespace ModelScout.Store;

/// <summary>What <see cref="ModelStore.Clean"/> removed; empty lists when the store was already consistent.</summary>
public sealed record StoreCleanup
{
    /// <summary>Temporary files that interrupted writes left (store-relative paths).</summary>
    public IReadOnlyList<string> TempFiles { get; init; } = [];

    /// <summary>Manifests removed because a blob they name is missing or has the wrong size: the name and why.</summary>
    public IReadOnlyList<DamagedManifest> DamagedManifests { get; init; } = [];

    /// <summary>Blobs no manifest names any more (an interrupted <c>rm</c>), older than the grace period.</summary>
    public IReadOnlyList<string> OrphanBlobs { get; init; } = [];

    /// <summary>Bytes the removed files held.</summary>
    public long BytesFreed { get; init; }

    public bool IsEmpty => TempFiles.Count == 0 && DamagedManifests.Count == 0 && OrphanBlobs.Count == 0;
}

/// <summary>A manifest the cleanup removed and the reason.</summary>
public sealed record DamagedManifest(string Name, string Problem);

/// <summary>
/// Repairs what a crash can leave behind (see <see cref="DurableFile"/>): temporary files of copies and manifests whose
/// writer is gone, manifests that name a blob that is not there (or not whole), and blobs nothing names. Resumable
/// downloads in <c>blobs/partial/</c> are kept: a pull resumes them.
/// </summary>
internal sealed class StoreJanitor(string root, BlobStore blobs, ManifestStore manifests, TimeProvider time)
{
    /// <summary>On Windows a temporary file is unlocked for a moment before its rename; younger ones are left alone there.</summary>
    private static readonly TimeSpan WindowsTempGrace = TimeSpan.FromMinutes(1);

    public StoreCleanup Clean(TimeSpan orphanBlobAge)
    {
        if (!Directory.Exists(root)) return new StoreCleanup();
        var temps = new List<string>();
        var damaged = new List<DamagedManifest>();
        var orphans = new List<string>();
        long freed = 0;
        var now = time.GetUtcNow().UtcDateTime;

        void RemoveFile(string path, List<string> into)
        {
            long length;
            try
            {
                length = new FileInfo(path).Length;
                File.Delete(path);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                return;
            }
            freed += length;
            into.Add(Path.GetRelativePath(root, path));
        }

        bool Abandoned(string path) =>
            !DurableFile.IsHeld(path) && (!OperatingSystem.IsWindows() || now - File.GetLastWriteTimeUtc(path) > WindowsTempGrace);

        // 1. Temporary copies (copy-*.tmp, small-*.tmp) whose writer died; download partials are resumable and stay.
        if (Directory.Exists(blobs.PartialDir))
        {
            foreach (var file in Directory.EnumerateFiles(blobs.PartialDir, "*.tmp"))
            {
                if (Abandoned(file)) RemoveFile(file, temps);
            }
        }

        // 2. Temporary manifests (.<tag>.<guid>.tmp next to the manifest they were to become).
        if (Directory.Exists(manifests.Dir))
        {
            foreach (var file in Directory.EnumerateFiles(manifests.Dir, ".*.tmp", SearchOption.AllDirectories))
            {
                if (Abandoned(file)) RemoveFile(file, temps);
            }
        }

        // 3 and 4 under the write lock, so no manifest is being committed meanwhile; a store this process cannot write
        // (read-only, another owner) is listed as it is.
        StoreLock held;
        try
        {
            held = StoreLock.Take(root);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or StoreException)
        {
            return new StoreCleanup { TempFiles = temps, BytesFreed = freed };
        }
        using var locked = held;

        // 3. Manifests that name a missing or cut-short blob: loading them could only fail.
        var referenced = new HashSet<string>(StringComparer.Ordinal);
        var unreadable = false;
        foreach (var (name, path) in manifests.All())
        {
            if (ManifestStore.Read(path).Manifest is not { } manifest)
            {
                // Its blobs are unknown, so no blob can be called an orphan this time.
                unreadable = true;
                continue;
            }
            var problem = manifest.AllBlobs.Select(Problem).FirstOrDefault(p => p is not null);
            if (problem is null)
            {
                foreach (var l in manifest.AllBlobs) referenced.Add(l.Digest);
                continue;
            }
            var removed = new List<string>();
            RemoveFile(path, removed);
            if (removed.Count > 0)
            {
                manifests.PruneEmptyDirectories(Path.GetDirectoryName(path)!);
                damaged.Add(new DamagedManifest(name.DisplayName, problem));
            }
        }

        // 4. Blobs no manifest names, older than the grace period (a writer commits its blobs before its manifest).
        if (!unreadable && Directory.Exists(blobs.Dir))
        {
            foreach (var file in Directory.EnumerateFiles(blobs.Dir, "sha256-*"))
            {
                var digest = BlobDigest.Normalize(Path.GetFileName(file));
                if (digest is null || referenced.Contains(digest)) continue;
                if (now - File.GetLastWriteTimeUtc(file) < orphanBlobAge) continue;
                RemoveFile(file, orphans);
            }
        }
        return new StoreCleanup { TempFiles = temps, DamagedManifests = damaged, OrphanBlobs = orphans, BytesFreed = freed };
    }

    private string? Problem(Layer layer)
    {
        var path = blobs.FileOf(layer.Digest);
        if (!File.Exists(path)) return $"its blob {layer.Digest} is missing";
        var size = new FileInfo(path).Length;
        return size == layer.Size ? null : $"its blob {layer.Digest} has {size:N0} bytes, not {layer.Size:N0}";
    }
}
