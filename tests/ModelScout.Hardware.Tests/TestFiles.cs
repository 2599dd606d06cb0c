namespace ModelScout.Hardware.Tests;

/// <summary>Finds the hand-written samples beside the tests and the recorded ones in ../shared.</summary>
internal static class TestFiles
{
    private static readonly Lazy<string> Root = new(FindRepositoryRoot);

    /// <summary>The repository root: the first directory above the test binaries holding ModelScout.slnx.</summary>
    public static string RepositoryRoot => Root.Value;

    /// <summary>A hand-written sample copied next to the test assembly.</summary>
    public static string Sample(string name) => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Samples", name));

    /// <summary>A file recorded on the real H200 machine.</summary>
    public static string H200(string name) =>
        File.ReadAllText(Path.Combine(RepositoryRoot, "..", "shared", "reference", "hardware-samples", "nvidia-h200", name));

    private static string FindRepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "ModelScout.slnx"))) return dir.FullName;
        }
        throw new InvalidOperationException($"no ModelScout.slnx above {AppContext.BaseDirectory}");
    }
}
