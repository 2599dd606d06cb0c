using ModelScout.Cli.EvalReports;
using ModelScout.Evaluation.Results;

namespace ModelScout.Cli.Commands;

/// <summary>
/// scout eval merge SOURCE...: combines the shard runs of one split run (scout eval --shard i/N) into one run and reports
/// it as if one run had done it. A SOURCE is a results file (every shard run in it is taken) or a run name in --db.
/// </summary>
internal sealed class EvalMergeCommand : ICommandBuilder
{
    private readonly Argument<string[]> sources = new("sources") { Description = "Results files the shards wrote (every shard run in each is taken), or shard run names in --db", Arity = ArgumentArity.OneOrMore };
    private readonly Option<string?> into = new("--into") { Description = "Write the merged run to this results file (default: --db)", HelpName = "FILE" };
    private readonly Option<string?> runName = new("--run") { Description = "Name of the merged run (default: the shards' name without -shardIofN, the name one whole run would have had)", HelpName = "NAME" };
    private readonly Option<string?> db = EvalDatabase.Option();

    public Command Build(CommonOptions o) =>
        new("merge", "Combine the shards of a split eval run (scout eval --shard i/N on several machines) into one run, refusing shards of different models or settings, and report it as one run.")
        { sources, into, runName, db };

    public int Run(CommandContext ctx)
    {
        var dbPath = EvalDatabase.PathFrom(ctx, db);
        var opened = new List<EvalStore>();
        try
        {
            var shards = new List<ShardRun>();
            EvalStore? named = null;
            foreach (var source in ctx.Parse.GetValue(sources) ?? [])
            {
                if (File.Exists(source))
                {
                    var store = EvalDatabase.OpenExisting(source);
                    opened.Add(store);
                    var runs = store.ListRuns().Where(r => r.Record.Shard is not null).ToList();
                    if (runs.Count == 0) throw new CliException($"{source} holds no shard runs (runs made with scout eval --shard i/N); `scout eval list --db {source}` shows what it holds", ExitCodes.NotFound);
                    shards.AddRange(runs.OrderBy(r => r.Id).Select(r => new ShardRun(store, r)));
                }
                else
                {
                    if (named is null)
                    {
                        named = EvalDatabase.OpenExisting(dbPath);
                        opened.Add(named);
                    }
                    shards.Add(new ShardRun(named, EvalDatabase.FindRun(named, source)));
                }
            }
            var checkedShards = RunMerge.Check(shards);
            var first = checkedShards[0];
            var name = ctx.Parse.GetValue(runName) ?? RunMerge.WholeName(first.Run.Run.Name, first.Shard)
                ?? throw new CliException($"the shard runs were named by hand ({first.Run.Run.Name}); name the merged run with --run NAME");
            var target = ctx.Parse.GetValue(into) ?? dbPath;
            var intoStore = EvalStore.Open(target);
            opened.Add(intoStore);
            var merged = RunMerge.Merge(intoStore, name, shards);
            ctx.Stderr.WriteLine($"merged {checkedShards.Count} shards into run {merged.Name} in {intoStore.FilePath}");
            var report = RunReport.Build(intoStore, merged, ctx.Catalog);
            if (ctx.Json)
            {
                ctx.WriteJson(report, EvalReportsJson.Default.EvalReportJson);
                return ExitCodes.Ok;
            }
            EvalReportCommand.Render(ctx, report);
            return ExitCodes.Ok;
        }
        finally
        {
            foreach (var s in opened) s.Dispose();
        }
    }
}
