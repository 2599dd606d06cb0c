using ModelScout.Core.Catalog;
using ModelScout.Core.Fit;
using ModelScout.Core.Licensing;
using ModelScout.Core.Machines;
using ModelScout.Core.Memory;

namespace ModelScout.Core.Recommend;

/// <summary>Which licence terms the deployment needs.</summary>
public enum LicenseMode
{
    /// <summary>Commercial use (the default).</summary>
    Commercial,
    /// <summary>Offered as a hosted service.</summary>
    Saas,
    /// <summary>Any licence, research-only ones included.</summary>
    Any,
}

/// <summary>What to recommend for.</summary>
public sealed record RecommendOptions(UseCase UseCase, Machine Machine, long Context, KvSettings Kv, LicenseMode License = LicenseMode.Commercial, long? MonthlyActiveUsers = null, RuntimeNeeds? Runtime = null);

/// <summary>How a candidate's score was made, so every rank can be explained.</summary>
/// <param name="Metric">Benchmark value used (0-100).</param>
/// <param name="MetricBasis">Which figures, with their settings.</param>
/// <param name="Verified">False when any figure is the guide's own or unconfirmed.</param>
/// <param name="QuantLossPct">Expected loss at the chosen level.</param>
/// <param name="Endorsement">Credit for the guide naming the model for this use.</param>
/// <param name="License">Credit for a licence that needs nothing for this use.</param>
/// <param name="Speed">Credit for decode speed.</param>
/// <param name="Penalty">Spilling to system RAM, or too slow for the use.</param>
/// <param name="Total">The score.</param>
public sealed record ScoreBreakdown(double Metric, string MetricBasis, bool Verified, double QuantLossPct, double Endorsement, double License, double Speed, double Penalty, double Total);

/// <summary>A ranked model with its plan and reasons.</summary>
/// <param name="Plan">The model's plan on the machine, with its run commands and runtime.</param>
/// <param name="License">The checkpoint and licence the rank assumes.</param>
/// <param name="Shortfalls">The use case's requirements it misses on this machine (decode speed, time to first token); empty when it meets them all.</param>
public sealed record Candidate(DeploymentPlan Plan, LicenseReport License, ScoreBreakdown Score, IReadOnlyList<string> Reasons, IReadOnlyList<string> Shortfalls)
{
    /// <summary>True when it meets every requirement of the use case on the machine; such candidates rank above the rest.</summary>
    public bool MeetsNeeds => Shortfalls.Count == 0;

    /// <summary>The model ranked.</summary>
    public ModelEntry Model => Plan.Model;

    /// <summary>The level and placement chosen (a candidate always fits).</summary>
    public QuantFit Fit => Plan.Fit.Best!;

    /// <summary>The command for every runtime that can run it.</summary>
    public IReadOnlyList<RunCommand> Commands => Plan.Commands;

    /// <summary>vLLM's sizing, on machines with GPUs.</summary>
    public VllmPlan? Vllm => Plan.Vllm;
}

/// <summary>A model left out, and why.</summary>
public sealed record Exclusion(ModelEntry Model, string Reason);

/// <summary>The answer to "which model for this use on this machine?".</summary>
public sealed record Recommendation(
    UseCase UseCase,
    RecommendOptions Options,
    IReadOnlyList<Candidate> Ranked,
    IReadOnlyList<Exclusion> Excluded,
    RuntimeChoice? Runtime,
    string GapAdvice,
    string GuidePickNote,
    IReadOnlyList<string> Notes);

/// <summary>
/// Ranks the catalog's open models for a use case: hard limits first (licence, context, memory), then a score of
/// benchmark quality less expected quantization loss, with credit for the guide's endorsement, an unconditional
/// licence and speed, and penalties for spilling to system RAM or running too slowly for the use.
/// </summary>
public sealed class Recommender
{
    private readonly Catalog.Catalog catalog;
    private readonly FitPlanner planner;

    public Recommender(Catalog.Catalog catalog, FitPlanner? planner = null)
    {
        this.catalog = catalog;
        this.planner = planner ?? new FitPlanner(catalog);
    }

    /// <summary>Ranks every open model for the options.</summary>
    public Recommendation Recommend(RecommendOptions o)
    {
        ArgumentNullException.ThrowIfNull(o);
        var u = o.UseCase;
        var ranked = new List<Candidate>();
        var excluded = new List<Exclusion>();
        foreach (var model in catalog.OpenModels)
        {
            var (candidate, reason) = Consider(model, o);
            if (candidate is not null) ranked.Add(candidate);
            else excluded.Add(new Exclusion(model, reason!));
        }
        // A pick that misses the use case's own requirements here never ranks above one that meets them.
        ranked = ranked.OrderByDescending(c => c.MeetsNeeds).ThenByDescending(c => c.Score.Total).ThenBy(c => c.Fit.Weights.TotalBytes).ToList();

        var runtime = ranked.Count > 0 ? ranked[0].Plan.Runtime : null;
        return new Recommendation(u, o, ranked, excluded, runtime, GapAdvice(u), GuidePickNote(u, ranked, excluded), Notes(o, ranked));
    }

