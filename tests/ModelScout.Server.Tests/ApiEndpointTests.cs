using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using ModelScout.Server.Endpoints;
using ModelScout.Server.Tests.Fakes;
using ModelScout.Store;
using ModelScout.Testing;
using OllamaSharp;
using OllamaModels = OllamaSharp.Models;

namespace ModelScout.Server.Tests;

/// <summary>Every endpoint once, against the scripted engine and the in-memory store.</summary>
public sealed class ApiEndpointTests : IAsyncLifetime
{
    private ServerHarness h = null!;

    private ScriptedEngine Engine => (ScriptedEngine)h.Engine;
    private InMemoryModelStore Store => (InMemoryModelStore)h.Store;

    public async Task InitializeAsync() => h = await ServerHarness.StartScriptedAsync();

    public async Task DisposeAsync() => await h.DisposeAsync();

    private async Task<(int Status, string Text)> SendAsync(HttpMethod method, string path, string? body = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null) request.Content = new StringContent(body, Encoding.UTF8, "application/json");
        using var response = await h.Http.SendAsync(request);
        return ((int)response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    private static JsonElement Parse(string text) => JsonDocument.Parse(text).RootElement.Clone();

    [Fact]
    public async Task Root_version_tags_and_v1_models()
    {
        Assert.Equal("Ollama is running", await h.Http.GetStringAsync("/"));
        using (var head = await h.Http.SendAsync(new HttpRequestMessage(HttpMethod.Head, "/"))) Assert.Equal(HttpStatusCode.OK, head.StatusCode);
        Assert.False(string.IsNullOrEmpty(Parse(await h.Http.GetStringAsync("/api/version")).GetProperty("version").GetString()));
        var rawTags = await h.Http.GetStringAsync("/api/tags");
        Assert.Contains("\"modified_at\":\"2026-01-02T03:04:05.0000000+00:00\"", rawTags, StringComparison.Ordinal); // '+' unescaped, as Ollama writes it
        var tags = Parse(rawTags).GetProperty("models")[0];
        Assert.Equal("llama3.1:8b", tags.GetProperty("name").GetString());
        Assert.Equal(new string('a', 64), tags.GetProperty("digest").GetString());
        Assert.Equal("260K", tags.GetProperty("details").GetProperty("parameter_size").GetString());
        var models = Parse(await h.Http.GetStringAsync("/v1/models"));
        Assert.Equal("list", models.GetProperty("object").GetString());
        var m = models.GetProperty("data")[0];
        Assert.Equal(("llama3.1:8b", "model", "library", "llama3.1:8b"), (m.GetProperty("id").GetString(), m.GetProperty("object").GetString(), m.GetProperty("owned_by").GetString(), m.GetProperty("root").GetString()));
        Assert.Equal(new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero).ToUnixTimeSeconds(), m.GetProperty("created").GetInt64());
        Assert.Equal("llama3.1:8b", Parse(await h.Http.GetStringAsync("/v1/models/llama3.1:8b")).GetProperty("id").GetString());
    }

    [Fact]
    public async Task Version_keeps_the_ollama_level_for_clients_and_says_it_is_modelscout()
    {
        using var response = await h.Http.GetAsync("/api/version");
        var version = Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(OllamaEndpoints.CompatibleVersion, version.GetProperty("version").GetString());
        Assert.Equal("modelscout", version.GetProperty("server").GetString());
        var own = version.GetProperty("modelscout_version").GetString()!;
        Assert.Matches(@"^\d+\.\d+\.\d+", own);
        Assert.DoesNotContain('+', own);
        // Every response says so in its Server header, error responses included.
        Assert.Equal("modelscout/" + own, response.Headers.Server.ToString());
        using var missing = await h.Http.GetAsync("/no/such/path");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal("modelscout/" + own, missing.Headers.Server.ToString());

        // Ollama's own client ignores the extra fields and still reads the version it gates features on.
        using var client = new OllamaApiClient(h.BaseAddress, ServerHarness.Model);
        var seen = await client.GetVersionAsync();
        Assert.Equal(OllamaEndpoints.CompatibleVersion, seen);
        Assert.True(Version.Parse(seen) >= new Version(0, 12, 0));
    }

