using System.Text;
using ModelScout.Prompting.Tools;

namespace ModelScout.Prompting.Tests.Tools;

public sealed class ReplyParserTests
{
    internal static readonly ToolDefinition Weather = new("get_weather", "Current weather in a city", """
        {"type":"object","properties":{"city":{"type":"string"},"unit":{"type":"string","enum":["celsius","fahrenheit"]}},"required":["city"]}
        """);

    internal static readonly ToolDefinition Time = new("get_time", null, """
        {"type":"object","properties":{"zone":{"type":"string"}},"required":["zone"],"additionalProperties":false}
        """);

    private const string CallsBegin = "<｜tool▁calls▁begin｜>";
    private const string CallsEnd = "<｜tool▁calls▁end｜>";
    private const string CallBegin = "<｜tool▁call▁begin｜>";
    private const string CallEnd = "<｜tool▁call▁end｜>";
    private const string Sep = "<｜tool▁sep｜>";

    private static ChatFormat Format(ToolCallSyntax syntax, bool think = false) => new()
    {
        Family = syntax.ToString(),
        ToolSyntax = syntax,
        ThinkOpen = think ? "<think>" : null,
        ThinkClose = think ? "</think>" : null,
    };

    private static ReplyParserOptions Options(bool think = false, bool startsInThinking = false, bool tools = true) => new()
    {
        Tools = tools ? [Weather, Time] : [],
        SeparateThinking = think,
        StartsInThinking = startsInThinking,
        NewCallId = n => "id" + n,
    };

    private static ReplyPiece.Content C(string text) => new ReplyPiece.Content(text);

    private static ReplyPiece.Thinking T(string text) => new ReplyPiece.Thinking(text);

    private static ReplyPiece.CallPiece Call(int n, string name, string args) => new ReplyPiece.CallPiece(new ToolCall("id" + n, name, args));

    private const string Paris = """{"city":"Paris"}""";
    private const string Utc = """{"zone":"UTC"}""";

    public sealed record Sample(string Name, ToolCallSyntax Syntax, bool Think, bool StartsInThinking, string Reply, ReplyPiece[] Expected)
    {
        public override string ToString() => Name;
    }

