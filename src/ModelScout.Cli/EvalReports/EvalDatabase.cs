using ModelScout.Evaluation.Results;

namespace ModelScout.Cli.EvalReports;

/// <summary>
/// The result store as the read-only eval commands see it: <c>--db FILE</c>, else <c>$SCOUT_EVAL_DB</c>, else
/// <c>$SCOUT_HOME/eval.db</c>. A missing file is an error that says how to make one, rather than an empty new database.
/// </summary>
internal static class EvalDatabase
{
    /// <summary>A fresh <c>--db</c> option for one command (scout eval and each of its subcommands).</summary>
    public static Option<string?> Option() =>
        new("--db") { Description = $"The eval results file (also ${ScoutVariables.EvalDatabase.Name}; default {ScoutVariables.EvalDatabase.Default})", HelpName = "FILE" };

    /// <summary>The path the option or the environment picks.</summary>
    public static string PathFrom(CommandContext ctx, Option<string?> db) =>
        ctx.Parse.GetValue(db) is { Length: > 0 } path ? path : ctx.Settings.EvalDatabase;

    /// <summary>Opens an existing store; a missing file throws a <see cref="CliException"/> saying what to do.</summary>
    public static EvalStore OpenExisting(string path)
    {
        if (!File.Exists(path))
            throw new CliException($"no eval results at {path}. Run `scout eval --suite ...` first, or point --db (or ${ScoutVariables.EvalDatabase.Name}) at the results file.", ExitCodes.NotFound);
        try
        {
            return EvalStore.Open(path);
        }
        catch (Exception e) when (e is Microsoft.Data.Sqlite.SqliteException or InvalidOperationException)
        {
            throw new CliException($"cannot read {path} as an eval results file: {e.Message}", ExitCodes.Error);
        }
    }

    /// <summary>The named run; an unknown name throws a <see cref="CliException"/> listing the runs there are.</summary>
    public static EvalRunInfo FindRun(EvalStore store, string name)
    {
        if (store.FindRun(name) is { } run) return run;
        var names = store.ListRuns().Select(r => r.Name).ToList();
        var listing = names.Count == 0
            ? $"{store.FilePath} holds no runs yet; `scout eval --suite ...` makes one."
            : $"Runs in {store.FilePath}: {string.Join(", ", names.Take(20))}{(names.Count > 20 ? $" (and {names.Count - 20} more; `scout eval list` shows all)" : "")}.";
        throw new CliException($"no eval run named '{name}'. {listing}", ExitCodes.NotFound) { Suggestions = names.Take(20).ToList() };
    }
}
