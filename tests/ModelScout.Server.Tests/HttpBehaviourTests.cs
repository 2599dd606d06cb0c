using System.Net;
using System.Text;
using System.Text.Json;
using ModelScout.Testing;

namespace ModelScout.Server.Tests;

/// <summary>Bad input, limits, auth, CORS, disconnects, queueing and shutdown against a real server.</summary>
public sealed class HttpBehaviourTests
{
    private const string Model = ServerHarness.Model;

    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");

    private static async Task<(int Status, JsonElement Body)> PostAsync(HttpClient http, string path, string body)
    {
        using var response = await http.PostAsync(path, Json(body));
        var text = await response.Content.ReadAsStringAsync();
        return ((int)response.StatusCode, text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone());
    }

    [Fact]
    public async Task The_guides_curl_example_works_verbatim_without_a_content_type_too()
    {
        await using var h = await ServerHarness.StartScriptedAsync();
        var body = """{"model": "llama3.1:8b", "messages": [{"role":"user","content":"Once upon a time"}]}""";
        var (status, json) = await PostAsync(h.Http, "/v1/chat/completions", body);
        Assert.Equal(200, status);
        Assert.StartsWith(", there was a little girl named Lily", json.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString(), StringComparison.Ordinal);
        Assert.StartsWith("chatcmpl-", json.GetProperty("id").GetString(), StringComparison.Ordinal);
        Assert.Equal("chat.completion", json.GetProperty("object").GetString());
        Assert.True(json.GetProperty("usage").GetProperty("total_tokens").GetInt32() > 0);

        // curl -d without -H sends application/x-www-form-urlencoded; Ollama accepts it, so do we.
        using var form = await h.Http.PostAsync("/v1/chat/completions", new StringContent(body, Encoding.UTF8, "application/x-www-form-urlencoded"));
        Assert.Equal(HttpStatusCode.OK, form.StatusCode);
    }

    [Theory]
    [InlineData("/api/chat", "{\"model\": \"llama3.1:8b\", \"messages\": [", true)]
    [InlineData("/api/generate", "not json", true)]
    [InlineData("/v1/chat/completions", "{\"model\": 5}", false)]
    [InlineData("/v1/completions", "", false)]
    [InlineData("/v1/embeddings", "null", false)]
    public async Task Malformed_json_is_400_in_the_apis_own_error_shape(string path, string body, bool ollama)
    {
        await using var h = await ServerHarness.StartScriptedAsync();
        var (status, json) = await PostAsync(h.Http, path, body);
        Assert.Equal(400, status);
        if (ollama)
        {
            Assert.Equal(JsonValueKind.String, json.GetProperty("error").ValueKind);
        }
        else
        {
            var error = json.GetProperty("error");
            Assert.Equal("invalid_request_error", error.GetProperty("type").GetString());
            Assert.False(string.IsNullOrEmpty(error.GetProperty("message").GetString()));
            Assert.True(error.TryGetProperty("param", out _));
            Assert.True(error.TryGetProperty("code", out _));
        }
    }

    [Fact]
    public async Task Unknown_model_is_404_on_both_apis_and_on_v1_models()
    {
        await using var h = await ServerHarness.StartScriptedAsync();
        var (s1, ollama) = await PostAsync(h.Http, "/api/chat", """{"model":"nope:1b","messages":[{"role":"user","content":"hi"}]}""");
        Assert.Equal(404, s1);
        Assert.Contains("nope:1b", ollama.GetProperty("error").GetString(), StringComparison.Ordinal);
        var (s2, openAI) = await PostAsync(h.Http, "/v1/chat/completions", """{"model":"nope:1b","messages":[{"role":"user","content":"hi"}],"stream":true}""");
        Assert.Equal(404, s2);
        Assert.Equal("model_not_found", openAI.GetProperty("error").GetProperty("code").GetString());
        using var model = await h.Http.GetAsync("/v1/models/nope:1b");
        Assert.Equal(HttpStatusCode.NotFound, model.StatusCode);
        Assert.Equal("model_not_found", JsonDocument.Parse(await model.Content.ReadAsStringAsync()).RootElement.GetProperty("error").GetProperty("code").GetString());
    }

