using ModelScout.Core.Catalog;

namespace ModelScout.Core.Tests;

public class QuantLossCatalogTests
{
    private static readonly Catalog.Catalog Catalog = ModelScout.Core.Catalog.Catalog.Embedded;

    [Fact]
    public void Llama_3_1_is_shown_the_published_Llama_3_8B_table_with_its_source()
    {
        var sets = Catalog.PublishedLoss(Catalog.ModelById("llama3.1-8b")!);
        var set = Assert.Single(sets);
        Assert.Equal("Llama-3-8B", set.MeasuredOn);
        Assert.Equal("LCPP-PPL", set.Source);
        Assert.Contains("perplexity/README.md", Catalog.SourceTitle(set.Source), StringComparison.Ordinal);
        var q4 = set.Levels.Single(l => l.Quant == "Q4_K_M" && !l.Imatrix);
        Assert.Equal(0.0313, q4.Kld);
        Assert.Equal(91.9, q4.SameTopPct);
        Assert.Equal(2.82, q4.DeltaPplPct);
        Assert.Equal(2.43, set.Levels.Single(l => l.Quant == "Q4_K_M" && l.Imatrix).DeltaPplPct);
        var q2 = set.Levels.Single(l => l.Quant == "Q2_K" && !l.Imatrix);
        Assert.Equal(56.5, q2.DeltaPplPct);
        Assert.Equal(71.14, q2.SameTopPct);
    }

    [Fact]
    public void A_family_nobody_measured_gets_nothing_and_the_guide_column_is_the_old_70B_one()
    {
        Assert.Empty(Catalog.PublishedLoss(Catalog.ModelById("qwen2.5-coder-7b")!));
        var guide = Catalog.GuideLossResembles!;
        Assert.Equal("Llama-2-70B", guide.MeasuredOn);
        Assert.Empty(guide.Families);
        Assert.Equal(1.2, guide.Levels.Single(l => l.Quant == "Q4_K_M").DeltaPplPct);
        Assert.Equal(8.82, guide.Levels.Single(l => l.Quant == "Q2_K").DeltaPplPct);
    }

    [Fact]
    public void A_broken_loss_set_is_rejected_naming_each_problem()
    {
        var dir = Directory.CreateTempSubdirectory("scout-catalog-");
        try
        {
            var path = Path.Combine(dir.FullName, "bad.json");
            File.WriteAllText(path, """
            { "quantLoss": [ { "id": "bad", "measuredOn": "Some-7B", "families": ["No Such Family"], "kind": "rumour", "source": "NOPE", "basePerplexity": 6.0,
                               "levels": [ { "quant": "Q4_K_M", "perplexity": 6.6, "deltaPplPct": 1.0, "sameTopPct": 120 },
                                           { "quant": "Q9_X", "kld": -0.1 },
                                           { "quant": "Q8_0" } ] } ] }
            """);
            var e = Assert.Throws<CatalogException>(() => ModelScout.Core.Catalog.Catalog.Load(path));
            string[] expected =
            [
                "kind 'rumour'", "unknown source 'NOPE'", "family 'No Such Family'", "same-top share must be 0-100", "ΔPPL 1 % disagrees",
                "Q9_X: unknown quantization", "cannot be negative", "Q8_0: no figure",
            ];
            foreach (var x in expected) Assert.Contains(e.Problems, p => p.Contains(x, StringComparison.Ordinal));
        }
        finally
        {
            dir.Delete(true);
        }
    }
}
