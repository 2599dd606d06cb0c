using ModelScout.Core.Catalog;

namespace ModelScout.Core.Tests;

public class CatalogTests
{
    private static readonly Catalog.Catalog Catalog = ModelScout.Core.Catalog.Catalog.Embedded;

    [Theory]
    [InlineData("llama3.1:8b", "llama3.1-8b", null)]
    [InlineData("llama3.1", "llama3.1-8b", null)]
    [InlineData("Llama 3.1 8B", "llama3.1-8b", null)]
    [InlineData("meta-llama/Llama-3.1-8B-Instruct", "llama3.1-8b", null)]
    [InlineData("llama3.1:8b-instruct-q4_K_M", "llama3.1-8b", "Q4_K_M")]
    [InlineData("qwen2.5-coder:7b", "qwen2.5-coder-7b", null)]
    [InlineData("deepseek-v3:671b", "deepseek-v3-671b", null)]
    [InlineData("phi4-mini", "phi-4-mini-3.8b", null)]
    [InlineData("gpt-4o", "gpt-4o", null)]
    public void Models_resolve_by_tag_id_name_and_quantized_tag(string name, string id, string? quant)
    {
        var r = Catalog.FindModel(name);
        Assert.NotNull(r);
        Assert.Equal(id, r!.Model.Id);
        Assert.Equal(quant, r.Quant);
    }

    [Theory]
    [InlineData("llama3:8b", "llama3.1:8b")]
    [InlineData("qwen2.5-coder:8b", "qwen2.5-coder:7b")]
    [InlineData("deepsek-v3", "deepseek-v3:671b")]
    public void Unknown_names_get_a_did_you_mean(string name, string expected)
    {
        Assert.Null(Catalog.FindModel(name));
        Assert.Contains(expected, Catalog.Suggest(name));
    }

    [Fact]
    public void A_user_overlay_replaces_and_adds_entries_by_id()
    {
        var dir = Directory.CreateTempSubdirectory("scout-catalog-");
        try
        {
            var path = Path.Combine(dir.FullName, "mine.json");
            File.WriteAllText(path, """
            {
              // comments and trailing commas are allowed in user files
              "models": [
                { "id": "llama3.1-8b", "name": "Llama 3.1 8B (our fine-tune)", "kind": "open", "license": "llama-3.1-community",
                  "parameters": { "total": 8030261248 }, "context": { "max": 131072, "native": 131072 },
                  "architecture": { "ggufArchitecture": "llama", "layers": 32, "embeddingLength": 4096, "headCount": 32, "kvHeadCount": 8, "keyLength": 128, "feedForwardLength": 14336, "vocabSize": 128256 },
                  "ollama": { "tags": ["ours:8b"] } },
              ],
              "cost": { "api": [ { "id": "gpt-4o", "provider": "OpenAI", "model": "gpt-4o", "inputUsdPerMTok": 1.0, "outputUsdPerMTok": 4.0 } ] }
            }
            """);
            var c = ModelScout.Core.Catalog.Catalog.Load(path);
            Assert.Equal("Llama 3.1 8B (our fine-tune)", c.FindModel("ours:8b")!.Model.Name);
            Assert.Equal(Catalog.Document.Models.Count, c.Document.Models.Count);
            Assert.Equal(1.0, c.Document.Cost.Api.Single(a => a.Id == "gpt-4o").InputUsdPerMTok);
            Assert.Equal(Catalog.Document.Cost.Api.Count, c.Document.Cost.Api.Count);
        }
        finally
        {
            dir.Delete(true);
        }
    }

    [Fact]
    public void A_broken_overlay_is_rejected_with_every_problem_named()
    {
        var dir = Directory.CreateTempSubdirectory("scout-catalog-");
        try
        {
            var path = Path.Combine(dir.FullName, "bad.json");
            File.WriteAllText(path, """
            { "models": [ { "id": "x", "name": "X", "kind": "open", "license": "no-such-licence",
                            "architecture": { "ggufArchitecture": "llama", "layers": 4, "embeddingLength": 64, "headCount": 6, "kvHeadCount": 4, "keyLength": 16, "feedForwardLength": 128, "vocabSize": 100 } } ] }
            """);
            var e = Assert.Throws<CatalogException>(() => ModelScout.Core.Catalog.Catalog.Load(path));
            Assert.Contains(e.Problems, p => p.Contains("unknown licence 'no-such-licence'", StringComparison.Ordinal));
            Assert.Contains(e.Problems, p => p.Contains("6 heads do not divide into 4 KV heads", StringComparison.Ordinal));
            Assert.Contains(e.Problems, p => p.Contains("parameter count missing", StringComparison.Ordinal));

            File.WriteAllText(path, "{ not json");
            Assert.Contains("not valid JSON", Assert.Throws<CatalogException>(() => ModelScout.Core.Catalog.Catalog.Load(path)).Message, StringComparison.Ordinal);
            Assert.Contains("does not exist", Assert.Throws<CatalogException>(() => ModelScout.Core.Catalog.Catalog.Load(path + ".missing")).Message, StringComparison.Ordinal);
        }
        finally
        {
            dir.Delete(true);
        }
    }

    [Fact]
    public void Every_score_cites_a_known_source_and_every_guide_correction_is_recorded()
    {
        foreach (var m in Catalog.Models)
        {
            foreach (var r in m.Scores.Values.SelectMany(s => s.Results)) Assert.True(Catalog.Document.Sources.ContainsKey(r.Source), $"{m.Id} cites {r.Source}");
        }
        // The reference sheet's licence corrections: Qwen 72B, DeepSeek-V3, Gemma 2 and Mistral Large 2.
        Assert.NotEmpty(Catalog.License("qwen")!.Corrections);
        Assert.NotEmpty(Catalog.License("deepseek-model")!.Corrections);
        Assert.NotEmpty(Catalog.License("gemma")!.Corrections);
        Assert.Equal("research", Catalog.License("mistral-research")!.Kind);
        Assert.Contains(Catalog.Document.QuantizationGuidance.Corrections, c => c.Contains("not k-means", StringComparison.Ordinal));
    }

    [Fact]
    public void GPU_names_as_drivers_print_them_match_catalog_specs()
    {
        Assert.Equal("rtx-4090", Catalog.FindGpu("NVIDIA GeForce RTX 4090")!.Id);
        Assert.Equal("h200", Catalog.FindGpu("NVIDIA H200")!.Id);
        Assert.Equal("h100-sxm", Catalog.FindGpu("NVIDIA H100 80GB HBM3")!.Id);
        Assert.Equal("h100-pcie", Catalog.FindGpu("NVIDIA H100 PCIe")!.Id);
        Assert.Equal("a100-40gb", Catalog.FindGpu("NVIDIA A100-SXM4-40GB")!.Id);
        Assert.Equal("rtx-4080-super", Catalog.FindGpu("NVIDIA GeForce RTX 4080 SUPER")!.Id);
        Assert.Equal("rx-7900-xtx", Catalog.FindGpu("AMD Radeon RX 7900 XTX")!.Id);
        Assert.Null(Catalog.FindGpu("Matrox G200"));
        Assert.Equal("rtx-4090-laptop", Catalog.FindGpu("NVIDIA GeForce RTX 4090 Laptop GPU")!.Id);
        Assert.Null(Catalog.FindGpu("NVIDIA GeForce RTX 4070 Laptop GPU")); // no spec: better unknown than the desktop card's bandwidth
    }
}
