using ModelScout.Prompting.Templates;
using ModelScout.Prompting.Tools;

namespace ModelScout.Prompting.Tests.Tools;

/// <summary>
/// Each family template renders the same agent conversation: a system prompt, two tools, a question, an assistant turn
/// with two parallel calls, both results, the answer and a follow-up. The expected prompts follow each family's
/// documented format (Meta's JSON tool calling for Llama 3.1, Qwen's ChatML tool format, Mistral's v3 tokens,
/// Phi-4-mini's tool tokens, DeepSeek V3's tool markers).
/// </summary>
public sealed class FamilyTemplateTests
{
    internal static readonly ToolDefinition[] TwoTools =
    [
        new("get_weather", "Current weather in a city", """{"type":"object","properties":{"city":{"type":"string","description":"City name"},"unit":{"type":"string","enum":["celsius","fahrenheit"]}},"required":["city"]}"""),
        new("get_time", "Local time in a city", """{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}"""),
    ];

    // The tools as the OpenAI wire objects, compact.
    private const string WeatherTool = """{"type":"function","function":{"name":"get_weather","description":"Current weather in a city","parameters":{"type":"object","properties":{"city":{"type":"string","description":"City name"},"unit":{"type":"string","enum":["celsius","fahrenheit"]}},"required":["city"]}}}""";
    private const string TimeTool = """{"type":"function","function":{"name":"get_time","description":"Local time in a city","parameters":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}}}""";

    internal static readonly ChatTurn[] Conversation =
    [
        new("system", "You are a travel assistant."),
        new("user", "Weather and time in Paris?"),
        new("assistant", "") { ToolCalls = [new("call_1", "get_weather", """{"city": "Paris", "unit": "celsius"}"""), new("call_2", "get_time", """{"city":"Paris"}""")] },
        new("tool", "18 C, cloudy") { ToolCallId = "call_1" },
        new("tool", "14:05") { ToolCallId = "call_2" },
        new("assistant", "It is 18 C and 14:05 in Paris."),
        new("user", "Thanks!"),
    ];

    private static string Render(string template, IReadOnlyList<ChatTurn>? turns = null, ThinkSetting? think = null, IReadOnlyList<ToolDefinition>? tools = null) =>
        OllamaTemplate.Parse(template).RenderChat(turns ?? Conversation, tools ?? TwoTools, think);

    [Fact]
    public void Llama3_lists_the_tools_in_the_first_user_turn_and_answers_results_as_ipython()
    {
        Assert.Equal($$$"""
            <|start_header_id|>system<|end_header_id|>

            Environment: ipython

            You are a travel assistant.<|eot_id|><|start_header_id|>user<|end_header_id|>

            Given the following functions, please respond with a JSON for a function call with its proper arguments that best answers the given prompt.

            Respond in the format {"name": function name, "parameters": dictionary of argument name and its value}. Do not use variables.

            {{{WeatherTool}}}

            {{{TimeTool}}}

            Weather and time in Paris?<|eot_id|><|start_header_id|>assistant<|end_header_id|>

            {"name": "get_weather", "parameters": {"city":"Paris","unit":"celsius"}}
            {"name": "get_time", "parameters": {"city":"Paris"}}<|eot_id|><|start_header_id|>ipython<|end_header_id|>

            18 C, cloudy<|eot_id|><|start_header_id|>ipython<|end_header_id|>

            14:05<|eot_id|><|start_header_id|>assistant<|end_header_id|>

            It is 18 C and 14:05 in Paris.<|eot_id|><|start_header_id|>user<|end_header_id|>

            Thanks!<|eot_id|><|start_header_id|>assistant<|end_header_id|>


            """, Render(FamilyTemplates.Llama3));
    }

    private const string ChatMLSystem = $$$"""
        <|im_start|>system
        You are a travel assistant.

        # Tools

        You may call one or more functions to assist with the user query.

        You are provided with function signatures within <tools></tools> XML tags:
        <tools>
        {{{WeatherTool}}}
        {{{TimeTool}}}
        </tools>

        For each function call, return a json object with function name and arguments within <tool_call></tool_call> XML tags:
        <tool_call>
        {"name": <function-name>, "arguments": <args-json-object>}
        </tool_call><|im_end|>

        """;

    [Fact]
    public void Hermes_wraps_calls_in_tool_call_tags_and_groups_the_results_in_one_user_turn()
    {
        Assert.Equal(ChatMLSystem + """
            <|im_start|>user
            Weather and time in Paris?<|im_end|>
            <|im_start|>assistant
            <tool_call>
            {"name": "get_weather", "arguments": {"city":"Paris","unit":"celsius"}}
            </tool_call>
            <tool_call>
            {"name": "get_time", "arguments": {"city":"Paris"}}
            </tool_call><|im_end|>
            <|im_start|>user
            <tool_response>
            18 C, cloudy
            </tool_response>
            <tool_response>
            14:05
            </tool_response><|im_end|>
            <|im_start|>assistant
            It is 18 C and 14:05 in Paris.<|im_end|>
            <|im_start|>user
            Thanks!<|im_end|>
            <|im_start|>assistant

            """, Render(FamilyTemplates.Hermes));
    }

