using System.Globalization;
using System.Text.RegularExpressions;
using ModelScout.Testing;

namespace ModelScout.Core.Tests;

/// <summary>
/// Holds Fixtures/guide-facts.json to the guide's own text: the guide is parsed section by section and every figure the
/// catalog tests compare must be in the facts file exactly as printed, and nothing else. The guide is not in the
/// repository; this runs where it is beside the clone (../shared/seed/) and is reported as skipped elsewhere.
/// </summary>
public partial class GuideFactsMatchTheGuideTests
{
    private static IEnumerable<string> Section(string[] lines, string startsWith, string endsWith) =>
        lines.SkipWhile(l => !l.StartsWith(startsWith, StringComparison.Ordinal)).Skip(1).TakeWhile(l => !l.StartsWith(endsWith, StringComparison.Ordinal));

    private static double D(string s) => double.Parse(s, CultureInfo.InvariantCulture);

    [GeneratedRegex(@"^(?<name>.+?) (?<params>\d+(?:\.\d+)?B(?: MoE)?) (?<ctx>\d+K) (?<lic>.+?) (?<mmlu>\d+\.\d)% (?<he>\d+\.\d)% (?<mem>\d+\+? GB) (?<best>.+)$")]
    private static partial Regex ModelRow();

    [GeneratedRegex(@"^(?<label>fp16 \(full\)|Q\w+) (?<bits>\d+-bit(?: \(K-means\))?) (?<size>~[\d.]+ GB) (?<loss>.+?%(?: \(baseline\))?) (?<vram>[\d.]+ GB) (?<best>.+)$")]
    private static partial Regex QuantRow();

    [GeneratedRegex(@"^• (?<name>[^\s:]+)")]
    private static partial Regex Bullet();

    [NeedsGuideFact]
    public void The_facts_file_holds_the_figures_of_the_guide_as_printed()
    {
        var lines = File.ReadAllLines(RepoPaths.Guide);
        var text = File.ReadAllText(RepoPaths.Guide);
        var facts = GuideFacts.Value;

        var models = Section(lines, "Model Params Context", "💡").Where(l => l.Length > 0).Select(line =>
        {
            var m = ModelRow().Match(line);
            Assert.True(m.Success, $"unparsed table row: {line}");
            return new GuideModelRow(m.Groups["name"].Value, m.Groups["params"].Value, m.Groups["ctx"].Value, m.Groups["lic"].Value,
                D(m.Groups["mmlu"].Value), D(m.Groups["he"].Value), m.Groups["mem"].Value, m.Groups["best"].Value);
        }).ToList();
        Assert.Equal(models, facts.Models);

        var quantizations = Section(lines, "Quantization Bits/Weight", "Practical recommendation").Select(l => QuantRow().Match(l)).Where(m => m.Success)
            .Select(m => new GuideQuantizationRow(m.Groups["label"].Value, m.Groups["bits"].Value, m.Groups["size"].Value, m.Groups["loss"].Value,
                m.Groups["vram"].Value, m.Groups["best"].Value)).ToList();
        Assert.Equal(quantizations, facts.Quantizations);

        var licences = Section(lines, "License Type Models", "For the vast majority").Where(l => l.Length > 0).ToList();
        Assert.Equal(licences, facts.Licences.Select(r => r.Printed));

        var ranked = Section(lines, "Ranked Recommendations by Use Case", "Bottom Line").Where(l => l.Length > 0).ToList();
        var useCases = ranked.Select((l, i) => (l, i)).Where(x => x.l.StartsWith("→ ", StringComparison.Ordinal))
            .Select(x => new GuideUseCase(ranked[x.i - 2], ranked[x.i - 1], x.l[2..])).ToList();
        Assert.Equal(useCases, facts.UseCases);

        var bullets = Section(lines, "What the Benchmarks Actually Measure", "Full Model Comparison Table").Select(l => l.TrimStart())
            .Where(l => Bullet().IsMatch(l)).ToList();
        Assert.Equal(bullets.Select(l => Bullet().Match(l).Groups["name"].Value), facts.Benchmarks.Select(b => b.Bullet));
        foreach (var (line, bullet) in bullets.Zip(facts.Benchmarks))
        {
            var cleaned = line.Replace("GPT-4", "", StringComparison.Ordinal).Replace("Pass@1", "", StringComparison.Ordinal).Replace("1–10", "", StringComparison.Ordinal);
            Assert.Equal(GuideCompletenessTests.NumberPattern().Matches(cleaned).Select(n => D(n.Value)), bullet.Figures);
        }

        Assert.Contains("32B variant", text, StringComparison.Ordinal);
        Assert.Equal(D(Regex.Match(text, @"32B variant achieves (\d+\.\d)% HumanEval").Groups[1].Value), facts.Coder32BHumanEval);
        Assert.All(facts.FamiliesNamedWithoutARow, family =>
        {
            Assert.Contains(family, text, StringComparison.Ordinal);
            Assert.DoesNotContain(models, m => m.Name.StartsWith(family, StringComparison.Ordinal));
        });

        Assert.Equal(GuideCompletenessTests.NumberPattern().Matches(text).Select(m => m.Value).Distinct(), facts.Numbers);
    }
}

/// <summary>
/// A fact that reads the guide: reported as skipped, with the reason, where the guide is not beside this clone.
/// </summary>
public sealed class NeedsGuideFactAttribute : FactAttribute
{
    public NeedsGuideFactAttribute()
    {
        if (!File.Exists(RepoPaths.Guide))
        {
            Skip = $"the guide is not beside this clone ({RepoPaths.Guide} is missing): it is not ours to commit, so only "
                + "the catalog checks against tests/ModelScout.Core.Tests/Fixtures/guide-facts.json run here";
        }
    }
}
