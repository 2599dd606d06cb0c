using System.Text.Json;
using ModelScout.Core.Settings;
using ModelScout.Evaluation.Results;

namespace ModelScout.Cli.Tests.QuantLoss;

/// <summary>scout quant shows published measurements and results measured here beside the guide's one figure, and never an invented one.</summary>
public sealed class QuantLossInQuantTests : IDisposable
{
    private readonly DirectoryInfo home = Directory.CreateTempSubdirectory("scout-quant-home-");

    private static JsonElement Level(JsonElement doc, string id) => doc.GetProperty("levels").EnumerateArray().Single(l => l.GetProperty("id").GetString() == id);

    [Fact]
    public void Llama_3_1_shows_the_published_Llama_3_8B_figures_and_the_guide_figure_marked_as_the_guide_s()
    {
        var run = Scout.Run("quant", "llama3.1:8b", "--json");
        using var doc = JsonDocument.Parse(run.Stdout);
        var root = doc.RootElement;
        Assert.Equal("modelscout/quant/v2", root.GetProperty("schema").GetString());
        var q4 = Level(root, "Q4_K_M");
        var published = Assert.Single(q4.GetProperty("published").EnumerateArray());
        Assert.Equal("Llama-3-8B", published.GetProperty("measuredOn").GetString());
        Assert.Equal(0.0313, published.GetProperty("kld").GetDouble());
        Assert.Equal(91.9, published.GetProperty("sameTopPct").GetDouble());
        Assert.Equal(2.43, published.GetProperty("imatrixDeltaPplPct").GetDouble());
        Assert.Equal("LCPP-PPL", published.GetProperty("source").GetString());
        var guide = q4.GetProperty("guideLoss");
        Assert.Equal("~2–3%", guide.GetProperty("text").GetString());
        Assert.Equal(1.2, guide.GetProperty("resembles").GetProperty("deltaPplPct").GetDouble());
        Assert.Equal("Llama-2-70B", root.GetProperty("guideLossResembles").GetProperty("measuredOn").GetString());
        Assert.False(root.TryGetProperty("measureCommand", out _));
        // The guide gives nothing for Q5_K_M: nothing is interpolated, the published figure stands alone.
        var q5 = Level(root, "Q5_K_M");
        Assert.False(q5.TryGetProperty("guideLoss", out _));
        Assert.Equal(0.91, Assert.Single(q5.GetProperty("published").EnumerateArray()).GetProperty("deltaPplPct").GetDouble());
        Assert.DoesNotContain("expectedLossPct", run.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("lossInterpolated", run.Stdout, StringComparison.Ordinal);

        var text = Scout.Run("quant", "llama3.1:8b").Stdout;
        Assert.DoesNotContain("interp", text, StringComparison.Ordinal);
        Assert.Contains("KLD 0.0313", text, StringComparison.Ordinal);
        Assert.Contains("measured on Llama-3-8B", text, StringComparison.Ordinal);
        Assert.Contains("(3) The guide's loss is one figure per level for every model", text, StringComparison.Ordinal);
    }

    [Fact]
    public void A_family_nobody_published_says_so_and_gives_the_command_that_measures_it()
    {
        var run = Scout.Run("quant", "qwen2.5-coder:7b", "--json");
        using var doc = JsonDocument.Parse(run.Stdout);
        var root = doc.RootElement;
        Assert.All(root.GetProperty("levels").EnumerateArray(), l => Assert.Empty(l.GetProperty("published").EnumerateArray()));
        Assert.Empty(root.GetProperty("publishedLoss").EnumerateArray());
        var command = root.GetProperty("measureCommand").GetString()!;
        Assert.StartsWith("scout quant-loss ", command, StringComparison.Ordinal);
        Assert.Contains("--model qwen2.5-coder-7b", command, StringComparison.Ordinal);
        var text = Scout.Run("quant", "qwen2.5-coder:7b").Stdout;
        Assert.Contains("nothing is published for Qwen2.5-Coder", text, StringComparison.Ordinal);
        Assert.Contains("scout quant-loss", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Results_recorded_by_quant_loss_show_as_measured_here()
    {
        var db = Path.Combine(home.FullName, "eval.db");
        using (var store = EvalStore.Open(db))
        {
            var key = new QuantLossKey("1:2:3", "Q4_K_M", "abc", 512, 0);
            var record = new QuantLossRecord
            {
                Key = key, SourceName = "Qwen2.5-Coder-7B-Instruct-F16.gguf", CatalogModel = "qwen2.5-coder-7b", FilePath = "/x/q4.gguf", FileBytes = 4_680_000_000,
                BitsPerWeight = 4.91, TextLabel = "claims.txt", ScoredTokens = 4096, Perplexity = new(5.1, 0.05), DeltaPplPct = new(3.4, 0.2), Kld = new(0.0412, 0.001),
                SameTopPct = new(90.2, 0.4),
            };
            store.SaveQuantLoss(record);
            store.SaveQuantLoss(record with { Key = key with { Type = "BASE" }, DeltaPplPct = null, Kld = null, SameTopPct = null });
        }
        var settings = new ScoutSettings(n => n == "SCOUT_EVAL_DB" ? db : null, home.FullName);
        using var doc = JsonDocument.Parse(Scout.RunIn(settings, null, "quant", "qwen2.5-coder:7b", "--json").Stdout);
        var here = Assert.Single(Level(doc.RootElement, "Q4_K_M").GetProperty("measuredHere").EnumerateArray());
        Assert.Equal(0.0412, here.GetProperty("kld").GetDouble());
        Assert.Equal("claims.txt", here.GetProperty("text").GetString());
        Assert.Empty(Level(doc.RootElement, "Q8_0").GetProperty("measuredHere").EnumerateArray());
        var text = Scout.RunIn(settings, null, "quant", "qwen2.5-coder:7b").Stdout;
        Assert.Contains("(2) Measured here by `scout quant-loss`", text, StringComparison.Ordinal);
        Assert.Contains("KLD 0.0412", text, StringComparison.Ordinal);
        Assert.Contains("claims.txt", text, StringComparison.Ordinal);
    }

    public void Dispose() => home.Delete(true);
}
