using ModelScout.Prompting.Templates;

namespace ModelScout.Prompting.Tests.Templates;

/// <summary>The data Ollama's tool and thinking templates read, in hand-written Ollama-style templates.</summary>
public sealed class OllamaToolTemplateTests
{
    private static readonly ToolDefinition[] Tools =
    [
        new("get_weather", "Current weather in a city", """{"type":"object","properties":{"unit":{"type":"string","enum":["celsius","fahrenheit"]},"city":{"type":"string","description":"City name"}},"required":["city"]}"""),
        new("get_time", null, """{"type":"object","properties":{"city":{"type":"string"}}}"""),
    ];

    private static readonly ChatTurn[] Chat =
    [
        new("user", "Weather in Paris?"),
        new("assistant", "") { Thinking = "Look it up.", ToolCalls = [new("call_1", "get_weather", """{"unit": "celsius", "city": "Paris", "days": 3}"""), new("call_2", "get_time", "{}")] },
        new("tool", "18 C") { ToolCallId = "call_1", ToolName = "get_weather" },
        new("tool", "14:05") { ToolCallId = "call_2" },
    ];

    private static string Render(string template, ThinkSetting? think = null, IReadOnlyList<ToolDefinition>? tools = null, IReadOnlyList<ChatTurn>? messages = null) =>
        OllamaTemplate.Parse(template).Render(new TemplateData { Messages = messages ?? Chat, Tools = tools ?? Tools, Think = think, Today = new DateOnly(2026, 3, 1) });

    [Fact]
    public void Tools_have_type_function_name_description_and_parameters()
    {
        Assert.Equal(
            "function get_weather: Current weather in a city (object, required [city]) city=string/City name/[] unit=string//[celsius fahrenheit];"
            + "function get_time:  (object, required []) city=string//[];",
            Render("{{ range .Tools }}{{ .Type }} {{ .Function.Name }}: {{ .Function.Description }} ({{ .Function.Parameters.Type }}, required {{ .Function.Parameters.Required }})"
                + "{{ range $k, $v := .Function.Parameters.Properties }} {{ $k }}={{ $v.Type }}/{{ $v.Description }}/{{ $v.Enum }}{{ end }};{{ end }}"));
    }

    [Fact]
    public void Tools_print_as_the_openai_wire_objects()
    {
        const string Weather = """{"type":"function","function":{"name":"get_weather","description":"Current weather in a city","parameters":{"type":"object","properties":{"unit":{"type":"string","enum":["celsius","fahrenheit"]},"city":{"type":"string","description":"City name"}},"required":["city"]}}}""";
        const string Time = """{"type":"function","function":{"name":"get_time","parameters":{"type":"object","properties":{"city":{"type":"string"}}}}}""";
        Assert.Equal($"[{Weather},{Time}]", Render("{{ json .Tools }}"));
        Assert.Equal($"[{Weather},{Time}]", Render("{{ .Tools }}"));
        Assert.Equal($"{Weather}\n{Time}\n", Render("{{ range .Tools }}{{ . }}\n{{ end }}"));
        Assert.Equal(Weather, Render("{{ json (index .Tools 0) }}"));
        Assert.Equal("""{"name":"get_time","parameters":{"type":"object","properties":{"city":{"type":"string"}}}}""", Render("{{ (index .Tools 1).Function }}"));
        Assert.Equal("""{"type":"string","enum":["celsius","fahrenheit"]}""", Render("{{ json (index .Tools 0).Function.Parameters.Properties.unit }}"));
        Assert.Equal("2 get_weather", Render("{{ len .Tools }} {{ range .Messages }}{{ if eq .Role \"user\" }}{{ (index $.Tools 0).Function.Name }}{{ end }}{{ end }}"));
        Assert.Equal("no tools", Render("{{ if .Tools }}tools{{ else }}no tools{{ end }}", tools: []));
    }

    [Fact]
    public void Tool_calls_have_an_id_an_index_a_name_and_arguments_that_print_as_json()
    {
        Assert.Equal(
            """call_1 0 get_weather {"unit":"celsius","city":"Paris","days":3} {"unit":"celsius","city":"Paris","days":3} city=Paris;days=3;unit=celsius; Paris|"""
            + """call_2 1 get_time {} {}  <nil>|""",
            Render("{{ range .Messages }}{{ range .ToolCalls }}{{ .ID }} {{ .Function.Index }} {{ .Function.Name }} {{ .Function.Arguments }} {{ json .Function.Arguments }} "
                + "{{ range $k, $v := .Function.Arguments }}{{ $k }}={{ $v }};{{ end }} {{ index .Function.Arguments \"city\" }}|{{ end }}{{ end }}"));
        Assert.Equal("Paris 3", Render("{{ with index .Messages 1 }}{{ with index .ToolCalls 0 }}{{ .Function.Arguments.city }} {{ len .Function.Arguments }}{{ end }}{{ end }}"));
    }