    public static TheoryData<Sample> WellFormed => new()
    {
        new("hermes single", ToolCallSyntax.Hermes, false, false,
            "<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}\n</tool_call>",
            [Call(0, "get_weather", Paris)]),
        new("hermes parallel with text around, arguments as a string", ToolCallSyntax.Hermes, false, false,
            "Let me check.\n<tool_call>{\"name\":\"get_weather\",\"arguments\":{\"city\":\"Paris\",\"unit\":\"celsius\"}}</tool_call>\n<tool_call>{\"name\":\"get_time\",\"arguments\":\"{\\\"zone\\\": \\\"UTC\\\"}\"}</tool_call> Done.",
            [C("Let me check.\n"), Call(0, "get_weather", """{"city":"Paris","unit":"celsius"}"""), Call(1, "get_time", Utc), C(" Done.")]),
        new("whitespace around calls is dropped, inside text it is kept", ToolCallSyntax.Hermes, false, false,
            "\n <tool_call>{\"name\":\"get_time\",\"arguments\":{\"zone\":\"UTC\"}}</tool_call>\n\n<tool_call>{\"name\":\"get_time\",\"arguments\":{\"zone\":\"UTC\"}}</tool_call>\n \n",
            [Call(0, "get_time", Utc), Call(1, "get_time", Utc)]),
        new("whitespace before text stays", ToolCallSyntax.Hermes, false, false,
            "\n <tool_x> <tool_call>{\"name\":\"get_time\",\"arguments\":{\"zone\":\"UTC\"}}</tool_call>\n\nDone <tool",
            [C("\n <tool_x> "), Call(0, "get_time", Utc), C("\n\nDone <tool")]),
        new("qwen3 thinking then a call", ToolCallSyntax.Hermes, true, false,
            "<think>\nThe user wants the weather.\n</think>\n\n<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}\n</tool_call>",
            [T("\nThe user wants the weather.\n"), Call(0, "get_weather", Paris)]),
        new("reply that starts inside thinking", ToolCallSyntax.Hermes, true, true,
            "I need the time.</think>Sure. <tool_call>{\"name\":\"get_time\",\"arguments\":{\"zone\":\"UTC\"}}</tool_call>",
            [T("I need the time."), C("Sure. "), Call(0, "get_time", Utc)]),
        new("hermes with tags that are not markup", ToolCallSyntax.Hermes, false, false,
            "Use <b>bold</b> or <tool>, not <tool_cal.",
            [C("Use <b>bold</b> or <tool>, not <tool_cal.")]),
        new("llama3 bare JSON", ToolCallSyntax.Llama3, false, false,
            "{\"name\": \"get_weather\", \"parameters\": {\"city\": \"Paris\"}}",
            [Call(0, "get_weather", Paris)]),
        new("llama3 python_tag, two calls", ToolCallSyntax.Llama3, false, false,
            "<|python_tag|>{\"name\": \"get_weather\", \"parameters\": {\"city\": \"Paris\"}}; {\"name\": \"get_time\", \"parameters\": {\"zone\": \"UTC\"}}",
            [Call(0, "get_weather", Paris), Call(1, "get_time", Utc)]),
        new("llama3 bare calls on lines, then text", ToolCallSyntax.Llama3, false, false,
            "{\"name\":\"get_weather\",\"parameters\":{\"city\":\"Paris\"}}\n{\"name\":\"get_time\",\"parameters\":{\"zone\":\"UTC\"}}\nChecking.",
            [Call(0, "get_weather", Paris), Call(1, "get_time", Utc), C("\nChecking.")]),
        new("llama3 JSON that is not a call", ToolCallSyntax.Llama3, false, false,
            "{\"answer\": 42} is the result.",
            [C("{\"answer\": 42} is the result.")]),
        new("llama3 JSON later in the text is content", ToolCallSyntax.Llama3, false, false,
            "Hello {\"name\": \"get_weather\", \"parameters\": {\"city\": \"Paris\"}}",
            [C("Hello {\"name\": \"get_weather\", \"parameters\": {\"city\": \"Paris\"}}")]),
        new("mistral array with ids", ToolCallSyntax.Mistral, false, false,
            "[TOOL_CALLS] [{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}, \"id\": \"abc123def\"}, {\"name\": \"get_time\", \"arguments\": {\"zone\": \"UTC\"}}]",
            [Call(0, "get_weather", Paris), Call(1, "get_time", Utc)]),
        new("mistral name[ARGS] form, with and without [CALL_ID]", ToolCallSyntax.Mistral, false, false,
            "Sure. [TOOL_CALLS]get_weather[ARGS]{\"city\": \"Paris\"}[TOOL_CALLS]get_time[CALL_ID]a1b2c3d4e[ARGS]{\"zone\":\"UTC\"}",
            [C("Sure. "), Call(0, "get_weather", Paris), Call(1, "get_time", Utc)]),
        new("phi4-mini array", ToolCallSyntax.Phi4Mini, false, false,
            "<|tool_call|>[{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}, {\"name\": \"get_time\", \"arguments\": {\"zone\": \"UTC\"}}]<|/tool_call|>",
            [Call(0, "get_weather", Paris), Call(1, "get_time", Utc)]),
        new("phi4-mini single object after text", ToolCallSyntax.Phi4Mini, false, false,
            "One moment.<|tool_call|>{\"name\":\"get_time\",\"arguments\":{\"zone\":\"UTC\"}}<|/tool_call|>",
            [C("One moment."), Call(0, "get_time", Utc)]),
        new("deepseek r1 thinking, two calls with fences", ToolCallSyntax.DeepSeek, true, false,
            "<think>hmm</think>\n\n" + CallsBegin + CallBegin + "function" + Sep + "get_weather\n```json\n{\"city\": \"Paris\"}\n```" + CallEnd + "\n"
                + CallBegin + "function" + Sep + "get_time\n```json\n{\"zone\":\"UTC\"}\n```" + CallEnd + CallsEnd,
            [T("hmm"), Call(0, "get_weather", Paris), Call(1, "get_time", Utc)]),
        new("deepseek v3.1 form", ToolCallSyntax.DeepSeek, false, false,
            "Checking. " + CallsBegin + CallBegin + "get_weather" + Sep + "{\"city\":\"Paris\"}" + CallEnd + CallsEnd,
            [C("Checking. "), Call(0, "get_weather", Paris)]),
        new("generic object", ToolCallSyntax.GenericJson, false, false,
            " {\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}\n",
            [Call(0, "get_weather", Paris)]),
        new("generic fenced array", ToolCallSyntax.GenericJson, false, false,
            "```json\n[{\"name\":\"get_weather\",\"arguments\":{\"city\":\"Paris\"}},{\"name\":\"get_time\",\"arguments\":{\"zone\":\"UTC\"}}]\n```",
            [Call(0, "get_weather", Paris), Call(1, "get_time", Utc)]),
        new("generic JSON followed by text is an answer", ToolCallSyntax.GenericJson, false, false,
            "{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}} and more",
            [C("{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}} and more")]),
        new("generic fence of code is an answer", ToolCallSyntax.GenericJson, false, false,
            "```python\nprint(1)\n```",
            [C("```python\nprint(1)\n```")]),
        new("generic plain text", ToolCallSyntax.GenericJson, false, false, "Paris is sunny.", [C("Paris is sunny.")]),
    };

