using System.Net;
using System.Text;
using System.Text.Json;

namespace ModelScout.Server.Tests;

/// <summary>llama-server's <c>timings</c> object on OpenAI answers, so front ends such as Open WebUI show our speed.</summary>
public sealed class TimingsTests(StoriesFixture fixture) : IClassFixture<StoriesFixture>
{
    private ServerHarness H => fixture.Harness;

    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");

    private static void AssertTimings(JsonElement timings, int promptTokens, int completionTokens)
    {
        Assert.Equal(completionTokens, timings.GetProperty("predicted_n").GetInt32());
        Assert.Equal(promptTokens, timings.GetProperty("prompt_n").GetInt32() + timings.GetProperty("cache_n").GetInt32());
        Assert.True(timings.GetProperty("prompt_n").GetInt32() > 0);
        foreach (var phase in new[] { "prompt", "predicted" })
        {
            var n = timings.GetProperty(phase + "_n").GetDouble();
            var ms = timings.GetProperty(phase + "_ms").GetDouble();
            Assert.True(ms > 0, phase + "_ms");
            Assert.Equal(ms / n, timings.GetProperty(phase + "_per_token_ms").GetDouble(), 6);
            Assert.Equal(n * 1000 / ms, timings.GetProperty(phase + "_per_second").GetDouble(), 6);
        }
    }

    [Fact]
    public async Task A_chat_completion_carries_timings_that_agree_with_its_usage()
    {
        using var response = await H.Http.PostAsync("/v1/chat/completions", Json("""{"model":"llama3.1:8b","messages":[{"role":"user","content":"Once upon a time"}],"max_tokens":12,"temperature":0}"""));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        var usage = body.GetProperty("usage");
        AssertTimings(body.GetProperty("timings"), usage.GetProperty("prompt_tokens").GetInt32(), usage.GetProperty("completion_tokens").GetInt32());
    }

    [Fact]
    public async Task A_streamed_chat_completion_carries_timings_on_its_finish_chunk_only()
    {
        using var response = await H.Http.PostAsync("/v1/chat/completions", Json("""{"model":"llama3.1:8b","messages":[{"role":"user","content":"Once upon a time"}],"max_tokens":12,"temperature":0,"stream":true,"stream_options":{"include_usage":true}}"""));
        var events = (await response.Content.ReadAsStringAsync()).Split('\n')
            .Where(l => l.StartsWith("data: {", StringComparison.Ordinal)).Select(l => JsonDocument.Parse(l["data: ".Length..]).RootElement).ToList();
        var finish = events.Single(e => e.GetProperty("choices").GetArrayLength() == 1 && e.GetProperty("choices")[0].GetProperty("finish_reason").ValueKind == JsonValueKind.String);
        Assert.Single(events, e => e.TryGetProperty("timings", out _));
        var usage = events.Last().GetProperty("usage");
        AssertTimings(finish.GetProperty("timings"), usage.GetProperty("prompt_tokens").GetInt32(), usage.GetProperty("completion_tokens").GetInt32());
    }
}
