using System.Buffers;
using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;

namespace ModelScout.Store;

/// <summary>
/// Content-addressed blobs: <c>blobs/sha256-&lt;hex&gt;</c>. A blob appears only by renaming a finished, hashed temporary
/// file from <c>blobs/partial/</c> (flushed to disk, renamed while its writer still holds it locked: see
/// <see cref="DurableFile"/>), so a reader never sees half of one, a crash leaves at most a temporary file that
/// <see cref="StoreJanitor"/> removes, and two writers of the same content agree.
/// </summary>
internal sealed class BlobStore(string root)
{
    // Text layers (template, system, params, licence, messages) are small; a larger one is not read into memory.
    private const int MaxTextBytes = 4 << 20;

    public string Dir { get; } = Path.Combine(root, "blobs");

    /// <summary>Called at each named step of a write (see <see cref="ModelStore.WriteStep"/>); crash tests stop the process there.</summary>
    public Action<string>? Step { get; set; }

    /// <summary>Unfinished downloads and copies; nothing here is ever read as a model.</summary>
    public string PartialDir => Path.Combine(Dir, "partial");

    /// <summary>Where the blob <paramref name="digest"/> (<c>sha256:hex</c>, already valid) lives or would live.</summary>
    public string FileOf(string digest) => Path.Combine(Dir, BlobDigest.FileName(digest));

    /// <summary>Path of the blob, or null when the digest is malformed or the store lacks it.</summary>
    public string? PathOf(string digest)
    {
        var d = BlobDigest.Normalize(digest);
        if (d is null) return null;
        var path = FileOf(d);
        return File.Exists(path) ? path : null;
    }

    /// <summary>Copies <paramref name="source"/> into a unique temporary file while hashing it, then renames it to its blob name.</summary>
    public async Task<(string Digest, long Size)> WriteAsync(Stream source, long? total, IProgress<PullProgress>? progress, CancellationToken ct, string? expectedDigest = null)
    {
        Directory.CreateDirectory(PartialDir);
        var temp = Path.Combine(PartialDir, $"copy-{Guid.NewGuid():N}.tmp");
        var buffer = ArrayPool<byte>.Shared.Rent(1 << 20);
        try
        {
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            long size = 0;
            string digest;
            var reported = Stopwatch.StartNew();
            await using (var output = DurableFile.CreateTemp(temp, asynchronous: true))
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
                progress?.Report(new PullProgress("transferring model data", null, total ?? size, size));
                digest = BlobDigest.Of(hash);
                if (expectedDigest is not null && digest != expectedDigest)
                    throw new StoreException(StoreErrorKind.InvalidRequest, $"the uploaded bytes hash to {digest}, not {expectedDigest}; upload the file again") { Param = "digest" };
                Step?.Invoke("blob-written");
                Commit(output, digest, size);
            }
            Step?.Invoke("blob-committed");
            return (digest, size);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
            TryDelete(temp);
        }
    }

    /// <summary>Puts a finished, verified temporary file in place as the blob <paramref name="digest"/>.</summary>
    public void Commit(string temp, string digest, long size)
    {
        var target = FileOf(digest);
        if (File.Exists(target) && new FileInfo(target).Length == size)
        {
            // Same name, same length, content-addressed: another import or pull already put it there.
            TryDelete(temp);
            return;
        }
        File.Move(temp, target, overwrite: true);
    }

    /// <summary>Puts a finished temporary file still open (and locked) in place as the blob <paramref name="digest"/>.</summary>
    private void Commit(FileStream temp, string digest, long size)
    {
        var target = FileOf(digest);
        if (File.Exists(target) && new FileInfo(target).Length == size) return;
        DurableFile.Commit(temp, target);
    }

    /// <summary>Stores a small layer (template, system prompt, params, config...) held in memory.</summary>
    public Layer WriteSmall(string mediaType, byte[] bytes, IProgress<PullProgress>? progress)
    {
        var digest = BlobDigest.Of(bytes);
        var target = FileOf(digest);
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
                using var output = DurableFile.CreateTemp(temp);
                output.Write(bytes);
                Commit(output, digest, bytes.Length);
            }
            finally
            {
                TryDelete(temp);
            }
            progress?.Report(new PullProgress($"creating new layer {digest}", digest));
        }
        return new Layer(mediaType, digest, bytes.Length);
    }

    /// <summary>A text layer's content; null when it is missing, unreadable or too large to be a text layer.</summary>
    public string? ReadText(Layer layer)
    {
        if (layer.Size > MaxTextBytes) return null;
        var path = FileOf(layer.Digest);
        try
        {
            return File.Exists(path) ? File.ReadAllText(path, Encoding.UTF8) : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    public void Delete(string digest) => TryDelete(FileOf(digest));

    public static void TryDelete(string path)
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
}
