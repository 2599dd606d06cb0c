using System.Text.Json;
using ModelScout.Contracts;
using ModelScout.Engine;
using ModelScout.Prompting;
using ModelScout.Prompting.Tools;
using ModelScout.Server.Translation;

namespace ModelScout.Server.Tests;

/// <summary>Tools, tool calls and reasoning through both translators: every field in, every refusal, the wire out byte for byte.</summary>
public sealed class ToolTranslatorTests
{
    private static readonly WireJsonContext Wire = WireJsonContext.Wire;
    private static readonly DateTimeOffset Now = new(2026, 3, 4, 5, 6, 7, TimeSpan.Zero);
    private static readonly GenerationStats Stats = new() { Model = "m", DoneReason = DoneReason.Stop, PromptTokens = 5, CompletionTokens = 10, ToolCalls = 1 };
    private static readonly ToolCall Weather = new("call_1", "get_weather", """{"city":"Paris"}""");

    private const string WeatherTool = """{"type":"function","function":{"name":"get_weather","description":"Current weather","parameters":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]},"strict":true}}""";

    private static GenerationRequest OpenAI(string json) => OpenAITranslator.ToGeneration(JsonSerializer.Deserialize(json, Wire.ChatCompletionRequest)!);

    private static GenerationRequest OllamaChat(string json) => OllamaTranslator.ToGeneration(JsonSerializer.Deserialize(json, Wire.ChatRequest)!);

    private static ApiProblem? Refusal(Action translate) => ApiProblem.Of(Assert.ThrowsAny<Exception>(translate));

    [Fact]
    public void OpenAI_request_maps_tools_tool_choice_parallel_calls_reasoning_effort_and_the_call_history()
    {
        var g = OpenAI($$$"""
            {"model":"m","messages":[
              {"role":"user","content":"Weather in Paris?"},
              {"role":"assistant","content":null,"reasoning_content":"Need the tool.","tool_calls":[{"id":"call_1","type":"function","function":{"name":"get_weather","arguments":"{\"city\": \"Paris\"}"}}]},
              {"role":"tool","tool_call_id":"call_1","content":"18C"}],
             "tools":[{{{WeatherTool}}},{"type":"function","function":{"name":"get_time"}}],
             "tool_choice":{"type":"function","function":{"name":"get_weather"}},"parallel_tool_calls":false,"reasoning_effort":"high"}
            """);

        Assert.Equal([
            new ToolDefinition("get_weather", "Current weather", """{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}"""),
            new ToolDefinition("get_time", null, ToolDefinition.NoParameters)], g.Tools);
        Assert.Equal(new ToolChoice.Named("get_weather"), g.ToolChoice);
        Assert.False(g.ParallelToolCalls);
        Assert.Equal(new ThinkSetting(true, "high"), g.Think);
        var assistant = g.Messages![1];
        Assert.Equal(("assistant", "", "Need the tool."), (assistant.Role, assistant.Content, assistant.Thinking));
        // Arguments arrive as a JSON string and reach the template as compact object text.
        Assert.Equal([Weather], assistant.ToolCalls);
        var tool = g.Messages[2];
        Assert.Equal(("tool", "18C", "call_1", "get_weather"), (tool.Role, tool.Content, tool.ToolCallId, tool.ToolName));
    }

    [Fact]
    public void OpenAI_request_without_tool_fields_keeps_the_defaults()
    {
        var g = OpenAI("""{"model":"m","messages":[{"role":"user","content":"x"}],"tools":[],"tool_choice":"none"}""");
        Assert.Empty(g.Tools);
        Assert.Equal(ToolChoice.None, g.ToolChoice);
        Assert.True(g.ParallelToolCalls);
        Assert.Null(g.Think);
    }

    [Theory]
    [InlineData("\"auto\"", "auto")]
    [InlineData("\"none\"", "none")]
    [InlineData("\"required\"", "required")]
    [InlineData("null", "auto")]
    public void OpenAI_tool_choice_strings(string choice, string expected)
    {
        var g = OpenAI($$"""{"model":"m","messages":[{"role":"user","content":"x"}],"tools":[{{WeatherTool}}],"tool_choice":{{choice}}}""");
        Assert.Equal(expected switch { "auto" => ToolChoice.Auto, "none" => ToolChoice.None, _ => ToolChoice.Required }, g.ToolChoice);
    }

