using System.Text.Json;
using ModelScout.Core.Settings;
using ModelScout.Testing;

namespace ModelScout.Cli.Tests.QuantLoss;

/// <summary>scout quant-loss on stories260K through the real quantizer, perplexity runner and bench (one thread), then scout quant reading the results.</summary>
public sealed class QuantLossEndToEndTests : IDisposable
{
    private static readonly string Stories = Path.GetFullPath(RepoPaths.Model("stories260K.gguf"));
    private readonly DirectoryInfo home = Directory.CreateTempSubdirectory("scout-quant-loss-e2e-");

    private static List<JsonElement> Levels(JsonElement root) => [.. root.GetProperty("levels").EnumerateArray()];

    [Fact]
    public void A_sweep_ranks_the_levels_by_KLD_reports_the_one_that_cannot_be_made_writes_the_report_and_a_rerun_reads_everything_back()
    {
        var db = Path.Combine(home.FullName, "eval.db");
        var html = Path.Combine(home.FullName, "loss.html");
        var settings = new ScoutSettings(n => n == "SCOUT_EVAL_DB" ? db : null, home.FullName);
        string[] args = ["quant-loss", Stories, "--types", "Q6_K,Q2_K,Q8_0", "--ctx", "128", "--chunks", "4", "--threads", "1", "--model", "llama3.1-8b",
            "--work", Path.Combine(home.FullName, "work"), "--html", html, "--cpu-only", "--eval", "mmlu", "--limit", "3", "--json"];

        // stories260K's 172-wide ffn_down rows allow Q6_K and Q2_K (with per-tensor fallbacks) but not Q8_0: that level fails, the others are measured.
        var first = Scout.RunIn(settings, null, args);
        Assert.True(first.ExitCode == 1, first.Stderr + first.Stdout);
        using var doc = JsonDocument.Parse(first.Stdout);
        var root = doc.RootElement;
        Assert.Equal("modelscout/quant-loss/v1", root.GetProperty("schema").GetString());
        Assert.Equal("ModelScout's own sample, not a standard corpus", root.GetProperty("text").GetProperty("label").GetString());
        var basePpl = root.GetProperty("base").GetProperty("perplexity").GetProperty("value").GetDouble();
        Assert.InRange(basePpl, 1.0, 512.0);
        var q6 = Levels(root).Single(l => l.GetProperty("type").GetString() == "Q6_K");
        Assert.Contains("172", Levels(root).Single(l => l.GetProperty("type").GetString() == "Q8_0").GetProperty("error").GetString(), StringComparison.Ordinal);
        var q2 = Levels(root).Single(l => l.GetProperty("type").GetString() == "Q2_K");
        double Kld(JsonElement l) => l.GetProperty("kld").GetProperty("value").GetDouble();
        Assert.InRange(Kld(q6), 0, Kld(q2));
        Assert.True(Kld(q2) > 0);
        Assert.InRange(q2.GetProperty("sameTopPct").GetProperty("value").GetDouble(), 0, 100);
        Assert.True(q2.GetProperty("fileBytes").GetInt64() < q6.GetProperty("fileBytes").GetInt64());
        Assert.True(q6.GetProperty("promptTokensPerSecond").GetDouble() > 0);
        Assert.True(q6.GetProperty("fit").GetProperty("fits").GetBoolean());
        Assert.True(q6.GetProperty("quantizedNow").GetBoolean() && q2.GetProperty("quantizedNow").GetBoolean());
        // MMLU through the eval runner, each level paired with the source on the same three items.
        var baseEval = root.GetProperty("base").GetProperty("eval");
        Assert.InRange(baseEval.GetProperty("score").GetDouble(), 0, 100);
        Assert.False(baseEval.TryGetProperty("difference", out _));
        var q2Eval = q2.GetProperty("eval");
        Assert.InRange(q2Eval.GetProperty("score").GetDouble() - baseEval.GetProperty("score").GetDouble() - q2Eval.GetProperty("difference").GetDouble(), -0.05, 0.05);
        Assert.False(string.IsNullOrEmpty(q2Eval.GetProperty("verdict").GetString()));
        var page = File.ReadAllText(html);
        Assert.Contains("<svg", page, StringComparison.Ordinal);
        Assert.Contains("stories260K.gguf", page, StringComparison.Ordinal);

        var again = Scout.RunIn(settings, null, args);
        Assert.True(again.ExitCode == 1, again.Stderr);
        using var doc2 = JsonDocument.Parse(again.Stdout);
        Assert.All(Levels(doc2.RootElement).Where(l => l.GetProperty("type").GetString() != "Q8_0"), l =>
        {
            Assert.True(l.GetProperty("fromStore").GetBoolean());
            Assert.False(l.GetProperty("quantizedNow").GetBoolean());
        });
        var q2Again = Levels(doc2.RootElement).Single(l => l.GetProperty("type").GetString() == "Q2_K");
        Assert.Equal(Kld(q2), Kld(q2Again));
        Assert.Equal(q2Eval.GetProperty("difference").GetDouble(), q2Again.GetProperty("eval").GetProperty("difference").GetDouble());

        // Recorded for the catalog model: scout quant shows it as measured here.
        using var quant = JsonDocument.Parse(Scout.RunIn(settings, null, "quant", "llama3.1:8b", "--json").Stdout);
        var here = Assert.Single(Levels(quant.RootElement).Single(l => l.GetProperty("id").GetString() == "Q2_K").GetProperty("measuredHere").EnumerateArray());
        Assert.Equal(Kld(q2), here.GetProperty("kld").GetDouble());
        Assert.Equal("stories260K.gguf", here.GetProperty("sourceFile").GetString());
    }

    public void Dispose() => home.Delete(true);
}
