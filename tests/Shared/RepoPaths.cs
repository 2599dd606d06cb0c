namespace ModelScout.Testing;

/// <summary>The repository (the first folder above the test binaries holding ModelScout.slnx) and ../shared beside it.</summary>
internal static class RepoPaths
{
    private static readonly Lazy<string> RootValue = new(Find);

    public static string Root => RootValue.Value;

    public static string Shared(params string[] parts) => Path.Combine([Root, "..", "shared", .. parts]);

    public static string SharedModel(string name) => Shared("models", name);

    private static string Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "ModelScout.slnx"))) return dir.FullName;
        }
        throw new InvalidOperationException("repository root (ModelScout.slnx) not found above " + AppContext.BaseDirectory);
    }
}
