using System.ClientModel;
using System.Net;
using System.Text;
using System.Text.Json;
using ModelScout.Prompting;
using ModelScout.Prompting.Tools;
using OpenAI;
using OpenAI.Chat;

namespace ModelScout.Server.Tests;

/// <summary>
/// Tool calling through `scout serve` with llama.cpp underneath: stories260K cannot choose a tool by itself, but a
/// forced call (tool_choice required or a named function) comes back through the official OpenAI SDK with arguments
/// that validate against the tool's schema, whole and streamed, for a seeded batch of schemas.
/// </summary>
public sealed class RealEngineToolTests(StoriesFixture fixture) : IClassFixture<StoriesFixture>
{
    private ServerHarness H => fixture.Harness;

    private ChatClient Client => new(ServerHarness.Model, new ApiKeyCredential("unused"), new OpenAIClientOptions { Endpoint = new Uri(H.BaseAddress, "/v1") });

    // Nested objects, enums, arrays, numbers with bounds, optional fields: what agents' tools declare.
    public static TheoryData<string, string> Schemas => new()
    {
        { "get_weather", """{"type":"object","properties":{"city":{"type":"string","maxLength":16},"unit":{"type":"string","enum":["celsius","fahrenheit"]}},"required":["city","unit"]}""" },
        { "book_table", """{"type":"object","properties":{"guests":{"type":"integer","minimum":1,"maximum":12},"time":{"type":"string","maxLength":8},"vegan":{"type":"boolean"}},"required":["guests","time"]}""" },
        { "add_points", """{"type":"object","properties":{"points":{"type":"array","items":{"type":"number"},"minItems":1,"maxItems":4}},"required":["points"]}""" },
        { "send_order", """{"type":"object","properties":{"customer":{"type":"object","properties":{"name":{"type":"string","maxLength":10},"tier":{"type":"string","enum":["gold","silver"]}},"required":["name","tier"]},"items":{"type":"array","items":{"type":"object","properties":{"sku":{"type":"string","maxLength":6},"qty":{"type":"integer","minimum":1,"maximum":9}},"required":["sku","qty"]},"maxItems":2}},"required":["customer","items"]}""" },
    };

    [Theory]
    [MemberData(nameof(Schemas))]
    public async Task A_required_call_through_the_OpenAI_SDK_validates_against_its_schema(string name, string schema)
    {
        var tool = ChatTool.CreateFunctionTool(name, "a tool", BinaryData.FromString(schema));
        var options = new ChatCompletionOptions { Temperature = 0, MaxOutputTokenCount = 400, ToolChoice = ChatToolChoice.CreateRequiredChoice(), AllowParallelToolCalls = false };
        options.Tools.Add(tool);
        ChatCompletion completion = await Client.CompleteChatAsync([new UserChatMessage("Please use the tool.")], options);

        Assert.Equal(OpenAI.Chat.ChatFinishReason.ToolCalls, completion.FinishReason);
        var call = Assert.Single(completion.ToolCalls);
        Assert.Equal(name, call.FunctionName);
        Assert.StartsWith("call_", call.Id, StringComparison.Ordinal);
        Assert.Null(ToolArguments.Validate(new ToolDefinition(name, null, schema), call.FunctionArguments.ToString()));
    }

    [Fact]
    public async Task A_named_call_streams_as_tool_call_updates_that_assemble_into_the_same_call()
    {
        var (name, schema) = ("get_weather", """{"type":"object","properties":{"city":{"type":"string","maxLength":16},"unit":{"type":"string","enum":["celsius","fahrenheit"]}},"required":["city","unit"]}""");
        var options = new ChatCompletionOptions { Temperature = 0, MaxOutputTokenCount = 400, ToolChoice = ChatToolChoice.CreateFunctionChoice(name), AllowParallelToolCalls = false };
        options.Tools.Add(ChatTool.CreateFunctionTool(name, "Weather in a city", BinaryData.FromString(schema)));
        options.Tools.Add(ChatTool.CreateFunctionTool("get_time", "Time in a city", BinaryData.FromString("""{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}""")));
        ChatCompletion whole = await Client.CompleteChatAsync([new UserChatMessage("Weather in Paris?")], options);

        string? id = null, function = null;
        var arguments = new StringBuilder();
        OpenAI.Chat.ChatFinishReason? finish = null;
        await foreach (var update in Client.CompleteChatStreamingAsync([new UserChatMessage("Weather in Paris?")], options))
        {
            foreach (var part in update.ToolCallUpdates)
            {
                Assert.Equal(0, part.Index);
                id ??= part.ToolCallId;
                function ??= part.FunctionName;
                if (part.FunctionArgumentsUpdate is { } piece) arguments.Append(piece.ToString());
            }
            finish ??= update.FinishReason;
        }
        Assert.Equal(OpenAI.Chat.ChatFinishReason.ToolCalls, finish);
        Assert.NotNull(id);
        Assert.Equal(name, function);
        // Greedy sampling with the same grammar: the streamed call is the whole one, piece by piece.
        Assert.Equal(whole.ToolCalls[0].FunctionArguments.ToString(), arguments.ToString());
        Assert.Null(ToolArguments.Validate(new ToolDefinition(name, null, schema), arguments.ToString()));
    }

    [Fact]
    public async Task A_tool_result_sent_back_gets_a_text_answer()
    {
        var options = new ChatCompletionOptions { Temperature = 0, MaxOutputTokenCount = 16 };
        options.Tools.Add(ChatTool.CreateFunctionTool("get_weather", "Weather in a city", BinaryData.FromString("""{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}""")));
        var call = ChatToolCall.CreateFunctionToolCall("call_abc", "get_weather", BinaryData.FromString("""{"city":"Paris"}"""));
        ChatCompletion completion = await Client.CompleteChatAsync(
        [
            new UserChatMessage("Weather in Paris?"),
            new AssistantChatMessage([call]),
            new ToolChatMessage("call_abc", "Sunny and warm"),
        ], options);
        Assert.NotEqual(OpenAI.Chat.ChatFinishReason.ToolCalls, completion.FinishReason);
        Assert.Empty(completion.ToolCalls);
        Assert.False(string.IsNullOrWhiteSpace(completion.Content[0].Text));
    }

    [Fact]
    public async Task Ollama_chat_with_tools_on_stories260K_answers_and_a_forced_call_on_ollama_is_not_a_thing()
    {
        var body = """{"model":"llama3.1:8b","stream":false,"messages":[{"role":"user","content":"Once upon a time"}],"options":{"temperature":0,"num_predict":8},"tools":[{"type":"function","function":{"name":"get_weather","parameters":{"type":"object","properties":{"city":{"type":"string"}}}}}]}""";
        using var response = await H.Http.PostAsync("/api/chat", new StringContent(body, Encoding.UTF8, "application/json"));
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        var message = JsonDocument.Parse(text).RootElement.GetProperty("message");
        // stories260K writes a story, not a call: the answer is content and carries no tool calls.
        Assert.False(message.TryGetProperty("tool_calls", out var calls) && calls.ValueKind == JsonValueKind.Array && calls.GetArrayLength() > 0, text);
        Assert.False(string.IsNullOrWhiteSpace(message.GetProperty("content").GetString()));
    }
}
