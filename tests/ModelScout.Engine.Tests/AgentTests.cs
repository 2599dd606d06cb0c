using System.Text;
using System.Text.Json;
using Microsoft.Extensions.AI;
using ModelScout.Engine.ChatClient;
using ModelScout.Prompting;
using ModelScout.Prompting.Tools;
using ModelScout.Store;

namespace ModelScout.Engine.Tests;

/// <summary>
/// Tools and reasoning through the real engine with stories260K: a forced call comes back valid and runs a whole
/// FunctionInvokingChatClient loop, templates that cannot show tools or reasoning are refused, and a think block is
/// kept apart from the answer token by token.
/// </summary>
public sealed class AgentTests
{
    private const string WeatherSchema = """{"type":"object","properties":{"city":{"type":"string","maxLength":12},"unit":{"type":"string","enum":["celsius","fahrenheit"]}},"required":["city","unit"]}""";

    private static readonly ToolDefinition Weather = new("get_weather", "Current weather in a city", WeatherSchema);

    // A Go template in Ollama's dialect that leaves the model inside an open think block.
    private const string ThinkingTemplate = "{{ range .Messages }}{{ .Role }}: {{ .Content }}\n{{ end }}assistant: {{ if .Think }}<think>{{ else }}<think></think>{{ end }}";

    private const string NoToolsTemplate = "{{ range .Messages }}{{ .Content }}\n{{ end }}";

    private sealed class Resolver(string? template) : IModelResolver
    {
        public ResolvedModel Resolve(string name) => new() { Name = name, GgufPath = ModelHostTests.Stories, Template = template };
    }

    private static ModelHost Host(string? template = null) =>
        new(new Resolver(template), new EngineSettings { Threads = 1, Parallel = 2, KeepAlive = TimeSpan.FromMinutes(5) });

    [Fact]
    public async Task A_required_call_from_stories260K_is_valid_and_reaches_the_client_as_a_tool_call()
    {
        await using var host = Host();
        var request = new GenerationRequest
        {
            Model = "stories",
            Messages = [new ChatTurn("user", "What is the weather in Paris?")],
            Options = new ModelOptions { Temperature = 0, NumCtx = 512, NumPredict = 160 },
            Tools = [Weather],
            ToolChoice = ToolChoice.Required,
            ParallelToolCalls = false,
        };
        var calls = new List<GenerationToolCall>();
        var content = new StringBuilder();
        GenerationStats? stats = null;
        await foreach (var u in host.GenerateAsync(request))
        {
            switch (u)
            {
                case GenerationToken t: content.Append(t.Text); break;
                case GenerationToolCall c: calls.Add(c); break;
                case GenerationCompleted d: stats = d.Stats; break;
            }
        }
        var call = Assert.Single(calls);
        Assert.Equal(0, call.Index);
        Assert.Equal("get_weather", call.Call.Name);
        Assert.Null(ToolArguments.Validate(Weather, call.Call.ArgumentsJson));
        Assert.Equal("", content.ToString().Trim());
        Assert.Equal(1, stats!.ToolCalls);
    }

    [Fact]
    public async Task FunctionInvokingChatClient_runs_call_then_result_then_final_answer_against_the_engine()
    {
        await using var host = Host();
        var invocations = new List<string>();
        // Enums keep the arguments short: stories260K fills a free string until the token limit.
        var weather = AIFunctionFactory.Create((City city, Unit unit) =>
        {
            invocations.Add($"{city}/{unit}");
            return $"Sunny, 21 degrees {unit} in {city}";
        }, "get_weather", "Current weather in a city");
        using var client = new ChatClientBuilder(new LocalChatClient(host, "stories")).UseFunctionInvocation().Build();
        var options = new ChatOptions
        {
            Temperature = 0,
            MaxOutputTokens = 160,
            Tools = [weather],
            ToolMode = ChatToolMode.RequireAny,
            AllowMultipleToolCalls = false,
            AdditionalProperties = new() { ["num_ctx"] = 1024 },
        };
        var response = await client.GetResponseAsync([new ChatMessage(ChatRole.User, "What is the weather in Paris?")], options);

        var messages = response.Messages;
        Assert.True(invocations.Count == 1, string.Join("\n", messages.Select(m => m.Role + ": " + string.Join(" | ", m.Contents.Select(c => c switch
        {
            FunctionCallContent f => $"call {f.Name}({JsonSerializer.Serialize(f.Arguments)})",
            FunctionResultContent r => $"result {r.Result}",
            TextContent t => "text " + t.Text,
            _ => c.GetType().Name,
        })))));
        var call = Assert.Single(messages.SelectMany(m => m.Contents).OfType<FunctionCallContent>());
        Assert.Equal("get_weather", call.Name);
        var result = Assert.Single(messages.SelectMany(m => m.Contents).OfType<FunctionResultContent>());
        Assert.Equal(call.CallId, result.CallId);
        // The final answer is text: stories260K writes a story, not a call, once the call is no longer forced.
        Assert.False(string.IsNullOrWhiteSpace(messages[^1].Text));
        Assert.Equal(ChatRole.Assistant, messages[^1].Role);
    }