    [Fact]
    public async Task OllamaSharp_lists_shows_and_generates_raw_with_streaming()
    {
        using var client = new OllamaApiClient(h.BaseAddress, ServerHarness.Model);
        Assert.True(await client.IsRunningAsync());
        Assert.Contains(await client.ListLocalModelsAsync(), m => m.Name == "llama3.1:8b");
        var show = await client.ShowModelAsync("llama3.1:8b");
        Assert.Equal("llama", show.Info.Architecture);
        var text = new StringBuilder();
        await foreach (var chunk in client.GenerateAsync(new OllamaModels.GenerateRequest { Model = ServerHarness.Model, Prompt = "Once upon a time", Raw = true, Options = new OllamaModels.RequestOptions { Temperature = 0, NumPredict = 10 } }))
            text.Append(chunk?.Response);
        Assert.StartsWith(", there was a little girl named Lily", text.ToString(), StringComparison.Ordinal);
        Assert.True(Engine.Requests.Last().Raw);
        Assert.NotEmpty(await client.ListRunningModelsAsync());
    }

    [Fact]
    public async Task Empty_prompt_loads_and_keep_alive_zero_unloads()
    {
        var (s1, load) = await SendAsync(HttpMethod.Post, "/api/generate", """{"model":"llama3.1:8b"}""");
        Assert.Equal(200, s1);
        Assert.Equal("load", Parse(load).GetProperty("done_reason").GetString());
        var ps = Parse(await h.Http.GetStringAsync("/api/ps")).GetProperty("models");
        Assert.Equal("llama3.1:8b", ps[0].GetProperty("name").GetString());
        Assert.Equal(2048, ps[0].GetProperty("context_length").GetInt32());
        Assert.True(ps[0].TryGetProperty("expires_at", out _));
        var (s2, unload) = await SendAsync(HttpMethod.Post, "/api/chat", """{"model":"llama3.1:8b","messages":[],"keep_alive":0}""");
        Assert.Equal(200, s2);
        Assert.Equal("unload", Parse(unload).GetProperty("done_reason").GetString());
        Assert.Empty(Engine.Loaded);
        var (s3, _) = await SendAsync(HttpMethod.Post, "/api/generate", """{"model":"missing:1b"}""");
        Assert.Equal(404, s3);
    }

    [Fact]
    public async Task Ollama_generate_non_streaming_returns_one_object_with_the_whole_answer()
    {
        var (status, text) = await SendAsync(HttpMethod.Post, "/api/generate", """{"model":"llama3.1:8b","prompt":"Once upon a time","stream":false,"options":{"num_predict":3},"keep_alive":"1m"}""");
        Assert.Equal(200, status);
        var json = Parse(text);
        Assert.Equal(", there was", json.GetProperty("response").GetString());
        Assert.Equal("length", json.GetProperty("done_reason").GetString());
        Assert.Equal(3, json.GetProperty("eval_count").GetInt32());
        Assert.Equal(TimeSpan.FromMinutes(1), Engine.Requests.Last().KeepAlive);
    }

    [Fact]
    public async Task Chat_with_n_two_and_logprobs_returns_two_choices_with_token_logprobs()
    {
        var (status, text) = await SendAsync(HttpMethod.Post, "/v1/chat/completions", """{"model":"llama3.1:8b","messages":[{"role":"user","content":"Once upon a time"}],"n":2,"max_tokens":3,"logprobs":true,"top_logprobs":2}""");
        Assert.Equal(200, status);
        var choices = Parse(text).GetProperty("choices");
        Assert.Equal(2, choices.GetArrayLength());
        Assert.Equal([0, 1], choices.EnumerateArray().Select(c => c.GetProperty("index").GetInt32()));
        var content = choices[1].GetProperty("logprobs").GetProperty("content");
        Assert.Equal(3, content.GetArrayLength());
        Assert.Equal(" there", content[1].GetProperty("token").GetString());
        Assert.Equal(-0.2, content[1].GetProperty("logprob").GetDouble(), 6);
        Assert.Equal(2, content[1].GetProperty("top_logprobs").GetArrayLength());
        Assert.Equal(6, Parse(text).GetProperty("usage").GetProperty("completion_tokens").GetInt32());
        var (bad, _) = await SendAsync(HttpMethod.Post, "/v1/chat/completions", """{"model":"llama3.1:8b","messages":[{"role":"user","content":"x"}],"n":50}""");
        Assert.Equal(400, bad);
    }