    public static TheoryData<Sample> Malformed => new()
    {
        new("hermes broken JSON", ToolCallSyntax.Hermes, false, false,
            "<tool_call>{\"name\": \"get_weather\", \"arguments\": {\"city\": }</tool_call>after",
            [new ReplyPiece.Rejected("<tool_call>{\"name\": \"get_weather\", \"arguments\": {\"city\": }</tool_call>", "not valid JSON"), C("after")]),
        new("hermes unknown function", ToolCallSyntax.Hermes, false, false,
            "<tool_call>{\"name\":\"launch\",\"arguments\":{}}</tool_call>",
            [new ReplyPiece.Rejected("<tool_call>{\"name\":\"launch\",\"arguments\":{}}</tool_call>", "unknown function 'launch'")]),
        new("hermes schema violation", ToolCallSyntax.Hermes, false, false,
            "<tool_call>{\"name\":\"get_weather\",\"arguments\":{\"city\":\"Oslo\",\"unit\":\"kelvin\"}}</tool_call>",
            [new ReplyPiece.Rejected("<tool_call>{\"name\":\"get_weather\",\"arguments\":{\"city\":\"Oslo\",\"unit\":\"kelvin\"}}</tool_call>", "arguments.unit: 'kelvin' is not one of celsius, fahrenheit")]),
        new("hermes unterminated", ToolCallSyntax.Hermes, false, false,
            "Sure <tool_call>{\"name\":\"get_weather\"",
            [C("Sure "), new ReplyPiece.Rejected("<tool_call>{\"name\":\"get_weather\"", "not finished")]),
        new("one bad call spoils the block", ToolCallSyntax.Phi4Mini, false, false,
            "<|tool_call|>[{\"name\":\"get_time\",\"arguments\":{\"zone\":\"UTC\"}},{\"name\":\"get_time\",\"arguments\":{\"zone\":\"UTC\",\"x\":1}}]<|/tool_call|>",
            [new ReplyPiece.Rejected("<|tool_call|>[{\"name\":\"get_time\",\"arguments\":{\"zone\":\"UTC\"}},{\"name\":\"get_time\",\"arguments\":{\"zone\":\"UTC\",\"x\":1}}]<|/tool_call|>", "unexpected property 'x'")]),
        new("phi4 unterminated", ToolCallSyntax.Phi4Mini, false, false,
            "<|tool_call|>[{\"name\":\"get_time\",\"arguments\":{\"zone\":\"UTC\"}}]",
            [new ReplyPiece.Rejected("<|tool_call|>[{\"name\":\"get_time\",\"arguments\":{\"zone\":\"UTC\"}}]", "not finished")]),
        new("mistral unfinished array", ToolCallSyntax.Mistral, false, false,
            "[TOOL_CALLS][{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}",
            [new ReplyPiece.Rejected("[TOOL_CALLS][{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}", "not finished")]),
        new("mistral name without [ARGS]", ToolCallSyntax.Mistral, false, false,
            "[TOOL_CALLS]get weather",
            [new ReplyPiece.Rejected("[TOOL_CALLS]get", "not followed by a function name and [ARGS]"), C(" weather")]),
        new("llama3 unfinished bare call", ToolCallSyntax.Llama3, false, false,
            "{\"name\": \"get_weather\", \"parameters\": {\"city\": \"Par",
            [new ReplyPiece.Rejected("{\"name\": \"get_weather\", \"parameters\": {\"city\": \"Par", "not finished")]),
        new("llama3 python_tag with code", ToolCallSyntax.Llama3, false, false,
            "<|python_tag|>print(1)",
            [new ReplyPiece.Rejected("<|python_tag|>print(1)", "expected a JSON object")]),
        new("deepseek call without separator", ToolCallSyntax.DeepSeek, false, false,
            CallsBegin + CallBegin + "get_weather {\"city\":\"Paris\"}" + CallEnd + CallsEnd,
            [new ReplyPiece.Rejected(CallsBegin + CallBegin + "get_weather {\"city\":\"Paris\"}" + CallEnd + CallsEnd, "no <｜tool▁sep｜>")]),
        new("generic missing required argument", ToolCallSyntax.GenericJson, false, false,
            "{\"name\": \"get_weather\", \"arguments\": {\"unit\": \"celsius\"}}",
            [new ReplyPiece.Rejected("{\"name\": \"get_weather\", \"arguments\": {\"unit\": \"celsius\"}}", "arguments: missing required property 'city'")]),
        new("hermes half a surrogate pair escaped", ToolCallSyntax.Hermes, false, false,
            "<tool_call>{\"name\":\"get_weather\",\"arguments\":{\"city\":\"x\\ud800\"}}</tool_call>",
            [new ReplyPiece.Rejected("<tool_call>{\"name\":\"get_weather\",\"arguments\":{\"city\":\"x\\ud800\"}}</tool_call>", "not valid JSON")]),
        new("unfinished thinking is thinking", ToolCallSyntax.Hermes, true, false,
            "<think>still thinking <tool_call>",
            [T("still thinking <tool_call>")]),
    };

