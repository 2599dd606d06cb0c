namespace ModelScout.Calibration.Tests;

internal static class TestPaths
{
    public static string RepoRoot { get; } = Find();

    public static string SharedModel(string name) => Path.Combine(RepoRoot, "..", "shared", "models", name);

    private static string Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "ModelScout.slnx"))) return dir.FullName;
        }
        throw new InvalidOperationException("repository root (ModelScout.slnx) not found above " + AppContext.BaseDirectory);
    }
}
