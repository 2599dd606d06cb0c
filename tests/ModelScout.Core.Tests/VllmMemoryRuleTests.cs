using System.Text.Json;
using ModelScout.Core.Catalog;
using ModelScout.Core.Serving;
using ModelScout.Testing;

namespace ModelScout.Core.Tests;

/// <summary>vLLM's memory rule against the published llm-d measurements (tests/Fixtures/vllm), within 5 % of the KV memory.</summary>
public class VllmMemoryRuleTests
{
    private static readonly Catalog.Catalog Catalog = ModelScout.Core.Catalog.Catalog.Embedded;
    private static readonly VllmFacts Facts = Catalog.Document.Vllm;
    private static readonly JsonElement Profiles = JsonDocument.Parse(File.ReadAllText(RepoPaths.Fixture("vllm", "llmd-memory-profiles.json"))).RootElement;

    /// <summary>The catalog model a published repository is: its own Hugging Face id, or a quantized checkpoint of it.</summary>
    internal static ModelEntry ModelFor(string repo)
    {
        var model = Catalog.Models.FirstOrDefault(m => string.Equals(m.HuggingFace, repo, StringComparison.OrdinalIgnoreCase))
            ?? Catalog.Models.FirstOrDefault(m => m.Serving?.Precisions.Any(p => string.Equals(p.Checkpoint, repo, StringComparison.OrdinalIgnoreCase)) == true)
            ?? Facts.Checkpoints.Where(c => string.Equals(c.Repo, repo, StringComparison.OrdinalIgnoreCase)).Select(c => Catalog.ModelById(c.Model)).FirstOrDefault();
        Assert.True(model is not null, $"the catalog has no model for {repo}");
        return model!;
    }

    private static VllmShape Shape(JsonElement row) => new(
        Enum.Parse<PlanPrecision>(row.GetProperty("precision").GetString()!, ignoreCase: true), row.GetProperty("tp").GetInt32(), 1,
        Profiles.GetProperty("gpuTotalGiB").GetDouble(), row.GetProperty("util").GetDouble(), Profiles.GetProperty("blockSize").GetInt32(), Profiles.GetProperty("maxModelLen").GetInt32());

    public static TheoryData<string, int> Rows()
    {
        var data = new TheoryData<string, int>();
        foreach (var row in Profiles.GetProperty("rows").EnumerateArray()) data.Add(row.GetProperty("repo").GetString()!, row.GetProperty("tp").GetInt32());
        return data;
    }

    private static JsonElement Row(string repo, int tp) =>
        Profiles.GetProperty("rows").EnumerateArray().Single(r => r.GetProperty("repo").GetString() == repo && r.GetProperty("tp").GetInt32() == tp);

    [Theory]
    [MemberData(nameof(Rows))]
    public void Predicted_KV_memory_from_catalog_facts_is_within_5_percent_of_the_published_measurement(string repo, int tp)
    {
        var row = Row(repo, tp);
        var m = VllmMemoryRule.Predict(ModelFor(repo), Shape(row), Facts);
        var measured = row.GetProperty("kvGiB").GetDouble();
        Assert.True(m.Fits, m.Problem);
        Assert.InRange(m.KvGiB, measured * 0.95, measured * 1.05);
        // The parts too: weights from the parameter count and precision, activation and non-torch from the catalog's facts.
        Assert.InRange(m.WeightsGiB, row.GetProperty("weightsGiB").GetDouble() * 0.99, row.GetProperty("weightsGiB").GetDouble() * 1.01);
        Assert.InRange(m.ActivationGiB, row.GetProperty("activationGiB").GetDouble() - 0.15, row.GetProperty("activationGiB").GetDouble() + 0.15);
    }

    [Theory]
    [MemberData(nameof(Rows))]
    public void The_rule_given_the_measured_parts_gives_the_measured_KV_memory(string repo, int tp)
    {
        var row = Row(repo, tp);
        var m = VllmMemoryRule.Predict(ModelFor(repo), Shape(row), Facts, row.GetProperty("weightsGiB").GetDouble(), row.GetProperty("activationGiB").GetDouble(), row.GetProperty("nonTorchGiB").GetDouble());
        Assert.Equal(row.GetProperty("kvGiB").GetDouble(), m.KvGiB, 0.02);
    }