    [Fact]
    public void Qwen3_shows_reasoning_after_the_last_question_and_leaves_a_final_answer_open()
    {
        ChatTurn[] turns =
        [
            .. Conversation[..2],
            Conversation[2] with { Thinking = "Two lookups, in parallel." },
            .. Conversation[3..5],
            Conversation[5] with { Thinking = "Both results are in." },
        ];
        Assert.Equal(ChatMLSystem + """
            <|im_start|>user
            Weather and time in Paris?<|im_end|>
            <|im_start|>assistant
            <think>
            Two lookups, in parallel.
            </think>

            <tool_call>
            {"name": "get_weather", "arguments": {"city":"Paris","unit":"celsius"}}
            </tool_call>
            <tool_call>
            {"name": "get_time", "arguments": {"city":"Paris"}}
            </tool_call><|im_end|>
            <|im_start|>user
            <tool_response>
            18 C, cloudy
            </tool_response>
            <tool_response>
            14:05
            </tool_response><|im_end|>
            <|im_start|>assistant
            <think>
            Both results are in.
            </think>

            It is 18 C and 14:05 in Paris.
            """, Render(FamilyTemplates.Qwen3, turns));
    }

    [Fact]
    public void Qwen3_drops_earlier_reasoning_and_turns_thinking_off_with_an_empty_think_block()
    {
        ChatTurn[] turns = [new("user", "Hi"), new("assistant", "Hello") { Thinking = "Greet back." }, new("user", "Bye")];
        const string Chat = "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\nHello<|im_end|>\n<|im_start|>user\nBye<|im_end|>\n<|im_start|>assistant\n";
        Assert.Equal(Chat + "<think>\n\n</think>\n\n", Render(FamilyTemplates.Qwen3, turns, ThinkSetting.Off, []));
        Assert.Equal(Chat, Render(FamilyTemplates.Qwen3, turns, ThinkSetting.On, []));
        Assert.Equal(Chat, Render(FamilyTemplates.Qwen3, turns, null, []));
    }

    [Fact]
    public void Mistral_puts_tools_and_system_before_the_last_question_and_names_each_call_in_its_result()
    {
        Assert.Equal($$$"""
            [INST] Weather and time in Paris?[/INST][TOOL_CALLS] [{"name": "get_weather", "arguments": {"city":"Paris","unit":"celsius"}, "id": "call_1"}, {"name": "get_time", "arguments": {"city":"Paris"}, "id": "call_2"}]</s>[TOOL_RESULTS] {"content": "18 C, cloudy", "call_id": "call_1"}[/TOOL_RESULTS][TOOL_RESULTS] {"content": "14:05", "call_id": "call_2"}[/TOOL_RESULTS] It is 18 C and 14:05 in Paris.</s>[AVAILABLE_TOOLS] [{{{WeatherTool}}},{{{TimeTool}}}][/AVAILABLE_TOOLS][INST] You are a travel assistant.

            Thanks![/INST]
            """, Render(FamilyTemplates.Mistral));
    }

    [Fact]
    public void Phi4_mini_lists_functions_in_tool_tags_and_calls_in_tool_call_tags()
    {
        const string Weather = """{"name":"get_weather","description":"Current weather in a city","parameters":{"type":"object","properties":{"city":{"type":"string","description":"City name"},"unit":{"type":"string","enum":["celsius","fahrenheit"]}},"required":["city"]}}""";
        const string Time = """{"name":"get_time","description":"Local time in a city","parameters":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}}""";
        Assert.Equal(
            $"<|system|>You are a travel assistant.<|tool|>[{Weather}, {Time}]<|/tool|><|end|>"
            + "<|user|>Weather and time in Paris?<|end|>"
            + """<|assistant|><|tool_call|>[{"name": "get_weather", "arguments": {"city":"Paris","unit":"celsius"}}, {"name": "get_time", "arguments": {"city":"Paris"}}]<|/tool_call|><|end|>"""
            + "<|tool_response|>18 C, cloudy<|end|><|tool_response|>14:05<|end|>"
            + "<|assistant|>It is 18 C and 14:05 in Paris.<|end|><|user|>Thanks!<|end|><|assistant|>",
            Render(FamilyTemplates.Phi4Mini));
    }