    [Fact]
    public void Messages_carry_thinking_tool_names_and_call_ids()
    {
        Assert.Equal("user::::|assistant:Look it up.:2::|tool::0:get_weather:call_1|tool::0::call_2|",
            Render("{{ range .Messages }}{{ .Role }}:{{ .Thinking }}:{{ if .ToolCalls }}{{ len .ToolCalls }}{{ else if eq .Role \"tool\" }}0{{ end }}:{{ .ToolName }}:{{ .ToolCallID }}|{{ end }}"));
    }

    [Theory]
    [InlineData(null, "false false []")]
    [InlineData(false, "false true []")]
    [InlineData(true, "true true []")]
    public void Think_and_is_think_set_follow_the_request(bool? think, string expected)
    {
        var setting = think is null ? null : new ThinkSetting(think.Value);
        Assert.Equal(expected, Render("{{ .Think }} {{ .IsThinkSet }} [{{ .ThinkLevel }}]", setting));
    }

    [Fact]
    public void Think_level_is_given_only_when_thinking_is_on()
    {
        Assert.Equal("true high", Render("{{ .Think }} {{ .ThinkLevel }}", new ThinkSetting(true, "high")));
        Assert.Equal("false ", Render("{{ .Think }} {{ .ThinkLevel }}", new ThinkSetting(false, "high")));
    }

    [Fact]
    public void Ollamas_date_and_typescript_functions()
    {
        Assert.Equal("2026-03-01 2026-03-01 2026-02-28", Render("{{ currentDate }} {{ currentDate \"2006\" }} {{ yesterdayDate }}"));
        ToolDefinition[] typed = [new("f", "", """{"type":"object","properties":{"a":{"type":"integer"},"b":{"type":"array"},"c":{"type":["string","null"]},"d":{"anyOf":[{"type":"boolean"},{"type":"object"}]},"e":{}}}""")];
        Assert.Equal("a: number; b: any[]; c: string | null; d: boolean | Record<string, any>; e: any; any",
            Render("{{ range $k, $v := (index .Tools 0).Function.Parameters.Properties }}{{ $k }}: {{ toTypeScriptType $v }}; {{ end }}{{ toTypeScriptType \"x\" }}", tools: typed));
        Assert.Equal("[string null]", Render("{{ (index .Tools 0).Function.Parameters.Properties.c.Type }}", tools: typed));
    }

