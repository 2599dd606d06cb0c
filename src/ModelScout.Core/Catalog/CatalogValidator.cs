using ModelScout.Core.Memory;

namespace ModelScout.Core.Catalog;

/// <summary>Checks a catalog document for broken references and impossible values before anything uses it.</summary>
internal static class CatalogValidator
{
    private static readonly HashSet<string> Verdicts = ["allowed", "conditions", "not-allowed"];

    public static List<string> Check(CatalogDocument doc)
    {
        var p = new List<string>();
        Unique(p, "model", doc.Models.Select(m => m.Id));
        Unique(p, "licence", doc.Licenses.Select(l => l.Id));
        Unique(p, "quantization", doc.Quantizations.Select(q => q.Id));
        Unique(p, "use case", doc.UseCases.Select(u => u.Id));
        Unique(p, "runtime", doc.Runtimes.Select(r => r.Id));
        Unique(p, "GPU", doc.Gpus.Select(g => g.Id));
        Unique(p, "profile", doc.Profiles.Select(x => x.Id));
        Unique(p, "glossary entry", doc.Glossary.Select(g => g.Id));
        Unique(p, "benchmark", doc.Benchmarks.Select(b => b.Id));

        var licenses = doc.Licenses.Select(l => l.Id).ToHashSet(StringComparer.OrdinalIgnoreCase);
        var benchmarks = doc.Benchmarks.Select(b => b.Id).ToHashSet(StringComparer.OrdinalIgnoreCase);
        var models = doc.Models.Select(m => m.Id).ToHashSet(StringComparer.OrdinalIgnoreCase);
        var gpus = doc.Gpus.Select(g => g.Id).ToHashSet(StringComparer.OrdinalIgnoreCase);
        var prices = doc.Cost.Api.Select(a => a.Id).ToHashSet(StringComparer.OrdinalIgnoreCase);

        var tagOwner = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var m in doc.Models)
        {
            foreach (var name in Catalog.NamesOf(m).Where(n => !n.Contains(' ', StringComparison.Ordinal)))
            {
                if (tagOwner.TryGetValue(name, out var owner) && owner != m.Id) p.Add($"name '{name}' belongs to both {owner} and {m.Id}");
                else tagOwner[name] = m.Id;
            }
            foreach (var (bench, set) in m.Scores)
            {
                if (!benchmarks.Contains(bench)) p.Add($"{m.Id}: score for unknown benchmark '{bench}'");
                foreach (var r in set.Results.Where(r => !doc.Sources.ContainsKey(r.Source))) p.Add($"{m.Id}: {bench} cites unknown source '{r.Source}'");
            }
            if (m.Pricing is { } price && !prices.Contains(price)) p.Add($"{m.Id}: unknown price list '{price}'");
            if (!m.IsOpen) continue;
            if (m.License is null || !licenses.Contains(m.License)) p.Add($"{m.Id}: unknown licence '{m.License}'");
            foreach (var c in m.Checkpoints.Where(c => !licenses.Contains(c.License))) p.Add($"{m.Id}: checkpoint {c.Id} has unknown licence '{c.License}'");
            if (m.Parameters is null || m.Parameters.Total <= 0) p.Add($"{m.Id}: parameter count missing");
            if (m.Context is null || m.Context.Max <= 0 || m.Context.Native <= 0) p.Add($"{m.Id}: context missing");
            if (m.Architecture is not { } a) p.Add($"{m.Id}: architecture missing");
            else CheckArchitecture(p, m.Id, a);
            CheckServing(p, m, doc.Sources);
        }
        foreach (var l in doc.Licenses)
        {
            if (l.SameTermsAs is { } basis && !licenses.Contains(basis)) p.Add($"licence {l.Id}: sameTermsAs unknown '{basis}'");
            foreach (var (k, t) in l.Terms.Concat(l.Overrides).Where(t => !Verdicts.Contains(t.Value.Verdict))) p.Add($"licence {l.Id}: term {k} has verdict '{t.Verdict}'");
            if (l.Mau is { } mau && mau.Above is not ("licence" or "conditions")) p.Add($"licence {l.Id}: mau.above is '{mau.Above}', not licence or conditions");
            if (l.Mau is { Above: "conditions", Conditions.Count: 0 }) p.Add($"licence {l.Id}: mau.above is conditions but it lists none");
        }
        foreach (var q in doc.Quantizations.Where(q => QuantRecipe.Find(q.Recipe) is null)) p.Add($"quantization {q.Id}: no recipe '{q.Recipe}'");
        foreach (var q in doc.Quantizations.Where(q => q.MeasuredBpw is null && q.QualityLoss is null)) p.Add($"quantization {q.Id}: needs measuredBpw or qualityLoss (the recommender ranks by one of them)");
        var levelIds = doc.Quantizations.Select(q => q.Id).ToHashSet(StringComparer.OrdinalIgnoreCase);
        foreach (var m in doc.Models)
        {
            foreach (var l in m.GgufLevels.Where(l => !levelIds.Contains(l))) p.Add($"{m.Id}: ggufLevels names unknown level '{l}'");
        }
        foreach (var u in doc.UseCases)
        {
            if (!models.Contains(u.Guide.Pick.Model)) p.Add($"use case {u.Id}: pick '{u.Guide.Pick.Model}' is not a model");
            foreach (var w in u.Metric.Concat(u.MetricFallback).Where(w => !benchmarks.Contains(w.Benchmark))) p.Add($"use case {u.Id}: unknown benchmark '{w.Benchmark}'");
            if (!doc.Profiles.Any(x => x.Id == u.AssumedProfile)) p.Add($"use case {u.Id}: unknown profile '{u.AssumedProfile}'");
            foreach (var l in (u.Requirements?.Licenses ?? []).Where(l => !licenses.Contains(l))) p.Add($"use case {u.Id}: unknown licence '{l}'");
        }
        foreach (var x in doc.Profiles)
        {
            foreach (var g in x.Gpus.Where(g => !gpus.Contains(g.Gpu) || g.Count < 1)) p.Add($"profile {x.Id}: bad GPU '{g.Gpu}' x{g.Count}");
            if (x.Apple is { } apple && !doc.AppleChips.Any(c => c.Id == apple.Chip)) p.Add($"profile {x.Id}: unknown Apple chip '{apple.Chip}'");
            if (x.RamGiB <= 0) p.Add($"profile {x.Id}: no RAM");
        }
        foreach (var g in doc.Gpus.Where(g => g.VramGiB <= 0 || g.BandwidthGBps <= 0 || g.Match.Count == 0)) p.Add($"GPU {g.Id}: VRAM, bandwidth and match patterns are required");
        foreach (var m in doc.Measurements)
        {
            if (m.Model is { } id && !models.Contains(id)) p.Add($"measurement {m.Id}: unknown model '{id}'");
            if (m.Quant is { } q && QuantRecipe.Find(q) is null) p.Add($"measurement {m.Id}: unknown quantization '{q}'");
        }
        CheckQuantLoss(p, doc);
        foreach (var c in doc.Estimator.Speed.Calibration.Where(c => !gpus.Contains(c.Gpu))) p.Add($"speed calibration: unknown GPU '{c.Gpu}'");
        return p;
    }

    private static void CheckQuantLoss(List<string> p, CatalogDocument doc)
    {
        Unique(p, "quantization-loss set", doc.QuantLoss.Select(s => s.Id));
        var families = doc.Models.Select(m => m.Family).OfType<string>().ToHashSet(StringComparer.OrdinalIgnoreCase);
        if (doc.QuantLoss.Count > 0 && doc.QuantLoss.Count(s => s.Kind == QuantLossSet.GuideResembles) != 1)
            p.Add("quantization loss: exactly one set must be what the guide's figures resemble (kind 'guide-resembles')");
        foreach (var s in doc.QuantLoss)
        {
            var at = $"quantization-loss set {s.Id}";
            if (s.Kind is not (QuantLossSet.Measured or QuantLossSet.GuideResembles)) p.Add($"{at}: kind '{s.Kind}' is not measured or guide-resembles");
            if (!doc.Sources.ContainsKey(s.Source)) p.Add($"{at}: unknown source '{s.Source}'");
            if (string.IsNullOrWhiteSpace(s.MeasuredOn)) p.Add($"{at}: which model it was measured on is missing");
            foreach (var f in s.Families.Where(f => !families.Contains(f))) p.Add($"{at}: no catalog model is of family '{f}'");
            if (s.Levels.Count == 0) p.Add($"{at}: no levels");
            foreach (var dup in s.Levels.GroupBy(l => (l.Quant.ToUpperInvariant(), l.Imatrix)).Where(g => g.Count() > 1)) p.Add($"{at}: {dup.Key.Item1} listed twice");
            foreach (var l in s.Levels)
            {
                var level = $"{at}: {l.Quant}{(l.Imatrix ? " (imatrix)" : "")}";
                if (QuantRecipe.Find(l.Quant) is null) p.Add($"{level}: unknown quantization");
                if (l.FileGiB is null && l.Perplexity is null && l.DeltaPplPct is null && l.Kld is null && l.SameTopPct is null) p.Add($"{level}: no figure");
                if (l.Kld is < 0) p.Add($"{level}: KL divergence cannot be negative");
                if (l.SameTopPct is < 0 or > 100) p.Add($"{level}: same-top share must be 0-100 %");
                if (l.Perplexity is <= 0 || l.FileGiB is <= 0) p.Add($"{level}: perplexity and size must be positive");
                // The table's ΔPPL is its PPL against the base PPL: a typo in either shows here.
                if (s.BasePerplexity is { } b && l.Perplexity is { } ppl && l.DeltaPplPct is { } d && Math.Abs((ppl / b - 1) * 100 - d) > 0.1)
                    p.Add($"{level}: ΔPPL {d} % disagrees with PPL {ppl} against the base {b} ({(ppl / b - 1) * 100:0.##} %)");
            }
        }
    }

    private static void CheckArchitecture(List<string> p, string id, Architecture a)
    {
        if (a.Layers <= 0 || a.EmbeddingLength <= 0 || a.HeadCount <= 0 || a.KvHeadCount <= 0 || a.KeyLength <= 0 || a.VocabSize <= 0 || a.FeedForwardLength <= 0)
            p.Add($"{id}: architecture sizes must be positive");
        else if (a.Mla is null && a.HeadCount % a.KvHeadCount != 0)
            p.Add($"{id}: {a.HeadCount} heads do not divide into {a.KvHeadCount} KV heads");
        if (a.Moe is { } moe && (moe.ExpertsUsed <= 0 || moe.ExpertsUsed > moe.Experts || moe.LeadingDenseLayers > a.Layers || moe.Interleave < 1))
            p.Add($"{id}: impossible expert layout");
        if (a.SlidingWindow is { } swa && (swa.Window <= 0 || swa.GlobalEvery < 1 || swa.Kind is not ("sliding" or "chunked"))) p.Add($"{id}: bad sliding window");
    }

    private static readonly HashSet<string> Formats = new(StringComparer.OrdinalIgnoreCase) { "bf16", "fp16", "fp8", "mxfp4", "int4" };
    private static readonly HashSet<string> Coverage = ["all", "linear", "experts"];

    private static void CheckServing(List<string> p, ModelEntry m, Dictionary<string, string> sources)
    {
        if (m.Serving is not { } s)
        {
            if (m.NoGguf) p.Add($"{m.Id}: a model without a GGUF must name its serving precisions");
            return;
        }
        if (!Formats.Contains(s.Native)) p.Add($"{m.Id}: unknown native precision '{s.Native}'");
        if (s.Precisions.Count == 0) p.Add($"{m.Id}: serving lists no precisions");
        Unique(p, $"{m.Id}: serving precision", s.Precisions.Select(x => x.Id));
        foreach (var x in s.Precisions)
        {
            if (!Formats.Contains(x.Format)) p.Add($"{m.Id}: serving precision {x.Id} has unknown format '{x.Format}'");
            if (!Coverage.Contains(x.Covers)) p.Add($"{m.Id}: serving precision {x.Id} covers '{x.Covers}' (all, linear or experts)");
            if (string.IsNullOrWhiteSpace(x.Checkpoint)) p.Add($"{m.Id}: serving precision {x.Id} names no checkpoint");
            if (x.MeasuredWeightsGiB is <= 0) p.Add($"{m.Id}: serving precision {x.Id} has a measured size that is not positive");
            if (x.Source is { } src && !sources.ContainsKey(src)) p.Add($"{m.Id}: serving precision {x.Id} cites unknown source '{src}'");
        }
        if (s.Source is { } key && !sources.ContainsKey(key)) p.Add($"{m.Id}: serving cites unknown source '{key}'");
        if (s.Precisions.Count > 0 && !s.Precisions.Any(x => string.Equals(x.Format, s.Native, StringComparison.OrdinalIgnoreCase)))
            p.Add($"{m.Id}: no serving precision is in the native format '{s.Native}'");
    }

    private static void Unique(List<string> p, string what, IEnumerable<string> ids)
    {
        foreach (var dup in ids.GroupBy(i => i, StringComparer.OrdinalIgnoreCase).Where(g => g.Count() > 1)) p.Add($"{what} id '{dup.Key}' appears {dup.Count()} times");
    }
}