    [Theory]
    [MemberData(nameof(WellFormed))]
    public void Well_formed_replies_parse_the_same_in_every_split(Sample c) => CheckEverySplit(c);

    [Theory]
    [MemberData(nameof(Malformed))]
    public void Malformed_replies_become_rejected_text_the_same_in_every_split(Sample c) => CheckEverySplit(c);

    private static void CheckEverySplit(Sample c)
    {
        var format = Format(c.Syntax, c.Think);
        var options = Options(c.Think, c.StartsInThinking);
        var whole = Normalize(ReplyParser.ParseAll(format, options, c.Reply));
        Assert.Equal(Describe(c.Expected), Describe(whole));

        // Every 1-character split, and seeded random chunkings.
        Assert.Equal(Describe(whole), Describe(Stream(format, options, c.Reply, Enumerable.Repeat(1, c.Reply.Length))));
        var random = new Random(13);
        for (var round = 0; round < 40; round++)
        {
            var sizes = new List<int>();
            for (var left = c.Reply.Length; left > 0;)
            {
                var n = Math.Min(left, random.Next(1, 12));
                sizes.Add(n);
                left -= n;
            }
            Assert.Equal(Describe(whole), Describe(Stream(format, options, c.Reply, sizes)));
        }
    }

    internal static List<ReplyPiece> Stream(ChatFormat format, ReplyParserOptions options, string reply, IEnumerable<int> sizes)
    {
        var parser = new ReplyParser(format, options);
        var pieces = new List<ReplyPiece>();
        var at = 0;
        foreach (var n in sizes)
        {
            pieces.AddRange(parser.Push(reply.Substring(at, n)));
            at += n;
        }
        pieces.AddRange(parser.Finish());
        return Normalize(pieces);
    }