    [Theory]
    [InlineData("{{ range .Tools }}{{ .Function.Nope }}{{ end }}", "can't evaluate field Nope of a function")]
    [InlineData("{{ range .Tools }}{{ .Nope }}{{ end }}", "can't evaluate field Nope of a tool")]
    [InlineData("{{ range .Tools }}{{ .Function.Parameters.Nope }}{{ end }}", "can't evaluate field Nope of a schema")]
    [InlineData("{{ range .Messages }}{{ range .ToolCalls }}{{ .Function.Nope }}{{ end }}{{ end }}", "can't evaluate field Nope of a called function")]
    [InlineData("{{ range .Messages }}{{ range .ToolCalls }}{{ .Nope }}{{ end }}{{ end }}", "can't evaluate field Nope of a tool call")]
    [InlineData("{{ index (index .Tools 0).Function.Parameters.Properties 1 }}", "not a string key")]
    [InlineData("{{ eq (index .Tools 0) 1 }}", "incompatible types")]
    [InlineData("{{ json }}", "json takes 1 argument")]
    [InlineData("{{ toTypeScriptType }}", "toTypeScriptType takes 1 argument")]
    [InlineData("{{ range .Messages }}{{ .ToolCalls.Function }}{{ end }}", "can't evaluate field Function in a list")]
    public void Malformed_use_of_tool_data_is_a_template_exception(string template, string expected)
    {
        var e = Assert.Throws<TemplateException>(() => Render(template));
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Bad_tool_parameters_and_bad_call_arguments_never_crash()
    {
        var e = Assert.Throws<TemplateException>(() => Render("{{ .Tools }}", tools: [new("broken", null, "{not json")]));
        Assert.Contains("tool 'broken'", e.Message, StringComparison.Ordinal);
        Assert.Equal("", Render("{{ range .Messages }}{{ .Content }}{{ end }}", tools: [new("broken", null, "{not json")], messages: []));

        ChatTurn[] odd = [new("assistant", "") { ToolCalls = [new("c", "f", "{\"city\": "), new("d", "g", "[1]"), new("e", "h", "")] }];
        Assert.Equal("{\"city\":|0|[1]|0|{}|0|",
            Render("{{ range .Messages }}{{ range .ToolCalls }}{{ json .Function.Arguments }}|{{ len .Function.Arguments }}|{{ end }}{{ end }}", messages: odd));
    }

    private const string Echo = "{{ range .Messages }}[{{ .Role }}:{{ .Content }}{{ with .ToolName }}({{ . }}){{ end }}{{ with .ToolCalls }}{{ len . }} calls{{ end }}]{{ end }}";

    [Fact]
    public void Render_chat_keeps_parallel_tool_results_and_tool_call_turns_apart()
    {
        ChatTurn[] turns =
        [
            new("user", "A"),
            new("user", "B"),
            new("assistant", "") { ToolCalls = [new("call_1", "get_weather", "{}")] },
            new("assistant", "") { ToolCalls = [new("call_2", "get_time", "{}")] },
            new("tool", "18 C") { ToolCallId = "call_1" },
            new("tool", "14:05") { ToolCallId = "call_2" },
            new("assistant", "It is"),
            new("assistant", "warm."),
        ];
        Assert.Equal("[user:A\n\nB][assistant:1 calls][assistant:1 calls][tool:18 C(get_weather)][tool:14:05(get_time)][assistant:It is\n\nwarm.]",
            OllamaTemplate.Parse(Echo).RenderChat(turns, [], null));
    }

    [Fact]
    public void A_tool_result_keeps_the_tool_name_it_was_given()
    {
        ChatTurn[] turns = [new("assistant", "") { ToolCalls = [new("call_1", "get_weather", "{}")] }, new("tool", "18 C") { ToolCallId = "call_1", ToolName = "weather_v2" }, new("tool", "x") { ToolCallId = "unknown" }];
        Assert.Equal("[assistant:1 calls][tool:18 C(weather_v2)][tool:x]", OllamaTemplate.Parse(Echo).RenderChat(turns));
    }

    // Written after the Mistral example in Ollama's template documentation.
    private const string MistralStyle = """
        {{- range $index, $_ := .Messages }}
        {{- if eq .Role "user" }}
        {{- if and (le (len (slice $.Messages $index)) 2) $.Tools }}[AVAILABLE_TOOLS] {{ json $.Tools }}[/AVAILABLE_TOOLS]
        {{- end }}[INST] {{ .Content }}[/INST]
        {{- else if eq .Role "assistant" }}
        {{- if .Content }} {{ .Content }}</s>
        {{- else if .ToolCalls }}[TOOL_CALLS] [
        {{- range .ToolCalls }}{"name": "{{ .Function.Name }}", "arguments": {{ json .Function.Arguments }}}
        {{- end }}]</s>
        {{- end }}
        {{- else if eq .Role "tool" }}[TOOL_RESULTS] {"content": {{ .Content }}}[/TOOL_RESULTS]
        {{- end }}
        {{- end }}
        """;

    [Fact]
    public void A_tool_template_in_ollamas_style_renders_calls_and_results()
    {
        ToolDefinition[] one = [new("get_time", null, """{"type":"object","properties":{}}""")];
        ChatTurn[] turns =
        [
            new("user", "Time?"),
            new("assistant", "") { ToolCalls = [new("a", "get_time", """{"tz": "CET"}"""), new("b", "get_time", """{"tz": "UTC"}""")] },
            new("tool", "\"14:05\""),
            new("tool", "\"13:05\""),
            new("user", "Thanks"),
        ];
        Assert.Equal(
            """[INST] Time?[/INST]"""
            + """[TOOL_CALLS] [{"name": "get_time", "arguments": {"tz":"CET"}}{"name": "get_time", "arguments": {"tz":"UTC"}}]</s>"""
            + """[TOOL_RESULTS] {"content": "14:05"}[/TOOL_RESULTS][TOOL_RESULTS] {"content": "13:05"}[/TOOL_RESULTS]"""
            + """[AVAILABLE_TOOLS] [{"type":"function","function":{"name":"get_time","parameters":{"type":"object","properties":{}}}}][/AVAILABLE_TOOLS][INST] Thanks[/INST]""",
            OllamaTemplate.Parse(MistralStyle).RenderChat(turns, one, null));
    }
}
