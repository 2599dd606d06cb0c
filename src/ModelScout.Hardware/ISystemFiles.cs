namespace ModelScout.Hardware;

/// <summary>Read-only access to the files the probe looks at (/proc, /sys); the seam tests replace with a fake.</summary>
public interface ISystemFiles
{
    /// <summary>The whole text of a file, or null when it is absent or unreadable.</summary>
    string? ReadText(string path);

    /// <summary>Full paths of the subdirectories of <paramref name="path"/> (symbolic links to directories included), sorted; empty when absent.</summary>
    IReadOnlyList<string> ListDirectories(string path);
}

/// <summary>The real file system.</summary>
public sealed class SystemFiles : ISystemFiles
{
    /// <inheritdoc />
    public string? ReadText(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        try
        {
            return File.Exists(path) ? File.ReadAllText(path) : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException or ArgumentException)
        {
            return null;
        }
    }

    /// <inheritdoc />
    public IReadOnlyList<string> ListDirectories(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        try
        {
            if (!Directory.Exists(path)) return [];
            var found = Directory.GetDirectories(path);
            Array.Sort(found, StringComparer.Ordinal);
            return found;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException or ArgumentException)
        {
            return [];
        }
    }
}
