using System.ClientModel;
using System.Text;
using System.Text.Json;
using ModelScout.Engine;
using ModelScout.Prompting;
using ModelScout.Server.Translation;
using OllamaSharp;
using OpenAI;
using OpenAI.Chat;
using OllamaChat = OllamaSharp.Models.Chat;
using OllamaModels = OllamaSharp.Models;

namespace ModelScout.Server.Tests;

/// <summary>A server for a whole test class: started once, stopped after the last test.</summary>
public abstract class ServerFixture : IAsyncLifetime
{
    internal ServerHarness Harness { get; private set; } = null!;

    internal abstract Task<ServerHarness> StartAsync();

    public async Task InitializeAsync() => Harness = await StartAsync();

    public async Task DisposeAsync() => await Harness.DisposeAsync();
}

/// <summary>The scripted engine behind a real server.</summary>
public sealed class ScriptedFixture : ServerFixture
{
    internal override Task<ServerHarness> StartAsync() => ServerHarness.StartScriptedAsync();
}

/// <summary>What every backend answered: the text and the finish reason in OpenAI's words (stop, length).</summary>
public sealed record Answer(string Text, string FinishReason);

/// <summary>
/// One conformance suite, many backends: the same chat asked in-process, through the OpenAI SDK, through OllamaSharp and
/// as raw HTTP must give the same tokens, and greedy "Once upon a time" must continue as llama.cpp's does.
/// </summary>
public abstract class ConformanceSuite(ServerFixture fixture)
{
    public const string Prompt = "Once upon a time";
    public const string Continuation = ", there was a little girl named Lily";

    internal ServerHarness Harness => fixture.Harness;
    protected static string Model => ServerHarness.Model;

    /// <summary>One user turn, greedy, at most <paramref name="maxTokens"/> tokens.</summary>
    protected abstract Task<Answer> ChatAsync(string user, int maxTokens, bool stream);

