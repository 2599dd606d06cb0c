using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using ModelScout.Engine;
using ModelScout.Store;
using ModelScout.Testing;

namespace ModelScout.Server.Tests;

/// <summary>
/// /metrics over the real store and the real engine: a model the client calls "stories" or "stories:latest" appears under
/// one label, the stored name, in the engine's counters and in the latency histograms the server measures.
/// </summary>
public sealed partial class MetricsNamingTests
{
    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");

    [GeneratedRegex("""model="([^"]*)"\s*[,}]""")]
    private static partial Regex ModelLabel();

    [Fact]
    public async Task Every_series_carries_the_stored_name_whichever_spelling_the_client_used()
    {
        var root = Directory.CreateTempSubdirectory("scout-metrics-").FullName;
        try
        {
            var store = new ModelStore(Path.Combine(root, "models"));
            var stored = await store.ImportAsync(RepoPaths.Model("stories260K.gguf"), "stories");
            Assert.Equal("stories:latest", stored.Name);
            await using var h = await ServerHarness.StartAsync(new ModelHost(store, new EngineSettings { Threads = 1, Parallel = 1, KeepAlive = TimeSpan.FromMinutes(10) }), store,
                s => s with { Telemetry = s.Telemetry with { VllmNames = true } });

            foreach (var name in new[] { "stories", "stories:latest" })
            {
                using var generate = await h.Http.PostAsync("/api/generate",
                    Json($$$"""{"model":"{{{name}}}","prompt":"Once upon a time","raw":true,"stream":false,"options":{"temperature":0,"num_predict":4}}"""));
                Assert.Equal(HttpStatusCode.OK, generate.StatusCode);
                using var chat = await h.Http.PostAsync("/v1/chat/completions",
                    Json($$"""{"model":"{{name}}","messages":[{"role":"user","content":"Once upon a time"}],"max_tokens":4,"temperature":0,"stream":true}"""));
                Assert.Equal(HttpStatusCode.OK, chat.StatusCode);
                Assert.Contains("data: [DONE]", await chat.Content.ReadAsStringAsync(), StringComparison.Ordinal);
            }

            var metrics = await h.Http.GetStringAsync("/metrics");
            var labels = ModelLabel().Matches(metrics).Select(m => m.Groups[1].Value).Distinct(StringComparer.Ordinal).ToList();
            Assert.Equal(["stories:latest"], labels);
            // Both kinds of series are there, and each counted all four requests, under scout's, GenAI's and vLLM's names.
            var samples = ModelScout.LoadTest.PrometheusText.Parse(metrics);
            Assert.Equal(4, samples.Value("scout_requests_total", ("model", "stories:latest")));
            Assert.Equal(4, samples.Value("scout_e2e_request_latency_seconds_count", ("model", "stories:latest")));
            Assert.Equal(4, samples.Value("scout_time_to_first_token_seconds_count", ("model", "stories:latest")));
            Assert.Equal(4, samples.Where(s => s.Name == "gen_ai_server_request_duration_seconds_count").Sum(s => s.Value));
            Assert.All(samples.Where(s => s.Name.StartsWith("gen_ai_", StringComparison.Ordinal)), s => Assert.Equal("stories:latest", s.Labels["gen_ai_request_model"]));
            Assert.Equal(4, samples.Value("vllm:e2e_request_latency_seconds_count", ("model_name", "stories:latest")));
            Assert.Equal(4, samples.Where(s => s.Name == "vllm:request_success_total").Sum(s => s.Value));
            Assert.All(samples.Where(s => s.Name.StartsWith("vllm:", StringComparison.Ordinal)), s => Assert.Equal("stories:latest", s.Labels["model_name"]));
            Assert.DoesNotContain("model=\"stories\"", metrics, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }
}