    [Fact]
    public void Mistral_row_tokens_bytes_per_token_and_concurrency_come_out_as_vLLM_logged_them()
    {
        var row = Row("mistralai/Mistral-Small-3.2-24B-Instruct-2506", 1);
        var model = ModelFor("mistralai/Mistral-Small-3.2-24B-Instruct-2506");
        var predicted = VllmMemoryRule.Predict(model, Shape(row), Facts);
        Assert.Equal(row.GetProperty("bytesPerToken").GetInt64(), predicted.KvBytesPerToken);
        var tokens = row.GetProperty("tokens").GetInt64();
        Assert.InRange(predicted.Tokens, tokens * 0.95, tokens * 1.05);
        Assert.Equal(0, predicted.Tokens % 128);
        // vLLM logs KV memory to two decimals; 28.2035 GiB is inside "28.20" and gives exactly the logged token count.
        var exact = VllmMemoryRule.Predict(model, Shape(row), Facts, weightsGiB: Shape(row).GpuTotalGiB * 0.95 - 2.12 - 0.14 - 28.2035, 2.12, 0.14);
        Assert.Equal(tokens, exact.Tokens);
        Assert.Equal("Maximum concurrency for 16,000 tokens per request: 11.55x", exact.StartupLines()[2]);
        Assert.Equal("GPU KV cache size: 184,832 tokens", exact.StartupLines()[1]);
        Assert.Equal("Available KV cache memory: 28.20 GiB", exact.StartupLines()[0]);
    }

    [Fact]
    public void The_published_failures_are_failures()
    {
        foreach (var row in Profiles.GetProperty("failures").EnumerateArray())
        {
            var repo = row.GetProperty("repo").GetString()!;
            var model = repo.StartsWith("deepseek-ai/", StringComparison.Ordinal)
                ? Catalog.Models.FirstOrDefault(m => m.HuggingFace == repo) ?? Catalog.FindModel("deepseek-v3")!.Model
                : ModelFor(repo);
            var m = VllmMemoryRule.Predict(model, Shape(row), Facts);
            Assert.False(m.Fits, $"{repo} at TP={row.GetProperty("tp").GetInt32()} should not start");
            if (row.TryGetProperty("weightsGiB", out var w)) Assert.InRange(m.WeightsGiB, w.GetDouble() * 0.99, w.GetDouble() * 1.01);
            Assert.Contains(row.GetProperty("why").GetString() == "no KV room" ? "no room for the KV cache" : "exceed", m.Problem, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void MLA_caches_the_latent_whole_on_every_tensor_parallel_rank_and_fp8_halves_it()
    {
        var a = Catalog.FindModel("deepseek-v3")!.Model.Architecture!;
        Assert.Equal((512 + 64) * 2, VllmMemoryRule.BytesPerTokenPerLayer(a, 1, KvCacheDtype.Auto));
        Assert.Equal((512 + 64) * 2, VllmMemoryRule.BytesPerTokenPerLayer(a, 8, KvCacheDtype.Auto));
        Assert.Equal(512 + 64, VllmMemoryRule.BytesPerTokenPerLayer(a, 8, KvCacheDtype.Fp8));
    }

    [Fact]
    public void KV_heads_split_over_tensor_parallel_and_are_replicated_beyond_their_count()
    {
        var a = Catalog.FindModel("llama3.1-70b")!.Model.Architecture!; // 8 KV heads of 128
        Assert.Equal(8 * 256 * 2, VllmMemoryRule.BytesPerTokenPerLayer(a, 1, KvCacheDtype.Auto));
        Assert.Equal(2 * 256 * 2, VllmMemoryRule.BytesPerTokenPerLayer(a, 4, KvCacheDtype.Auto));
        Assert.Equal(1 * 256 * 2, VllmMemoryRule.BytesPerTokenPerLayer(a, 16, KvCacheDtype.Auto));
    }

    [Fact]
    public void Sliding_window_layers_hold_only_their_window_so_concurrency_exceeds_tokens_over_length()
    {
        var model = Catalog.FindModel("gemma2-9b")!.Model;
        var shape = new VllmShape(PlanPrecision.Bf16, 1, 1, 79.18, 0.9, 16, 32768);
        var m = VllmMemoryRule.Predict(model, shape, Facts);
        Assert.True(m.Fits, m.Problem);
        Assert.Contains("hybrid allocator", m.Rule, StringComparison.Ordinal);
        // Half the layers are local with a 4,096 window: a 32K request needs full blocks on the global half only, so more
        // requests fit than tokens / length (which counts every layer at full length).
        Assert.True(m.MaxConcurrency > 1.3 * m.Tokens / 32768.0, $"{m.MaxConcurrency} vs {m.Tokens}");
        // At a length the window plus a step's tokens already covers, both counts agree.
        var shortReq = VllmMemoryRule.Predict(model, shape with { MaxModelLen = 8192 }, Facts);
        Assert.Equal(shortReq.Tokens / 8192.0, shortReq.MaxConcurrency, 0.05);
    }
}