    /// <summary>The engine's own answer: what every wire must reproduce.</summary>
    protected async Task<Answer> ReferenceAsync(string user, int maxTokens)
    {
        var transcript = new GenerationTranscript();
        var request = new GenerationRequest { Model = Model, Messages = [new ChatTurn("user", user)], Options = new ModelOptions { Temperature = 0, NumPredict = maxTokens } };
        await foreach (var u in Harness.Engine.GenerateAsync(request)) transcript.Add(u);
        var outcome = transcript.ToOutcome();
        return new Answer(outcome.Text, OpenAITranslator.FinishReason(outcome.Stats.DoneReason));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Greedy_once_upon_a_time_continues_like_llama_cpp(bool stream)
    {
        var answer = await ChatAsync(Prompt, 10, stream);
        Assert.StartsWith(Continuation, answer.Text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Same_tokens_as_the_in_process_engine(bool stream)
    {
        var reference = await ReferenceAsync("Tell me about the brave red fox", 32);
        Assert.Equal(reference, await ChatAsync("Tell me about the brave red fox", 32, stream));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Max_tokens_ends_the_answer_with_length(bool stream)
    {
        var reference = await ReferenceAsync(Prompt, 3);
        var answer = await ChatAsync(Prompt, 3, stream);
        Assert.Equal(reference, answer);
        Assert.Equal("length", answer.FinishReason);
    }
}

public abstract class InProcessSuite(ServerFixture fixture) : ConformanceSuite(fixture)
{
    protected override Task<Answer> ChatAsync(string user, int maxTokens, bool stream) => ReferenceAsync(user, maxTokens);
}

public abstract class OpenAISdkSuite(ServerFixture fixture) : ConformanceSuite(fixture)
{
    protected override async Task<Answer> ChatAsync(string user, int maxTokens, bool stream)
    {
        var client = new ChatClient(Model, new ApiKeyCredential("unused"), new OpenAIClientOptions { Endpoint = new Uri(Harness.BaseAddress, "/v1") });
        var options = new ChatCompletionOptions { Temperature = 0, MaxOutputTokenCount = maxTokens };
        if (!stream)
        {
            ChatCompletion completion = await client.CompleteChatAsync([new UserChatMessage(user)], options);
            return new Answer(string.Concat(completion.Content.Select(c => c.Text)), Reason(completion.FinishReason));
        }
        var text = new StringBuilder();
        string? reason = null;
        var usageSeen = false;
        await foreach (var update in client.CompleteChatStreamingAsync([new UserChatMessage(user)], options))
        {
            foreach (var part in update.ContentUpdate) text.Append(part.Text);
            if (update.FinishReason is { } r) reason = Reason(r);
            if (update.Usage is { } usage)
            {
                usageSeen = true;
                Assert.Equal(usage.InputTokenCount + usage.OutputTokenCount, usage.TotalTokenCount);
            }
        }
        Assert.True(usageSeen, "the SDK asks for usage in streams; the server must send the usage chunk");
        return new Answer(text.ToString(), reason ?? "missing");
    }

    private static string Reason(ChatFinishReason reason) => reason switch
    {
        ChatFinishReason.Stop => "stop",
        ChatFinishReason.Length => "length",
        _ => reason.ToString(),
    };
}

public abstract class OllamaSharpSuite(ServerFixture fixture) : ConformanceSuite(fixture)
{
    protected override async Task<Answer> ChatAsync(string user, int maxTokens, bool stream)
    {
        using var client = new OllamaApiClient(Harness.BaseAddress, Model);
        var request = new OllamaChat.ChatRequest
        {
            Model = Model,
            Messages = [new OllamaChat.Message(OllamaChat.ChatRole.User, user)],
            Options = new OllamaModels.RequestOptions { Temperature = 0, NumPredict = maxTokens },
            Stream = stream,
        };
        var text = new StringBuilder();
        string? reason = null;
        await foreach (var chunk in client.ChatAsync(request))
        {
            text.Append(chunk?.Message?.Content);
            if (chunk is OllamaChat.ChatDoneResponseStream done)
            {
                reason = done.DoneReason;
                Assert.True(done.EvalCount > 0);
                Assert.True(done.TotalDuration > 0);
            }
        }
        return new Answer(text.ToString(), reason ?? "missing");
    }
}

/// <summary>SSE and NDJSON read byte by byte, framing checked on every answer.</summary>
public abstract class RawHttpSuite(ServerFixture fixture) : ConformanceSuite(fixture)
{
    protected override async Task<Answer> ChatAsync(string user, int maxTokens, bool stream)
    {
        // Alternate the wire with the stream flag so both APIs go through the suite: OpenAI SSE streams, Ollama NDJSON
        // streams, and each API's single-object answer.
        var openAI = await OpenAIAsync(user, maxTokens, stream);
        var ollama = await OllamaAsync(user, maxTokens, stream);
        Assert.Equal(openAI, ollama);
        return openAI;
    }

    private async Task<Answer> OpenAIAsync(string user, int maxTokens, bool stream)
    {
        var body = "{\"model\":\"" + Model + "\",\"messages\":[{\"role\":\"user\",\"content\":" + JsonSerializer.Serialize(user) + "}],\"temperature\":0,\"max_tokens\":" + maxTokens
            + ",\"stream\":" + (stream ? "true" : "false") + ",\"stream_options\":{\"include_usage\":true}}";
        using var response = await Harness.Http.PostAsync("/v1/chat/completions", new StringContent(body, Encoding.UTF8, "application/json"));
        Assert.Equal(200, (int)response.StatusCode);
        var raw = await response.Content.ReadAsStringAsync();
        if (!stream)
        {
            Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
            using var doc = JsonDocument.Parse(raw);
            var choice = doc.RootElement.GetProperty("choices")[0];
            return new Answer(choice.GetProperty("message").GetProperty("content").GetString()!, choice.GetProperty("finish_reason").GetString()!);
        }
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        Assert.EndsWith("\n\ndata: [DONE]\n\n", raw, StringComparison.Ordinal);
        var events = raw.Split("\n\n");
        Assert.Equal("", events[^1]);
        events = events[..^1];
        Assert.All(events, e => Assert.StartsWith("data: ", e, StringComparison.Ordinal));
        Assert.All(events, e => Assert.DoesNotContain('\n', e));
        var chunks = events[..^1].Select(e => JsonDocument.Parse(e["data: ".Length..]).RootElement).ToList();
        Assert.Equal("assistant", chunks[0].GetProperty("choices")[0].GetProperty("delta").GetProperty("role").GetString());
        Assert.All(chunks.Skip(1), c => Assert.DoesNotContain(c.GetProperty("choices").EnumerateArray(), ch => ch.GetProperty("delta").TryGetProperty("role", out _)));
        var usage = chunks[^1];
        Assert.Equal(0, usage.GetProperty("choices").GetArrayLength());
        Assert.True(usage.GetProperty("usage").GetProperty("completion_tokens").GetInt32() > 0);
        var finish = chunks[^2].GetProperty("choices")[0];
        Assert.Equal(JsonValueKind.Object, finish.GetProperty("delta").ValueKind);
        Assert.Empty(finish.GetProperty("delta").EnumerateObject());
        var text = string.Concat(chunks.Skip(1).SkipLast(2).Select(c => c.GetProperty("choices")[0].GetProperty("delta").GetProperty("content").GetString()));
        return new Answer(text, finish.GetProperty("finish_reason").GetString()!);
    }

    private async Task<Answer> OllamaAsync(string user, int maxTokens, bool stream)
    {
        var body = "{\"model\":\"" + Model + "\",\"messages\":[{\"role\":\"user\",\"content\":" + JsonSerializer.Serialize(user) + "}],\"options\":{\"temperature\":0,\"num_predict\":" + maxTokens
            + "},\"stream\":" + (stream ? "true" : "false") + "}";
        using var response = await Harness.Http.PostAsync("/api/chat", new StringContent(body, Encoding.UTF8, "application/json"));
        Assert.Equal(200, (int)response.StatusCode);
        var raw = await response.Content.ReadAsStringAsync();
        Assert.Equal(stream ? "application/x-ndjson" : "application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.EndsWith(stream ? "}\n" : "}", raw, StringComparison.Ordinal);
        var lines = raw.TrimEnd('\n').Split('\n').Select(l => JsonDocument.Parse(l).RootElement).ToList();
        if (!stream) Assert.Single(lines);
        Assert.All(lines.SkipLast(1), l => Assert.False(l.GetProperty("done").GetBoolean()));
        var last = lines[^1];
        Assert.True(last.GetProperty("done").GetBoolean());
        foreach (var field in new[] { "total_duration", "load_duration", "prompt_eval_count", "prompt_eval_duration", "eval_count", "eval_duration" })
            Assert.True(last.GetProperty(field).GetInt64() >= 0, field);
        var text = string.Concat(lines.Select(l => l.GetProperty("message").GetProperty("content").GetString()));
        return new Answer(text, last.GetProperty("done_reason").GetString()!);
    }
}

public sealed class ScriptedInProcess(ScriptedFixture f) : InProcessSuite(f), IClassFixture<ScriptedFixture>;

public sealed class ScriptedOpenAISdk(ScriptedFixture f) : OpenAISdkSuite(f), IClassFixture<ScriptedFixture>;

public sealed class ScriptedOllamaSharp(ScriptedFixture f) : OllamaSharpSuite(f), IClassFixture<ScriptedFixture>;

public sealed class ScriptedRawHttp(ScriptedFixture f) : RawHttpSuite(f), IClassFixture<ScriptedFixture>;
