using System.Globalization;
using System.Text.RegularExpressions;
using ModelScout.Testing;

namespace ModelScout.Core.Tests;

/// <summary>
/// Proves every model, score, threshold, quantization row, licence row and pick of the guide is in the catalog. Expected
/// values come from the guide's figures in Fixtures/guide-facts.json (<see cref="GuideFacts"/>), never from this file;
/// <see cref="GuideFactsMatchTheGuideTests"/> checks that file against the guide's own text where the guide is present.
/// </summary>
public partial class GuideCompletenessTests
{
    private static readonly Catalog.Catalog Catalog = ModelScout.Core.Catalog.Catalog.Embedded;
    private static GuideFacts Guide => GuideFacts.Value;

    private static double D(string s) => double.Parse(s, CultureInfo.InvariantCulture);

    [Fact]
    public void Every_model_row_of_the_comparison_table_is_in_the_catalog_with_the_guide_figures()
    {
        Assert.Equal(12, Guide.Models.Count);
        foreach (var row in Guide.Models)
        {
            var model = Catalog.OpenModels.SingleOrDefault(x => x.Guide?.Name == row.Name);
            Assert.True(model is not null, $"no catalog model carries the guide name '{row.Name}'");
            var g = model!.Guide!;
            Assert.Equal(row.Params, g.Params);
            Assert.Equal(row.Context, g.Context);
            Assert.Equal(row.License, g.License);
            Assert.Equal(row.MinMemory, g.MinMemory);
            Assert.Equal(row.BestFor, g.BestFor);
            Assert.Equal(row.Mmlu, model.Scores["mmlu"].Guide);
            Assert.Equal(row.HumanEval, model.Scores["humaneval"].Guide);
        }
    }

    [Fact]
    public void Every_quantization_row_of_the_guide_is_in_the_catalog()
    {
        Assert.Equal(7, Guide.Quantizations.Count);
        foreach (var row in Guide.Quantizations)
        {
            var q = Catalog.Document.Quantizations.SingleOrDefault(x => x.Guide?.Label == row.Label);
            Assert.True(q is not null, $"no quantization carries the guide label {row.Label}");
            Assert.Equal(row.Bits, q!.Guide!.Bits);
            Assert.Equal(row.Size7B, q.Guide.Size7B);
            Assert.Equal(row.QualityLoss, q.Guide.QualityLoss);
            Assert.Equal(row.MinVram7B, q.Guide.MinVram7B);
            Assert.Equal(row.BestFor, q.Guide.BestFor);
            // The loss range in numbers matches the text.
            var numbers = NumberPattern().Matches(row.QualityLoss).Select(x => D(x.Value)).ToList();
            var upTo = row.QualityLoss.StartsWith('<');
            Assert.Equal(upTo ? 0 : numbers.Min(), q.QualityLoss!.Low);
            Assert.Equal(numbers.Max(), q.QualityLoss.High);
        }
    }

    [Fact]
    public void Every_licence_row_of_the_guide_is_recorded_as_the_guide_states_it()
    {
        var withClaims = Catalog.Document.Licenses.Where(l => l.Guide?.CommercialUse is not null).ToList();
        Assert.Equal(Guide.Licences.Count, withClaims.Count);
        foreach (var l in withClaims)
        {
            var g = l.Guide!;
            var row = Guide.Licences.SingleOrDefault(r => r.Type == g.Type && r.Models == g.Models);
            Assert.True(row is not null, $"{l.Id}: no guide row '{g.Type} {g.Models}'");
            Assert.Equal(row, new GuideLicenceRow(g.Type!, g.Models!, g.CommercialUse!, g.KeyRestriction!, g.SafeForSaas!));
        }
    }

    [Fact]
    public void Every_ranked_use_case_pick_of_the_guide_is_a_catalog_use_case_with_that_pick()
    {
        foreach (var pick in Guide.UseCases)
        {
            var useCase = Catalog.Document.UseCases.SingleOrDefault(u => u.Guide.Heading == pick.Heading);
            Assert.True(useCase is not null, $"no use case with the guide heading '{pick.Heading}'");
            Assert.Equal(pick.Description, useCase!.Guide.Description);
            var model = Catalog.ModelById(useCase.Guide.Pick.Model)!;
            Assert.StartsWith(model.Guide!.Name!, pick.Pick, StringComparison.Ordinal);
            if (useCase.Guide.Pick.Quant is { } q) Assert.EndsWith(q, pick.Pick, StringComparison.Ordinal);
        }
        Assert.Equal(8, Guide.UseCases.Count);
    }

    [Theory]
    [InlineData("MMLU", "mmlu")]
    [InlineData("HumanEval", "humaneval")]
    [InlineData("MT-Bench", "mtbench")]
    [InlineData("MATH", "math")]
    public void Every_benchmark_threshold_of_the_guide_is_in_the_catalog(string bullet, string id)
    {
        var figures = Guide.Benchmarks.Single(b => b.Bullet == bullet).Figures;
        var b = Catalog.Benchmark(id)!;
        var known = new List<double>();
        if (b.Items is { } items) known.Add(items.Count);
        foreach (var t in b.Thresholds) known.AddRange(new[] { t.AtLeast, t.Above, t.Below }.OfType<double>());
        if (b.Reference is { } r) known.AddRange(new[] { r.Value, r.Low, r.High }.OfType<double>());
        // Every figure in the bullet (model names, the pass@1 metric name and the 1-10 scale left out) is a catalog value.
        Assert.NotEmpty(figures);
        foreach (var n in figures) Assert.Contains(n, known);
    }

    [Fact]
    public void The_guide_names_the_32B_coder_variant_and_Gemma_2_and_the_catalog_has_them()
    {
        var coder32 = Catalog.ModelById("qwen2.5-coder-32b")!;
        Assert.Equal(Guide.Coder32BHumanEval, coder32.Scores["humaneval"].Guide);
        Assert.Contains("Gemma 2", Guide.FamiliesNamedWithoutARow);
        Assert.Equal(3, Catalog.OpenModels.Count(m => m.Family == "Gemma 2"));
    }

    [Fact]
    public void Every_number_in_the_guide_appears_in_the_catalog_file()
    {
        // A coarse net under the structured tests: no figure of the guide may be missing from the data file.
        var json = File.ReadAllText(Path.Combine(RepoPaths.Root, "src", "ModelScout.Core", "Catalog", "catalog.json"));
        var catalogNumbers = NumberPattern().Matches(json).Select(m => D(m.Value)).ToHashSet();
        Assert.NotEmpty(Guide.Numbers);
        var missing = Guide.Numbers.Where(n => !catalogNumbers.Contains(D(n))).ToList();
        Assert.True(missing.Count == 0, "figures of the guide missing from the catalog: " + string.Join(", ", missing));
    }

    [GeneratedRegex(@"\d+(?:\.\d+)?")]
    internal static partial Regex NumberPattern();
}
