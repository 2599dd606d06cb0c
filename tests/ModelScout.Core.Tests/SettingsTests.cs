using System.Text.RegularExpressions;
using ModelScout.Core.Settings;

namespace ModelScout.Core.Tests;

public sealed partial class SettingsTests : IDisposable
{
    private readonly string profile = Directory.CreateTempSubdirectory("scout-profile-").FullName;

    public void Dispose() => Directory.Delete(profile, recursive: true);

    private ScoutSettings Settings(params (string Name, string Value)[] env)
    {
        var map = env.ToDictionary(e => e.Name, e => e.Value);
        return new ScoutSettings(n => map.GetValueOrDefault(n), profile);
    }

    [Fact]
    public void Everything_lives_under_one_home_by_default()
    {
        var s = Settings();
        var home = Path.Combine(profile, ".modelscout");
        Assert.Equal(home, s.Root);
        Assert.Equal(Path.Combine(home, "models"), s.Models);
        Assert.Equal(Path.Combine(home, "eval.db"), s.EvalDatabase);
        Assert.Equal(Path.Combine(home, "cache"), s.Cache);
        Assert.Equal(Path.Combine(home, "ui"), s.UiData);
        Assert.Null(s.CatalogOverlay);
        Assert.Empty(s.Notes);
        Assert.False(Directory.Exists(home), "resolving paths must not create anything");
    }

    [Fact]
    public void SCOUT_HOME_moves_everything_and_each_variable_moves_its_own_part()
    {
        var s = Settings(("SCOUT_HOME", "~/elsewhere"), ("SCOUT_EVAL_DB", "/srv/results/eval.db"));
        Assert.Equal(Path.Combine(profile, "elsewhere"), s.Root);
        Assert.Equal(Path.Combine(profile, "elsewhere", "models"), s.Models);
        Assert.Equal(Path.GetFullPath("/srv/results/eval.db"), s.EvalDatabase);
        Assert.Equal(Path.GetFullPath("/srv/models"), Settings(("SCOUT_MODELS", "/srv/models")).Models);
    }

    [Fact]
    public void An_eval_database_left_in_the_old_place_is_moved_with_its_journal_and_said_so()
    {
        var legacy = Path.Combine(profile, ".scout", "eval.db");
        Directory.CreateDirectory(Path.GetDirectoryName(legacy)!);
        File.WriteAllText(legacy, "runs");
        File.WriteAllText(legacy + "-wal", "journal");
        var s = Settings();
        var path = s.EvalDatabase;
        Assert.Equal(Path.Combine(profile, ".modelscout", "eval.db"), path);
        Assert.Equal("runs", File.ReadAllText(path));
        Assert.Equal("journal", File.ReadAllText(path + "-wal"));
        Assert.False(File.Exists(legacy));
        Assert.False(File.Exists(legacy + "-wal"));
        Assert.Contains(legacy, Assert.Single(s.Notes), StringComparison.Ordinal);
        // Found in its new place from then on: nothing more to say.
        var again = Settings();
        Assert.Equal(path, again.EvalDatabase);
        Assert.Empty(again.Notes);
    }

    [Fact]
    public void When_the_home_already_has_a_database_the_old_one_is_left_alone()
    {
        var legacy = Path.Combine(profile, ".scout", "eval.db");
        Directory.CreateDirectory(Path.GetDirectoryName(legacy)!);
        File.WriteAllText(legacy, "old");
        var current = Path.Combine(profile, ".modelscout", "eval.db");
        Directory.CreateDirectory(Path.GetDirectoryName(current)!);
        File.WriteAllText(current, "new");
        Assert.Equal(current, Settings().EvalDatabase);
        Assert.Equal("old", File.ReadAllText(legacy));
        Assert.Equal("new", File.ReadAllText(current));
    }

    [Fact]
    public void Data_that_cannot_be_moved_is_read_where_it_is()
    {
        var legacy = Path.Combine(profile, ".scout", "eval.db");
        Directory.CreateDirectory(Path.GetDirectoryName(legacy)!);
        File.WriteAllText(legacy, "runs");
        File.WriteAllText(legacy + "-wal", "journal");
        // The home's parent is a file, so the home cannot be made.
        var blocker = Path.Combine(profile, "blocker");
        File.WriteAllText(blocker, "");
        var s = Settings(("SCOUT_HOME", Path.Combine(blocker, "home")));
        Assert.Equal(legacy, s.EvalDatabase);
        Assert.Equal("runs", File.ReadAllText(legacy));
        Assert.Equal("journal", File.ReadAllText(legacy + "-wal"));
        Assert.Contains("reading", Assert.Single(s.Notes), StringComparison.Ordinal);
    }

    [Fact]
    public void A_catalog_overlay_in_the_old_config_folder_is_moved_into_the_home()
    {
        var xdg = Path.Combine(profile, "xdg");
        var legacy = Path.Combine(xdg, "modelscout", "catalog.json");
        Directory.CreateDirectory(Path.GetDirectoryName(legacy)!);
        File.WriteAllText(legacy, "{}");
        var s = Settings(("XDG_CONFIG_HOME", xdg));
        Assert.Equal(Path.Combine(profile, ".modelscout", "catalog.json"), s.CatalogOverlay);
        Assert.False(File.Exists(legacy));
        Assert.Equal("/x/catalog.json", Settings(("SCOUT_CATALOG", "/x/catalog.json")).CatalogOverlay);
    }

    [Fact]
    public void Ollama_names_are_read_when_scouts_are_unset_and_keys_are_never_shown()
    {
        var s = Settings(("OLLAMA_NUM_PARALLEL", "8"), ("SCOUT_API_KEY", "secret"));
        Assert.Equal("8", s.Get(ScoutVariables.NumParallel));
        var rows = s.Describe();
        var parallel = rows.Single(r => r.Variable == ScoutVariables.NumParallel);
        Assert.Equal(("8", "OLLAMA_NUM_PARALLEL"), (parallel.Value, parallel.From));
        var key = rows.Single(r => r.Variable == ScoutVariables.ApiKey);
        Assert.DoesNotContain("secret", key.Value, StringComparison.Ordinal);
        Assert.Equal("default", rows.Single(r => r.Variable == ScoutVariables.Home).From);
        Assert.Equal(ScoutVariables.All.Count, rows.Count);
    }

    [Fact]
    public void Every_SCOUT_variable_named_in_the_source_is_declared_once()
    {
        var declared = ScoutVariables.All.SelectMany(v => (string[])[v.Name, .. v.Aliases]).ToList();
        Assert.Equal(declared.Count, declared.Distinct().Count());
        var src = Path.Combine(ModelScout.Testing.RepoPaths.Root, "src");
        var named = Directory.EnumerateFiles(src, "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .SelectMany(f => VariableLiteral().Matches(File.ReadAllText(f)).Select(m => (File: Path.GetRelativePath(src, f), Name: m.Groups[1].Value)))
            .ToList();
        var unknown = named.Where(n => !declared.Contains(n.Name)).Select(n => $"{n.Name} in {n.File}").ToList();
        Assert.True(unknown.Count == 0, "variables read without a declaration in ScoutVariables: " + string.Join(", ", unknown));
    }

    [GeneratedRegex("\"((?:SCOUT|OLLAMA)_[A-Z_]+)\"")]
    private static partial Regex VariableLiteral();
}
