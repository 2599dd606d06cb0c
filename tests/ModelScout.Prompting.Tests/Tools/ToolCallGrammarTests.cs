using ModelScout.Prompting.Grammar;
using ModelScout.Prompting.Tests.Grammar;
using ModelScout.Prompting.Tools;

namespace ModelScout.Prompting.Tests.Tools;

public sealed class ToolCallGrammarTests
{
    private static readonly ToolDefinition Weather = ReplyParserTests.Weather;
    private static readonly ToolDefinition Time = ReplyParserTests.Time;

    private static ChatFormat Format(ToolCallSyntax syntax) => new() { Family = syntax.ToString(), ToolSyntax = syntax };

    // Per family: one valid call of each tool, how two calls are joined, and how a whole reply wraps them.
    public static TheoryData<ToolCallSyntax, string, string, string> Families => new()
    {
        { ToolCallSyntax.GenericJson, "{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\", \"unit\": \"celsius\"}}", "{\"name\":\"get_time\",\"arguments\":{\"zone\":\"UTC\"}}", "[{0}, {1}]" },
        { ToolCallSyntax.Hermes, "<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\", \"unit\": \"celsius\"}}\n</tool_call>", "<tool_call>\n{\"name\":\"get_time\",\"arguments\":{\"zone\":\"UTC\"}}</tool_call>", "{0}\n{1}" },
        { ToolCallSyntax.Llama3, "{\"name\": \"get_weather\", \"parameters\": {\"city\": \"Paris\", \"unit\": \"celsius\"}}", "{\"name\": \"get_time\", \"parameters\": {\"zone\": \"UTC\"}}", "{0}; {1}" },
        { ToolCallSyntax.Mistral, "[TOOL_CALLS][{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\", \"unit\": \"celsius\"}}]", "[TOOL_CALLS][{\"name\": \"get_time\", \"arguments\": {\"zone\": \"UTC\"}}]", "" },
        { ToolCallSyntax.Phi4Mini, "<|tool_call|>[{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\", \"unit\": \"celsius\"}}]<|/tool_call|>", "<|tool_call|>[{\"name\": \"get_time\", \"arguments\": {\"zone\": \"UTC\"}}]<|/tool_call|>", "" },
        { ToolCallSyntax.DeepSeek, "<｜tool▁calls▁begin｜><｜tool▁call▁begin｜>function<｜tool▁sep｜>get_weather\n```json\n{\"city\": \"Paris\", \"unit\": \"celsius\"}\n```<｜tool▁call▁end｜><｜tool▁calls▁end｜>", "<｜tool▁calls▁begin｜><｜tool▁call▁begin｜>function<｜tool▁sep｜>get_time\n```json\n{\"zone\": \"UTC\"}\n```<｜tool▁call▁end｜><｜tool▁calls▁end｜>", "" },
    };

    [Theory]
    [MemberData(nameof(Families))]
    public void Required_accepts_a_valid_call_of_any_tool_that_the_parser_reads_back(ToolCallSyntax syntax, string weather, string time, string _)
    {
        var gbnf = ToolCallGrammar.Build(Format(syntax), [Weather, Time], ToolChoice.Required, parallel: false)!;
        Assert.Equal(gbnf, GbnfChecker.Check(gbnf));
        foreach (var call in new[] { weather, time })
        {
            Assert.True(GbnfMatcher.Matches(gbnf, call), $"{syntax} refuses {call}\n{gbnf}");
            var pieces = ReplyParser.ParseAll(Format(syntax), new ReplyParserOptions { Tools = [Weather, Time] }, call);
            Assert.IsType<ReplyPiece.CallPiece>(Assert.Single(pieces));
        }
        Assert.False(GbnfMatcher.Matches(gbnf, "Sure, " + weather), "text before the call");
        Assert.False(GbnfMatcher.Matches(gbnf, weather.Replace("get_weather", "get_wether", StringComparison.Ordinal)), "unknown name");
        Assert.False(GbnfMatcher.Matches(gbnf, weather.Replace("celsius", "kelvin", StringComparison.Ordinal)), "value outside the enum");
        Assert.False(GbnfMatcher.Matches(gbnf, weather.Replace("\"city\": \"Paris\", ", "", StringComparison.Ordinal)), "missing required argument");
        Assert.False(GbnfMatcher.Matches(gbnf, time.Replace("\"UTC\"", "\"UTC\", \"x\": 1", StringComparison.Ordinal)), "argument the schema closes out");
    }

