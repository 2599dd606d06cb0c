namespace ModelScout.Core.Tests;

/// <summary>Locates the repository and the shared reference material beside it.</summary>
internal static class Paths
{
    public static string RepoRoot { get; } = Find();

    public static string Shared(params string[] parts) => Path.Combine([RepoRoot, "..", "shared", .. parts]);

    public static string Guide => Shared("seed", "open-source-llms-2026-guide.txt");

    private static string Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "ModelScout.slnx"))) return dir.FullName;
        }
        throw new InvalidOperationException("repository root (ModelScout.slnx) not found above " + AppContext.BaseDirectory);
    }
}
