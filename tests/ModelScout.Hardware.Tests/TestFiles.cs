namespace ModelScout.Hardware.Tests;

/// <summary>Finds the hand-written samples beside the tests and the recorded ones in ../shared.</summary>
internal static class TestFiles
{
    /// <summary>The repository root: the first directory above the test binaries holding ModelScout.slnx.</summary>
    public static string RepositoryRoot => ModelScout.Testing.RepoPaths.Root;

    /// <summary>A hand-written sample copied next to the test assembly.</summary>
    public static string Sample(string name) => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Samples", name));

    /// <summary>A file recorded on the real H200 machine.</summary>
    public static string H200(string name) =>
        File.ReadAllText(Path.Combine(RepositoryRoot, "..", "shared", "reference", "hardware-samples", "nvidia-h200", name));
}
