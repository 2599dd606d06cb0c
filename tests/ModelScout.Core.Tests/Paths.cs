namespace ModelScout.Core.Tests;

/// <summary>Locates the repository and the shared reference material beside it.</summary>
internal static class Paths
{
    public static string RepoRoot => ModelScout.Testing.RepoPaths.Root;

    public static string Shared(params string[] parts) => ModelScout.Testing.RepoPaths.Shared(parts);

    public static string Guide => Shared("seed", "open-source-llms-2026-guide.txt");
}
