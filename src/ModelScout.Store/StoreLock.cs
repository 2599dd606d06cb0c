using System.Diagnostics;

namespace ModelScout.Store;

/// <summary>
/// The store's write lock, shared by every scout process and every thread: an exclusive advisory lock on
/// <c>&lt;store&gt;/.lock</c>. Held while a manifest is committed (after its blobs are in place) and for the whole of a
/// removal, so a removal can never delete a blob a manifest being written names, and a manifest is never written
/// naming a blob that is gone. Blob data is copied outside the lock; only the short commit steps wait for it.
/// </summary>
internal sealed class StoreLock : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);
    private readonly FileStream file;

    private StoreLock(FileStream file) => this.file = file;

    public static StoreLock Take(string root)
    {
        Directory.CreateDirectory(root);
        var path = Path.Combine(root, ".lock");
        var waited = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                return new StoreLock(new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1));
            }
            catch (IOException) when (waited.Elapsed < Patience)
            {
                Thread.Sleep(2);
            }
            catch (IOException e)
            {
                throw new StoreException(StoreErrorKind.Internal,
                    $"the store {root} stayed locked for {Patience.TotalSeconds:N0} s ({path}); another scout process is writing it: try again when it is done", e);
            }
        }
    }

    public void Dispose() => file.Dispose();
}
