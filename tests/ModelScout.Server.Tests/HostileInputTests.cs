using System.Net;
using System.Text;
using System.Text.Json;
using ModelScout.Engine;

namespace ModelScout.Server.Tests;

/// <summary>
/// Requests that once poisoned shared state: each gets a 400 naming its field, and afterwards every endpoint that touches
/// the model still answers, for every client. Each test runs its own server so nothing it stores can leak into others.
/// </summary>
public sealed class HostileInputTests
{
    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");

    private static async Task<ServerHarness> StartAsync()
    {
        var store = StoriesFixture.Store();
        return await ServerHarness.StartAsync(new ModelHost(store, StoriesFixture.Engine), store);
    }

    // The reproduction from the issue: keep_alive = 2^63 seconds was stored, then every expiry computation overflowed.
    [Theory]
    [InlineData("/v1/completions", """{"model":"llama3.1:8b","prompt":"Once","max_tokens":2,"keep_alive":9223372036854775808}""")]
    [InlineData("/v1/chat/completions", """{"model":"llama3.1:8b","messages":[{"role":"user","content":"Once"}],"max_tokens":2,"keep_alive":"9999999999h"}""")]
    [InlineData("/api/generate", """{"model":"llama3.1:8b","prompt":"Once","stream":false,"options":{"num_predict":2},"keep_alive":1e308}""")]
    [InlineData("/api/chat", """{"model":"llama3.1:8b","messages":[{"role":"user","content":"Once"}],"stream":false,"keep_alive":"NaN"}""")]
    [InlineData("/api/embed", """{"model":"llama3.1:8b","input":"x","keep_alive":"Infinity"}""")]
    [InlineData("/api/generate", """{"model":"llama3.1:8b","prompt":"","keep_alive":9223372036854775808}""")]
    public async Task An_out_of_range_keep_alive_is_a_400_naming_it_and_every_endpoint_still_answers(string path, string body)
    {
        await using var h = await StartAsync();
        using (var poison = await h.Http.PostAsync(path, Json(body)))
        {
            var text = await poison.Content.ReadAsStringAsync();
            Assert.True(poison.StatusCode == HttpStatusCode.BadRequest, $"{path}: {(int)poison.StatusCode} {text}");
            Assert.Contains("keep_alive", text, StringComparison.Ordinal);
        }
        await EveryEndpointAnswersAsync(h);
    }

    [Fact]
    public async Task The_longest_accepted_keep_alive_is_held_without_overflowing_anything()
    {
        await using var h = await StartAsync();
        using (var longest = await h.Http.PostAsync("/v1/completions", Json("""{"model":"llama3.1:8b","prompt":"Once","max_tokens":2,"keep_alive":"2562047h47m16.854775807s"}""")))
        {
            Assert.Equal(HttpStatusCode.OK, longest.StatusCode);
        }
        await EveryEndpointAnswersAsync(h);
        using var ps = JsonDocument.Parse(await h.Http.GetStringAsync("/api/ps"));
        var expires = DateTimeOffset.Parse(ps.RootElement.GetProperty("models")[0].GetProperty("expires_at").GetString()!, System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(expires - DateTimeOffset.UtcNow, KeepAliveParser.Max - TimeSpan.FromHours(1), KeepAliveParser.Max);
    }

    private static async Task EveryEndpointAnswersAsync(ServerHarness h)
    {
        var requests = new (string Path, string Body)[]
        {
            ("/api/embed", """{"model":"llama3.1:8b","input":"x"}"""),
            ("/api/embeddings", """{"model":"llama3.1:8b","prompt":"x"}"""),
            ("/v1/embeddings", """{"model":"llama3.1:8b","input":"x"}"""),
            ("/v1/completions", """{"model":"llama3.1:8b","prompt":"Once upon a time","max_tokens":10,"temperature":0}"""),
            ("/v1/chat/completions", """{"model":"llama3.1:8b","messages":[{"role":"user","content":"Once"}],"max_tokens":2}"""),
            ("/api/generate", """{"model":"llama3.1:8b","prompt":"Once upon a time","raw":true,"stream":false,"options":{"temperature":0,"num_predict":10}}"""),
            ("/api/chat", """{"model":"llama3.1:8b","messages":[{"role":"user","content":"Once"}],"stream":false,"options":{"num_predict":2}}"""),
            ("/api/show", """{"model":"llama3.1:8b"}"""),
            ("/tokenize", """{"model":"llama3.1:8b","content":"Once"}"""),
        };
        // Twice round: the first failure on today's main came some requests after the poisoned one.
        for (var round = 0; round < 2; round++)
        {
            foreach (var (path, body) in requests)
            {
                using var response = await h.Http.PostAsync(path, Json(body));
                var text = await response.Content.ReadAsStringAsync();
                Assert.True(response.StatusCode == HttpStatusCode.OK, $"{path}: {(int)response.StatusCode} {text}");
                if (path == "/v1/completions")
                {
                    var completion = JsonDocument.Parse(text).RootElement.GetProperty("choices")[0].GetProperty("text").GetString()!;
                    Assert.StartsWith(ConformanceSuite.Continuation, completion, StringComparison.Ordinal);
                }
            }
            foreach (var path in new[] { "/api/ps", "/api/tags", "/v1/models", "/health" })
            {
                using var response = await h.Http.GetAsync(path);
                Assert.True(response.StatusCode == HttpStatusCode.OK, $"{path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
            }
        }
    }
}
