using System.ClientModel;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using ModelScout.Engine;
using ModelScout.Prompting;
using ModelScout.Server.Tests.Fakes;
using ModelScout.Testing;
using OllamaSharp;
using OpenAI;
using OpenAI.Chat;
using OllamaChat = OllamaSharp.Models.Chat;

namespace ModelScout.Server.Tests;

/// <summary>
/// Tool calls and reasoning over real HTTP: the streamed frames of both APIs compared as text, and the official OpenAI
/// .NET SDK and OllamaSharp running a call → result → answer round against the scripted engine.
/// </summary>
public sealed partial class ToolWireTests : IAsyncLifetime
{
    private const string Model = ServerHarness.Model;
    private const string Arguments = """{"city":"Paris","unit":"celsius"}""";
    private const string WeatherTool = """{"type":"function","function":{"name":"get_weather","description":"Current weather","parameters":{"type":"object","properties":{"city":{"type":"string"},"unit":{"type":"string","enum":["celsius","fahrenheit"]}},"required":["city"]}}}""";

    private ServerHarness h = null!;

    private ScriptedEngine Engine => (ScriptedEngine)h.Engine;

    public async Task InitializeAsync() => h = await ServerHarness.StartScriptedAsync(engine: new ScriptedEngine([Model]) { Updates = Reply });

    public async Task DisposeAsync() => await h.DisposeAsync();

    /// <summary>
    /// A reasoning model with tools: asked with tools, it reasons and calls get_weather (and get_time too when asked for
    /// the time and parallel calls are allowed); given a tool result, it answers from it; without tools, it answers.
    /// "unsupported" in the question fails as the engine fails for a model whose template shows no tools.
    /// </summary>
    private static IReadOnlyList<GenerationUpdate> Reply(GenerationRequest request)
    {
        var last = request.Messages?[^1] ?? new Prompting.ChatTurn("user", request.Prompt ?? "");
        if (last.Content.Contains("unsupported", StringComparison.Ordinal) && request.Tools.Count > 0)
            throw new InferenceException(InferenceErrorKind.InvalidRequest, $"model {request.Model} does not support tools") { Param = "tools" };
        if (last.Content == "accents") return ScriptedEngine.TextTokens("Café \"au lait\" <b>");
        if (last.Role == "tool") return ScriptedEngine.TextTokens($"It is {last.Content} in Paris.");
        if (request.Tools.Count == 0 || request.ToolChoice == ToolChoice.None) return ScriptedEngine.TextTokens("It is sunny.");
        List<GenerationUpdate> updates = [.. ScriptedEngine.ThinkingTokens("I need the weather."), new GenerationToken("", 77, null, null)];
        updates.Add(new GenerationToolCall(0, new ToolCall("call_w1", "get_weather", Arguments)));
        if (request.ParallelToolCalls && last.Content.Contains("time", StringComparison.Ordinal))
            updates.Add(new GenerationToolCall(1, new ToolCall("", "get_time", "{}")));
        return updates;
    }