    [Fact]
    public async Task Missing_fields_name_the_field()
    {
        await using var h = await ServerHarness.StartScriptedAsync();
        var (s1, j1) = await PostAsync(h.Http, "/v1/chat/completions", """{"messages":[{"role":"user","content":"hi"}]}""");
        Assert.Equal(400, s1);
        Assert.Equal("model", j1.GetProperty("error").GetProperty("param").GetString());
        var (s2, j2) = await PostAsync(h.Http, "/v1/chat/completions", """{"model":"llama3.1:8b"}""");
        Assert.Equal(400, s2);
        Assert.Equal("messages", j2.GetProperty("error").GetProperty("param").GetString());
        var (s3, j3) = await PostAsync(h.Http, "/api/generate", """{"prompt":"hi"}""");
        Assert.Equal(400, s3);
        Assert.Contains("model is required", j3.GetProperty("error").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Absurd_max_tokens_is_clamped_and_negative_is_400()
    {
        await using var h = await ServerHarness.StartScriptedAsync();
        var (ok, json) = await PostAsync(h.Http, "/v1/chat/completions", """{"model":"llama3.1:8b","messages":[{"role":"user","content":"Once upon a time"}],"max_tokens":1000000000000}""");
        Assert.Equal(200, ok);
        Assert.Equal("stop", json.GetProperty("choices")[0].GetProperty("finish_reason").GetString());
        Assert.Equal(int.MaxValue, ((ScriptedEngine)h.Engine).Requests.Last().Options.NumPredict);
        var (bad, error) = await PostAsync(h.Http, "/v1/chat/completions", """{"model":"llama3.1:8b","messages":[{"role":"user","content":"x"}],"max_tokens":-5}""");
        Assert.Equal(400, bad);
        Assert.Equal("max_tokens", error.GetProperty("error").GetProperty("param").GetString());
    }

    [Fact]
    public async Task A_model_that_fails_to_load_is_500_with_the_reason_and_the_server_stays_up()
    {
        var engine = new ScriptedEngine([Model, "broken:latest"]);
        await using var h = await ServerHarness.StartScriptedAsync(engine: engine);
        var (status, json) = await PostAsync(h.Http, "/api/generate", """{"model":"broken:latest","prompt":"hi"}""");
        Assert.Equal(500, status);
        Assert.Contains("not a valid GGUF", json.GetProperty("error").GetString(), StringComparison.Ordinal);
        var (status2, json2) = await PostAsync(h.Http, "/v1/completions", """{"model":"broken:latest","prompt":"hi"}""");
        Assert.Equal(500, status2);
        Assert.Equal("model_load_failed", json2.GetProperty("error").GetProperty("code").GetString());
        var (after, _) = await PostAsync(h.Http, "/api/generate", """{"model":"llama3.1:8b","prompt":"hi","stream":false}""");
        Assert.Equal(200, after);
    }

    [Fact]
    public async Task A_huge_body_is_413_with_a_json_error()
    {
        await using var h = await ServerHarness.StartScriptedAsync(s => s with { MaxRequestBodyBytes = 64 * 1024 });
        var huge = """{"model":"llama3.1:8b","messages":[{"role":"user","content":" """ + new string('a', 200 * 1024) + "\"}]}";
        var (status, json) = await PostAsync(h.Http, "/v1/chat/completions", huge);
        Assert.Equal(413, status);
        Assert.Equal("request_too_large", json.GetProperty("error").GetProperty("code").GetString());
        var (ollama, oj) = await PostAsync(h.Http, "/api/chat", huge);
        Assert.Equal(413, ollama);
        Assert.Contains("larger than", oj.GetProperty("error").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_client_that_disconnects_mid_stream_frees_its_slot()
    {
        var engine = new ScriptedEngine([Model], parallel: 1, tokenDelay: TimeSpan.FromMilliseconds(200));
        await using var h = await ServerHarness.StartScriptedAsync(engine: engine);
        var seen = await DisconnectingClient.PostThenResetAsync(h.BaseAddress, "/api/generate", """{"model":"llama3.1:8b","prompt":"Once upon a time"}""", "\"done\":false",
            () => Assert.Equal(1, engine.Snapshot().Models[0].Running));
        Assert.Contains("application/x-ndjson", seen, StringComparison.Ordinal);

        await Eventually.WaitUntilAsync(() => engine.Snapshot().Models[0].Running == 0, TimeSpan.FromSeconds(10), "the reset request has left its slot");
        engine.TokenDelay = TimeSpan.Zero;
        var (status, _) = await PostAsync(h.Http, "/api/generate", """{"model":"llama3.1:8b","prompt":"hi","stream":false}""");
        Assert.Equal(200, status);
        var metrics = await Scrape.GetAsync(h.Http);
        Assert.Equal(0, metrics.Value("scout_requests_running", ("model", "llama3.1:8b")));
    }

    [Fact]
    public async Task Hundred_concurrent_requests_into_a_queue_of_ten_some_503_the_rest_complete_none_hang()
    {
        var engine = new ScriptedEngine([Model], parallel: 2, maxQueue: 10, tokenDelay: TimeSpan.FromMilliseconds(20));
        await using var h = await ServerHarness.StartScriptedAsync(engine: engine);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var tasks = Enumerable.Range(0, 100).Select(async i =>
        {
            var path = i % 2 == 0 ? "/v1/chat/completions" : "/api/chat";
            var body = """{"model":"llama3.1:8b","messages":[{"role":"user","content":"Once upon a time"}],"max_tokens":4,"options":{"num_predict":4},"stream":false}""";
            using var response = await h.Http.PostAsync(path, Json(body), timeout.Token);
            var text = await response.Content.ReadAsStringAsync(timeout.Token);
            if (response.StatusCode == HttpStatusCode.ServiceUnavailable)
            {
                Assert.Contains("server busy", text, StringComparison.Ordinal);
                Assert.Equal("1", response.Headers.GetValues("Retry-After").Single());
            }
            return (int)response.StatusCode;
        }).ToList();
        var statuses = await Task.WhenAll(tasks);
        Assert.All(statuses, s => Assert.True(s is 200 or 503, $"status {s}"));
        Assert.Contains(503, statuses);
        Assert.True(statuses.Count(s => s == 200) >= 12, $"{statuses.Count(s => s == 200)} completed");
        var snapshot = engine.Snapshot().Models[0];
        Assert.Equal((0, 0), (snapshot.Running, snapshot.Waiting));
        var metrics = await Scrape.GetAsync(h.Http);
        Assert.Equal(0, metrics.Value("scout_requests_waiting", ("model", "llama3.1:8b")));
    }

    [Fact]
    public async Task Api_key_is_required_when_set_except_for_liveness()
    {
        await using var h = await ServerHarness.StartScriptedAsync(s => s with { ApiKey = "sekret" });
        using (var none = await h.Http.GetAsync("/v1/models"))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, none.StatusCode);
            var error = JsonDocument.Parse(await none.Content.ReadAsStringAsync()).RootElement.GetProperty("error");
            Assert.Equal("authentication_error", error.GetProperty("type").GetString());
        }
        using (var wrong = new HttpRequestMessage(HttpMethod.Get, "/api/tags"))
        {
            wrong.Headers.Authorization = new("Bearer", "guess");
            using var response = await h.Http.SendAsync(wrong);
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
            Assert.Equal(JsonValueKind.String, JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("error").ValueKind);
        }
        using (var right = new HttpRequestMessage(HttpMethod.Get, "/v1/models"))
        {
            right.Headers.Authorization = new("Bearer", "sekret");
            using var response = await h.Http.SendAsync(right);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }
        Assert.Equal("Ollama is running", await h.Http.GetStringAsync("/"));
        using var health = await h.Http.GetAsync("/health");
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
    }

    [Fact]
    public async Task Cors_preflight_allows_local_and_configured_origins_only()
    {
        await using var h = await ServerHarness.StartScriptedAsync(s => s with { Origins = ["https://app.example"] });
        foreach (var (origin, allowed) in new[] { ("http://localhost:5173", true), ("https://app.example", true), ("https://evil.example", false) })
        {
            using var preflight = new HttpRequestMessage(HttpMethod.Options, "/v1/chat/completions");
            preflight.Headers.Add("Origin", origin);
            preflight.Headers.Add("Access-Control-Request-Method", "POST");
            preflight.Headers.Add("Access-Control-Request-Headers", "authorization,content-type,x-stainless-os");
            using var response = await h.Http.SendAsync(preflight);
            Assert.Equal(allowed, response.Headers.TryGetValues("Access-Control-Allow-Origin", out var values) && values.Single() == origin);
        }
    }

    [Fact]
    public async Task Health_is_503_while_a_model_loads()
    {
        var engine = new ScriptedEngine([Model]) { Loading = true };
        await using var h = await ServerHarness.StartScriptedAsync(engine: engine);
        using var loading = await h.Http.GetAsync("/health");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, loading.StatusCode);
        Assert.Equal("""{"status":"loading model"}""", await loading.Content.ReadAsStringAsync());
        engine.Loading = false;
        Assert.Equal("""{"status":"ok"}""", await h.Http.GetStringAsync("/health"));
    }

    [Fact]
    public async Task Shutdown_ends_in_flight_streams_with_a_final_message()
    {
        var engine = new ScriptedEngine([Model], tokenDelay: TimeSpan.FromMilliseconds(300));
        var h = await ServerHarness.StartScriptedAsync(engine: engine);
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions") { Content = Json("""{"model":"llama3.1:8b","messages":[{"role":"user","content":"Once upon a time"}],"stream":true}""") };
            using var response = await h.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
            var body = response.Content.ReadAsStringAsync();
            await Eventually.WaitUntilAsync(() => engine.Snapshot().Models[0].Running == 1, TimeSpan.FromSeconds(10), "the stream is generating");
            await h.Server.StopAsync();
            var text = await body.WaitAsync(TimeSpan.FromSeconds(10));
            Assert.EndsWith("data: [DONE]\n\n", text, StringComparison.Ordinal);
            Assert.Contains("\"finish_reason\":\"stop\"", text, StringComparison.Ordinal);
        }
        finally
        {
            await h.DisposeAsync();
        }
    }

    [Fact]
    public async Task Every_request_logs_one_line_with_method_path_model_status_tokens_and_duration()
    {
        await using var h = await ServerHarness.StartScriptedAsync();
        await PostAsync(h.Http, "/v1/chat/completions", """{"model":"llama3.1:8b","messages":[{"role":"user","content":"Once upon a time"}],"max_tokens":3}""");
        await PostAsync(h.Http, "/api/chat", """{"model":"nope","messages":[{"role":"user","content":"x"}]}""");
        var lines = h.Logs.Lines.Where(l => l.Contains("ModelScout.Server:", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, lines.Count);
        Assert.Matches(@"^Information ModelScout\.Server: POST /v1/chat/completions model=llama3\.1:8b status=200 prompt_tokens=\d+ completion_tokens=3 duration_ms=[\d.]+ trace_id=[0-9a-f]{32} run=-$", lines[0]);
        Assert.Matches(@"^Information ModelScout\.Server: POST /api/chat model=nope status=404 ", lines[1]);
    }

    [Fact]
    public async Task Unknown_routes_are_404_in_the_apis_shape()
    {
        await using var h = await ServerHarness.StartScriptedAsync();
        using var response = await h.Http.GetAsync("/v1/nothing");
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("unknown_url", JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("error").GetProperty("code").GetString());
    }
}