    // Joins neighbouring text pieces of the same kind: how a reply is split into pieces depends on the pushes.
    internal static List<ReplyPiece> Normalize(IEnumerable<ReplyPiece> pieces)
    {
        var result = new List<ReplyPiece>();
        foreach (var p in pieces)
        {
            switch (p)
            {
                case ReplyPiece.Content { Text.Length: 0 } or ReplyPiece.Thinking { Text.Length: 0 }:
                    continue;
                case ReplyPiece.Content c when result.Count > 0 && result[^1] is ReplyPiece.Content last:
                    result[^1] = new ReplyPiece.Content(last.Text + c.Text);
                    break;
                case ReplyPiece.Thinking t when result.Count > 0 && result[^1] is ReplyPiece.Thinking last:
                    result[^1] = new ReplyPiece.Thinking(last.Text + t.Text);
                    break;
                default:
                    result.Add(p);
                    break;
            }
        }
        return result;
    }

    // Rejected pieces compare by text and by the expected reason being part of the actual one.
    private static string Describe(IEnumerable<ReplyPiece> pieces) => string.Join("\n", pieces.Select(p => p switch
    {
        ReplyPiece.Rejected r => $"Rejected({r.Text})",
        _ => p.ToString(),
    }));

    [Theory]
    [MemberData(nameof(Malformed))]
    public void Rejections_give_the_reason(Sample c)
    {
        var pieces = ReplyParser.ParseAll(Format(c.Syntax, c.Think), Options(c.Think, c.StartsInThinking), c.Reply);
        foreach (var (expected, actual) in c.Expected.OfType<ReplyPiece.Rejected>().Zip(pieces.OfType<ReplyPiece.Rejected>()))
            Assert.Contains(expected.Reason, actual.Reason, StringComparison.Ordinal);
        Assert.Equal(c.Expected.OfType<ReplyPiece.Rejected>().Count(), pieces.OfType<ReplyPiece.Rejected>().Count());
    }

    [Fact]
    public void Partial_markup_is_never_released_as_content()
    {
        // Streamed a character at a time, the answer text released before the call holds no piece of "<tool_call>".
        var reply = "Let me check that for you.<tool_call>{\"name\":\"get_weather\",\"arguments\":{\"city\":\"Paris\"}}</tool_call>";
        var parser = new ReplyParser(Format(ToolCallSyntax.Hermes), Options());
        var released = new StringBuilder();
        var calls = 0;
        foreach (var ch in reply)
        {
            foreach (var piece in parser.Push(ch.ToString()))
            {
                if (piece is ReplyPiece.Content c) released.Append(c.Text);
                if (piece is ReplyPiece.CallPiece) calls++;
            }
            Assert.DoesNotContain("<", released.ToString(), StringComparison.Ordinal);
        }
        Assert.Empty(parser.Finish());
        Assert.Equal("Let me check that for you.", released.ToString());
        Assert.Equal(1, calls);
    }

    [Fact]
    public void Text_is_released_as_soon_as_it_cannot_be_markup()
    {
        var parser = new ReplyParser(Format(ToolCallSyntax.Hermes), Options());
        Assert.Equal([C("Hello")], parser.Push("Hello"));
        Assert.Equal([C(" wor")], parser.Push(" wor<tool"));
        Assert.Equal([C("<tools>")], parser.Push("s>"));
        Assert.Empty(parser.Push("<tool_call>{\"name\":\"get_time\","));
        Assert.Equal([Call(0, "get_time", Utc)], parser.Push("\"arguments\":{\"zone\":\"UTC\"}}</tool_call>"));
        Assert.Empty(parser.Finish());
    }

