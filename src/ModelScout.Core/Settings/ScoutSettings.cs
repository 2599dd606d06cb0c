namespace ModelScout.Core.Settings;

/// <summary>
/// The one settings type: every variable of <see cref="ScoutVariables"/> read from one environment, and where scout keeps
/// its data: one home folder (<c>$SCOUT_HOME</c>, default <c>~/.modelscout</c>) holding the model store,
/// the eval results, the catalog overlay and cached measurements, each movable by its own variable. Data that earlier
/// versions wrote elsewhere (<c>~/.scout/eval.db</c>, <c>~/.config/modelscout/catalog.json</c>) is moved into the home the
/// first time it is looked for, and read where it is when it cannot be moved: it is never left behind unseen.
/// </summary>
public sealed class ScoutSettings
{
    private readonly Func<string, string?> getenv;
    private readonly string profile;

    /// <summary>Reads the real environment and the user's profile folder.</summary>
    public ScoutSettings() : this(System.Environment.GetEnvironmentVariable, System.Environment.GetFolderPath(System.Environment.SpecialFolder.UserProfile))
    {
    }

    /// <summary>Reads <paramref name="getenv"/> and treats <paramref name="userProfile"/> as <c>~</c> (tests give both).</summary>
    public ScoutSettings(Func<string, string?> getenv, string userProfile)
    {
        ArgumentNullException.ThrowIfNull(getenv);
        ArgumentException.ThrowIfNullOrWhiteSpace(userProfile);
        this.getenv = getenv;
        profile = userProfile;
    }

    /// <summary>Notes about data moved from an earlier location (shown once, on stderr, by the CLI).</summary>
    public IList<string> Notes { get; } = [];

    /// <summary>The value set for <paramref name="variable"/> (or one of its aliases); null when unset.</summary>
    public string? Get(ScoutVariable variable)
    {
        ArgumentNullException.ThrowIfNull(variable);
        return variable.Read(getenv)?.Value;
    }

    /// <summary>The environment these settings read (for the per-area settings records that take one).</summary>
    public Func<string, string?> Environment => getenv;

    /// <summary>The home folder: <c>$SCOUT_HOME</c>, else <c>~/.modelscout</c>.</summary>
    public string Root => Path.GetFullPath(Expand(ScoutVariables.Home.Read(getenv)?.Value ?? Path.Combine(profile, ".modelscout")));

    /// <summary>The model store: <c>$SCOUT_MODELS</c>, else <c>$SCOUT_HOME/models</c>.</summary>
    public string Models => Configured(ScoutVariables.Models) ?? Path.Combine(Root, "models");

    /// <summary>
    /// The eval results file: <c>$SCOUT_EVAL_DB</c>, else <c>$SCOUT_HOME/eval.db</c>; a file left at <c>~/.scout/eval.db</c>
    /// by an earlier version is moved there (with its SQLite journal files) when the home has none.
    /// </summary>
    public string EvalDatabase => Configured(ScoutVariables.EvalDatabase) ?? Adopt(Path.Combine(Root, "eval.db"), Path.Combine(profile, ".scout", "eval.db"), "-wal", "-shm");

    /// <summary>
    /// The catalog overlay: <c>$SCOUT_CATALOG</c>, else <c>$SCOUT_HOME/catalog.json</c> when that file exists (one left in
    /// <c>$XDG_CONFIG_HOME/modelscout/</c> or <c>~/.config/modelscout/</c> is moved there first); null when there is none.
    /// </summary>
    public string? CatalogOverlay
    {
        get
        {
            if (Configured(ScoutVariables.Catalog) is { } file) return file;
            var config = getenv("XDG_CONFIG_HOME") is { Length: > 0 } xdg ? xdg : Path.Combine(profile, ".config");
            var path = Adopt(Path.Combine(Root, "catalog.json"), Path.Combine(config, "modelscout", "catalog.json"));
            return File.Exists(path) ? path : null;
        }
    }

    /// <summary>Measurements scout caches about this machine (e.g. memory bandwidth): <c>$SCOUT_HOME/cache</c>.</summary>
    public string Cache => Path.Combine(Root, "cache");

    /// <summary>The RAM bandwidth this machine measured (<c>scout fit --measure-bandwidth</c>), read by every later probe.</summary>
    public string RamBandwidthCache => Path.Combine(Cache, "ram-bandwidth.json");

    /// <summary>Every <c>scout bench</c> report, one <c>ID.json</c> (modelscout/bench/v1) each: <c>$SCOUT_HOME/bench</c>.</summary>
    public string BenchReports => Path.Combine(Root, "bench");

    /// <summary>Data the web UI keeps (conversations, arena votes): <c>$SCOUT_HOME/ui</c>.</summary>
    public string UiData => Path.Combine(Root, "ui");

    /// <summary>Each variable with the value in force and where it comes from (the variable or alias set, or "default").</summary>
    public IReadOnlyList<(ScoutVariable Variable, string Value, string From)> Describe() =>
        [.. ScoutVariables.All.Select(v => v.Read(getenv) is { } set
            ? (v, v == ScoutVariables.ApiKey || v == ScoutVariables.EvalApiKey || v == ScoutVariables.BenchApiKey || v == ScoutVariables.OtlpHeaders ? "(set, hidden)" : set.Value, set.From)
            : (v, v.Default, "default"))];

    private string? Configured(ScoutVariable variable) =>
        variable.Read(getenv) is { } set ? Path.GetFullPath(Expand(set.Value)) : null;

    // "~/x" in a variable means the profile folder, as a shell would have expanded it.
    private string Expand(string path) =>
        path == "~" ? profile : path.StartsWith("~/", StringComparison.Ordinal) ? Path.Combine(profile, path[2..]) : path;

    /// <summary>
    /// <paramref name="target"/>, after moving <paramref name="legacy"/> (and its sidecar files) there when only the legacy
    /// file exists. A move that fails leaves the data where it is and returns the legacy path, so it is still read.
    /// </summary>
    private string Adopt(string target, string legacy, params string[] sidecars)
    {
        if (File.Exists(target) || !File.Exists(legacy)) return target;
        var moved = new List<(string From, string To)>();
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            // Journal files first and the main file last: a failure part way is undone, so the pair never splits.
            foreach (var suffix in sidecars.Where(x => File.Exists(legacy + x)))
            {
                File.Move(legacy + suffix, target + suffix);
                moved.Add((legacy + suffix, target + suffix));
            }
            File.Move(legacy, target);
            Notes.Add($"moved {legacy} to {target} (scout keeps its data in {Root} now; SCOUT_HOME moves it)");
            return target;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            foreach (var (from, to) in Enumerable.Reverse(moved))
            {
                try
                {
                    File.Move(to, from);
                }
                catch (Exception back) when (back is IOException or UnauthorizedAccessException)
                {
                    Notes.Add($"could not put {to} back to {from} ({back.Message}); move it by hand");
                }
            }
            Notes.Add($"reading {legacy} where it is: it could not be moved to {target} ({e.Message})");
            return legacy;
        }
    }
}
