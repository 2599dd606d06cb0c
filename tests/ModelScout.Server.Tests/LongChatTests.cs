using System.Net;
using System.Text;
using System.Text.Json;
using ModelScout.Contracts;
using ModelScout.Engine;
using ModelScout.Server.Translation;

namespace ModelScout.Server.Tests;

/// <summary>Ollama's truncate, shift and context fields, and what the answers say about a prompt cut to fit.</summary>
public sealed class LongChatTranslationTests
{
    private static readonly WireJsonContext Wire = WireJsonContext.Wire;

    [Fact]
    public void Truncate_and_shift_map_to_the_engine_and_default_as_ollama_does()
    {
        var plain = OllamaTranslator.ToGeneration(JsonSerializer.Deserialize("""{"model":"m","prompt":"hi"}""", Wire.GenerateRequest)!);
        Assert.True(plain.TruncatePrompt);
        Assert.Null(plain.ContextShift);
        Assert.Null(plain.Context);

        var chat = OllamaTranslator.ToGeneration(JsonSerializer.Deserialize("""{"model":"m","messages":[{"role":"user","content":"hi"}],"truncate":false,"shift":false}""", Wire.ChatRequest)!);
        Assert.False(chat.TruncatePrompt);
        Assert.False(chat.ContextShift);

        var generate = OllamaTranslator.ToGeneration(JsonSerializer.Deserialize("""{"model":"m","prompt":"hi","shift":true,"context":[1,403,407]}""", Wire.GenerateRequest)!);
        Assert.True(generate.ContextShift);
        Assert.Equal([1, 403, 407], generate.Context);
    }