    [Fact]
    public void Without_tools_markup_is_plain_content()
    {
        var reply = "<tool_call>{\"name\":\"get_time\",\"arguments\":{\"zone\":\"UTC\"}}</tool_call>";
        foreach (var syntax in Enum.GetValues<ToolCallSyntax>())
            Assert.Equal([C(reply)], ReplyParser.ParseAll(Format(syntax), Options(tools: false), reply));
        Assert.Equal([C("{\"name\":\"get_time\"}")], ReplyParser.ParseAll(Format(ToolCallSyntax.GenericJson), Options(tools: false), "{\"name\":\"get_time\"}"));
    }

    [Fact]
    public void Think_tags_are_content_unless_thinking_is_separated()
    {
        var reply = "<think>why</think>Because.";
        Assert.Equal([C(reply)], ReplyParser.ParseAll(Format(ToolCallSyntax.Hermes, think: true), Options(think: false), reply));
        Assert.Equal([T("why"), C("Because.")], ReplyParser.ParseAll(Format(ToolCallSyntax.Hermes, think: true), Options(think: true), reply));
    }

    [Fact]
    public void Default_ids_are_call_and_24_alphanumerics_and_9_alphanumerics_for_mistral()
    {
        var options = Options() with { NewCallId = null };
        var hermes = ReplyParser.ParseAll(Format(ToolCallSyntax.Hermes), options, "<tool_call>{\"name\":\"get_time\",\"arguments\":{\"zone\":\"UTC\"}}</tool_call><tool_call>{\"name\":\"get_time\",\"arguments\":{\"zone\":\"CET\"}}</tool_call>")
            .OfType<ReplyPiece.CallPiece>().Select(p => p.ToolCall.Id).ToList();
        Assert.Equal(2, hermes.Count);
        Assert.All(hermes, id => Assert.Matches("^call_[A-Za-z0-9]{24}$", id));
        Assert.NotEqual(hermes[0], hermes[1]);
        var mistral = ReplyParser.ParseAll(Format(ToolCallSyntax.Mistral), options, "[TOOL_CALLS][{\"name\":\"get_time\",\"arguments\":{\"zone\":\"UTC\"}}]");
        Assert.Matches("^[A-Za-z0-9]{9}$", Assert.IsType<ReplyPiece.CallPiece>(Assert.Single(mistral)).ToolCall.Id);
    }

    [Theory]
    [InlineData(ToolCallSyntax.Hermes, "<tool_call>")]
    [InlineData(ToolCallSyntax.Llama3, "{")]
    [InlineData(ToolCallSyntax.Mistral, "[TOOL_CALLS]")]
    [InlineData(ToolCallSyntax.Phi4Mini, "<|tool_call|>")]
    [InlineData(ToolCallSyntax.DeepSeek, CallsBegin)]
    [InlineData(ToolCallSyntax.GenericJson, "[")]
    public void Two_MiB_of_garbage_never_throws_and_no_text_is_lost(ToolCallSyntax syntax, string opening)
    {
        var random = new Random(7);
        const string alphabet = "ab {}[]\"\\:,<>|/_\n\t`";
        var garbage = new StringBuilder(opening);
        while (garbage.Length < 2 * 1024 * 1024) garbage.Append(alphabet[random.Next(alphabet.Length)]);
        var reply = garbage.ToString();
        var options = Options();
        var format = Format(syntax);
        var whole = ReplyParser.ParseAll(format, options, reply);
        Assert.DoesNotContain(whole, p => p is ReplyPiece.CallPiece);
        Assert.Equal(reply, string.Concat(whole.Select(Text)));
        Assert.All(whole.OfType<ReplyPiece.Rejected>(), r => Assert.True(r.Text.Length <= ReplyParserOptions.DefaultMaxHeldChars));

        var sizes = new List<int>();
        for (var left = reply.Length; left > 0;)
        {
            var n = Math.Min(left, random.Next(1, 70_000));
            sizes.Add(n);
            left -= n;
        }
        Assert.Equal(Describe(Normalize(whole)), Describe(Stream(format, options, reply, sizes)));
    }

