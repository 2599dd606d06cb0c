namespace ModelScout.Cli;

/// <summary>Settings read from the environment, declared once with their names and defaults.</summary>
internal sealed record ScoutSettings(string? CatalogFile)
{
    /// <summary>SCOUT_CATALOG: a JSON file overlaid on the embedded catalog (same shape, entries replace by id).</summary>
    public const string CatalogVariable = "SCOUT_CATALOG";

    /// <summary>Where a user catalog is picked up when SCOUT_CATALOG is not set.</summary>
    public static string DefaultCatalogPath => Path.Combine(
        Environment.GetEnvironmentVariable("XDG_CONFIG_HOME") is { Length: > 0 } xdg ? xdg : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".config"),
        "modelscout", "catalog.json");

    public static ScoutSettings FromEnvironment()
    {
        var file = Environment.GetEnvironmentVariable(CatalogVariable);
        if (string.IsNullOrEmpty(file) && File.Exists(DefaultCatalogPath)) file = DefaultCatalogPath;
        return new ScoutSettings(string.IsNullOrEmpty(file) ? null : file);
    }
}
