namespace ModelScout.Calibration.Tests;

internal static class TestPaths
{
    public static string RepoRoot => ModelScout.Testing.RepoPaths.Root;

    public static string SharedModel(string name) => ModelScout.Testing.RepoPaths.SharedModel(name);
}