    private async Task<(int Status, string Text)> PostAsync(string path, string body)
    {
        using var response = await h.Http.PostAsync(path, new StringContent(body, Encoding.UTF8, "application/json"));
        return ((int)response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    /// <summary>
    /// The stream with its per-request values (id, time) fixed and llama.cpp's measured <c>timings</c> taken out (TimingsTests
    /// checks them), so it compares as text.
    /// </summary>
    private static string Normalise(string raw) =>
        CreatedAt().Replace(Created().Replace(ChunkId().Replace(Timings().Replace(raw, ""), "\"id\":\"chatcmpl-X\""), "\"created\":1"), "\"created_at\":\"T\"");

    [GeneratedRegex(",\"timings\":\\{[^}]*\\}")]
    private static partial Regex Timings();

    [GeneratedRegex("\"id\":\"chatcmpl-[A-Za-z0-9]{24}\"")]
    private static partial Regex ChunkId();

    [GeneratedRegex("\"created\":[0-9]+")]
    private static partial Regex Created();

    [GeneratedRegex("\"created_at\":\"[^\"]+\"")]
    private static partial Regex CreatedAt();

    private static string Event(int index, string delta, string? finish = null) =>
        $$"""data: {"id":"chatcmpl-X","object":"chat.completion.chunk","created":1,"model":"{{Model}}","system_fingerprint":"fp_modelscout","choices":[{"index":{{index}},"delta":{{delta}},"logprobs":null,"finish_reason":{{(finish is null ? "null" : "\"" + finish + "\"")}}}]}""" + "\n\n";

    private static string ToolCallEvents(int index) =>
        Event(index, $$$"""{"tool_calls":[{"index":0,"id":"call_w1","type":"function","function":{"name":"get_weather","arguments":""}}]}""")
        + string.Concat(new[] { "{", "\\\"city\\\":", "\\\"Paris\\\",", "\\\"unit\\\":", "\\\"celsius\\\"}" }
            .Select(piece => Event(index, $$$"""{"tool_calls":[{"index":0,"function":{"arguments":"{{{piece}}}"}}]}""")));

    private static string ThinkingEvents(int index) =>
        string.Concat(new[] { "I", " need", " the", " weather." }.Select(w => Event(index, $$"""{"reasoning_content":"{{w}}"}""")));

    [Fact]
    public async Task OpenAI_stream_frames_reasoning_then_the_call_header_then_argument_pieces_then_tool_calls_byte_for_byte()
    {
        var (status, raw) = await PostAsync("/v1/chat/completions", $$"""{"model":"{{Model}}","messages":[{"role":"user","content":"Weather in Paris?"}],"tools":[{{WeatherTool}}],"stream":true}""");

        Assert.Equal(200, status);
        var expected = Event(0, """{"role":"assistant","content":""}""") + ThinkingEvents(0) + ToolCallEvents(0) + Event(0, "{}", "tool_calls") + "data: [DONE]\n\n";
        Assert.Equal(expected, Normalise(raw));
    }

    [Theory]
    [InlineData("/v1/chat/completions", "\"delta\":{\"content\":\"Café\"}")]
    [InlineData("/api/chat", "\"message\":{\"role\":\"assistant\",\"content\":\"Café\"}")]
    public async Task Streams_write_text_as_the_whole_answer_does_without_escapes(string path, string first)
    {
        var (status, raw) = await PostAsync(path, $$"""{"model":"{{Model}}","messages":[{"role":"user","content":"accents"}],"stream":true}""");

        Assert.Equal(200, status);
        Assert.Contains(first, raw, StringComparison.Ordinal);
        Assert.Contains("\" \\\"au\"", raw, StringComparison.Ordinal);
        Assert.Contains("\" <b>\"", raw, StringComparison.Ordinal);
        Assert.DoesNotContain("\\u00", raw, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OpenAI_n_2_gives_each_choice_its_own_calls_and_index_space()
    {
        var (status, raw) = await PostAsync("/v1/chat/completions", $$"""{"model":"{{Model}}","messages":[{"role":"user","content":"Weather in Paris?"}],"tools":[{{WeatherTool}}],"stream":true,"n":2}""");

        Assert.Equal(200, status);
        var events = Normalise(raw).Split("\n\n", StringSplitOptions.RemoveEmptyEntries).Select(e => e + "\n\n").ToList();
        // The two choices interleave as their runs go; each choice's own frames come in order and match a lone choice's.
        foreach (var index in new[] { 0, 1 })
        {
            var own = events.Where(e => e.Contains($"\"choices\":[{{\"index\":{index},", StringComparison.Ordinal));
            Assert.Equal(Event(index, """{"role":"assistant","content":""}""") + ThinkingEvents(index) + ToolCallEvents(index) + Event(index, "{}", "tool_calls"), string.Concat(own));
        }
        Assert.Equal("data: [DONE]\n\n", events[^1]);
    }

    [Fact]
    public async Task OpenAI_whole_answer_has_reasoning_null_content_tool_calls_with_ids_and_finish_reason_tool_calls()
    {
        var (status, raw) = await PostAsync("/v1/chat/completions", $$$"""{"model":"{{{Model}}}","messages":[{"role":"user","content":"Weather and time?"}],"tools":[{{{WeatherTool}}},{"type":"function","function":{"name":"get_time"}}]}""");

        Assert.Equal(200, status);
        using var doc = JsonDocument.Parse(raw);
        var choice = doc.RootElement.GetProperty("choices")[0];
        Assert.Equal("tool_calls", choice.GetProperty("finish_reason").GetString());
        var message = choice.GetProperty("message");
        Assert.Equal(JsonValueKind.Null, message.GetProperty("content").ValueKind);
        Assert.Equal("I need the weather.", message.GetProperty("reasoning_content").GetString());
        var calls = message.GetProperty("tool_calls");
        Assert.Equal(2, calls.GetArrayLength());
        Assert.Equal(("call_w1", "function", "get_weather", Arguments),
            (calls[0].GetProperty("id").GetString(), calls[0].GetProperty("type").GetString(), calls[0].GetProperty("function").GetProperty("name").GetString(), calls[0].GetProperty("function").GetProperty("arguments").GetString()));
        // The engine sent the second call without an id: the server names it as OpenAI names calls.
        Assert.Matches("^call_[A-Za-z0-9]{24}$", calls[1].GetProperty("id").GetString());
        Assert.Equal("{}", calls[1].GetProperty("function").GetProperty("arguments").GetString());
        Assert.False(calls[0].TryGetProperty("index", out _));
    }

    [Fact]
    public async Task OpenAI_parallel_tool_calls_false_reaches_the_engine()
    {
        var (status, raw) = await PostAsync("/v1/chat/completions", $$"""{"model":"{{Model}}","messages":[{"role":"user","content":"Weather and time?"}],"tools":[{{WeatherTool}}],"parallel_tool_calls":false,"tool_choice":"required"}""");

        Assert.Equal(200, status);
        Assert.False(Engine.Requests[^1].ParallelToolCalls);
        Assert.Equal(ToolChoice.Required, Engine.Requests[^1].ToolChoice);
        using var doc = JsonDocument.Parse(raw);
        Assert.Equal(1, doc.RootElement.GetProperty("choices")[0].GetProperty("message").GetProperty("tool_calls").GetArrayLength());
    }

    [Fact]
    public async Task Ollama_stream_sends_thinking_lines_then_the_whole_call_in_one_line_then_done_byte_for_byte()
    {
        var (status, raw) = await PostAsync("/api/chat", $$"""{"model":"{{Model}}","messages":[{"role":"user","content":"Weather in Paris?"}],"tools":[{{WeatherTool}}],"think":true}""");

        Assert.Equal(200, status);
        var head = $$"""{"model":"{{Model}}","created_at":"T","message":""";
        var expected = string.Concat(new[] { "I", " need", " the", " weather." }.Select(w => head + $$"""{"role":"assistant","content":"","thinking":"{{w}}"},"done":false}""" + "\n"))
            + head + """{"role":"assistant","content":"","tool_calls":[{"id":"call_w1","function":{"index":0,"name":"get_weather","arguments":{"city":"Paris","unit":"celsius"}}}]},"done":false}""" + "\n"
            + head + """{"role":"assistant","content":""},"done":true,"done_reason":"stop","total_duration":1500000000,"load_duration":12500000,"prompt_eval_count":10,"prompt_eval_duration":5000000,"eval_count":5,"eval_duration":1250000000}""" + "\n";
        Assert.Equal(expected, Normalise(raw));
        Assert.Equal(ThinkSetting.On, Engine.Requests[^1].Think);
    }

    [Fact]
    public async Task Ollama_whole_answer_and_generate_carry_thinking_and_calls_with_object_arguments()
    {
        var (status, raw) = await PostAsync("/api/chat", $$$"""{"model":"{{{Model}}}","messages":[{"role":"user","content":"Weather and time?"}],"tools":[{{{WeatherTool}}},{"type":"function","function":{"name":"get_time"}}],"stream":false}""");

        Assert.Equal(200, status);
        using var doc = JsonDocument.Parse(raw);
        var message = doc.RootElement.GetProperty("message");
        Assert.Equal(("", "I need the weather."), (message.GetProperty("content").GetString(), message.GetProperty("thinking").GetString()));
        var calls = message.GetProperty("tool_calls");
        Assert.Equal("""{"id":"call_w1","function":{"index":0,"name":"get_weather","arguments":{"city":"Paris","unit":"celsius"}}}""", calls[0].GetRawText());
        Assert.Equal(1, calls[1].GetProperty("function").GetProperty("index").GetInt32());
        Assert.Equal("stop", doc.RootElement.GetProperty("done_reason").GetString());

        // /api/generate has no tools; its reasoning goes in "thinking" beside "response".
        var (generateStatus, generated) = await PostAsync("/api/generate", $$"""{"model":"{{Model}}","prompt":"hi","think":"high","stream":false}""");
        Assert.Equal(200, generateStatus);
        Assert.Equal(new ThinkSetting(true, "high"), Engine.Requests[^1].Think);
        Assert.Equal("It is sunny.", JsonDocument.Parse(generated).RootElement.GetProperty("response").GetString());
    }

    [Fact]
    public async Task A_model_without_tools_is_a_400_naming_tools_on_both_apis()
    {
        var (openAIStatus, openAI) = await PostAsync("/v1/chat/completions", $$"""{"model":"{{Model}}","messages":[{"role":"user","content":"unsupported"}],"tools":[{{WeatherTool}}]}""");
        Assert.Equal(400, openAIStatus);
        var error = JsonDocument.Parse(openAI).RootElement.GetProperty("error");
        Assert.Equal(("tools", $"model {Model} does not support tools"), (error.GetProperty("param").GetString(), error.GetProperty("message").GetString()));

        var (ollamaStatus, ollama) = await PostAsync("/api/chat", $$"""{"model":"{{Model}}","messages":[{"role":"user","content":"unsupported"}],"tools":[{{WeatherTool}}]}""");
        Assert.Equal(400, ollamaStatus);
        Assert.Equal($$"""{"error":"model {{Model}} does not support tools"}""", ollama);
    }

    [Fact]
    public async Task Show_reports_tools_and_thinking_from_the_template()
    {
        const string qwen3 = """
            {{- if .Tools }}<|im_start|>system
            # Tools
            <tools>
            {{- range .Tools }}
            {"type": "function", "function": {{ .Function }}}
            {{- end }}
            </tools>
            For each function call, return a json object with function name and arguments within <tool_call></tool_call> XML tags:
            <tool_call>
            {"name": <function-name>, "arguments": <args-json-object>}
            </tool_call><|im_end|>
            {{ end }}
            {{- range $i, $_ := .Messages }}
            {{- if eq .Role "user" }}<|im_start|>user
            {{ .Content }}<|im_end|>
            {{ else if eq .Role "assistant" }}<|im_start|>assistant
            {{- if .Thinking }}<think>{{ .Thinking }}</think>{{ end }}
            {{ .Content }}
            {{- range .ToolCalls }}<tool_call>
            {"name": "{{ .Function.Name }}", "arguments": {{ .Function.Arguments }}}
            </tool_call>{{ end }}<|im_end|>
            {{ else if eq .Role "tool" }}<|im_start|>user
            <tool_response>
            {{ .Content }}
            </tool_response><|im_end|>
            {{ end }}
            {{- end }}<|im_start|>assistant
            {{ if and $.IsThinkSet (not $.Think) }}<think>

            </think>
            {{ end }}
            """;
        ((InMemoryModelStore)h.Store).Change(Model, m => m with { Template = qwen3 });
        var (status, raw) = await PostAsync("/api/show", $$"""{"model":"{{Model}}"}""");
        Assert.Equal(200, status);
        var capabilities = JsonDocument.Parse(raw).RootElement.GetProperty("capabilities").EnumerateArray().Select(c => c.GetString()).ToList();
        Assert.Equal(["completion", "tools", "thinking"], capabilities);

        ((InMemoryModelStore)h.Store).Change(Model, m => m with { Template = "{{ if .System }}{{ .System }} {{ end }}{{ .Prompt }}" });
        var (_, plain) = await PostAsync("/api/show", $$"""{"model":"{{Model}}"}""");
        Assert.Equal(["completion"], JsonDocument.Parse(plain).RootElement.GetProperty("capabilities").EnumerateArray().Select(c => c.GetString()));
    }

    [Fact]
    public async Task Show_reads_the_gguf_chat_template_when_the_modelfile_has_none()
    {
        const string jinja = """
            {%- if tools %}<|im_start|>system
            # Tools
            <tools>{% for tool in tools %}{{ tool | tojson }}{% endfor %}</tools>
            For each function call, return a json object with function name and arguments within <tool_call></tool_call> XML tags.<|im_end|>
            {% endif %}
            {%- for message in messages %}<|im_start|>{{ message.role }}
            {% if message.reasoning_content %}<think>{{ message.reasoning_content }}</think>{% endif %}{{ message.content }}<|im_end|>
            {% endfor %}<|im_start|>assistant
            <think>
            """;
        var path = Path.Combine(((InMemoryModelStore)h.Store).Root, "jinja.gguf");
        await File.WriteAllBytesAsync(path, new Gguf.GgufWriter().Add("general.architecture", "llama").Add("tokenizer.chat_template", jinja).ToArray());
        ((InMemoryModelStore)h.Store).Add("jinja:latest", path);

        var (status, raw) = await PostAsync("/api/show", """{"model":"jinja:latest"}""");

        Assert.Equal(200, status);
        var show = JsonDocument.Parse(raw).RootElement;
        Assert.Equal("llama", show.GetProperty("model_info").GetProperty("general.architecture").GetString());
        Assert.Contains("tools", show.GetProperty("capabilities").EnumerateArray().Select(c => c.GetString()));
    }

    private ChatClient OpenAIClient() => new(Model, new ApiKeyCredential("unused"), new OpenAIClientOptions { Endpoint = new Uri(h.BaseAddress, "/v1") });

    private static ChatTool SdkWeatherTool() => ChatTool.CreateFunctionTool("get_weather", "Current weather",
        BinaryData.FromString("""{"type":"object","properties":{"city":{"type":"string"},"unit":{"type":"string","enum":["celsius","fahrenheit"]}},"required":["city"]}"""));

    [Fact]
    public async Task OpenAI_sdk_gets_the_call_sends_the_result_back_and_gets_the_answer()
    {
        var client = OpenAIClient();
        var options = new ChatCompletionOptions { Tools = { SdkWeatherTool() }, ToolChoice = ChatToolChoice.CreateRequiredChoice() };
        List<ChatMessage> messages = [new UserChatMessage("Weather in Paris?")];

        ChatCompletion first = await client.CompleteChatAsync(messages, options);

        Assert.Equal(ChatFinishReason.ToolCalls, first.FinishReason);
        var call = Assert.Single(first.ToolCalls);
        Assert.Equal(("call_w1", "get_weather", Arguments), (call.Id, call.FunctionName, call.FunctionArguments.ToString()));
        Assert.Equal(ToolChoice.Required, Engine.Requests[^1].ToolChoice);
        Assert.Contains("\"enum\":[\"celsius\",\"fahrenheit\"]", Engine.Requests[^1].Tools[0].ParametersJson, StringComparison.Ordinal);

        messages.Add(new AssistantChatMessage(first));
        messages.Add(new ToolChatMessage(call.Id, "18C"));
        ChatCompletion answer = await client.CompleteChatAsync(messages, new ChatCompletionOptions { Tools = { SdkWeatherTool() } });

        Assert.Equal(ChatFinishReason.Stop, answer.FinishReason);
        Assert.Equal("It is 18C in Paris.", answer.Content[0].Text);
        var history = Engine.Requests[^1].Messages!;
        Assert.Equal([new ToolCall("call_w1", "get_weather", Arguments)], history[1].ToolCalls);
        Assert.Equal(("tool", "18C", "call_w1", "get_weather"), (history[2].Role, history[2].Content, history[2].ToolCallId, history[2].ToolName));
    }

    [Fact]
    public async Task OpenAI_sdk_accumulates_streamed_tool_call_updates()
    {
        var client = OpenAIClient();
        var ids = new Dictionary<int, string>();
        var names = new Dictionary<int, string>();
        var arguments = new Dictionary<int, StringBuilder>();
        ChatFinishReason? reason = null;
        var pieces = 0;

        await foreach (var update in client.CompleteChatStreamingAsync([new UserChatMessage("Weather and time?")],
            new ChatCompletionOptions { Tools = { SdkWeatherTool(), ChatTool.CreateFunctionTool("get_time", "The time") } }))
        {
            foreach (var part in update.ToolCallUpdates)
            {
                if (part.ToolCallId is { } id) ids[part.Index] = id;
                if (part.FunctionName is { } name) names[part.Index] = name;
                if (part.FunctionArgumentsUpdate is { } piece && !piece.ToMemory().IsEmpty)
                {
                    pieces++;
                    (arguments.TryGetValue(part.Index, out var sb) ? sb : arguments[part.Index] = new StringBuilder()).Append(piece.ToString());
                }
            }
            if (update.FinishReason is { } r) reason = r;
        }

        Assert.Equal(ChatFinishReason.ToolCalls, reason);
        Assert.Equal(["get_weather", "get_time"], names.OrderBy(n => n.Key).Select(n => n.Value));
        Assert.Equal("call_w1", ids[0]);
        Assert.StartsWith("call_", ids[1], StringComparison.Ordinal);
        Assert.Equal(Arguments, arguments[0].ToString());
        Assert.Equal("{}", arguments[1].ToString());
        Assert.True(pieces >= 7, $"arguments came in {pieces} pieces; a stream sends them in several");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task OllamaSharp_chat_with_tools_and_think_gets_thinking_and_the_call(bool stream)
    {
        using var client = new OllamaApiClient(h.BaseAddress, Model);
        var request = new OllamaChat.ChatRequest
        {
            Model = Model,
            Messages = [new OllamaChat.Message(OllamaChat.ChatRole.User, "Weather in Paris?")],
            Tools = [new OllamaChat.Tool
            {
                Function = new OllamaChat.Function
                {
                    Name = "get_weather",
                    Description = "Current weather",
                    Parameters = new OllamaChat.Parameters
                    {
                        Properties = new Dictionary<string, OllamaChat.Property> { ["city"] = new() { Type = "string", Description = "City name" } },
                        Required = ["city"],
                    },
                },
            }],
            Think = true,
            Stream = stream,
        };
        var thinking = new StringBuilder();
        var calls = new List<OllamaChat.Message.ToolCall>();
        string? reason = null;

        await foreach (var chunk in client.ChatAsync(request))
        {
            thinking.Append(chunk?.Message?.Thinking);
            calls.AddRange(chunk?.Message?.ToolCalls ?? []);
            if (chunk is OllamaChat.ChatDoneResponseStream done) reason = done.DoneReason;
        }

        Assert.Equal("I need the weather.", thinking.ToString());
        var call = Assert.Single(calls);
        Assert.Equal(("call_w1", "get_weather", 0), (call.Id, call.Function?.Name, call.Function?.Index));
        Assert.Equal("Paris", call.Function?.Arguments?["city"]?.ToString());
        Assert.Equal("stop", reason);
        var sent = Engine.Requests[^1];
        Assert.Equal(ThinkSetting.On, sent.Think);
        Assert.Equal("get_weather", Assert.Single(sent.Tools).Name);
        Assert.Contains("\"city\"", sent.Tools[0].ParametersJson, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OllamaSharp_sends_the_call_and_its_result_back_by_tool_name()
    {
        using var client = new OllamaApiClient(h.BaseAddress, Model);
        var request = new OllamaChat.ChatRequest
        {
            Model = Model,
            Messages =
            [
                new OllamaChat.Message(OllamaChat.ChatRole.User, "Weather in Paris?"),
                new OllamaChat.Message(OllamaChat.ChatRole.Assistant, "")
                {
                    ToolCalls = [new OllamaChat.Message.ToolCall { Function = new OllamaChat.Message.Function { Name = "get_weather", Arguments = new Dictionary<string, object?> { ["city"] = "Paris" } } }],
                },
                new OllamaChat.Message(OllamaChat.ChatRole.Tool, "18C") { ToolName = "get_weather" },
            ],
            Stream = false,
        };
        var text = new StringBuilder();
        await foreach (var chunk in client.ChatAsync(request)) text.Append(chunk?.Message?.Content);

        Assert.Equal("It is 18C in Paris.", text.ToString());
        var history = Engine.Requests[^1].Messages!;
        Assert.Equal([new ToolCall("call_1_0", "get_weather", """{"city":"Paris"}""")], history[1].ToolCalls);
        Assert.Equal(("get_weather", "call_1_0"), (history[2].ToolName, history[2].ToolCallId));
    }
}