    [Theory]
    [MemberData(nameof(Families))]
    public void Named_accepts_only_that_tool(ToolCallSyntax syntax, string weather, string time, string _)
    {
        var gbnf = ToolCallGrammar.Build(Format(syntax), [Weather, Time], new ToolChoice.Named("get_time"), parallel: false)!;
        Assert.True(GbnfMatcher.Matches(gbnf, time));
        Assert.False(GbnfMatcher.Matches(gbnf, weather));
    }

    [Theory]
    [MemberData(nameof(Families))]
    public void Parallel_allows_several_calls_in_the_family_way_and_single_does_not(ToolCallSyntax syntax, string weather, string time, string join)
    {
        if (join.Length == 0)
        {
            // Families that list calls inside one block: two calls are one list.
            weather = syntax switch
            {
                ToolCallSyntax.Mistral => "[TOOL_CALLS][{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}, {\"name\": \"get_time\", \"arguments\": {\"zone\": \"UTC\"}}]",
                ToolCallSyntax.Phi4Mini => "<|tool_call|>[{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}},{\"name\": \"get_time\", \"arguments\": {\"zone\": \"UTC\"}}]<|/tool_call|>",
                _ => "<｜tool▁calls▁begin｜><｜tool▁call▁begin｜>function<｜tool▁sep｜>get_weather\n```json\n{\"city\": \"Paris\"}\n```<｜tool▁call▁end｜><｜tool▁call▁begin｜>function<｜tool▁sep｜>get_time\n```json\n{\"zone\": \"UTC\"}\n```<｜tool▁call▁end｜><｜tool▁calls▁end｜>",
            };
            join = "{0}";
        }
        var two = string.Format(System.Globalization.CultureInfo.InvariantCulture, join, weather, time);
        var parallel = ToolCallGrammar.Build(Format(syntax), [Weather, Time], ToolChoice.Required, parallel: true)!;
        var single = ToolCallGrammar.Build(Format(syntax), [Weather, Time], ToolChoice.Required, parallel: false)!;
        Assert.True(GbnfMatcher.Matches(parallel, two), $"{syntax} parallel refuses {two}\n{parallel}");
        Assert.False(GbnfMatcher.Matches(single, two), $"{syntax} single accepts {two}");
        var calls = ReplyParser.ParseAll(Format(syntax), new ReplyParserOptions { Tools = [Weather, Time] }, two).OfType<ReplyPiece.CallPiece>().Select(c => c.ToolCall.Name);
        Assert.Equal(["get_weather", "get_time"], calls);
    }

    [Fact]
    public void Auto_and_none_need_no_grammar() =>
        Assert.All(new[] { ToolChoice.Auto, ToolChoice.None }, c => Assert.Null(ToolCallGrammar.Build(Format(ToolCallSyntax.Hermes), [Weather], c, false)));

    [Fact]
    public void A_schema_the_converter_refuses_names_the_tool()
    {
        var bad = new ToolDefinition("find", null, """{"type":"object","properties":{"q":{"type":"string","pattern":"^a"}}}""");
        var e = Assert.Throws<InvalidRequestException>(() => ToolCallGrammar.Build(Format(ToolCallSyntax.Hermes), [Weather, bad], ToolChoice.Required, false));
        Assert.Equal("tools", e.Param);
        Assert.Contains("tool 'find'", e.Message, StringComparison.Ordinal);
        Assert.Contains("pattern", e.Message, StringComparison.Ordinal);
        // Named for another tool: the refused schema is not part of the grammar.
        Assert.NotNull(ToolCallGrammar.Build(Format(ToolCallSyntax.Hermes), [Weather, bad], new ToolChoice.Named("get_weather"), false));
    }

    [Fact]
    public void Bad_choices_are_invalid_requests_naming_the_field()
    {
        Assert.Equal("tool_choice", Assert.Throws<InvalidRequestException>(() => ToolCallGrammar.Build(Format(ToolCallSyntax.Hermes), [Weather], new ToolChoice.Named("nope"), false)).Param);
        Assert.Equal("tools", Assert.Throws<InvalidRequestException>(() => ToolCallGrammar.Build(Format(ToolCallSyntax.Hermes), [], ToolChoice.Required, false)).Param);
        Assert.Equal("tools", Assert.Throws<InvalidRequestException>(() => ToolCallGrammar.Build(Format(ToolCallSyntax.None), [Weather], ToolChoice.Required, false)).Param);
    }

