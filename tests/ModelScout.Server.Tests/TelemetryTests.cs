using System.Diagnostics;
using System.Net;
using System.Text;
using Microsoft.AspNetCore.Builder;
using ModelScout.Engine;
using ModelScout.LoadTest;
using ModelScout.Server.Hosting;
using ModelScout.Store;
using ModelScout.Testing;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace ModelScout.Server.Tests;

/// <summary>
/// OpenTelemetry in scout serve: instruments read back through an in-memory exporter, /metrics parsed back as Prometheus
/// text (scout's, GenAI's and vLLM's names), traces with the queue, prompt and generate spans under a client's
/// traceparent, and the run tag on spans and the request log line.
/// </summary>
public sealed class TelemetryTests
{
    private const string Model = ServerHarness.Model;

    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");

    private static HttpRequestMessage Chat(bool stream, string? traceparent = null, string? run = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions")
        {
            Content = Json($$"""{"model":"{{Model}}","messages":[{"role":"user","content":"Once upon a time"}],"stream":{{(stream ? "true" : "false")}}}"""),
        };
        if (traceparent is not null) request.Headers.Add("traceparent", traceparent);
        if (run is not null) request.Headers.Add(ScoutTelemetry.RunHeader, run);
        return request;
    }

    private static async Task TwoRequestsAsync(ServerHarness h)
    {
        using (var chat = await h.Http.SendAsync(Chat(stream: true)))
        {
            Assert.Equal(HttpStatusCode.OK, chat.StatusCode);
            Assert.Contains("data: [DONE]", await chat.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
        using var generate = await h.Http.PostAsync("/api/generate", Json($$"""{"model":"{{Model}}","prompt":"Once upon a time","stream":false}"""));
        Assert.Equal(HttpStatusCode.OK, generate.StatusCode);
    }

    [Fact]
    public async Task Instruments_have_the_conventions_names_units_attributes_and_one_observation_per_request()
    {
        var exported = new List<MetricSnapshot>();
        await using var h = await ServerHarness.StartScriptedAsync(telemetry: otel => otel.WithMetrics(m => m.AddInMemoryExporter(exported)));
        await TwoRequestsAsync(h);
        h.Server.FlushTelemetry();
        var metrics = exported.GroupBy(m => m.Name).ToDictionary(g => g.Key, g => g.Last(), StringComparer.Ordinal);

        // scout's own series: one point per model, the stored name.
        var ttft = metrics["scout.time_to_first_token"];
        Assert.Equal("s", ttft.Unit);
        var point = Assert.Single(Points(ttft));
        Assert.Equal([("model", (object?)Model)], Tags(point));
        Assert.Equal(2, point.GetHistogramCount());
        Assert.Equal(2 * (ScriptedEngine.StoryPieces.Count - 1), Points(metrics["scout.inter_token_latency"]).Sum(p => p.GetHistogramCount()));
        Assert.Equal(0, Points(metrics["scout.requests.running"]).Single().GetGaugeLastValueLong());
        Assert.Equal(2, Points(metrics["scout.requests"]).Single().GetSumLong());

        // GenAI server metrics: split by operation, with the provider and the model, and the convention's buckets.
        var genAiFirst = metrics["gen_ai.server.time_to_first_token"];
        Assert.Equal("s", genAiFirst.Unit);
        var byOperation = Points(genAiFirst).ToDictionary(p => (string)Tag(p, "gen_ai.operation.name")!, p => p, StringComparer.Ordinal);
        Assert.Equal(["chat", "text_completion"], byOperation.Keys.Order(StringComparer.Ordinal));
        Assert.All(byOperation.Values, p =>
        {
            Assert.Equal(1, p.GetHistogramCount());
            Assert.Equal(ServerMetricsNames.Provider, Tag(p, "gen_ai.provider.name"));
            Assert.Equal(Model, Tag(p, "gen_ai.request.model"));
            Assert.Equal(Model, Tag(p, "gen_ai.response.model"));
        });
        double[] advised = [0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0];
        Assert.Equal([.. advised, double.PositiveInfinity], Bounds(byOperation["chat"]));
        Assert.Equal(2, Points(metrics["gen_ai.server.request.duration"]).Sum(p => p.GetHistogramCount()));
        Assert.Equal(2, Points(metrics["gen_ai.server.time_per_output_token"]).Sum(p => p.GetHistogramCount()));
        var usage = metrics["gen_ai.client.token.usage"];
        Assert.Equal("{token}", usage.Unit);
        Assert.Equal(20, Points(usage).Where(p => (string?)Tag(p, "gen_ai.token.type") == "input").Sum(p => p.GetHistogramSum()));
        Assert.Equal(2 * ScriptedEngine.StoryPieces.Count, Points(usage).Where(p => (string?)Tag(p, "gen_ai.token.type") == "output").Sum(p => p.GetHistogramSum()));

        // The framework's instruments come from the OpenTelemetry instrumentation packages; vLLM's names only when asked.
        Assert.Contains("http.server.request.duration", metrics.Keys);
        Assert.Contains(metrics.Keys, k => k.StartsWith("dotnet.gc.", StringComparison.Ordinal));
        Assert.DoesNotContain(metrics.Keys, k => k.StartsWith("vllm:", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Prometheus_scrape_parses_back_with_todays_names_and_vllms()
    {
        await using var h = await ServerHarness.StartScriptedAsync(s => s with { Telemetry = s.Telemetry with { VllmNames = true } });
        await TwoRequestsAsync(h);
        using var response = await h.Http.GetAsync("/metrics");
        Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
        var text = await response.Content.ReadAsStringAsync();
        var samples = PrometheusText.Parse(text);

        // Today's names, types and label.
        Assert.Equal(0, samples.Value("scout_requests_running", ("model", Model)));
        Assert.Equal("gauge", samples.Single(s => s.Name == "scout_requests_waiting").Type);
        Assert.Equal(2, samples.Value("scout_requests_total", ("model", Model)));
        Assert.Equal("counter", samples.Single(s => s.Name == "scout_requests_total").Type);
        Assert.Equal(20, samples.Value("scout_prompt_tokens_total", ("model", Model)));
        Assert.Equal(2 * ScriptedEngine.StoryPieces.Count, samples.Value("scout_generation_tokens_total", ("model", Model)));
        Assert.NotNull(samples.Value("scout_kv_cache_usage_ratio", ("model", Model)));
        Assert.NotNull(samples.Value("scout_kv_cache_tokens", ("model", Model)));
        Assert.Equal(0, samples.Value("scout_model_loading"));
        foreach (var histogram in new[] { "scout_time_to_first_token_seconds", "scout_e2e_request_latency_seconds", "gen_ai_server_time_to_first_token_seconds", "vllm:time_to_first_token_seconds", "vllm:e2e_request_latency_seconds" })
            AssertHistogram(samples, histogram, expectedCount: 2);
        Assert.Equal("histogram", samples.First(s => s.Name == "scout_time_to_first_token_seconds_bucket").Type);
        // The buckets scout always had.
        Assert.Contains(samples, s => s.Name == "scout_time_to_first_token_seconds_bucket" && s.Labels["le"] == "0.0025");

        // vLLM's names with its model_name label, so its dashboards read scout unchanged.
        Assert.Equal(0, samples.Value("vllm:num_requests_running", ("model_name", Model)));
        Assert.Equal(0, samples.Value("vllm:num_requests_waiting", ("model_name", Model)));
        Assert.NotNull(samples.Value("vllm:gpu_cache_usage_perc", ("model_name", Model)));
        Assert.NotNull(samples.Value("vllm:kv_cache_usage_perc", ("model_name", Model)));
        Assert.Equal(20, samples.Value("vllm:prompt_tokens_total", ("model_name", Model)));
        Assert.Equal(2 * ScriptedEngine.StoryPieces.Count, samples.Value("vllm:generation_tokens_total", ("model_name", Model)));
        Assert.Equal(2, samples.Where(s => s.Name == "vllm:request_success_total").Sum(s => s.Value));
        Assert.Equal(2 * (ScriptedEngine.StoryPieces.Count - 1), samples.Value("vllm:time_per_output_token_seconds_count", ("model_name", Model)));
        Assert.Equal(2, samples.Value("vllm:request_prompt_tokens_count", ("model_name", Model)));

        // No per-series scope labels: the series look as they did before OpenTelemetry.
        Assert.DoesNotContain(samples, s => s.Labels.ContainsKey("otel_scope_name"));
    }

    [Fact]
    public async Task With_an_otlp_endpoint_traces_and_metrics_are_pushed_there_with_the_configured_headers()
    {
        await using var collector = await LoopbackHttpServer.StartAsync(
            app => app.MapPost("/v1/{signal}", () => Microsoft.AspNetCore.Http.Results.Ok()), new LoopbackHttpServerOptions { RecordRequests = true });
        await using var h = await ServerHarness.StartScriptedAsync(s => s with
        {
            Telemetry = s.Telemetry with { OtlpEndpoint = collector.BaseUri, OtlpHeaders = "x-team=scout-tests" },
        });
        await TwoRequestsAsync(h);
        h.Server.FlushTelemetry();
        await Eventually.WaitUntilAsync(() => Paths().Contains("/v1/traces") && Paths().Contains("/v1/metrics"), TimeSpan.FromSeconds(20),
            "OTLP exports of traces and metrics", () => string.Join(", ", Paths()));
        Assert.All(collector.Requests, r =>
        {
            Assert.Equal("application/x-protobuf", r.Header("Content-Type"));
            Assert.Equal("scout-tests", r.Header("x-team"));
        });

        List<string> Paths() => [.. collector.Requests.Select(r => r.Path)];
    }

    [Fact]
    public async Task Every_metric_the_grafana_dashboard_queries_is_served_with_vllm_names_on()
    {
        using var dashboard = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(RepoPaths.Root, "deploy", "grafana", "scout-dashboard.json")));
        var queries = new List<string>();
        Collect(dashboard.RootElement, queries);
        var queried = queries.SelectMany(q => System.Text.RegularExpressions.Regex.Matches(q, @"([a-zA-Z_:][a-zA-Z0-9_:]*)\{|label_values\(([a-zA-Z_:][a-zA-Z0-9_:]*)")
            .Select(m => m.Groups[1].Success ? m.Groups[1].Value : m.Groups[2].Value)).ToHashSet(StringComparer.Ordinal);
        Assert.True(queried.Count >= 10, "the dashboard queries only " + string.Join(", ", queried));

        await using var h = await ServerHarness.StartScriptedAsync(s => s with { Telemetry = s.Telemetry with { VllmNames = true } });
        await TwoRequestsAsync(h);
        var served = (await Scrape.GetAsync(h.Http)).Select(s => s.Name).ToHashSet(StringComparer.Ordinal);
        var missing = queried.Where(q => !served.Contains(q)).ToList();
        Assert.True(missing.Count == 0, "the dashboard queries metrics scout serve does not serve: " + string.Join(", ", missing));

        static void Collect(System.Text.Json.JsonElement e, List<string> into)
        {
            if (e.ValueKind == System.Text.Json.JsonValueKind.Object)
            {
                foreach (var p in e.EnumerateObject())
                {
                    if (p.Name is "expr" or "definition" && p.Value.ValueKind == System.Text.Json.JsonValueKind.String) into.Add(p.Value.GetString()!);
                    else Collect(p.Value, into);
                }
            }
            else if (e.ValueKind == System.Text.Json.JsonValueKind.Array)
            {
                foreach (var item in e.EnumerateArray()) Collect(item, into);
            }
        }
    }

    [Fact]
    public async Task A_streamed_chat_is_one_trace_under_the_clients_traceparent_with_queue_prompt_and_generate_spans()
    {
        var spans = new List<Activity>();
        await using var h = await ServerHarness.StartScriptedAsync(telemetry: otel => otel.WithTracing(t => t.AddInMemoryExporter(spans)));
        var trace = ActivityTraceId.CreateRandom();
        var parent = ActivitySpanId.CreateRandom();
        using (var chat = await h.Http.SendAsync(Chat(stream: true, $"00-{trace.ToHexString()}-{parent.ToHexString()}-01", run: "bench-7")))
        {
            Assert.Equal(HttpStatusCode.OK, chat.StatusCode);
            Assert.Contains("data: [DONE]", await chat.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
        await Eventually.WaitUntilAsync(() => Mine().Any(s => s.Kind == ActivityKind.Server), TimeSpan.FromSeconds(10), "the request's server span to end");

        var mine = Mine();
        var server = Assert.Single(mine, s => s.Kind == ActivityKind.Server);
        Assert.Equal(parent, server.ParentSpanId);
        Assert.Equal("bench-7", server.GetTagItem(ScoutTelemetry.RunAttribute));
        var chatSpan = Assert.Single(mine, s => s.DisplayName == $"chat {Model}");
        Assert.Equal(server.SpanId, chatSpan.ParentSpanId);
        Assert.Equal("chat", chatSpan.GetTagItem("gen_ai.operation.name"));
        Assert.Equal(Model, chatSpan.GetTagItem("gen_ai.request.model"));
        Assert.Equal(Model, chatSpan.GetTagItem("gen_ai.response.model"));
        Assert.Equal(10, chatSpan.GetTagItem("gen_ai.usage.input_tokens"));
        Assert.Equal(ScriptedEngine.StoryPieces.Count, chatSpan.GetTagItem("gen_ai.usage.output_tokens"));
        Assert.Equal("bench-7", chatSpan.GetTagItem(ScoutTelemetry.RunAttribute));
        var children = mine.Where(s => s.ParentSpanId == chatSpan.SpanId).OrderBy(s => s.StartTimeUtc).ToList();
        // The scripted engine's phase times are made up (longer than the request took), so "load" may be squeezed out.
        children.RemoveAll(c => c.DisplayName == "load");
        Assert.Equal(["queue", "prompt", "generate"], children.Select(c => c.DisplayName));
        Assert.Equal(10, children[1].GetTagItem("gen_ai.usage.input_tokens"));
        Assert.Equal(ScriptedEngine.StoryPieces.Count, children[2].GetTagItem("gen_ai.usage.output_tokens"));
        // The phases follow each other inside the chat span.
        for (var i = 1; i < children.Count; i++)
            Assert.True(Math.Abs((children[i - 1].StartTimeUtc + children[i - 1].Duration - children[i].StartTimeUtc).Ticks) <= 10, $"{children[i].DisplayName} does not start where {children[i - 1].DisplayName} ends");
        Assert.True(children[^1].StartTimeUtc + children[^1].Duration <= chatSpan.StartTimeUtc + chatSpan.Duration + TimeSpan.FromMilliseconds(1));

        // The one-line request log names the trace and the run.
        static bool RequestLine(string l) => l.Contains("POST /v1/chat/completions model=", StringComparison.Ordinal);
        await Eventually.WaitUntilAsync(() => h.Logs.Lines.Any(RequestLine), TimeSpan.FromSeconds(5), "the request's log line");
        var line = h.Logs.Lines.Single(RequestLine);
        Assert.Contains($"trace_id={trace.ToHexString()}", line, StringComparison.Ordinal);
        Assert.Contains("run=bench-7", line, StringComparison.Ordinal);

        List<Activity> Mine()
        {
            lock (spans) return [.. spans.Where(s => s.TraceId == trace)];
        }
    }

    [Fact]
    public async Task Real_engine_phases_are_measured_spans_with_the_tokens_llama_cpp_counted()
    {
        var root = Directory.CreateTempSubdirectory("scout-trace-").FullName;
        try
        {
            var spans = new List<Activity>();
            var store = new ModelStore(Path.Combine(root, "models"));
            await store.ImportAsync(RepoPaths.Model("stories260K.gguf"), "stories");
            await using var h = await ServerHarness.StartAsync(new ModelHost(store, new EngineSettings { Threads = 1, Parallel = 1 }), store,
                telemetry: otel => otel.WithTracing(t => t.AddInMemoryExporter(spans)));
            var trace = ActivityTraceId.CreateRandom();
            using var request = new HttpRequestMessage(HttpMethod.Post, "/api/generate")
            {
                Content = Json("""{"model":"stories","prompt":"Once upon a time","raw":true,"stream":true,"options":{"temperature":0,"num_predict":8}}"""),
            };
            request.Headers.Add("traceparent", $"00-{trace.ToHexString()}-{ActivitySpanId.CreateRandom().ToHexString()}-01");
            using (var response = await h.Http.SendAsync(request)) Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            await Eventually.WaitUntilAsync(() => Mine().Any(s => s.Kind == ActivityKind.Server), TimeSpan.FromSeconds(10), "the request's server span to end");

            var span = Assert.Single(Mine(), s => s.DisplayName == "text_completion stories");
            Assert.Equal("stories:latest", span.GetTagItem("gen_ai.response.model"));
            var children = Mine().Where(s => s.ParentSpanId == span.SpanId).ToDictionary(s => s.DisplayName, StringComparer.Ordinal);
            Assert.Contains("load", children.Keys);
            Assert.True(children["prompt"].Duration > TimeSpan.Zero, "prompt evaluation took no time");
            Assert.True(children["generate"].Duration > TimeSpan.Zero, "generation took no time");
            Assert.Equal(8, children["generate"].GetTagItem("gen_ai.usage.output_tokens"));
            Assert.True((int)children["prompt"].GetTagItem("gen_ai.usage.input_tokens")! > 1);

            List<Activity> Mine()
            {
                lock (spans) return [.. spans.Where(s => s.TraceId == trace)];
            }
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    private static void AssertHistogram(IReadOnlyList<PrometheusSample> samples, string name, int expectedCount)
    {
        var count = samples.Where(s => s.Name == name + "_count").Sum(s => s.Value);
        Assert.True(count == expectedCount, $"{name}_count is {count}, not {expectedCount}");
        foreach (var series in samples.Where(s => s.Name == name + "_bucket").GroupBy(s => string.Join(",", s.Labels.Where(l => l.Key != "le").Select(l => l.Value))))
        {
            var buckets = series.OrderBy(s => s.Labels["le"] == "+Inf" ? double.PositiveInfinity : double.Parse(s.Labels["le"], System.Globalization.CultureInfo.InvariantCulture)).Select(s => s.Value).ToList();
            Assert.True(buckets.Zip(buckets.Skip(1)).All(p => p.First <= p.Second), $"{name} buckets are not cumulative");
        }
        Assert.True(samples.Where(s => s.Name == name + "_bucket" && s.Labels["le"] == "+Inf").Sum(s => s.Value) == expectedCount, $"{name} +Inf bucket");
    }

    private static List<MetricPoint> Points(MetricSnapshot metric) => [.. metric.MetricPoints];

    private static object? Tag(MetricPoint point, string key)
    {
        foreach (var tag in point.Tags) if (tag.Key == key) return tag.Value;
        return null;
    }

    private static List<(string, object?)> Tags(MetricPoint point)
    {
        var tags = new List<(string, object?)>();
        foreach (var tag in point.Tags) tags.Add((tag.Key, tag.Value));
        return tags;
    }

    private static List<double> Bounds(MetricPoint point)
    {
        var bounds = new List<double>();
        foreach (var bucket in point.GetHistogramBuckets()) bounds.Add(bucket.ExplicitBound);
        return bounds;
    }

    private static class ServerMetricsNames
    {
        public const string Provider = Metrics.ServerMetrics.ProviderName;
    }
}
