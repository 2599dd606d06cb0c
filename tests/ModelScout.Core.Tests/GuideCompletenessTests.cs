using System.Globalization;
using System.Text.RegularExpressions;

namespace ModelScout.Core.Tests;

/// <summary>
/// Reads the guide itself and proves every model, score, threshold, quantization row, licence row and pick in it is
/// in the catalog. Expected values come from the guide text, never from this file.
/// </summary>
public partial class GuideCompletenessTests
{
    private static readonly Catalog.Catalog Catalog = ModelScout.Core.Catalog.Catalog.Embedded;
    private static readonly string[] Lines = File.ReadAllLines(Paths.Guide);
    private static readonly string Text = File.ReadAllText(Paths.Guide);

    private static IEnumerable<string> Section(string startsWith, string endsWith) =>
        Lines.SkipWhile(l => !l.StartsWith(startsWith, StringComparison.Ordinal)).Skip(1).TakeWhile(l => !l.StartsWith(endsWith, StringComparison.Ordinal));

    private static double D(string s) => double.Parse(s, CultureInfo.InvariantCulture);

    [GeneratedRegex(@"^(?<name>.+?) (?<params>\d+(?:\.\d+)?B(?: MoE)?) (?<ctx>\d+K) (?<lic>.+?) (?<mmlu>\d+\.\d)% (?<he>\d+\.\d)% (?<mem>\d+\+? GB) (?<best>.+)$")]
    private static partial Regex ModelRow();

    [Fact]
    public void Every_model_row_of_the_comparison_table_is_in_the_catalog_with_the_guide_figures()
    {
        var rows = Section("Model Params Context", "💡").Where(l => l.Length > 0).ToList();
        Assert.Equal(12, rows.Count(l => ModelRow().IsMatch(l)));
        foreach (var line in rows)
        {
            var m = ModelRow().Match(line);
            Assert.True(m.Success, $"unparsed table row: {line}");
            var name = m.Groups["name"].Value;
            var model = Catalog.OpenModels.SingleOrDefault(x => x.Guide?.Name == name);
            Assert.True(model is not null, $"no catalog model carries the guide name '{name}'");
            var g = model!.Guide!;
            Assert.Equal(m.Groups["params"].Value, g.Params);
            Assert.Equal(m.Groups["ctx"].Value, g.Context);
            Assert.Equal(m.Groups["lic"].Value, g.License);
            Assert.Equal(m.Groups["mem"].Value, g.MinMemory);
            Assert.Equal(m.Groups["best"].Value, g.BestFor);
            Assert.Equal(D(m.Groups["mmlu"].Value), model.Scores["mmlu"].Guide);
            Assert.Equal(D(m.Groups["he"].Value), model.Scores["humaneval"].Guide);
        }
    }

    [GeneratedRegex(@"^(?<label>fp16 \(full\)|Q\w+) (?<bits>\d+-bit(?: \(K-means\))?) (?<size>~[\d.]+ GB) (?<loss>.+?%(?: \(baseline\))?) (?<vram>[\d.]+ GB) (?<best>.+)$")]
    private static partial Regex QuantRow();

    [Fact]
    public void Every_quantization_row_of_the_guide_is_in_the_catalog()
    {
        var rows = Section("Quantization Bits/Weight", "Practical recommendation").Where(l => QuantRow().IsMatch(l)).ToList();
        Assert.Equal(7, rows.Count);
        foreach (var line in rows)
        {
            var m = QuantRow().Match(line);
            var q = Catalog.Document.Quantizations.SingleOrDefault(x => x.Guide?.Label == m.Groups["label"].Value);
            Assert.True(q is not null, $"no quantization carries the guide label {m.Groups["label"].Value}");
            Assert.Equal(m.Groups["bits"].Value, q!.Guide!.Bits);
            Assert.Equal(m.Groups["size"].Value, q.Guide.Size7B);
            Assert.Equal(m.Groups["loss"].Value, q.Guide.QualityLoss);
            Assert.Equal(m.Groups["vram"].Value, q.Guide.MinVram7B);
            Assert.Equal(m.Groups["best"].Value, q.Guide.BestFor);
            // The loss range in numbers matches the text.
            var numbers = NumberPattern().Matches(m.Groups["loss"].Value).Select(x => D(x.Value)).ToList();
            var upTo = m.Groups["loss"].Value.StartsWith('<');
            Assert.Equal(upTo ? 0 : numbers.Min(), q.QualityLoss!.Low);
            Assert.Equal(numbers.Max(), q.QualityLoss.High);
        }
    }

