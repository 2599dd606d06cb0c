using ModelScout.Prompting.Tools;

namespace ModelScout.Prompting.Tests.Tools;

/// <summary>
/// Seeded replies stitched from pieces of every family's markup, JSON and text: parsing never throws, streaming in
/// random chunks gives what parsing the whole reply gives, and no text is lost.
/// </summary>
public sealed class ReplyParserFuzzTests
{
    private static readonly string[] Fragments =
    [
        "<tool_call>", "</tool_call>", "<|python_tag|>", "[TOOL_CALLS]", "[ARGS]", "[CALL_ID]", "<|tool_call|>", "<|/tool_call|>",
        "<｜tool▁calls▁begin｜>", "<｜tool▁calls▁end｜>", "<｜tool▁call▁begin｜>", "<｜tool▁call▁end｜>", "<｜tool▁sep｜>", "function",
        "<think>", "</think>", "```json\n", "```", "\n", " ", ";", "{", "}", "[", "]", "\"", "\\", ",", ":", "<", "<tool", "[TOOL",
        "{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}", "{\"name\":\"get_time\",\"parameters\":{\"zone\":\"UTC\"}}",
        "{\"name\": \"get_time\", \"arguments\": {\"zone\": 3}}", "{\"name\": \"nope\"}", "get_weather", "{\"city\":\"Oslo\"}",
        "Hello", "the weather", "\ud83d\ude00", "\ud800",
    ];

    [Theory]
    [InlineData(ToolCallSyntax.Hermes)]
    [InlineData(ToolCallSyntax.Llama3)]
    [InlineData(ToolCallSyntax.Mistral)]
    [InlineData(ToolCallSyntax.Phi4Mini)]
    [InlineData(ToolCallSyntax.DeepSeek)]
    [InlineData(ToolCallSyntax.GenericJson)]
    public void Random_replies_stream_like_the_whole_and_lose_no_text(ToolCallSyntax syntax)
    {
        var random = new Random((int)syntax * 7919);
        for (var round = 0; round < 1500; round++)
        {
            var think = round % 3 == 0;
            var format = new ChatFormat { Family = "fuzz", ToolSyntax = syntax, ThinkOpen = think ? "<think>" : null, ThinkClose = think ? "</think>" : null };
            var options = new ReplyParserOptions
            {
                Tools = [ReplyParserTests.Weather, ReplyParserTests.Time],
                SeparateThinking = think,
                StartsInThinking = think && round % 2 == 0,
                NewCallId = n => "id" + n,
                MaxHeldChars = round % 5 == 0 ? 64 + random.Next(64) : ReplyParserOptions.DefaultMaxHeldChars,
            };
            var parts = random.Next(1, 14);
            var reply = string.Concat(Enumerable.Range(0, parts).Select(_ => Fragments[random.Next(Fragments.Length)]));
            var whole = ReplyParserTests.Normalize(ReplyParser.ParseAll(format, options, reply));
            var expected = string.Join("\n", whole);
            for (var k = 0; k < 3; k++)
            {
                var sizes = new List<int>();
                for (var left = reply.Length; left > 0;)
                {
                    var n = Math.Min(left, k == 0 ? 1 : random.Next(1, 9));
                    sizes.Add(n);
                    left -= n;
                }
                var streamed = string.Join("\n", ReplyParserTests.Stream(format, options, reply, sizes));
                Assert.True(expected == streamed, $"round {round}, reply {System.Text.Json.JsonSerializer.Serialize(reply)}\nwhole:\n{expected}\nstreamed:\n{streamed}");
            }
            if (!think && !whole.Any(p => p is ReplyPiece.CallPiece))
            {
                // Without calls or reasoning, every character comes back as answer or rejected text, save whitespace
                // dropped before markup.
                var text = string.Concat(whole.Select(p => p switch { ReplyPiece.Content c => c.Text, ReplyPiece.Rejected r => r.Text, _ => "" }));
                Assert.True(Strip(text) == Strip(reply), $"round {round}: text lost from {System.Text.Json.JsonSerializer.Serialize(reply)}: {System.Text.Json.JsonSerializer.Serialize(text)}");
            }
        }
    }

    private static string Strip(string s) => string.Concat(s.Where(c => !char.IsWhiteSpace(c)));
}
