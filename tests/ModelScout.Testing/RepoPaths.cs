namespace ModelScout.Testing;

/// <summary>
/// The repository (the first folder above the test binaries holding ModelScout.slnx) and the test fixtures committed in
/// it under tests/Fixtures: the two tiny models and the recorded hardware samples. Nothing here reads outside the
/// repository except <see cref="Guide"/>, whose tests skip when it is absent.
/// </summary>
public static class RepoPaths
{
    private static readonly Lazy<string> RootValue = new(Find);

    /// <summary>The repository's root folder.</summary>
    public static string Root => RootValue.Value;

    /// <summary>A file or folder under tests/Fixtures.</summary>
    public static string Fixture(params string[] parts) => Path.Combine([Root, "tests", "Fixtures", .. parts]);

    /// <summary>One of the tiny GGUF models in tests/Fixtures/models (see the README there).</summary>
    public static string Model(string name) => Fixture("models", name);

    /// <summary>
    /// The guide the catalog was built from. It is not ours to commit: it is found only where a checkout has the
    /// project's shared folder beside it (../shared/seed/), and the one test that reads it skips otherwise.
    /// </summary>
    public static string Guide => Path.GetFullPath(Path.Combine(Root, "..", "shared", "seed", "open-source-llms-2026-guide.txt"));

    private static string Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "ModelScout.slnx"))) return dir.FullName;
        }
        throw new InvalidOperationException("repository root (ModelScout.slnx) not found above " + AppContext.BaseDirectory);
    }
}