    private (Candidate?, string?) Consider(ModelEntry model, RecommendOptions o)
    {
        var u = o.UseCase;
        var query = o.License switch
        {
            LicenseMode.Saas => new LicenseQuery(Saas: true, MonthlyActiveUsers: o.MonthlyActiveUsers),
            _ => new LicenseQuery(Commercial: true, MonthlyActiveUsers: o.MonthlyActiveUsers),
        };
        var reports = LicenseEvaluator.Evaluate(catalog, model, query);
        var allowedLicenses = u.Requirements?.Licenses ?? [];
        if (allowedLicenses.Count > 0)
        {
            reports = reports.Where(r => allowedLicenses.Contains(r.License.SameTermsAs ?? r.License.Id, StringComparer.OrdinalIgnoreCase)).ToList();
            if (reports.Count == 0)
            {
                var license = catalog.License(model.License!)!;
                var guide = model.Guide?.License is { } said && !license.Names.Contains(said, StringComparer.OrdinalIgnoreCase) ? $" (the guide says {said})" : "";
                return (null, $"{license.Name}, not {string.Join(" or ", allowedLicenses.Select(l => catalog.License(l)!.Name))}{guide}");
            }
        }
        var best = reports.OrderBy(r => r.Overall).First();
        if (o.License != LicenseMode.Any && best.Overall == LicenseVerdict.NotAllowed)
        {
            var blocking = best.Answers.First(a => a.Verdict == LicenseVerdict.NotAllowed);
            var kind = best.License.Kind == "research" ? "research-only licence: " : "";
            return (null, $"{kind}{LicenseEvaluator.Label(blocking.Question).ToLowerInvariant()} not allowed ({best.License.Name}, {blocking.Clause})");
        }

        var ctx = model.Context!;
        if (o.Context > ctx.Max) return (null, $"context limit {FitPlanner.Tokens(ctx.Max)}, {FitPlanner.Tokens(o.Context)} asked");
        if (u.Requirements?.MinNativeContext is { } need && ctx.Native < need)
            return (null, $"ships with a {FitPlanner.Tokens(ctx.Native)} window; {FitPlanner.Tokens(need)} needs {ctx.Method ?? "an extension"}");

        var metric = Metric(model, u);
        if (metric is null) return (null, $"no published {string.Join(" or ", u.Metric.Concat(u.MetricFallback).Select(m => catalog.Benchmark(m.Benchmark)!.Name))} score");

        var fit = planner.Plan(model, o.Machine, new FitOptions(o.Context, o.Kv));
        if (!fit.Fits) return (null, fit.Best?.Problem is { } p ? $"does not fit: even {fit.Best.Level.Id} {p}" : fit.Why);
        var q = fit.Best!;

        var rs = catalog.Document.Recommender;
        var loss = QuantLoss(q.Level);
        var quality = metric.Value.Value * (1 - loss / 100);
        var endorsed = model.BestFor.Intersect(u.Tags, StringComparer.OrdinalIgnoreCase).Any();
        var endorsement = endorsed ? rs.EndorsementBonus : 0;
        var licenseCredit = o.License != LicenseMode.Any && best.Overall == LicenseVerdict.Allowed ? rs.PermissiveLicenseBonus : 0;
        // Speed on a log scale: full credit at the top of the scale, none at its floor, negative below it;
        // the slow penalty grows with how far the fastest estimate falls short of the use case's minimum.
        var tps = q.Speed?.Mid ?? 0;
        var scale = rs.SpeedScale;
        var octaves = Math.Log2(scale.FullMarksTokensPerSecond / scale.FloorTokensPerSecond);
        var speed = u.Weights.Speed * Math.Clamp(Math.Log2(Math.Max(tps, 1e-9) / scale.FloorTokensPerSecond) / octaves, -1, 1);
        var spills = o.Machine.HasGpu && q.Kind != FitKind.FullGpu;
        var high = q.Speed?.High ?? 0;
        var slow = high < u.Weights.MinTokensPerSecond;
        var shortfall = slow ? Math.Clamp(Math.Log2(u.Weights.MinTokensPerSecond / Math.Max(high, 1e-9)) / 3, 0, 1) : 0;
        var penalty = (spills ? u.Weights.OffloadPenalty : 0) + rs.SlowPenalty * shortfall;
        var total = quality + endorsement + licenseCredit + speed - penalty;
        var score = new ScoreBreakdown(metric.Value.Value, metric.Value.Basis, metric.Value.Verified, loss, endorsement, licenseCredit, speed, penalty, total);

        var shortfalls = new List<string>();
        if (slow) shortfalls.Add($"decodes at most ~{high:0.#} tok/s, below the {u.Weights.MinTokensPerSecond:0.#} tok/s this use needs");
        var maxWait = u.Requirements?.MaxTimeToFirstTokenSeconds;
        if (maxWait is { } wait && q.Prompt is { } pr && pr.FastestSeconds > wait)
            shortfalls.Add($"reading a {FitPlanner.Tokens(pr.Tokens)}-token prompt takes {Duration(pr.FastestSeconds)}-{Duration(pr.SlowestSeconds)}, over the {Duration(wait)} this use allows before the first token");

        var reasons = new List<string> { $"{metric.Value.Basis}; {q.Level.Id} ({FitDescription(q)}), ~{loss:0.#}% expected loss" };
        if (endorsed) reasons.Add($"the guide names it for this: \"{model.Guide?.BestFor ?? string.Join(", ", model.BestFor)}\"");
        if (licenseCredit > 0) reasons.Add($"{best.License.Name}: nothing to do for {(o.License == LicenseMode.Saas ? "a hosted service" : "commercial use")}");
        else if (best.Overall == LicenseVerdict.Conditions) reasons.Add($"{best.License.Name}: allowed with conditions ({string.Join("; ", best.Answers.SelectMany(a => a.Conditions).Distinct().Take(2))})");
        if (model.Checkpoints.Count > 1) reasons.Add($"use the {best.Checkpoint} checkpoint ({best.License.Name})");
        if (q.Speed is { } sp) reasons.Add($"{sp.Low:0.#}-{sp.High:0.#} tok/s estimated{(slow ? $", below the {u.Weights.MinTokensPerSecond:0.#} tok/s this use needs" : "")}");
        if (maxWait is not null)
        {
            reasons.Add(q.Prompt is { } p
                ? $"first token after {Duration(p.FastestSeconds)}-{Duration(p.SlowestSeconds)} for a {FitPlanner.Tokens(p.Tokens)}-token prompt ({p.LowTokensPerSecond:0.#}-{p.HighTokensPerSecond:0.#} prompt tok/s, {p.Basis}){(p.FastestSeconds > maxWait ? $", over the {Duration(maxWait.Value)} allowed" : "")}"
                : "prompt-processing time unknown here (no compute rate in the catalog); not judged");
        }
        if (spills && u.Weights.OffloadPenalty > 0) reasons.Add("spills to system RAM");
        if (!metric.Value.Verified) reasons.Add("score unconfirmed by a primary source");

        var plan = DeploymentPlan.For(catalog, fit, o.Machine, o.Context, o.Runtime ?? new RuntimeNeeds());
        return (new Candidate(plan, best, score, reasons, shortfalls), null);
    }

    /// <summary>
    /// The use case's metric for a model: the first listed published figure, else the guide's. A model with none of the
    /// use case's benchmarks is judged by its fallback benchmarks, and the basis says so.
    /// </summary>
    public (double Value, string Basis, bool Verified)? Metric(ModelEntry model, UseCase u)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(u);
        if (Combine(model, u.Metric) is { } primary) return primary;
        if (u.MetricFallback.Count == 0 || Combine(model, u.MetricFallback) is not { } fallback) return null;
        var missing = string.Join(" or ", u.Metric.Select(m => catalog.Benchmark(m.Benchmark)!.Name));
        return (fallback.Value, $"no published {missing}; judged by {fallback.Basis} instead", fallback.Verified);
    }

    private (double Value, string Basis, bool Verified)? Combine(ModelEntry model, List<MetricWeight> metric)
    {
        double sum = 0, weights = 0;
        var parts = new List<string>();
        var verified = true;
        foreach (var w in metric)
        {
            var b = catalog.Benchmark(w.Benchmark)!;
            if (ScoreOf(model, w.Benchmark) is not { } s) continue;
            var value = b.IsTenPoint ? s.Value * 10 : s.Value;
            sum += value * w.Weight;
            weights += w.Weight;
            parts.Add($"{b.Name} {s.Value:0.0#} ({s.Basis})");
            verified &= s.Verified;
        }
        if (weights == 0) return null;
        var missing = metric.Count - parts.Count;
        var basis = string.Join(", ", parts) + (missing > 0 ? $"; {missing} metric(s) unpublished" : "");
        return (sum / weights, basis, verified);
    }

    /// <summary>A model's figure for one benchmark with how we got it.</summary>
    public static (double Value, string Basis, bool Verified)? ScoreOf(ModelEntry model, string benchmark)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (!model.Scores.TryGetValue(benchmark, out var set)) return null;
        var r = set.Results.FirstOrDefault(x => !x.Unverified) ?? set.Results.FirstOrDefault();
        if (r is not null) return (r.Value, r.Setting == r.Variant ? r.Variant : $"{r.Variant}, {r.Setting}", !r.Unverified);
        return set.Guide is { } g ? (g, "guide figure, no primary source", false) : null;
    }