    [Theory]
    [InlineData("[1,-4]", "context[1]")]
    [InlineData("[3000000000]", "context[0]")]
    public void A_context_that_holds_no_token_ids_is_a_400_naming_it(string context, string named)
    {
        var request = JsonSerializer.Deserialize($$"""{"model":"m","prompt":"hi","context":{{context}}}""", Wire.GenerateRequest)!;
        var e = Assert.Throws<ApiException>(() => OllamaTranslator.ToGeneration(request));
        Assert.Contains(named, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_last_object_carries_the_context_and_says_when_the_prompt_was_cut()
    {
        var stats = new GenerationStats { Model = "m", DoneReason = DoneReason.Length, PromptTokens = 3, CompletionTokens = 2, PromptTruncated = true, Context = [1, 2, 3, 4, 5] };
        var now = new DateTimeOffset(2026, 3, 4, 5, 6, 7, TimeSpan.Zero);
        var generate = JsonSerializer.Serialize(OllamaTranslator.GenerateDone("m", now, stats), Wire.GenerateResponse);
        Assert.Contains("\"done_reason\":\"length\",\"context\":[1,2,3,4,5],\"total_duration\"", generate, StringComparison.Ordinal);
        Assert.EndsWith(",\"prompt_truncated\":true}", generate, StringComparison.Ordinal);
        var chat = JsonSerializer.Serialize(OllamaTranslator.ChatDone("m", now, stats), Wire.ChatResponse);
        Assert.EndsWith(",\"prompt_truncated\":true}", chat, StringComparison.Ordinal);
        Assert.DoesNotContain("context", chat, StringComparison.Ordinal);
        var whole = JsonSerializer.Serialize(OllamaTranslator.ChatDone("m", now, stats with { PromptTruncated = false }), Wire.ChatResponse);
        Assert.DoesNotContain("prompt_truncated", whole, StringComparison.Ordinal);
    }
}

/// <summary>Long chats through the real server and llama.cpp (stories260K as llama3.1:8b).</summary>
public sealed class LongChatServerTests(StoriesFixture fixture) : IClassFixture<StoriesFixture>
{
    private const int Ctx = 128;
    private ServerHarness H => fixture.Harness;

    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");

    /// <summary>A chat history of about three times <see cref="Ctx"/> tokens.</summary>
    private static string History()
    {
        var turns = Enumerable.Range(0, 12).Select(i => JsonSerializer.Serialize(new Dictionary<string, string>
        {
            ["role"] = i % 2 == 0 ? "user" : "assistant",
            ["content"] = $"Turn {i}: once upon a time there was a little girl who liked to play in the park.",
        }));
        return "[" + string.Join(",", turns) + "]";
    }

    private async Task<int> TokensAsync(string text, bool addSpecial)
    {
        using var response = await H.Http.PostAsync("/tokenize", Json($$"""{"model":"llama3.1:8b","content":{{JsonSerializer.Serialize(text)}},"add_special":{{(addSpecial ? "true" : "false")}}}"""));
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("tokens").GetArrayLength();
    }

    [Fact]
    public async Task A_chat_three_times_the_context_is_cut_and_the_answer_says_so_while_openai_refuses_it()
    {
        using var ollama = await H.Http.PostAsync("/api/chat", Json($$$"""{"model":"llama3.1:8b","messages":{{{History()}}},"stream":false,"options":{"temperature":0,"num_ctx":{{{Ctx}}},"num_predict":4}}"""));
        var body = await ollama.Content.ReadAsStringAsync();
        Assert.True(ollama.StatusCode == HttpStatusCode.OK, body);
        var root = JsonDocument.Parse(body).RootElement;
        Assert.True(root.GetProperty("prompt_truncated").GetBoolean());
        Assert.True(root.GetProperty("prompt_eval_count").GetInt32() < Ctx);

        // Streamed: the last line says it.
        using var streamed = await H.Http.PostAsync("/api/chat", Json($$$"""{"model":"llama3.1:8b","messages":{{{History()}}},"options":{"temperature":0,"num_ctx":{{{Ctx}}},"num_predict":4}}"""));
        var last = (await streamed.Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries)[^1];
        Assert.True(JsonDocument.Parse(last).RootElement.GetProperty("prompt_truncated").GetBoolean(), last);

        using var refused = await H.Http.PostAsync("/api/chat", Json($$$"""{"model":"llama3.1:8b","messages":{{{History()}}},"stream":false,"truncate":false,"options":{"num_ctx":{{{Ctx}}}}}"""));
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Contains("raise num_ctx", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        using var openAI = await H.Http.PostAsync("/v1/chat/completions", Json($$"""{"model":"llama3.1:8b","messages":{{History()}},"num_ctx":{{Ctx}}}"""));
        Assert.Equal(HttpStatusCode.BadRequest, openAI.StatusCode);

        using var fits = await H.Http.PostAsync("/api/chat", Json($$$"""{"model":"llama3.1:8b","messages":[{"role":"user","content":"Once upon a time"}],"stream":false,"options":{"temperature":0,"num_ctx":{{{Ctx}}},"num_predict":4}}"""));
        Assert.False(JsonDocument.Parse(await fits.Content.ReadAsStringAsync()).RootElement.TryGetProperty("prompt_truncated", out _));
    }

    [Fact]
    public async Task Generate_returns_its_context_and_reads_it_back_before_the_next_prompt()
    {
        using var first = await H.Http.PostAsync("/api/generate", Json("""{"model":"llama3.1:8b","prompt":"Once upon a time","stream":false,"options":{"temperature":0,"num_predict":6}}"""));
        var oneBody = await first.Content.ReadAsStringAsync();
        var one = JsonDocument.Parse(oneBody).RootElement;
        Assert.True(one.TryGetProperty("context", out _), oneBody);
        var context = one.GetProperty("context").EnumerateArray().Select(t => t.GetInt32()).ToArray();
        Assert.Equal([1, 403, 407, 261, 378], context[..5]);
        Assert.Equal(5 + one.GetProperty("eval_count").GetInt32(), context.Length);

        using var second = await H.Http.PostAsync("/api/generate", Json($$$"""{"model":"llama3.1:8b","prompt":" Then","context":{{{JsonSerializer.Serialize(context)}}},"options":{"temperature":0,"num_predict":6}}"""));
        var lines = (await second.Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var done = JsonDocument.Parse(lines[^1]).RootElement;
        Assert.Equal(context.Length + await TokensAsync(" Then", addSpecial: false), done.GetProperty("prompt_eval_count").GetInt32());
        Assert.Equal(context, done.GetProperty("context").EnumerateArray().Select(t => t.GetInt32()).Take(context.Length));
        // Only the last line carries it.
        Assert.All(lines[..^1], l => Assert.DoesNotContain("\"context\"", l, StringComparison.Ordinal));

        using var raw = await H.Http.PostAsync("/api/generate", Json("""{"model":"llama3.1:8b","prompt":"Once upon a time","raw":true,"stream":false,"options":{"temperature":0,"num_predict":2}}"""));
        Assert.False(JsonDocument.Parse(await raw.Content.ReadAsStringAsync()).RootElement.TryGetProperty("context", out _));

        using var foreign = await H.Http.PostAsync("/api/generate", Json("""{"model":"llama3.1:8b","prompt":"hi","context":[1,31999],"stream":false}"""));
        Assert.Equal(HttpStatusCode.BadRequest, foreign.StatusCode);
        Assert.Contains("vocabulary", await foreign.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Shift_false_ends_a_long_reply_at_the_context()
    {
        using var off = await H.Http.PostAsync("/api/generate", Json("""{"model":"llama3.1:8b","prompt":"Once upon a time","raw":true,"stream":false,"shift":false,"options":{"temperature":0,"num_ctx":64,"num_predict":400}}"""));
        var root = JsonDocument.Parse(await off.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("length", root.GetProperty("done_reason").GetString());
        Assert.True(root.GetProperty("prompt_eval_count").GetInt32() + root.GetProperty("eval_count").GetInt32() <= 64);

        using var on = await H.Http.PostAsync("/api/generate", Json("""{"model":"llama3.1:8b","prompt":"Once upon a time","raw":true,"stream":false,"options":{"temperature":0,"num_ctx":64,"num_predict":400}}"""));
        var shifted = JsonDocument.Parse(await on.Content.ReadAsStringAsync()).RootElement;
        Assert.True(shifted.GetProperty("eval_count").GetInt32() > 64, shifted.ToString());
    }
}