    public enum City
    {
        Paris,
        Rome,
    }

    public enum Unit
    {
        Celsius,
        Fahrenheit,
    }

    [Fact]
    public async Task Tools_for_a_template_that_cannot_show_them_are_refused_naming_the_field()
    {
        await using var host = Host(NoToolsTemplate);
        var e = await Assert.ThrowsAsync<InferenceException>(async () =>
        {
            await foreach (var _ in host.GenerateAsync(new GenerationRequest { Model = "stories", Messages = [new ChatTurn("user", "hi")], Tools = [Weather] })) { }
        });
        Assert.Equal(InferenceErrorKind.InvalidRequest, e.Kind);
        Assert.Equal("tools", e.Param);
        Assert.Contains("does not support tools", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Thinking_asked_of_a_model_that_cannot_think_is_refused_and_think_false_is_accepted()
    {
        await using var host = Host();
        var e = await Assert.ThrowsAsync<InferenceException>(async () =>
        {
            await foreach (var _ in host.GenerateAsync(new GenerationRequest { Model = "stories", Messages = [new ChatTurn("user", "hi")], Think = ThinkSetting.On })) { }
        });
        Assert.Equal("think", e.Param);
        var (text, _, _) = await ModelHostTests.Run(host, new GenerationRequest { Model = "stories", Prompt = "Once upon a time", Options = new ModelOptions { Temperature = 0, NumPredict = 8 }, Think = ThinkSetting.Off });
        Assert.NotEmpty(text);
    }

    [Fact]
    public async Task A_think_block_is_kept_apart_from_the_answer_token_by_token()
    {
        await using var host = Host(ThinkingTemplate);
        // The grammar makes stories260K write a known reply: reasoning, the closing tag, an answer.
        var request = new GenerationRequest
        {
            Model = "stories",
            Messages = [new ChatTurn("user", "Tell me a story")],
            Options = new ModelOptions { Temperature = 0, NumCtx = 512, NumPredict = 64 },
            Format = new OutputConstraint.Grammar("root ::= \"Lily is kind\" \"</think>\" \" Once upon a time\""),
            Think = ThinkSetting.On,
        };
        var thinking = new StringBuilder();
        var content = new StringBuilder();
        var mixed = 0;
        await foreach (var u in host.GenerateAsync(request))
        {
            if (u is not GenerationToken t) continue;
            thinking.Append(t.Thinking);
            content.Append(t.Text);
            if (t.Text.Length > 0 && t.Thinking.Length > 0 && !t.Text.StartsWith(' ')) mixed++;
        }
        Assert.Equal("Lily is kind", thinking.ToString());
        // The blank after the closing tag is layout, not answer: the parser drops it as llama-server and Ollama do.
        Assert.Equal("Once upon a time", content.ToString());
        Assert.DoesNotContain("think>", content.ToString(), StringComparison.Ordinal);
        Assert.Equal(0, mixed);
    }

    [Fact]
    public void Chat_options_tools_mode_and_reasoning_map_onto_the_engine_request()
    {
        var fn = AIFunctionFactory.Create((string city) => city, "lookup", "Look a city up");
        var client = new LocalChatClient(new LocalChatClientTests.NoEngine(), "m");
        var call = new FunctionCallContent("call_1", "lookup", new Dictionary<string, object?> { ["city"] = "Paris" });
        var r = client.ToRequest(
        [
            new ChatMessage(ChatRole.User, "Where?"),
            new ChatMessage(ChatRole.Assistant, [new TextReasoningContent("look it up"), call]),
            new ChatMessage(ChatRole.Tool, [new FunctionResultContent("call_1", "France")]),
        ], new ChatOptions
        {
            Tools = [fn],
            ToolMode = ChatToolMode.RequireSpecific("lookup"),
            AllowMultipleToolCalls = false,
            Reasoning = new ReasoningOptions { Effort = ReasoningEffort.Low },
        });
        var tool = Assert.Single(r.Tools);
        Assert.Equal("lookup", tool.Name);
        Assert.Equal("Look a city up", tool.Description);
        using (var schema = JsonDocument.Parse(tool.ParametersJson))
            Assert.Equal("string", schema.RootElement.GetProperty("properties").GetProperty("city").GetProperty("type").GetString());
        Assert.Equal(new ToolChoice.Named("lookup"), r.ToolChoice);
        Assert.False(r.ParallelToolCalls);
        Assert.Equal(new ThinkSetting(true, "low"), r.Think);
        Assert.Equal(3, r.Messages!.Count);
        var assistant = r.Messages[1];
        Assert.Equal("look it up", assistant.Thinking);
        var made = Assert.Single(assistant.ToolCalls!);
        Assert.Equal(("call_1", "lookup", """{"city":"Paris"}"""), (made.Id, made.Name, made.ArgumentsJson));
        Assert.Equal(new ChatTurn("tool", "France") { ToolCallId = "call_1", ToolName = "lookup" }, r.Messages[2]);
    }
}
