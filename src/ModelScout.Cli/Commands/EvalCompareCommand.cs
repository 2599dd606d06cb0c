using System.Globalization;
using ModelScout.Cli.EvalReports;
using ModelScout.Cli.Output;

namespace ModelScout.Cli.Commands;

/// <summary>
/// scout eval compare RUN_A RUN_B: paired per-suite and per-subject deltas B − A with 95 % intervals, McNemar for
/// right/wrong suites, and the migration verdict against a margin. Exit 0 when every suite is non-inferior or better,
/// 4 when any is inferior or inconclusive.
/// </summary>
internal sealed class EvalCompareCommand : ICommandBuilder
{
    private readonly Argument<string> runA = new("run-a") { Description = "The incumbent's run (A)" };
    private readonly Argument<string> runB = new("run-b") { Description = "The candidate's run (B); deltas are B − A" };
    private readonly Option<double> margin = new("--margin") { Description = "How many points B may lose and still count as non-inferior (percentage points; rating points for MT-Bench)", DefaultValueFactory = _ => 2, HelpName = "POINTS" };
    private readonly Option<bool> allowMixed = new("--allow-mixed-scoring") { Description = "Compare suites even when the two runs scored them differently (e.g. MMLU logprob against generative)" };
    private readonly Option<string?> db = EvalDatabase.Option();

    public Command Build(CommonOptions o) =>
        new("compare", "Compare two eval runs item by item: per-suite and per-subject deltas (B − A) with 95 % paired-bootstrap intervals, McNemar's test for right/wrong suites, and a verdict against --margin.") { runA, runB, margin, allowMixed, db };

    public int Run(CommandContext ctx)
    {
        var marginPoints = ctx.Parse.GetValue(margin);
        if (double.IsNaN(marginPoints) || marginPoints < 0) throw new CliException("--margin must be zero or more points");
        using var store = EvalDatabase.OpenExisting(EvalDatabase.PathFrom(ctx, db));
        var a = EvalDatabase.FindRun(store, ctx.Parse.GetValue(runA)!);
        var b = EvalDatabase.FindRun(store, ctx.Parse.GetValue(runB)!);
        EvalCompareJson result;
        try
        {
            result = RunComparison.Compare(store, a, b, marginPoints, ctx.Parse.GetValue(allowMixed));
        }
        catch (MixedScoringException e)
        {
            throw new CliException(e.Message, ExitCodes.Error);
        }
        if (result.Suites.Count == 0)
            throw new CliException($"runs '{a.Name}' and '{b.Name}' have no scored suite in common{Skipped(result)}; run the same --suite on both first.", ExitCodes.Error);

        var code = result.Verdict is "superior" or "non-inferior" ? ExitCodes.Ok : ExitCodes.Negative;
        if (ctx.Json)
        {
            ctx.WriteJson(result, EvalReportsJson.Default.EvalCompareJson);
            return code;
        }
        Render(ctx, result);
        return code;
    }

    private static string Skipped(EvalCompareJson r) => r.Skipped.Count == 0 ? "" : " (" + string.Join("; ", r.Skipped.Select(s => $"{s.Suite}: {s.Reason}")) + ")";

    private static void Render(CommandContext ctx, EvalCompareJson r)
    {
        var con = ctx.Human;
        con.MarkupLine($"A = [bold]{Format.Esc(r.RunA.Name)}[/] ({Format.Esc(r.RunA.Model)}{Q(r.RunA.Quantization)}), B = [bold]{Format.Esc(r.RunB.Name)}[/] ({Format.Esc(r.RunB.Model)}{Q(r.RunB.Quantization)}); margin {r.MarginPoints.ToString("0.##", CultureInfo.InvariantCulture)} points");
        var t = new Table().Border(TableBorder.Rounded);
        t.AddColumns("Suite", "n", "A", "B", "B − A", "95 % CI", "McNemar", "Verdict");
        foreach (var s in r.Suites)
        {
            var mc = s.McNemar is { } m ? string.Create(CultureInfo.InvariantCulture, $"b={m.OnlyA} c={m.OnlyB} p={m.PValue:0.####}") : "—";
            t.AddRow(Format.Esc(s.Suite + (s.MixedScoring ? " (mixed scoring)" : "")), s.Paired.ToString(CultureInfo.InvariantCulture), P(s.ScoreA), P(s.ScoreB),
                RunComparison.Signed(s.Difference), $"{RunComparison.Signed(s.Lower)} … {RunComparison.Signed(s.Upper)}", mc, Format.Esc(Head(s)));
        }
        con.Write(t);
        foreach (var s in r.Suites)
        {
            con.MarkupLine($"{Format.Esc(s.Suite)}: {Format.Esc(s.Summary)}");
            if (s.OnlyInA + s.OnlyInB > 0)
                con.MarkupLine($"[grey]{Format.Esc(s.Suite)}: left out {s.OnlyInA} item(s) scored only in A and {s.OnlyInB} only in B (errored or outside the other run's selection){Ids(s)}[/]");
            if (s.MixedScoring)
                con.MarkupLine($"[yellow]{Format.Esc(s.Suite)}: A was scored as {Format.Esc(s.ScoringModeA)}, B as {Format.Esc(s.ScoringModeB)}; the delta mixes scoring methods.[/]");
            if (s.Subjects.Count > 1)
            {
                var st = new Table().Border(TableBorder.Simple);
                st.AddColumns(Format.Esc(s.Suite) + " subject", "n", "A", "B", "B − A", "95 % CI");
                foreach (var x in s.Subjects)
                    st.AddRow(Format.Esc(x.Subject), x.Paired.ToString(CultureInfo.InvariantCulture), P(x.ScoreA), P(x.ScoreB), RunComparison.Signed(x.Difference),
                        $"{RunComparison.Signed(x.Lower)} … {RunComparison.Signed(x.Upper)}");
                con.Write(st);
            }
        }
        foreach (var s in r.Skipped) con.MarkupLine($"[grey]{Format.Esc(s.Suite)} not compared: {Format.Esc(s.Reason)}[/]");
        con.MarkupLine($"Verdict: [bold]{Format.Esc(r.Verdict)}[/]");
    }

    private static string Head(SuiteCompareJson s) =>
        s.Verdict == "inconclusive" && s.AdditionalSamples is { } n ? string.Create(CultureInfo.InvariantCulture, $"inconclusive: need ≈ {n} more") : s.Verdict;

    private static string Ids(SuiteCompareJson s)
    {
        var ids = s.OnlyInAIds.Select(i => "A:" + i).Concat(s.OnlyInBIds.Select(i => "B:" + i)).Take(6).ToList();
        return ids.Count == 0 ? "" : " — " + Format.Esc(string.Join(", ", ids)) + (s.OnlyInA + s.OnlyInB > ids.Count ? ", ..." : "");
    }

    private static string Q(string? quant) => quant is { Length: > 0 } q ? ", " + Format.Esc(q) : "";

    private static string P(double? v) => v is { } x ? x.ToString("0.0#", CultureInfo.InvariantCulture) : "—";
}
