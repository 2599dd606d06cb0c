using System.Globalization;
using System.Text.Json.Nodes;
using ModelScout.Cli;
using ModelScout.Core.Settings;

namespace ModelScout.Ui.Tests;

/// <summary>
/// A UI whose dashboard, bench or eval data come from the CLI: a temporary home folder for the CLI (its settings, one
/// probe of this machine) beside the server's, removed at the end, and <see cref="Scout"/> to run a command there.
/// </summary>
public abstract class CliUiFixture : UiFixture
{
    private ScoutSettings? settings;
    private SystemMachineSource? machines;

    /// <summary>The CLI's home folder (<c>$SCOUT_HOME</c> of the commands the server runs).</summary>
    protected string CliHome { get; } = Directory.CreateTempSubdirectory("scout-ui-cli-").FullName;

    public ScoutSettings Settings => settings ??= new ScoutSettings(_ => null, CliHome);

    /// <summary>One probe of this machine, used by the page and by the commands the tests compare it with.</summary>
    internal SystemMachineSource Machines => machines ??= new SystemMachineSource(Settings);

    /// <summary>The catalog file the commands read (<c>--catalog</c>), or null for the embedded one.</summary>
    protected virtual string? CatalogFile => null;

    /// <summary><c>scout ARGS --json</c> through the CLI's own entry point, as a user would run it.</summary>
    public JsonNode Scout(params string[] args)
    {
        using var stdout = new StringWriter(CultureInfo.InvariantCulture);
        using var stderr = new StringWriter(CultureInfo.InvariantCulture);
        string[] catalog = CatalogFile is { } file ? ["--catalog", file] : [];
        var code = new ScoutApp(Machines, Settings).Run([.. args, "--json", .. catalog], stdout, stderr);
        Assert.True(code is 0 or 4, $"scout {string.Join(' ', args)} exited {code}: {stderr}");
        return JsonNode.Parse(stdout.ToString())!;
    }

    protected override Task CleanUpAsync()
    {
        // The eval database may still sit in the connection pool.
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try { Directory.Delete(CliHome, recursive: true); }
        catch (IOException) { /* still open */ }
        return Task.CompletedTask;
    }
}