    [Fact]
    public void A_call_longer_than_the_cap_is_released_as_text_and_parsing_goes_on()
    {
        var options = Options() with { MaxHeldChars = 100 };
        var longCity = new string('x', 200);
        var reply = $"<tool_call>{{\"name\":\"get_weather\",\"arguments\":{{\"city\":\"{longCity}\"}}}}</tool_call><tool_call>{{\"name\":\"get_time\",\"arguments\":{{\"zone\":\"UTC\"}}}}</tool_call>";
        var pieces = Normalize(ReplyParser.ParseAll(Format(ToolCallSyntax.Hermes), options, reply));
        var rejected = Assert.IsType<ReplyPiece.Rejected>(pieces[0]);
        Assert.Equal(reply[..100], rejected.Text);
        Assert.Equal(C(reply[100..reply.IndexOf("</tool_call>", StringComparison.Ordinal)] + "</tool_call>"), pieces[1]);
        Assert.Equal(new ReplyPiece.CallPiece(new ToolCall("id0", "get_time", Utc)), pieces[2]);
        Assert.Equal(Describe(pieces), Describe(Stream(Format(ToolCallSyntax.Hermes), options, reply, Enumerable.Repeat(1, reply.Length))));
    }

    [Theory]
    [InlineData(ToolCallSyntax.Llama3, false)]
    [InlineData(ToolCallSyntax.GenericJson, false)]
    [InlineData(ToolCallSyntax.Hermes, true)]
    public void Blank_text_is_not_held_beyond_the_cap(ToolCallSyntax syntax, bool think)
    {
        var options = Options(think) with { MaxHeldChars = 100 };
        var parser = new ReplyParser(Format(syntax, think), options);
        var released = parser.Push(new string(' ', 150));
        Assert.Equal(new string(' ', 150), string.Concat(released.OfType<ReplyPiece.Content>().Select(c => c.Text)));
        var reply = new string(' ', 150) + "{\"name\":\"get_time\",\"arguments\":{\"zone\":\"UTC\"}}";
        var whole = Describe(Normalize(ReplyParser.ParseAll(Format(syntax, think), options, reply)));
        Assert.Equal(whole, Describe(Stream(Format(syntax, think), options, reply, Enumerable.Repeat(1, reply.Length))));
    }

    [Fact]
    public void Arguments_are_normalized_to_compact_objects()
    {
        var reply = "<tool_call>{\"name\": \"get_weather\", \"arguments\": {\n  \"city\" : \"Zürich\",\n  \"unit\": \"celsius\"\n}}</tool_call>";
        var call = Assert.IsType<ReplyPiece.CallPiece>(Assert.Single(ReplyParser.ParseAll(Format(ToolCallSyntax.Hermes), Options(), reply)));
        Assert.Equal("""{"city":"Zürich","unit":"celsius"}""", call.ToolCall.ArgumentsJson);
        var openAiShaped = "<tool_call>{\"type\":\"function\",\"function\":{\"name\":\"get_time\",\"arguments\":\"{\\\"zone\\\":\\\"UTC\\\"}\"}}</tool_call>";
        Assert.Equal([Call(0, "get_time", Utc)], ReplyParser.ParseAll(Format(ToolCallSyntax.Hermes), Options(), openAiShaped));
    }

    [Fact]
    public void Push_after_finish_is_a_programming_error()
    {
        var parser = new ReplyParser(Format(ToolCallSyntax.Hermes), Options());
        parser.Finish();
        Assert.Throws<InvalidOperationException>(() => parser.Push("x"));
    }

    private static string Text(ReplyPiece p) => p switch
    {
        ReplyPiece.Content c => c.Text,
        ReplyPiece.Thinking t => t.Text,
        ReplyPiece.Rejected r => r.Text,
        _ => "",
    };
}
