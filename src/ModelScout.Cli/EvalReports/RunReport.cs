using System.Globalization;
using ModelScout.Core.Catalog;
using ModelScout.Core.Recommend;
using ModelScout.Evaluation;
using ModelScout.Evaluation.Results;
using ModelScout.Evaluation.Scoring;
using ModelScout.Evaluation.Statistics;

namespace ModelScout.Cli.EvalReports;

/// <summary>What <c>scout eval report</c> shows for one run, read from the store and set beside the catalog's published scores.</summary>
internal static class RunReport
{
    public static EvalReportJson Build(EvalStore store, EvalRunInfo run, Catalog catalog)
    {
        var match = PublishedScores.Match(catalog, run.Key.ModelId);
        var info = RunRefJson.From(run);
        var suites = store.Suites(run).Select(s => Suite(store, run, s, match?.Model, info)).ToList();
        var note = match is null
            ? $"the catalog has no model called '{run.Key.ModelId}', so there are no published scores to compare with (`scout models` lists the catalog)"
            : null;
        return new EvalReportJson("modelscout/eval-report/v2", info, match is { } m ? new CatalogMatchJson(m.Model.Id, m.Model.Name, m.MatchedBy) : null,
            note, run.Record, suites, Cost(catalog, run.Key.ModelId, suites));
    }

    /// <summary>
    /// The run's tokens priced at every hosted API the catalog lists: the bill of this run when it measured that API,
    /// and otherwise what the same eval would have cost there, the figure a team weighs against running it locally.
    /// </summary>
    internal static IReadOnlyList<RunCostJson> Cost(Catalog catalog, string modelId, IReadOnlyList<SuiteReportJson> suites)
    {
        var prompt = suites.Sum(s => s.PromptTokens);
        var completion = suites.Sum(s => s.CompletionTokens);
        return catalog.Document.Cost.Api
            .Select(a => new RunCostJson(a.Id, a.Provider, a.Model, a.InputUsdPerMTok, a.OutputUsdPerMTok, prompt, completion,
                Math.Round((prompt * a.InputUsdPerMTok + completion * a.OutputUsdPerMTok) / 1e6, 6),
                string.Equals(a.Id, modelId, StringComparison.OrdinalIgnoreCase) || string.Equals(a.Model, modelId, StringComparison.OrdinalIgnoreCase)))
            .OrderByDescending(c => c.RunModel)
            .ToList();
    }

    private static SuiteReportJson Suite(EvalStore store, EvalRunInfo run, string suite, ModelEntry? model, RunRefJson info)
    {
        var summary = store.Summarize(run, suite);
        var scores = store.Scores(run, suite);
        var scale = RunComparison.ScaleOf(suite);
        var f = NonInferiority.PointsPerUnit(scale);
        var values = scores.Select(s => s.Score.Score).ToList();
        var estimate = scale == ScoreScale.Fraction && values.All(v => v is 0 or 1)
            ? Estimate.Accuracy(values.Count(v => v == 1), values.Count)
            : Estimate.Mean(values);
        double? score = values.Count == 0 ? null : RunComparison.Round(estimate.Value * f);
        double? se = double.IsNaN(estimate.StandardError) ? null : RunComparison.Round(estimate.StandardError * f);
        var (min, max) = scale == ScoreScale.Rating ? (JudgeRating.Lowest, JudgeRating.Highest) : (0.0, 1.0);
        var interval = ScoreIntervals.ForMean(values, min, max);
        var ci = interval is { } i ? new IntervalJson(RunComparison.Round(i.Lower * f), RunComparison.Round(i.Upper * f), MethodName(i.Method)) : null;

        var metrics = scores.Where(x => x.Score.Metrics is not null)
            .SelectMany(x => x.Score.Metrics!)
            .GroupBy(kv => kv.Key, StringComparer.Ordinal)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => RunComparison.Round(g.Average(kv => kv.Value) * MetricFactor(suite, g.Key)), StringComparer.Ordinal);

        PublishedJson? published = null;
        if (model is not null && Recommender.ScoreOf(model, suite) is { } p)
        {
            var source = model.Scores.GetValueOrDefault(suite)?.Results.FirstOrDefault(r => !r.Unverified)?.Source
                ?? model.Scores.GetValueOrDefault(suite)?.Results.FirstOrDefault()?.Source;
            published = new PublishedJson(p.Value, p.Basis, p.Verified, source);
        }

        var line = Line(score, ci, values.Count, scale, published, model, info);
        return new SuiteReportJson(suite, summary.ScoringMode ?? "", scale == ScoreScale.Rating ? "rating" : "percent", summary.Scored, score, se, ci,
            summary.Errors, summary.Truncated, summary.ExtractionFailures,
            summary.Scored == 0 ? 0 : RunComparison.Round((double)summary.ExtractionFailures / summary.Scored, 4),
            summary.PromptTokens, summary.CompletionTokens, summary.Replies,
            summary.Replies == 0 ? null : RunComparison.Round(summary.LatencyMs / summary.Replies, 1),
            metrics,
            summary.Subjects.Select(a => new BreakdownJson(a.Key, a.Count, RunComparison.Round(a.Mean * f))).ToList(),
            summary.Groups.Select(a => new BreakdownJson(a.Key, a.Count, RunComparison.Round(a.Mean * f))).ToList(),
            published, line);
    }

    // MT-Bench's turn ratings are on its 1–10 scale like its score, and counts (MMLU's shots per prompt) are as they are;
    // every other metric is a 0..1 share, shown in percentage points.
    private static double MetricFactor(string suite, string metric) => suite == "mtbench" || SideScores.IsCount(metric) ? 1 : 100;

    internal static string MethodName(IntervalMethod method) => method switch
    {
        IntervalMethod.Wilson => "wilson",
        IntervalMethod.WilsonBound => "wilson-bound",
        _ => "student-t",
    };

    /// <summary>"published 73.0 (instruct, 5-shot), measured 71.2 (95 % CI 68.3 … 73.9, n = 1000) on Q4_K_M via http://..."</summary>
    private static string Line(double? score, IntervalJson? ci, int n, ScoreScale scale, PublishedJson? published, ModelEntry? model, RunRefJson run)
    {
        var fmt = scale == ScoreScale.Rating ? "0.00" : "0.0";
        var measured = score is { } v
            ? "measured " + v.ToString(fmt, CultureInfo.InvariantCulture) + " ("
              + (ci is { } c ? "95 % CI " + Interval(c, fmt) + ", " : "")
              + string.Create(CultureInfo.InvariantCulture, $"n = {n})")
            : "nothing scored yet";
        var where = (run.Quantization is { Length: > 0 } q ? $" on {q}" : "") + $" via {run.Endpoint}";
        var head = published is { } p
            ? "published " + p.Value.ToString(fmt, CultureInfo.InvariantCulture) + $" ({p.Basis}{(p.Verified ? "" : ", unverified")}), "
            : model is null ? "" : "no published score, ";
        return head + measured + where;
    }

    /// <summary>"68.3 … 73.9", the way <c>scout eval compare</c> writes its intervals.</summary>
    internal static string Interval(IntervalJson ci, string format) =>
        ci.Lower.ToString(format, CultureInfo.InvariantCulture) + " … " + ci.Upper.ToString(format, CultureInfo.InvariantCulture);
}
