using System.Globalization;
using ModelScout.Cli.EvalReports;
using ModelScout.Cli.Output;
using ModelScout.Evaluation.Statistics;

namespace ModelScout.Cli.Commands;

/// <summary>scout eval list: the runs in the results file, newest first, with what each scored.</summary>
internal sealed class EvalListCommand : ICommandBuilder
{
    private readonly Option<string?> db = EvalDatabase.Option();

    public Command Build(CommonOptions o) =>
        new("list", "List the eval runs in the results file, newest first, with their model, endpoint, status and scores.") { db };

    public int Run(CommandContext ctx)
    {
        var path = Path.GetFullPath(EvalDatabase.PathFrom(ctx, db));
        var runs = new List<ListedRunJson>();
        if (File.Exists(path))
        {
            using var store = EvalDatabase.OpenExisting(path);
            foreach (var r in store.ListRuns())
            {
                var suites = store.Suites(r).Select(s =>
                {
                    var sum = store.Summarize(r, s);
                    var scale = RunComparison.ScaleOf(s);
                    return new ListedSuiteJson(s, sum.ScoringMode, sum.Scored, sum.Scored == 0 ? null : RunComparison.Round(sum.Mean * NonInferiority.PointsPerUnit(scale)),
                        scale == ScoreScale.Rating ? "rating" : "percent");
                }).ToList();
                runs.Add(new ListedRunJson(RunRefJson.From(r), suites));
            }
        }
        if (ctx.Json)
        {
            ctx.WriteJson(new EvalListJson("modelscout/eval-list/v1", path, runs), EvalReportsJson.Default.EvalListJson);
            return ExitCodes.Ok;
        }
        if (runs.Count == 0)
        {
            ctx.Human.MarkupLine($"No eval runs in {Format.Esc(path)}. `scout eval --suite mmlu --endpoint URL --model NAME` makes one.");
            return ExitCodes.Ok;
        }
        var t = new Table().Border(TableBorder.Rounded);
        t.AddColumns("Run", "Model", "Endpoint", "Status", "Created", "Scores");
        foreach (var r in runs)
        {
            var scores = string.Join(", ", r.Suites.Select(s => string.Create(CultureInfo.InvariantCulture, $"{s.Suite} {(s.Score is { } v ? v.ToString("0.0#", CultureInfo.InvariantCulture) : "—")} (n={s.Scored})")));
            t.AddRow(Format.Esc(r.Run.Name), Format.Esc(r.Run.Model + (r.Run.Quantization is { Length: > 0 } q ? " " + q : "")), Format.Esc(r.Run.Endpoint), Format.Esc(r.Run.Status),
                r.Run.Created.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture), Format.Esc(scores));
        }
        ctx.Human.Write(t);
        ctx.Human.MarkupLine($"[grey]{Format.Esc(path)}. `scout eval report RUN` shows one run; `scout eval compare A B` compares two.[/]");
        return ExitCodes.Ok;
    }
}