    [Fact]
    public void Tools_with_the_same_property_names_get_separate_rules()
    {
        var a = new ToolDefinition("a", null, """{"type":"object","properties":{"x":{"type":"integer"}},"required":["x"]}""");
        var b = new ToolDefinition("b", null, """{"type":"object","properties":{"x":{"type":"boolean"}},"required":["x"]}""");
        var gbnf = ToolCallGrammar.Build(Format(ToolCallSyntax.GenericJson), [a, b], ToolChoice.Required, false)!;
        Assert.True(GbnfMatcher.Matches(gbnf, "{\"name\": \"a\", \"arguments\": {\"x\": 3}}"));
        Assert.True(GbnfMatcher.Matches(gbnf, "{\"name\": \"b\", \"arguments\": {\"x\": true}}"));
        Assert.False(GbnfMatcher.Matches(gbnf, "{\"name\": \"a\", \"arguments\": {\"x\": true}}"));
        Assert.False(GbnfMatcher.Matches(gbnf, "{\"name\": \"b\", \"arguments\": {\"x\": 3}}"));
    }

    [Fact]
    public void The_matcher_itself_tells_apart_what_a_plain_schema_grammar_accepts()
    {
        var gbnf = JsonSchemaGrammar.Convert("""{"type":"object","properties":{"n":{"type":"integer"}},"required":["n"]}""");
        Assert.True(GbnfMatcher.Matches(gbnf, "{\"n\": -12}"));
        Assert.False(GbnfMatcher.Matches(gbnf, "{\"n\": 1.5}"));
        Assert.False(GbnfMatcher.Matches(gbnf, "{\"n\": 1"));
        Assert.False(GbnfMatcher.Matches(gbnf, "{}"));
    }
}

public sealed class ToolCallGrammarLimitTests
{
    private static ChatFormat Format(ToolCallSyntax syntax) => new() { Family = syntax.ToString(), ToolSyntax = syntax };

    [Fact]
    public void Parallel_calls_stop_at_the_cap()
    {
        var gbnf = ToolCallGrammar.Build(Format(ToolCallSyntax.Hermes), [ReplyParserTests.Time], ToolChoice.Required, parallel: true)!;
        var block = "<tool_call>\n{\"name\": \"get_time\", \"arguments\": {\"zone\": \"UTC\"}}</tool_call>";
        Assert.True(GbnfMatcher.Matches(gbnf, string.Join("\n", Enumerable.Repeat(block, ToolCallGrammar.MaxParallelCalls))));
        Assert.False(GbnfMatcher.Matches(gbnf, string.Join("\n", Enumerable.Repeat(block, ToolCallGrammar.MaxParallelCalls + 1))));
    }

    [Fact]
    public void A_function_without_parameters_gets_an_empty_object()
    {
        var ping = new ToolDefinition("ping", null, ToolDefinition.NoParameters);
        var gbnf = ToolCallGrammar.Build(Format(ToolCallSyntax.GenericJson), [ping], ToolChoice.Required, parallel: false)!;
        Assert.True(GbnfMatcher.Matches(gbnf, "{\"name\": \"ping\", \"arguments\": {}}"));
        Assert.False(GbnfMatcher.Matches(gbnf, "{\"name\": \"ping\", \"arguments\": {\"a\": 1}}"));
        // A schema that allows extra keys on purpose keeps them.
        var open = new ToolDefinition("open", null, """{"type":"object","additionalProperties":{"type":"integer"}}""");
        var g2 = ToolCallGrammar.Build(Format(ToolCallSyntax.GenericJson), [open], ToolChoice.Required, parallel: false)!;
        Assert.True(GbnfMatcher.Matches(g2, "{\"name\": \"open\", \"arguments\": {\"a\": 1}}"));
    }

