namespace ModelScout.Store;

/// <summary>
/// How every file of the store is written so that a crash (kill -9, power loss) never leaves half of one under its
/// final name: bytes go to a temporary file opened with <see cref="FileShare.None"/> (on Unix an exclusive advisory lock
/// that other scout processes see), are flushed to disk, and the file is renamed into place while the lock is still
/// held. A temporary file nobody holds locked was therefore left by a writer that died, and <see cref="StoreJanitor"/>
/// may remove it.
/// </summary>
internal static class DurableFile
{
    /// <summary>Opens a new temporary file for writing, locked against other writers and the janitor.</summary>
    public static FileStream CreateTemp(string path, bool asynchronous = false) =>
        new(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, asynchronous ? FileOptions.Asynchronous : FileOptions.None);

    /// <summary>Flushes <paramref name="temp"/> to disk and renames it to <paramref name="target"/>, then closes it.</summary>
    /// <remarks>
    /// Windows cannot rename a file that is open without delete sharing, so there the file is closed first (the janitor's
    /// lock probe then has a window of a few microseconds; its age rule covers it).
    /// </remarks>
    public static void Commit(FileStream temp, string target)
    {
        ArgumentNullException.ThrowIfNull(temp);
        temp.Flush(flushToDisk: true);
        if (OperatingSystem.IsWindows())
        {
            var name = temp.Name;
            temp.Dispose();
            File.Move(name, target, overwrite: true);
            return;
        }
        File.Move(temp.Name, target, overwrite: true);
        temp.Dispose();
    }

    /// <summary>True when some process holds <paramref name="path"/> open for writing through <see cref="CreateTemp"/>.</summary>
    public static bool IsHeld(string path)
    {
        try
        {
            using var probe = new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.None);
            return false;
        }
        catch (FileNotFoundException)
        {
            return false;
        }
        catch (DirectoryNotFoundException)
        {
            return false;
        }
        catch (IOException)
        {
            return true;
        }
        catch (UnauthorizedAccessException)
        {
            return true;
        }
    }
}
