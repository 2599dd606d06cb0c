using System.Reflection;
using ModelScout.Evaluation.Results;

namespace ModelScout.Evaluation.Datasets;

/// <summary>
/// Where dataset files come from: a directory on disk (<c>--data DIR</c>) or the samples embedded in this assembly.
/// Loaders see only relative paths with '/' separators, so both read through the same code.
/// </summary>
public abstract class DatasetSource
{
    /// <summary>Files directly inside <paramref name="folder"/> (relative, '/'-separated), sorted ordinally; empty when the folder is absent.</summary>
    public abstract IReadOnlyList<string> ListFiles(string folder);

    /// <summary>Whether a folder exists in this source.</summary>
    public abstract bool FolderExists(string folder);

    /// <summary>Reads the whole file as stored.</summary>
    public abstract byte[] ReadAllBytes(string path);

    /// <summary>How a file is named in errors and in the reproducibility record.</summary>
    public abstract string Describe(string path);

    /// <summary>Reads a file and records its digest.</summary>
    internal (byte[] Bytes, string Sha256) ReadWithDigest(string path)
    {
        var bytes = ReadAllBytes(path);
        return (bytes, ContentHash.Hex(bytes));
    }

    /// <summary>A directory on disk.</summary>
    public static DatasetSource FromDirectory(string root) => new DirectorySource(root);

    /// <summary>The sample sets shipped inside ModelScout, written by us in the public formats.</summary>
    public static DatasetSource Samples { get; } = new EmbeddedSource(typeof(DatasetSource).Assembly, "SampleData/");

    private sealed class DirectorySource(string root) : DatasetSource
    {
        private readonly string _root = Path.GetFullPath(root);

        public override IReadOnlyList<string> ListFiles(string folder)
        {
            var full = Path.Combine(_root, folder);
            if (!Directory.Exists(full)) return [];
            return [.. Directory.EnumerateFiles(full)
                .Select(f => Path.GetRelativePath(_root, f).Replace('\\', '/'))
                .Order(StringComparer.Ordinal)];
        }

        public override bool FolderExists(string folder) => Directory.Exists(Path.Combine(_root, folder));

        public override byte[] ReadAllBytes(string path) => File.ReadAllBytes(Path.Combine(_root, path));

        public override string Describe(string path) => Path.Combine(_root, path);
    }

    private sealed class EmbeddedSource(Assembly assembly, string prefix) : DatasetSource
    {
        // Resource names carry the folder path ('/'-separated, see the csproj's LogicalName).
        private readonly string[] _names = [.. assembly.GetManifestResourceNames()
            .Select(n => n.Replace('\\', '/'))
            .Where(n => n.StartsWith(prefix, StringComparison.Ordinal))
            .Select(n => n[prefix.Length..])
            .Order(StringComparer.Ordinal)];

        public override IReadOnlyList<string> ListFiles(string folder)
        {
            var dir = folder.TrimEnd('/') + "/";
            return [.. _names.Where(n => n.StartsWith(dir, StringComparison.Ordinal) && n.IndexOf('/', dir.Length) < 0)];
        }

        public override bool FolderExists(string folder)
        {
            var dir = folder.TrimEnd('/') + "/";
            return _names.Any(n => n.StartsWith(dir, StringComparison.Ordinal));
        }

        public override byte[] ReadAllBytes(string path)
        {
            var name = assembly.GetManifestResourceNames().FirstOrDefault(n => n.Replace('\\', '/') == prefix + path)
                ?? throw new FileNotFoundException("no embedded sample " + path);
            using var stream = assembly.GetManifestResourceStream(name)!;
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            return copy.ToArray();
        }

        public override string Describe(string path) => "sample:" + path;
    }
}