    /// <summary>
    /// The ranking term for a level's quality in percent: the guide's range midpoint, interpolated by bits per weight when the
    /// guide gives none. An ordering for the recommender, not a measurement: no command shows it as one (docs/quant-loss.md).
    /// </summary>
    public double QuantLoss(QuantizationLevel level)
    {
        ArgumentNullException.ThrowIfNull(level);
        if (level.QualityLoss is { } l) return l.Mid;
        // The validator makes every level carry a loss or a measured size.
        var known = catalog.Document.Quantizations.Where(x => x.QualityLoss is not null && x.MeasuredBpw is not null).OrderBy(x => x.MeasuredBpw!.Value).ToList();
        var bpw = level.MeasuredBpw!.Value;
        var below = known.LastOrDefault(x => x.MeasuredBpw!.Value <= bpw);
        var above = known.FirstOrDefault(x => x.MeasuredBpw!.Value > bpw);
        if (below is null) return above!.QualityLoss!.Mid;
        if (above is null) return below.QualityLoss!.Mid;
        var t = (bpw - below.MeasuredBpw!.Value) / (above.MeasuredBpw!.Value - below.MeasuredBpw.Value);
        return below.QualityLoss!.Mid + t * (above.QualityLoss!.Mid - below.QualityLoss.Mid);
    }