    [Fact]
    public void Reasoning_may_or_must_come_before_the_calls_and_never_holds_the_closing_tag()
    {
        var format = new ChatFormat { Family = "qwen3", ToolSyntax = ToolCallSyntax.Hermes, ThinkOpen = "<think>", ThinkClose = "</think>" };
        var call = "<tool_call>\n{\"name\": \"get_time\", \"arguments\": {\"zone\": \"UTC\"}}</tool_call>";
        var optional = ToolCallGrammar.Build(format, [ReplyParserTests.Time], ToolChoice.Required, false, ReasoningBeforeCalls.Optional)!;
        Assert.True(GbnfMatcher.Matches(optional, call));
        Assert.True(GbnfMatcher.Matches(optional, "<think>\nThe user wants a < b and x/y.\n</think>\n\n" + call));
        Assert.False(GbnfMatcher.Matches(optional, "<think>a</think>b</think>" + call));
        Assert.False(GbnfMatcher.Matches(optional, "I think" + call));

        var open = ToolCallGrammar.Build(format, [ReplyParserTests.Time], ToolChoice.Required, false, ReasoningBeforeCalls.AlreadyOpen)!;
        var reply = "Time zone is UTC.</think>\n" + call;
        Assert.True(GbnfMatcher.Matches(open, reply));
        Assert.False(GbnfMatcher.Matches(open, call));
        var pieces = ReplyParser.ParseAll(format, new ReplyParserOptions { Tools = [ReplyParserTests.Time], SeparateThinking = true, StartsInThinking = true }, reply);
        Assert.Equal("Time zone is UTC.", Assert.IsType<ReplyPiece.Thinking>(pieces[0]).Text);
        Assert.Equal("get_time", Assert.IsType<ReplyPiece.CallPiece>(Assert.Single(pieces.Skip(1))).ToolCall.Name);

        // A format without think tags ignores the setting.
        Assert.Equal(ToolCallGrammar.Build(Format(ToolCallSyntax.Hermes), [ReplyParserTests.Time], ToolChoice.Required, false),
            ToolCallGrammar.Build(Format(ToolCallSyntax.Hermes), [ReplyParserTests.Time], ToolChoice.Required, false, ReasoningBeforeCalls.AlreadyOpen));
    }

    [Fact]
    public void Many_tools_fit_in_one_grammar_or_are_refused_as_a_tools_error()
    {
        var many = Enumerable.Range(0, 40).Select(i => new ToolDefinition($"fn_{i}", null, $$$"""{"type":"object","properties":{"v{{{i}}}":{"type":"integer"}},"required":["v{{{i}}}"]}""")).ToList();
        var gbnf = ToolCallGrammar.Build(Format(ToolCallSyntax.Hermes), many, ToolChoice.Required, parallel: true)!;
        Assert.True(GbnfMatcher.Matches(gbnf, "<tool_call>\n{\"name\": \"fn_39\", \"arguments\": {\"v39\": 7}}</tool_call>"));
        Assert.False(GbnfMatcher.Matches(gbnf, "<tool_call>\n{\"name\": \"fn_39\", \"arguments\": {\"v38\": 7}}</tool_call>"));

        // 200 names share their first characters: the trie keeps llama.cpp's choices per character small.
        var hundreds = Enumerable.Range(0, 200).Select(i => new ToolDefinition($"fn_{i}", null, ToolDefinition.NoParameters))
            .Append(new ToolDefinition("fn", null, ToolDefinition.NoParameters)).Append(new ToolDefinition("Grüße 😀", null, ToolDefinition.NoParameters)).ToList();
        foreach (var syntax in new[] { ToolCallSyntax.Hermes, ToolCallSyntax.DeepSeek })
        {
            var big = ToolCallGrammar.Build(Format(syntax), hundreds, ToolChoice.Required, parallel: false)!;
            foreach (var name in new[] { "fn_0", "fn_1", "fn_19", "fn_199", "fn", "Grüße 😀" })
            {
                var call = syntax == ToolCallSyntax.Hermes
                    ? $"<tool_call>\n{{\"name\": \"{name}\", \"arguments\": {{}}}}</tool_call>"
                    : $"<｜tool▁calls▁begin｜><｜tool▁call▁begin｜>function<｜tool▁sep｜>{name}\n```json\n{{}}\n```<｜tool▁call▁end｜><｜tool▁calls▁end｜>";
                Assert.True(GbnfMatcher.Matches(big, call), $"{syntax} {name}");
                Assert.False(GbnfMatcher.Matches(big, call.Replace(name, name + "x", StringComparison.Ordinal)), $"{syntax} {name}x");
            }
        }

        // Two tools of one name cannot be told apart.
        var e = Assert.Throws<InvalidRequestException>(() => ToolCallGrammar.Build(Format(ToolCallSyntax.Hermes), [many[0], many[0]], ToolChoice.Required, parallel: false));
        Assert.Equal("tools", e.Param);
    }
}