    private const string DeepSeekPrompt = $$$"""
        You are a travel assistant.

        ## Tools

        You can call the following functions:
        {{{WeatherTool}}}
        {{{TimeTool}}}

        To call functions, write each call as <｜tool▁call▁begin｜>function<｜tool▁sep｜>NAME, a newline, the arguments as a JSON object in a ```json block, then <｜tool▁call▁end｜>; put all calls between <｜tool▁calls▁begin｜> and <｜tool▁calls▁end｜>.<｜User｜>Weather and time in Paris?<｜Assistant｜><｜tool▁calls▁begin｜><｜tool▁call▁begin｜>function<｜tool▁sep｜>get_weather
        ```json
        {"city":"Paris","unit":"celsius"}
        ```<｜tool▁call▁end｜>
        <｜tool▁call▁begin｜>function<｜tool▁sep｜>get_time
        ```json
        {"city":"Paris"}
        ```<｜tool▁call▁end｜><｜tool▁calls▁end｜><｜end▁of▁sentence｜><｜tool▁outputs▁begin｜><｜tool▁output▁begin｜>18 C, cloudy<｜tool▁output▁end｜>
        <｜tool▁output▁begin｜>14:05<｜tool▁output▁end｜><｜tool▁outputs▁end｜>It is 18 C and 14:05 in Paris.<｜end▁of▁sentence｜><｜User｜>Thanks!<｜Assistant｜>
        """;

    [Fact]
    public void DeepSeek_writes_calls_and_outputs_between_its_markers()
    {
        Assert.Equal(DeepSeekPrompt, Render(FamilyTemplates.DeepSeek));
    }

    [Fact]
    public void DeepSeek_r1_opens_a_think_block_and_shows_no_earlier_reasoning()
    {
        ChatTurn[] turns = [.. Conversation[..5], Conversation[5] with { Thinking = "Both results are in." }, Conversation[6]];
        var prompt = Render(FamilyTemplates.DeepSeekR1, turns);
        Assert.Equal(DeepSeekPrompt + "<think>\n", prompt);
        Assert.True(ChatFormats.Detect(null, "{{'<｜Assistant｜><think>\\n'}}").StartsInThinking(prompt));

        // After tool results R1 goes on from the outputs, thinking first.
        Assert.EndsWith("<｜tool▁output▁begin｜>14:05<｜tool▁output▁end｜><｜tool▁outputs▁end｜><think>\n", Render(FamilyTemplates.DeepSeekR1, Conversation[..5]), StringComparison.Ordinal);
    }

    [Fact]
    public void Generic_is_plain_text_with_one_sentence_on_how_to_call()
    {
        Assert.Equal($$$"""
            You are a travel assistant.

            You can call these tools:
            {{{WeatherTool}}}
            {{{TimeTool}}}

            To call a tool, answer with only a JSON object {"name": "<tool name>", "arguments": {"<argument>": <value>}}, or with a JSON array of such objects to call several tools at once.

            User: Weather and time in Paris?
            Assistant: [{"name": "get_weather", "arguments": {"city":"Paris","unit":"celsius"}}, {"name": "get_time", "arguments": {"city":"Paris"}}]
            Tool result (get_weather): 18 C, cloudy
            Tool result (get_time): 14:05
            Assistant: It is 18 C and 14:05 in Paris.
            User: Thanks!
            Assistant:
            """, Render(FamilyTemplates.Generic));
        Assert.Equal("User: Hi\nAssistant: {\"name\": \"get_time\", \"arguments\": {}}\nTool result: 9:00\nAssistant:",
            Render(FamilyTemplates.Generic, [new("user", "Hi"), new("assistant", "") { ToolCalls = [new("c", "get_time", "")] }, new("tool", "9:00")], tools: []));
    }

    public static TheoryData<string, string> Families() => new()
    {
        { "llama3", FamilyTemplates.Llama3 },
        { "hermes", FamilyTemplates.Hermes },
        { "qwen3", FamilyTemplates.Qwen3 },
        { "mistral", FamilyTemplates.Mistral },
        { "phi4-mini", FamilyTemplates.Phi4Mini },
        { "deepseek", FamilyTemplates.DeepSeek },
        { "deepseek-r1", FamilyTemplates.DeepSeekR1 },
        { "generic", FamilyTemplates.Generic },
    };

    [Theory]
    [MemberData(nameof(Families))]
    public void Without_tools_no_family_mentions_them(string family, string template)
    {
        var prompt = Render(template, [new("system", "Be brief."), new("user", "Hi"), new("assistant", "Hello"), new("user", "Bye")], tools: []);
        Assert.Equal(1, prompt.Split("Be brief.").Length - 1);
        Assert.True(prompt.IndexOf("Hi", StringComparison.Ordinal) < prompt.IndexOf("Hello", StringComparison.Ordinal), prompt);
        Assert.True(prompt.IndexOf("Hello", StringComparison.Ordinal) < prompt.IndexOf("Bye", StringComparison.Ordinal), prompt);
        foreach (var marker in new[] { "tool", "function", "ipython", "TOOL" })
            Assert.False(prompt.Contains(marker, StringComparison.Ordinal), $"{family}: {prompt}");
    }

    [Theory]
    [MemberData(nameof(Families))]
    public void Each_family_template_is_detected_as_its_own_family(string family, string template)
    {
        var format = ChatFormats.Detect(template, null);
        Assert.Equal(family == "deepseek-r1" ? "deepseek" : family, format.Family);
        Assert.True(format.SupportsTools);
        Assert.Equal(family is "qwen3" or "deepseek-r1", format.SupportsThinking);
    }
}