    /// <summary>A wait in words: "40 s", "12 min", "5.2 h".</summary>
    public static string Duration(double seconds) => seconds switch
    {
        < 90 => $"{seconds:0} s",
        < 5400 => $"{seconds / 60:0} min",
        _ => $"{seconds / 3600:0.#} h",
    };

    private static string FitDescription(QuantFit q) => q.Kind switch
    {
        FitKind.FullGpu => "all on GPU",
        FitKind.ExpertsOnCpu => "experts in RAM",
        FitKind.PartialOffload => $"{q.Placement.GpuLayers}/{q.Memory.TotalLayers} layers on GPU",
        FitKind.CpuOnly => "CPU only",
        _ => "does not fit",
    };

    private static string GapAdvice(UseCase u) => u.Gap.Level switch
    {
        "narrow" => $"The open/hosted gap is narrow here: {u.Gap.Text}",
        "wide" => $"Hosted models still lead here: {u.Gap.Text} Measure your own prompts with `scout eval` before migrating (the Verify capability).",
        _ => $"Mixed: {u.Gap.Text} Measure the tasks that matter with `scout eval` (the Verify capability).",
    };

    private string GuidePickNote(UseCase u, List<Candidate> ranked, List<Exclusion> excluded)
    {
        var pick = catalog.ModelById(u.Guide.Pick.Model)!;
        var index = ranked.FindIndex(c => c.Model.Id == pick.Id);
        if (index == 0) return $"Agrees with the guide's pick ({pick.Name}).";
        if (index > 0 && ranked[0].MeetsNeeds && !ranked[index].MeetsNeeds)
            return $"The guide picks {pick.Name}; here it ranks #{index + 1} because it misses this use's requirements on this machine ({ranked[index].Shortfalls[0]}).";
        if (index > 0) return $"The guide picks {pick.Name}; here it ranks #{index + 1} because {ranked[0].Model.Name} scores higher under these constraints.";
        var why = excluded.FirstOrDefault(e => e.Model.Id == pick.Id)?.Reason ?? "it was not considered";
        return $"The guide picks {pick.Name}, which is out here: {why}.";
    }

    private List<string> Notes(RecommendOptions o, List<Candidate> ranked)
    {
        var notes = new List<string>();
        if (ranked.Count > 0 && !ranked[0].MeetsNeeds)
            notes.Add($"Nothing that fits here meets this use's requirements; the picks are the best of what runs, short of them ({ranked[0].Model.Name}: {string.Join("; ", ranked[0].Shortfalls)}). More compute or a smaller context closes the gap.");
        var guidance = catalog.Document.ContextGuidance;
        if (o.Context > guidance.RetrievalDegradesAbove && guidance.RetrievalDegradesAbove > 0)
            notes.Add($"{FitPlanner.Tokens(o.Context)} context: {guidance.Statements.GetValueOrDefault("rag")}");
        notes.AddRange(o.Machine.Assumptions);
        return notes;
    }
}