    [Fact]
    public async Task Streamed_chat_with_n_two_finishes_every_choice_before_done()
    {
        var (status, text) = await SendAsync(HttpMethod.Post, "/v1/chat/completions", """{"model":"llama3.1:8b","messages":[{"role":"user","content":"Once upon a time"}],"n":2,"max_tokens":4,"stream":true}""");
        Assert.Equal(200, status);
        var events = text.Split("\n\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("data: [DONE]", events[^1]);
        var chunks = events[..^1].Select(e => Parse(e[6..])).ToList();
        foreach (var index in new[] { 0, 1 })
        {
            var mine = chunks.SelectMany(c => c.GetProperty("choices").EnumerateArray()).Where(c => c.GetProperty("index").GetInt32() == index).ToList();
            Assert.Equal("assistant", mine[0].GetProperty("delta").GetProperty("role").GetString());
            Assert.Equal(", there was a", string.Concat(mine.Select(c => c.GetProperty("delta").TryGetProperty("content", out var t) ? t.GetString() : "")));
            Assert.Equal("length", mine[^1].GetProperty("finish_reason").GetString());
        }
    }

    [Fact]
    public async Task Completions_stream_with_legacy_logprobs_and_usage()
    {
        var (status, text) = await SendAsync(HttpMethod.Post, "/v1/completions", """{"model":"llama3.1:8b","prompt":"Once upon a time","max_tokens":2,"logprobs":1,"stream":true,"stream_options":{"include_usage":true}}""");
        Assert.Equal(200, status);
        var events = text.Split("\n\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("data: [DONE]", events[^1]);
        var chunks = events[..^1].Select(e => Parse(e[6..])).ToList();
        Assert.All(chunks, c => Assert.Equal("text_completion", c.GetProperty("object").GetString()));
        Assert.Equal(",", chunks[0].GetProperty("choices")[0].GetProperty("text").GetString());
        Assert.Equal(16, chunks[0].GetProperty("choices")[0].GetProperty("logprobs").GetProperty("text_offset")[0].GetInt32());
        Assert.Equal(17, chunks[1].GetProperty("choices")[0].GetProperty("logprobs").GetProperty("text_offset")[0].GetInt32());
        Assert.Equal("length", chunks[2].GetProperty("choices")[0].GetProperty("finish_reason").GetString());
        Assert.Equal(2, chunks[3].GetProperty("usage").GetProperty("completion_tokens").GetInt32());
        Assert.Equal(0, chunks[3].GetProperty("choices").GetArrayLength());
    }

    [Fact]
    public async Task Embeddings_on_both_apis()
    {
        var (s1, embed) = await SendAsync(HttpMethod.Post, "/api/embed", """{"model":"llama3.1:8b","input":["a b","hello"]}""");
        Assert.Equal(200, s1);
        var vectors = Parse(embed).GetProperty("embeddings");
        Assert.Equal(2, vectors.GetArrayLength());
        Assert.Equal(1.0, Math.Sqrt(vectors[0].EnumerateArray().Sum(x => x.GetDouble() * x.GetDouble())), 4);
        var (s2, legacy) = await SendAsync(HttpMethod.Post, "/api/embeddings", """{"model":"llama3.1:8b","prompt":"a b"}""");
        Assert.Equal(200, s2);
        Assert.Equal(3.0, Parse(legacy).GetProperty("embedding")[0].GetDouble()); // not normalised: the input's length
        Assert.False(Engine.Embeddings.Last().Normalize);
        var (s3, openAI) = await SendAsync(HttpMethod.Post, "/v1/embeddings", """{"model":"llama3.1:8b","input":"a b","encoding_format":"base64"}""");
        Assert.Equal(200, s3);
        var b64 = Convert.FromBase64String(Parse(openAI).GetProperty("data")[0].GetProperty("embedding").GetString()!);
        Assert.Equal(16, b64.Length);
        var (s4, floats) = await SendAsync(HttpMethod.Post, "/v1/embeddings", """{"model":"llama3.1:8b","input":["a b"],"dimensions":2}""");
        Assert.Equal(200, s4);
        Assert.Equal(2, Parse(floats).GetProperty("data")[0].GetProperty("embedding").GetArrayLength());
    }

    [Fact]
    public async Task Tokenize_detokenize_and_metrics()
    {
        var (s1, tokens) = await SendAsync(HttpMethod.Post, "/tokenize", """{"model":"llama3.1:8b","content":"ab cde","add_special":true}""");
        Assert.Equal(200, s1);
        Assert.Equal([1, 102, 103], Parse(tokens).GetProperty("tokens").EnumerateArray().Select(t => t.GetInt32()));
        var (s2, pieces) = await SendAsync(HttpMethod.Post, "/tokenize", """{"model":"llama3.1:8b","content":"ab","with_pieces":true}""");
        Assert.Equal(200, s2);
        Assert.Equal("xx", Parse(pieces).GetProperty("tokens")[0].GetProperty("piece").GetString());
        var (s3, text) = await SendAsync(HttpMethod.Post, "/detokenize", """{"model":"llama3.1:8b","tokens":[102,103]}""");
        Assert.Equal(200, s3);
        Assert.Equal("xxxxx", Parse(text).GetProperty("content").GetString());
        var (s4, _) = await SendAsync(HttpMethod.Post, "/tokenize", """{"content":"ab"}""");
        Assert.Equal(400, s4);

        await SendAsync(HttpMethod.Post, "/api/generate", """{"model":"llama3.1:8b","prompt":"Once upon a time","stream":false}""");
        using var metrics = await h.Http.GetAsync("/metrics");
        Assert.Equal("text/plain", metrics.Content.Headers.ContentType?.MediaType);
        var body = await metrics.Content.ReadAsStringAsync();
        var samples = ModelScout.LoadTest.PrometheusText.Parse(body);
        Assert.True(samples.Value("scout_time_to_first_token_seconds_count", ("model", "llama3.1:8b")) >= 1);
        Assert.True(samples.Value("scout_inter_token_latency_seconds_count", ("model", "llama3.1:8b")) >= 1);
        Assert.True(samples.Value("scout_generation_tokens_total", ("model", "llama3.1:8b")) >= 1);
        Assert.NotNull(samples.Value("scout_kv_cache_usage_ratio", ("model", "llama3.1:8b")));
    }

    [Fact]
    public async Task Show_copy_delete()
    {
        var (s1, show) = await SendAsync(HttpMethod.Post, "/api/show", """{"model":"llama3.1:8b"}""");
        Assert.Equal(200, s1);
        var json = Parse(show);
        Assert.Equal("llama", json.GetProperty("model_info").GetProperty("general.architecture").GetString());
        Assert.Equal(2048, json.GetProperty("model_info").GetProperty("llama.context_length").GetInt32());
        Assert.Contains("FROM ", json.GetProperty("modelfile").GetString(), StringComparison.Ordinal);
        Assert.Equal("completion", json.GetProperty("capabilities")[0].GetString());
        Assert.Equal(404, (await SendAsync(HttpMethod.Post, "/api/show", """{"model":"nope"}""")).Status);

        Assert.Equal(200, (await SendAsync(HttpMethod.Post, "/api/copy", """{"source":"llama3.1:8b","destination":"mine:latest"}""")).Status);
        Assert.NotNull(Store.Find("mine:latest"));
        Assert.Equal(404, (await SendAsync(HttpMethod.Post, "/api/copy", """{"source":"nope","destination":"x"}""")).Status);
        Assert.Equal(400, (await SendAsync(HttpMethod.Post, "/api/copy", """{"source":"llama3.1:8b"}""")).Status);
        Assert.Equal(200, (await SendAsync(HttpMethod.Delete, "/api/delete", """{"model":"mine:latest"}""")).Status);
        Assert.Null(Store.Find("mine:latest"));
        Assert.Equal(404, (await SendAsync(HttpMethod.Delete, "/api/delete", """{"model":"mine:latest"}""")).Status);
    }

    [Fact]
    public async Task Pull_streams_progress_as_ndjson_and_stream_false_answers_success()
    {
        var (status, text) = await SendAsync(HttpMethod.Post, "/api/pull", """{"model":"tiny:1b"}""");
        Assert.Equal(200, status);
        var lines = text.TrimEnd('\n').Split('\n').Select(Parse).ToList();
        Assert.Equal(["pulling manifest", "pulling sha256:abc", "pulling sha256:abc", "verifying sha256 digest", "success"], lines.Select(l => l.GetProperty("status").GetString()));
        Assert.Equal(50, lines[1].GetProperty("completed").GetInt64());
        Assert.Equal(100, lines[1].GetProperty("total").GetInt64());
        Assert.NotNull(Store.Find("tiny:1b"));
        var (s2, single) = await SendAsync(HttpMethod.Post, "/api/pull", """{"name":"other:1b","stream":false}""");
        Assert.Equal(200, s2);
        Assert.Equal("""{"status":"success"}""", single);

        Store.PullFailure = new StoreException(StoreErrorKind.NotFound, "registry has no model 'ghost'");
        var (s3, failed) = await SendAsync(HttpMethod.Post, "/api/pull", """{"model":"ghost"}""");
        Assert.Equal(200, s3); // progress was already streaming
        Assert.Equal("registry has no model 'ghost'", Parse(failed.TrimEnd('\n').Split('\n')[^1]).GetProperty("error").GetString());
    }

    [Fact]
    public async Task Blobs_upload_verify_and_create_from_files()
    {
        var bytes = await File.ReadAllBytesAsync(Testing.RepoPaths.Model("stories260K.gguf"));
        var digest = "sha256:" + Convert.ToHexStringLower(SHA256.HashData(bytes));
        using (var head = await h.Http.SendAsync(new HttpRequestMessage(HttpMethod.Head, "/api/blobs/" + digest))) Assert.Equal(HttpStatusCode.NotFound, head.StatusCode);
        using (var wrong = await h.Http.PostAsync("/api/blobs/sha256:" + new string('0', 64), new ByteArrayContent(bytes))) Assert.Equal(HttpStatusCode.BadRequest, wrong.StatusCode);
        var blobs = Path.Combine(Store.Root, "blobs");
        Assert.True(!Directory.Exists(blobs) || Directory.GetFiles(blobs).Length == 0, "a blob with the wrong digest was kept");
        using (var upload = await h.Http.PostAsync("/api/blobs/" + digest, new ByteArrayContent(bytes))) Assert.Equal(HttpStatusCode.Created, upload.StatusCode);
        using (var head = await h.Http.SendAsync(new HttpRequestMessage(HttpMethod.Head, "/api/blobs/" + digest))) Assert.Equal(HttpStatusCode.OK, head.StatusCode);

        var (status, text) = await SendAsync(HttpMethod.Post, "/api/create",
            $$"""{"model":"story:latest","files":{"stories260K.gguf":"{{digest}}"},"parameters":{"temperature":0,"stop":["<|end|>"]},"system":"Tell stories.","license":"MIT","stream":false}""");
        Assert.Equal(200, status);
        Assert.Equal("""{"status":"success"}""", text);
        var (name, definition) = Store.Created.Single();
        Assert.Equal(("story:latest", digest, "Tell stories."), (name, definition.From, definition.System));
        Assert.Equal(["MIT"], definition.Licenses);
        Assert.Equal(0, (int)definition.Parameters!["temperature"]!);
        var (showStatus, show) = await SendAsync(HttpMethod.Post, "/api/show", """{"model":"story:latest"}""");
        Assert.Equal(200, showStatus);
        Assert.Equal("temperature 0\nstop <|end|>", Parse(show).GetProperty("parameters").GetString());

        Assert.Equal(400, (await SendAsync(HttpMethod.Post, "/api/create", """{"model":"x","parameters":{"temperature":"hot"},"from":"llama3.1:8b"}""")).Status);
        Assert.Equal(400, (await SendAsync(HttpMethod.Post, "/api/create", """{"model":"x"}""")).Status);
        Assert.Equal(400, (await SendAsync(HttpMethod.Post, "/api/create", """{"model":"x","from":"llama3.1:8b","quantize":"q4_K_M"}""")).Status);
        var (streamStatus, streamed) = await SendAsync(HttpMethod.Post, "/api/create", """{"model":"y:latest","from":"llama3.1:8b"}""");
        Assert.Equal(200, streamStatus);
        Assert.EndsWith("{\"status\":\"success\"}\n", streamed, StringComparison.Ordinal);
    }
}