    [Theory]
    [InlineData("none", false, null)]
    [InlineData("minimal", false, null)]
    [InlineData("low", true, "low")]
    [InlineData("medium", true, "medium")]
    [InlineData("high", true, "high")]
    public void OpenAI_reasoning_effort_turns_thinking_off_or_on_at_a_level(string effort, bool enabled, string? level)
    {
        var g = OpenAI($$"""{"model":"m","messages":[{"role":"user","content":"x"}],"reasoning_effort":"{{effort}}"}""");
        Assert.Equal(new ThinkSetting(enabled, level), g.Think);
    }

    [Theory]
    [InlineData("""{"model":"m","messages":[{"role":"user","content":"x"}],"tools":{"type":"function"}}""", "tools")]
    [InlineData("""{"model":"m","messages":[{"role":"user","content":"x"}],"tools":["get_weather"]}""", "tools[0]")]
    [InlineData("""{"model":"m","messages":[{"role":"user","content":"x"}],"tools":[{"function":{"name":"f"}}]}""", "tools[0].type")]
    [InlineData("""{"model":"m","messages":[{"role":"user","content":"x"}],"tools":[{"type":"custom","function":{"name":"f"}}]}""", "tools[0].type")]
    [InlineData("""{"model":"m","messages":[{"role":"user","content":"x"}],"tools":[{"type":"function","function":{"description":"d"}}]}""", "tools[0].function.name")]
    [InlineData("""{"model":"m","messages":[{"role":"user","content":"x"}],"tools":[{"type":"function","function":{"name":"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"}}]}""", "tools[0].function.name")]
    [InlineData("""{"model":"m","messages":[{"role":"user","content":"x"}],"tools":[{"type":"function","function":{"name":"f.g"}}]}""", "tools[0].function.name")]
    [InlineData("""{"model":"m","messages":[{"role":"user","content":"x"}],"tools":[{"type":"function","function":{"name":"f"}},{"type":"function","function":{"name":"f"}}]}""", "tools[1].function.name")]
    [InlineData("""{"model":"m","messages":[{"role":"user","content":"x"}],"tools":[{"type":"function","function":{"name":"f","parameters":"x"}}]}""", "tools[0].function.parameters")]
    [InlineData("""{"model":"m","messages":[{"role":"user","content":"x"}],"tools":[{"type":"function","function":{"name":"f","parameters":{"type":"string"}}}]}""", "tools[0].function.parameters.type")]
    [InlineData("""{"model":"m","messages":[{"role":"user","content":"x"}],"tools":[{"type":"function","function":{"name":"f","description":7}}]}""", "tools[0].function.description")]
    [InlineData("""{"model":"m","messages":[{"role":"user","content":"x"}],"tools":[{"type":"function","function":{"name":"f","strict":"yes"}}]}""", "tools[0].function.strict")]
    [InlineData("""{"model":"m","messages":[{"role":"user","content":"x"}],"tool_choice":"required"}""", "tool_choice")]
    [InlineData("""{"model":"m","messages":[{"role":"user","content":"x"}],"tools":[{"type":"function","function":{"name":"f"}}],"tool_choice":"sometimes"}""", "tool_choice")]
    [InlineData("""{"model":"m","messages":[{"role":"user","content":"x"}],"tools":[{"type":"function","function":{"name":"f"}}],"tool_choice":{"type":"function","function":{"name":"g"}}}""", "tool_choice.function.name")]
    [InlineData("""{"model":"m","messages":[{"role":"user","content":"x"}],"tools":[{"type":"function","function":{"name":"f"}}],"tool_choice":{"type":"function"}}""", "tool_choice.function.name")]
    [InlineData("""{"model":"m","messages":[{"role":"user","content":"x"}],"tools":[{"type":"function","function":{"name":"f"}}],"tool_choice":{"type":"allowed_tools"}}""", "tool_choice.type")]
    [InlineData("""{"model":"m","messages":[{"role":"user","content":"x"}],"tools":[{"type":"function","function":{"name":"f"}}],"tool_choice":3}""", "tool_choice")]
    [InlineData("""{"model":"m","messages":[{"role":"user","content":"x"}],"reasoning_effort":"max"}""", "reasoning_effort")]
    [InlineData("""{"model":"m","messages":[{"role":"user","content":"x"},{"role":"tool","content":"18C"}]}""", "messages[1].tool_call_id")]
    [InlineData("""{"model":"m","messages":[{"role":"user","content":"x"},{"role":"tool","tool_call_id":"call_9","content":"18C"}]}""", "messages[1].tool_call_id")]
    [InlineData("""{"model":"m","messages":[{"role":"user","content":"x","tool_calls":[]}]}""", "messages[0].tool_calls")]
    [InlineData("""{"model":"m","messages":[{"role":"user","content":"x"},{"role":"assistant","tool_calls":{"id":"c"}}]}""", "messages[1].tool_calls")]
    [InlineData("""{"model":"m","messages":[{"role":"user","content":"x"},{"role":"assistant","tool_calls":[{"type":"function","function":{"name":"f","arguments":"{}"}}]}]}""", "messages[1].tool_calls[0].id")]
    [InlineData("""{"model":"m","messages":[{"role":"user","content":"x"},{"role":"assistant","tool_calls":[{"id":"c","type":"function"}]}]}""", "messages[1].tool_calls[0].function")]
    [InlineData("""{"model":"m","messages":[{"role":"user","content":"x"},{"role":"assistant","tool_calls":[{"id":"c","type":"web","function":{"name":"f"}}]}]}""", "messages[1].tool_calls[0].type")]
    [InlineData("""{"model":"m","messages":[{"role":"user","content":"x"},{"role":"assistant","tool_calls":[{"id":"c","function":{"arguments":"{}"}}]}]}""", "messages[1].tool_calls[0].function.name")]
    [InlineData("""{"model":"m","messages":[{"role":"user","content":"x"},{"role":"assistant","tool_calls":[{"id":"c","function":{"name":"f","arguments":"[1]"}}]}]}""", "messages[1].tool_calls[0].function.arguments")]
    [InlineData("""{"model":"m","messages":[{"role":"user","content":"x"},{"role":"assistant","tool_calls":[{"id":"c","function":{"name":"f","arguments":"{\"a\":"}}]}]}""", "messages[1].tool_calls[0].function.arguments")]
    [InlineData("""{"model":"m","messages":[{"role":"user","content":"x"},{"role":"assistant","content":"y","reasoning_content":7}]}""", "messages[1].reasoning_content")]
    public void OpenAI_tool_requests_the_server_cannot_honour_are_400s_naming_the_param(string json, string param)
    {
        var problem = Refusal(() => OpenAI(json));
        Assert.Equal(400, problem?.Status);
        Assert.Equal(param, problem?.Param);
        Assert.Contains(param.Split('.')[0].Split('[')[0], problem!.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void OpenAI_refuses_more_than_128_tools_and_a_tool_message_before_its_call()
    {
        var tools = string.Join(",", Enumerable.Range(0, 129).Select(i => $$$"""{"type":"function","function":{"name":"f{{{i}}}"}}"""));
        Assert.Equal("tools", Refusal(() => OpenAI($$"""{"model":"m","messages":[{"role":"user","content":"x"}],"tools":[{{tools}}]}"""))?.Param);
        // The answer comes before the call that it answers: OpenAI refuses, and so does scout serve.
        var early = Refusal(() => OpenAI("""
            {"model":"m","messages":[{"role":"tool","tool_call_id":"call_1","content":"18C"},
             {"role":"assistant","tool_calls":[{"id":"call_1","type":"function","function":{"name":"get_weather","arguments":"{}"}}]}]}
            """));
        Assert.Equal("messages[0].tool_call_id", early?.Param);
        Assert.Contains("must follow the assistant message", early!.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Ollama_chat_maps_tools_think_and_the_call_history_naming_calls_without_ids_by_place()
    {
        var g = OllamaChat("""
            {"model":"m","messages":[{"role":"user","content":"Weather and time?"},
              {"role":"assistant","content":"","thinking":"Use both tools.","tool_calls":[
                {"function":{"name":"get_weather","arguments":{"city":"Paris"}}},
                {"id":"call_x","function":{"index":1,"name":"get_time","arguments":{}}}]},
              {"role":"tool","content":"18C","tool_name":"get_weather"},
              {"role":"tool","content":"noon","tool_call_id":"call_x"}],
             "tools":[{"type":"function","function":{"name":"get_weather","parameters":{"type":"object","properties":{"city":{"type":"string"}}}}},{"function":{"name":"get_time"}}],
             "think":"low"}
            """);

        Assert.Equal(["get_weather", "get_time"], g.Tools.Select(t => t.Name));
        Assert.Equal(new ThinkSetting(true, "low"), g.Think);
        var assistant = g.Messages![1];
        Assert.Equal("Use both tools.", assistant.Thinking);
        Assert.Equal([new ToolCall("call_1_0", "get_weather", """{"city":"Paris"}"""), new ToolCall("call_x", "get_time", "{}")], assistant.ToolCalls);
        Assert.Equal(("get_weather", "call_1_0"), (g.Messages[2].ToolName, g.Messages[2].ToolCallId));
        Assert.Equal(("get_time", "call_x"), (g.Messages[3].ToolName, g.Messages[3].ToolCallId));
    }

    [Theory]
    [InlineData("true", true, null)]
    [InlineData("false", false, null)]
    [InlineData("\"high\"", true, "high")]
    [InlineData("\"low\"", true, "low")]
    [InlineData("\"false\"", false, null)]
    public void Ollama_think_on_chat_and_generate(string think, bool enabled, string? level)
    {
        Assert.Equal(new ThinkSetting(enabled, level), OllamaChat($$"""{"model":"m","messages":[{"role":"user","content":"x"}],"think":{{think}}}""").Think);
        var generate = OllamaTranslator.ToGeneration(JsonSerializer.Deserialize($$"""{"model":"m","prompt":"x","think":{{think}}}""", Wire.GenerateRequest)!);
        Assert.Equal(new ThinkSetting(enabled, level), generate.Think);
    }

    [Fact]
    public void Ollama_without_think_leaves_reasoning_to_the_template()
    {
        Assert.Null(OllamaChat("""{"model":"m","messages":[{"role":"user","content":"x"}],"think":null}""").Think);
        Assert.Empty(OllamaChat("""{"model":"m","messages":[{"role":"user","content":"x"}]}""").Tools);
    }

    [Theory]
    [InlineData("""{"model":"m","messages":[{"role":"user","content":"x"}],"think":"extreme"}""", "think")]
    [InlineData("""{"model":"m","messages":[{"role":"user","content":"x"}],"think":1}""", "think")]
    [InlineData("""{"model":"m","messages":[{"role":"user","content":"x"}],"tools":[{"type":"code","function":{"name":"f"}}]}""", "tools[0].type")]
    [InlineData("""{"model":"m","messages":[{"role":"user","content":"x"}],"tools":[{"function":{"name":"a b"}}]}""", "tools[0].function.name")]
    [InlineData("""{"model":"m","messages":[{"role":"user","content":"x","tool_calls":[{"function":{"name":"f"}}]}]}""", "messages[0].tool_calls")]
    [InlineData("""{"model":"m","messages":[{"role":"assistant","content":"","tool_calls":[{"id":"c"}]}]}""", "messages[0].tool_calls[0].function")]
    [InlineData("""{"model":"m","messages":[{"role":"assistant","content":"","tool_calls":[{"function":{"arguments":{}}}]}]}""", "messages[0].tool_calls[0].function.name")]
    [InlineData("""{"model":"m","messages":[{"role":"assistant","content":"","tool_calls":[{"function":{"name":"f","arguments":[1]}}]}]}""", "messages[0].tool_calls[0].function.arguments")]
    public void Ollama_tool_and_think_requests_the_server_cannot_honour_are_400s_naming_the_field(string json, string param)
    {
        var problem = Refusal(() => OllamaChat(json));
        Assert.Equal(400, problem?.Status);
        Assert.Equal(param, problem?.Param);
    }

    [Fact]
    public void Images_stay_a_400_that_says_multimodal_models_are_not_supported_yet()
    {
        var chat = Refusal(() => OllamaChat("""{"model":"m","messages":[{"role":"user","content":"x","images":["aGk="]}]}"""));
        var generate = Refusal(() => OllamaTranslator.ToGeneration(JsonSerializer.Deserialize("""{"model":"m","prompt":"x","images":["aGk="]}""", Wire.GenerateRequest)!));
        Assert.Equal(("messages[0].images", "images"), (chat?.Param, generate?.Param));
        Assert.Contains("multimodal models are not supported", chat!.Message, StringComparison.Ordinal);
        Assert.Contains("not supported yet", generate!.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void OpenAI_chat_with_reasoning_and_only_tool_calls_has_null_content_and_finish_reason_tool_calls_byte_for_byte()
    {
        var calls = new GenerationOutcome("", Stats, []) { Thinking = "Need the tool.", ToolCalls = [Weather] };
        var text = new GenerationOutcome("Sunny.", Stats with { ToolCalls = 0 }, []);
        var json = JsonSerializer.Serialize(OpenAITranslator.Chat("chatcmpl-1", 1700000000, "m", [calls, text], logprobs: false), Wire.ChatCompletion);
        Assert.Equal("""{"id":"chatcmpl-1","object":"chat.completion","created":1700000000,"model":"m","system_fingerprint":"fp_modelscout","choices":[{"index":0,"message":{"role":"assistant","content":null,"reasoning_content":"Need the tool.","tool_calls":[{"id":"call_1","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Paris\"}"}}]},"logprobs":null,"finish_reason":"tool_calls"},{"index":1,"message":{"role":"assistant","content":"Sunny."},"logprobs":null,"finish_reason":"stop"}],"usage":{"prompt_tokens":5,"completion_tokens":20,"total_tokens":25},"timings":{"cache_n":0,"prompt_n":5,"prompt_ms":0,"prompt_per_token_ms":0,"prompt_per_second":0,"predicted_n":10,"predicted_ms":0,"predicted_per_token_ms":0,"predicted_per_second":0}}""", json);
    }

    [Fact]
    public void OpenAI_tool_call_streams_as_a_header_chunk_then_argument_pieces_byte_for_byte()
    {
        var chunks = OpenAITranslator.ToolCallChunks("chatcmpl-1", 1700000000, "m", 1, 2, Weather).Select(c => JsonSerializer.Serialize(c, Wire.ChatCompletionChunk)).ToList();
        const string head = """{"id":"chatcmpl-1","object":"chat.completion.chunk","created":1700000000,"model":"m","system_fingerprint":"fp_modelscout","choices":[{"index":1,"delta":""";
        const string tail = ""","logprobs":null,"finish_reason":null}]}""";
        Assert.Equal([
            head + """{"tool_calls":[{"index":2,"id":"call_1","type":"function","function":{"name":"get_weather","arguments":""}}]}""" + tail,
            head + """{"tool_calls":[{"index":2,"function":{"arguments":"{"}}]}""" + tail,
            head + """{"tool_calls":[{"index":2,"function":{"arguments":"\"city\":"}}]}""" + tail,
            head + """{"tool_calls":[{"index":2,"function":{"arguments":"\"Paris\"}"}}]}""" + tail], chunks);
        Assert.EndsWith("""{"index":0,"delta":{},"logprobs":null,"finish_reason":"tool_calls"}]}""",
            JsonSerializer.Serialize(OpenAITranslator.FinishChunk("chatcmpl-1", 1700000000, "m", 0, DoneReason.Stop, toolCalls: 1), Wire.ChatCompletionChunk), StringComparison.Ordinal);
        // A reply cut by max_tokens says so even when it made a call before.
        Assert.Equal("length", OpenAITranslator.FinishReason(DoneReason.Length, 1));
    }

    [Fact]
    public void OpenAI_token_chunk_carries_reasoning_and_content_and_nothing_for_a_silent_token()
    {
        var thinking = OpenAITranslator.TokenChunk("c", 1, "m", 0, new GenerationToken("", 1, null, null) { Thinking = "Hmm" });
        Assert.Contains("\"delta\":{\"reasoning_content\":\"Hmm\"}", JsonSerializer.Serialize(thinking!, Wire.ChatCompletionChunk), StringComparison.Ordinal);
        Assert.Null(OpenAITranslator.TokenChunk("c", 1, "m", 0, new GenerationToken("", 1, null, null)));
    }

    [Theory]
    [InlineData("""{"city":"Paris, France","n":2}""", new[] { "{", "\"city\":", "\"Paris, France\",", "\"n\":", "2}" })]
    [InlineData("""{"q":"say \"a,b:c\"","x":{"y":[1,2]}}""", new[] { "{", "\"q\":", "\"say \\\"a,b:c\\\"\",", "\"x\":", "{", "\"y\":", "[1,", "2]}}" })]
    [InlineData("{}", new[] { "{", "}" })]
    [InlineData("", new[] { "" })]
    public void Arguments_split_after_braces_colons_and_commas_outside_strings_and_join_back(string arguments, string[] pieces)
    {
        var split = ToolFields.ArgumentPieces(arguments);
        Assert.Equal(pieces, split);
        Assert.Equal(arguments, string.Concat(split));
    }

    [Fact]
    public void Ollama_lines_carry_thinking_and_a_finished_call_with_empty_content_byte_for_byte()
    {
        const string head = """{"model":"m","created_at":"2026-03-04T05:06:07.0000000Z","message":""";
        Assert.Equal(head + """{"role":"assistant","content":"","thinking":"Hmm"},"done":false}""",
            JsonSerializer.Serialize(OllamaTranslator.ChatChunk("m", Now, new GenerationPiece("", "Hmm")), Wire.ChatResponse));
        Assert.Equal(head + """{"role":"assistant","content":"","tool_calls":[{"id":"call_1","function":{"index":0,"name":"get_weather","arguments":{"city":"Paris"}}}]},"done":false}""",
            JsonSerializer.Serialize(OllamaTranslator.ChatChunk("m", Now, GenerationPiece.None with { ToolCalls = [new IndexedToolCall(0, Weather)] }), Wire.ChatResponse));
        var whole = GenerationPiece.Of(new GenerationOutcome("", Stats, []) { Thinking = "Hmm", ToolCalls = [Weather, new ToolCall("call_2", "get_time", "{}")] });
        Assert.Equal(head + """{"role":"assistant","content":"","thinking":"Hmm","tool_calls":[{"id":"call_1","function":{"index":0,"name":"get_weather","arguments":{"city":"Paris"}}},{"id":"call_2","function":{"index":1,"name":"get_time","arguments":{}}}]},"done":true,"done_reason":"stop","total_duration":0,"load_duration":0,"prompt_eval_count":5,"prompt_eval_duration":0,"eval_count":10,"eval_duration":0}""",
            JsonSerializer.Serialize(OllamaTranslator.ChatDone("m", Now, Stats, whole), Wire.ChatResponse));
        Assert.Equal("""{"model":"m","created_at":"2026-03-04T05:06:07.0000000Z","response":"","thinking":"Hmm","done":false}""",
            JsonSerializer.Serialize(OllamaTranslator.GenerateChunk("m", Now, new GenerationPiece("", "Hmm")), Wire.GenerateResponse));
    }

    [Fact]
    public void Ollama_sends_arguments_that_are_not_an_object_as_a_string_instead_of_failing()
    {
        var calls = OllamaTranslator.ToolCalls([new IndexedToolCall(0, Weather with { ArgumentsJson = "{\"city\": Par" })]);
        Assert.Equal("{\"city\": Par", Assert.Single(calls!).Function!.Arguments!.Value.GetString());
    }

    [Fact]
    public void Transcript_keeps_reasoning_apart_reports_no_reasoning_logprobs_and_names_calls_without_ids()
    {
        var t = new GenerationTranscript();
        Assert.Empty(t.Add(new GenerationToken("", 1, new TokenLogprob(1, "<think>", -1), null)));
        Assert.Empty(t.Add(new GenerationToken("", 2, new TokenLogprob(2, "Hmm", -1), null) { Thinking = "Hmm" }));
        Assert.Equal([3], t.Add(new GenerationToken("Hi", 3, new TokenLogprob(3, "Hi", -1), null)).Select(l => l.Chosen.TokenId));
        t.Add(new GenerationToolCall(0, Weather with { Id = "" }));
        t.Add(new GenerationToolCall(1, Weather with { Id = "call_given" }));
        t.Add(new GenerationCompleted(Stats));
        var outcome = t.ToOutcome();
        Assert.Equal(("Hi", "Hmm"), (outcome.Text, outcome.Thinking));
        Assert.Matches("^call_[A-Za-z0-9]{24}$", outcome.ToolCalls[0].Id);
        Assert.Equal("call_given", outcome.ToolCalls[1].Id);
        Assert.Equal([3], outcome.Logprobs.Select(l => l.Chosen.TokenId));
    }

    [Fact]
    public void Show_capabilities_follow_the_detected_format()
    {
        var qwen3 = new ChatFormat { Family = "qwen3", ToolSyntax = ToolCallSyntax.Hermes, ThinkOpen = "<think>", ThinkClose = "</think>" };
        Assert.Equal(["completion", "tools", "thinking"], StoreTranslator.Capabilities(qwen3));
        Assert.Equal(["completion"], StoreTranslator.Capabilities(new ChatFormat { Family = "none", ToolSyntax = ToolCallSyntax.None }));
        Assert.Equal(["completion", "thinking"], StoreTranslator.Capabilities(new ChatFormat { Family = "deepseek", ThinkOpen = "<think>", ThinkClose = "</think>" }));
    }
}
