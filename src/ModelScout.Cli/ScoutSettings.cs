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

    /// <summary>SCOUT_EVAL_DB: the SQLite file scout eval keeps runs in (default ~/.scout/eval.db).</summary>
    public const string EvalDatabaseVariable = ModelScout.Evaluation.Results.EvalStore.PathVariable;

    /// <summary>SCOUT_EVAL_DATA: the folder holding mmlu/, humaneval/, gsm8k/, math/, mtbench/ when --data is not given.</summary>
    public const string EvalDataVariable = "SCOUT_EVAL_DATA";

    /// <summary>$SCOUT_EVAL_DB, else ~/.scout/eval.db.</summary>
    public static string EvalDatabase => ModelScout.Evaluation.Results.EvalStore.DefaultPath;

    /// <summary>$SCOUT_EVAL_DATA, else null (the built-in sample sets).</summary>
    public static string? EvalData => Environment.GetEnvironmentVariable(EvalDataVariable) is { Length: > 0 } dir ? dir : null;

    public static ScoutSettings FromEnvironment()
    {
        var file = Environment.GetEnvironmentVariable(CatalogVariable);
        if (string.IsNullOrEmpty(file) && File.Exists(DefaultCatalogPath)) file = DefaultCatalogPath;
        return new ScoutSettings(string.IsNullOrEmpty(file) ? null : file);
    }
}
