using System.Globalization;
using ModelScout.Evaluation.Results;
using ModelScout.Evaluation.Statistics;

namespace ModelScout.Cli.EvalReports;

/// <summary>Two runs scored a suite differently and the user did not allow it.</summary>
internal sealed class MixedScoringException(IReadOnlyList<string> suites) : Exception(
    $"the runs score {string.Join("; ", suites)}. Scores from different modes are not comparable item by item; rerun one side with the same mode, or pass --allow-mixed-scoring to compare anyway.");

/// <summary>How one side of a comparison scored a suite, and which items it has.</summary>
internal sealed record SuiteSide(string Mode, IReadOnlyDictionary<string, StoredScore> Items)
{
    public static SuiteSide From(IReadOnlyList<StoredScore> scores)
    {
        var modes = scores.Select(s => s.ScoringMode).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        return new SuiteSide(modes.Count == 1 ? modes[0] : "mixed (" + string.Join(", ", modes) + ")", scores.ToDictionary(s => s.Item.Id, StringComparer.Ordinal));
    }
}

/// <summary>
/// The paired comparison of run B against run A: items are matched by suite and id; items only one run scored are
/// counted and left out. Deltas, intervals and the verdict come from <c>ModelScout.Evaluation.Statistics</c>.
/// </summary>
internal static class RunComparison
{
    /// <summary>Unpaired item ids listed per side, at most.</summary>
    public const int UnpairedShown = 20;

    public static EvalCompareJson Compare(EvalStore store, EvalRunInfo a, EvalRunInfo b, double marginPoints, bool allowMixed)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(marginPoints);
        var suitesA = store.Suites(a);
        var suitesB = store.Suites(b);
        var sides = new List<(string Suite, SuiteSide A, SuiteSide B)>();
        var skipped = new List<SkippedSuiteJson>();
        foreach (var suite in suitesA.Union(suitesB, StringComparer.Ordinal).Order(StringComparer.Ordinal))
        {
            var sa = suitesA.Contains(suite) ? store.Scores(a, suite) : [];
            var sb = suitesB.Contains(suite) ? store.Scores(b, suite) : [];
            if (sa.Count == 0 || sb.Count == 0)
            {
                skipped.Add(new SkippedSuiteJson(suite, sa.Count == 0 ? $"no scores in {a.Name}" : $"no scores in {b.Name}"));
                continue;
            }
            sides.Add((suite, SuiteSide.From(sa), SuiteSide.From(sb)));
        }
        var mixed = sides.Where(s => s.A.Mode != s.B.Mode || s.A.Mode.StartsWith("mixed", StringComparison.Ordinal))
            .Select(s => $"{s.Suite} as {s.A.Mode} in {a.Name} but {s.B.Mode} in {b.Name}").ToList();
        if (mixed.Count > 0 && !allowMixed) throw new MixedScoringException(mixed);

        var suites = sides.Select(s => CompareSuite(s.Suite, s.A, s.B, marginPoints)).ToList();
        var overall = suites.Count == 0 ? "none"
            : suites.Any(s => s.Verdict == "inferior") ? "inferior"
            : suites.Any(s => s.Verdict == "inconclusive") ? "inconclusive"
            : suites.All(s => s.Verdict == "superior") ? "superior"
            : "non-inferior";
        return new EvalCompareJson("modelscout/eval-compare/v1", RunRefJson.From(a), RunRefJson.From(b), marginPoints, allowMixed, overall, suites, skipped);
    }

    internal static SuiteCompareJson CompareSuite(string suite, SuiteSide a, SuiteSide b, double marginPoints)
    {
        var paired = a.Items.Keys.Where(b.Items.ContainsKey).Order(StringComparer.Ordinal).ToList();
        var onlyA = a.Items.Keys.Where(k => !b.Items.ContainsKey(k)).Order(StringComparer.Ordinal).ToList();
        var onlyB = b.Items.Keys.Where(k => !a.Items.ContainsKey(k)).Order(StringComparer.Ordinal).ToList();
        var scale = ScaleOf(suite);
        var f = NonInferiority.PointsPerUnit(scale);
        var xa = paired.Select(id => a.Items[id].Score.Score).ToList();
        var xb = paired.Select(id => b.Items[id].Score.Score).ToList();
        var binary = scale == ScoreScale.Fraction && xa.Concat(xb).All(v => v is 0 or 1);

        var interval = PairedBootstrap.MeanDifference(xa, xb);
        var verdict = NonInferiority.Decide(interval, marginPoints, scale);
        McNemarJson? mcnemar = null;
        if (binary && paired.Count > 0)
        {
            var m = McNemar.Test(xa.Select(v => v == 1).ToList(), xb.Select(v => v == 1).ToList());
            mcnemar = new McNemarJson(m.OnlyA, m.OnlyB, Round(m.PValue, 6), m.Exact, Round(m.Statistic, 4));
        }

        var subjects = paired.GroupBy(id => a.Items[id].Item.Subject, StringComparer.Ordinal)
            .Where(g => g.Key.Length > 0)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g =>
            {
                var sa = g.Select(id => a.Items[id].Score.Score).ToList();
                var sb = g.Select(id => b.Items[id].Score.Score).ToList();
                var bi = PairedBootstrap.MeanDifference(sa, sb);
                return new SubjectCompareJson(g.Key, sa.Count, Round(sa.Average() * f), Round(sb.Average() * f), Round(bi.Difference * f), Round(bi.Lower * f), Round(bi.Upper * f));
            }).ToList();

        return new SuiteCompareJson(suite, a.Mode, b.Mode, a.Mode != b.Mode, scale == ScoreScale.Rating ? "rating" : "percent", paired.Count,
            onlyA.Count, onlyB.Count, onlyA.Take(UnpairedShown).ToList(), onlyB.Take(UnpairedShown).ToList(),
            paired.Count == 0 ? null : Round(xa.Average() * f), paired.Count == 0 ? null : Round(xb.Average() * f),
            NullIfNaN(interval.Difference * f), NullIfNaN(interval.Lower * f), NullIfNaN(interval.Upper * f), mcnemar,
            VerdictName(verdict.Verdict), verdict.AdditionalSamples, verdict.Summary, subjects);
    }

    /// <summary>MT-Bench is rated 1–10; every other suite scores 0..1.</summary>
    public static ScoreScale ScaleOf(string suite) => suite == "mtbench" ? ScoreScale.Rating : ScoreScale.Fraction;

    public static string VerdictName(ComparisonVerdict v) => v switch
    {
        ComparisonVerdict.Superior => "superior",
        ComparisonVerdict.NonInferior => "non-inferior",
        ComparisonVerdict.Inferior => "inferior",
        _ => "inconclusive",
    };

    internal static double Round(double v, int digits = 3) => Math.Round(v, digits, MidpointRounding.AwayFromZero);

    private static double? NullIfNaN(double v) => double.IsNaN(v) ? null : Round(v);

    /// <summary>"+1.5" / "-0.3" in points, invariant.</summary>
    public static string Signed(double? v) => v is { } x ? x.ToString("+0.0#;-0.0#;0.0", CultureInfo.InvariantCulture) : "—";
}