    [Fact]
    public void Every_licence_row_of_the_guide_is_recorded_as_the_guide_states_it()
    {
        var rows = Section("License Type Models", "For the vast majority").Where(l => l.Length > 0).ToList();
        var withClaims = Catalog.Document.Licenses.Where(l => l.Guide?.CommercialUse is not null).ToList();
        Assert.Equal(rows.Count, withClaims.Count);
        foreach (var l in withClaims)
        {
            var g = l.Guide!;
            var row = rows.SingleOrDefault(r => r.StartsWith(g.Type!, StringComparison.Ordinal) && r.Contains(g.Models!, StringComparison.Ordinal));
            Assert.True(row is not null, $"{l.Id}: no guide row '{g.Type} {g.Models}'");
            Assert.Equal($"{g.Type} {g.Models} {g.CommercialUse} {g.KeyRestriction} {g.SafeForSaas}", row);
        }
    }

    [Fact]
    public void Every_ranked_use_case_pick_of_the_guide_is_a_catalog_use_case_with_that_pick()
    {
        var section = Section("Ranked Recommendations by Use Case", "Bottom Line").Where(l => l.Length > 0).ToList();
        var picks = 0;
        for (var i = 0; i < section.Count; i++)
        {
            if (!section[i].StartsWith("→ ", StringComparison.Ordinal)) continue;
            picks++;
            var pickText = section[i][2..];
            var description = section[i - 1];
            var heading = section[i - 2];
            var useCase = Catalog.Document.UseCases.SingleOrDefault(u => u.Guide.Heading == heading);
            Assert.True(useCase is not null, $"no use case with the guide heading '{heading}'");
            Assert.Equal(description, useCase!.Guide.Description);
            var model = Catalog.ModelById(useCase.Guide.Pick.Model)!;
            Assert.StartsWith(model.Guide!.Name!, pickText, StringComparison.Ordinal);
            if (useCase.Guide.Pick.Quant is { } q) Assert.EndsWith(q, pickText, StringComparison.Ordinal);
        }
        Assert.Equal(8, picks);
    }

    [Theory]
    [InlineData("MMLU", "mmlu")]
    [InlineData("HumanEval", "humaneval")]
    [InlineData("MT-Bench", "mtbench")]
    [InlineData("MATH", "math")]
    public void Every_benchmark_threshold_of_the_guide_is_in_the_catalog(string bullet, string id)
    {
        var line = Lines.Single(l => l.TrimStart().StartsWith("• " + bullet, StringComparison.Ordinal));
        var b = Catalog.Benchmark(id)!;
        var known = new List<double>();
        if (b.Items is { } items) known.Add(items.Count);
        foreach (var t in b.Thresholds) known.AddRange(new[] { t.AtLeast, t.Above, t.Below }.OfType<double>());
        if (b.Reference is { } r) known.AddRange(new[] { r.Value, r.Low, r.High }.OfType<double>());
        // Every figure in the bullet, except model names (GPT-4), the pass@1 metric name and the 1-10 scale, is a catalog value.
        var cleaned = line.Replace("GPT-4", "", StringComparison.Ordinal).Replace("Pass@1", "", StringComparison.Ordinal).Replace("1–10", "", StringComparison.Ordinal);
        foreach (Match n in NumberPattern().Matches(cleaned)) Assert.Contains(D(n.Value), known);
    }

    [Fact]
    public void The_guide_names_the_32B_coder_variant_and_Gemma_2_and_the_catalog_has_them()
    {
        Assert.Contains("32B variant", Text, StringComparison.Ordinal);
        var coder32 = Catalog.ModelById("qwen2.5-coder-32b")!;
        var figure = D(Regex.Match(Text, @"32B variant achieves (\d+\.\d)% HumanEval").Groups[1].Value);
        Assert.Equal(figure, coder32.Scores["humaneval"].Guide);
        Assert.Contains("Gemma 2", Text, StringComparison.Ordinal);
        Assert.Equal(3, Catalog.OpenModels.Count(m => m.Family == "Gemma 2"));
    }

    [Fact]
    public void Every_number_in_the_guide_appears_in_the_catalog_file()
    {
        // A coarse net under the structured tests: no figure of the guide may be missing from the data file.
        var json = File.ReadAllText(Path.Combine(Paths.RepoRoot, "src", "ModelScout.Core", "Catalog", "catalog.json"));
        var catalogNumbers = NumberPattern().Matches(json).Select(m => D(m.Value)).ToHashSet();
        var missing = new List<string>();
        foreach (Match m in NumberPattern().Matches(Text))
        {
            var v = D(m.Value);
            if (!catalogNumbers.Contains(v)) missing.Add(m.Value + " in …" + Text.Substring(Math.Max(0, m.Index - 30), Math.Min(60, Text.Length - Math.Max(0, m.Index - 30))).ReplaceLineEndings(" ") + "…");
        }
        Assert.True(missing.Count == 0, "figures of the guide missing from the catalog:\n" + string.Join("\n", missing));
    }

    [GeneratedRegex(@"\d+(?:\.\d+)?")]
    private static partial Regex NumberPattern();
}
