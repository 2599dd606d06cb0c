using ModelScout.Prompting;
using ModelScout.Prompting.Tools;

namespace ModelScout.Engine.Tests.Tools;

/// <summary>
/// tool_choice required / named through llama.cpp with stories260K, a model that knows nothing of tools: the grammar
/// alone makes every reply a call that <see cref="ReplyParser"/> reads back and whose arguments pass the schema.
/// </summary>
public sealed class ToolCallGrammarEngineTests
{
    // Strings and arrays are bounded so every sample ends inside the token limit; numeric bounds are only a lower
    // bound of 0, the one the grammar enforces (see docs/modelfile.md).
    private static readonly ToolDefinition[] Tools =
    [
        new("get_weather", "Weather in a city", """
            {"type":"object","properties":{"city":{"type":"string","maxLength":12},"unit":{"type":"string","enum":["celsius","fahrenheit"]},"days":{"type":"integer","minimum":0}},"required":["city"]}
            """),
        new("place_order", "Order items", """
            {"type":"object","properties":{
              "order":{"type":"object","properties":{
                "id":{"type":"integer","minimum":0},
                "items":{"type":"array","maxItems":3,"items":{"type":"object","properties":{"sku":{"type":"string","maxLength":6},"qty":{"type":"integer","minimum":0}},"required":["sku","qty"],"additionalProperties":false}}},
               "required":["id","items"]},
              "express":{"type":"boolean"}},
             "required":["order"],"additionalProperties":false}
            """),
        new("plot", "Plot a point", """
            {"type":"object","properties":{"point":{"type":"object","properties":{"x":{"type":"number"},"y":{"type":"number"}},"required":["x","y"]},"tags":{"type":"array","items":{"enum":["a","b","c"]},"minItems":1,"maxItems":3},"scale":{"type":"number","minimum":0}},"required":["point","tags"]}
            """),
        new("set_level", null, """
            {"type":"object","properties":{"note":{"type":["string","null"],"maxLength":10},"level":{"anyOf":[{"enum":["low","high"]},{"type":"integer","minimum":0}]}},"required":["level"]}
            """),
        new("add_people", null, """
            {"$defs":{"p":{"type":"object","properties":{"name":{"type":"string","maxLength":8},"age":{"type":"integer","minimum":0}},"required":["name"],"additionalProperties":false}},
             "type":"object","properties":{"people":{"type":"array","items":{"$ref":"#/$defs/p"},"minItems":1,"maxItems":2}},"required":["people"]}
            """),
        new("ping", "No parameters", ToolDefinition.NoParameters),
    ];

    private static readonly string[] Prompts =
    [
        "Once upon a time", "The little dog", "Lily wanted to", "One day, Tom", "The sun was", "She said",
        "There was a big", "Mom and dad", "The bird flew", "Ben found a", "It was a dark", "The cat and the",
    ];

    [Fact]
    public void Required_and_named_calls_from_a_seeded_batch_all_parse_and_validate()
    {
        var failures = new List<string>();
        var calls = 0;
        for (var i = 0; i < 24; i++)
        {
            var syntax = i % 2 == 0 ? ToolCallSyntax.GenericJson : ToolCallSyntax.Hermes;
            var format = new ChatFormat { Family = syntax.ToString(), ToolSyntax = syntax };
            var offered = new[] { Tools[i % Tools.Length], Tools[(i + 1) % Tools.Length], Tools[(i + 3) % Tools.Length] };
            var choice = i % 3 == 0 ? new ToolChoice.Named(offered[1].Name) : ToolChoice.Required;
            var parallel = i % 6 == 5;
            var gbnf = ToolCallGrammar.Build(format, offered, choice, parallel)!;

            var (text, ended) = LlamaTestRuntime.GenerateConstrained(gbnf, Prompts[i % Prompts.Length], 1500, (uint)(i + 1), contextSize: 2048);
            var pieces = ReplyParser.ParseAll(format, new ReplyParserOptions { Tools = offered }, text);
            var found = pieces.OfType<ReplyPiece.CallPiece>().Select(p => p.ToolCall).ToList();
            var problem = !ended ? "no end within 1500 tokens"
                : found.Count == 0 ? "no call parsed: " + string.Join("; ", pieces)
                : pieces.Any(p => p is not ReplyPiece.CallPiece) ? "more than calls: " + string.Join("; ", pieces)
                : choice is ToolChoice.Named named && found.Any(c => c.Name != named.Name) ? "a call to another tool than the named one"
                : found.Select(c => ToolArguments.Validate(offered.First(t => t.Name == c.Name), c.ArgumentsJson)).FirstOrDefault(e => e is not null);
            if (problem is not null) failures.Add($"#{i} {syntax} {choice} parallel={parallel}: {problem}\n{text}");
            calls += found.Count;
        }
        Assert.True(failures.Count == 0, $"{failures.Count} of 24 replies failed:\n" + string.Join("\n\n", failures));
        Assert.True(calls >= 24, $"{calls} calls");
    }

    [Theory]
    [InlineData(ToolCallSyntax.Llama3)]
    [InlineData(ToolCallSyntax.Mistral)]
    [InlineData(ToolCallSyntax.Phi4Mini)]
    [InlineData(ToolCallSyntax.DeepSeek)]
    public void Every_family_grammar_runs_in_llama_cpp_and_parses_back(ToolCallSyntax syntax)
    {
        var format = new ChatFormat { Family = syntax.ToString(), ToolSyntax = syntax, ThinkOpen = "<think>", ThinkClose = "</think>" };
        ToolDefinition[] offered = [Tools[0], Tools[4]];
        var gbnf = ToolCallGrammar.Build(format, offered, ToolChoice.Required, parallel: true)!;
        var (text, ended) = LlamaTestRuntime.GenerateConstrained(gbnf, "Once upon a time", 1500, 5, contextSize: 2048);
        Assert.True(ended, text);
        var pieces = ReplyParser.ParseAll(format, new ReplyParserOptions { Tools = offered }, text);
        Assert.All(pieces, p => Assert.IsType<ReplyPiece.CallPiece>(p));
        Assert.NotEmpty(pieces);

        // The variant that lets the reply reason first loads too (its reasoning is free text: only a few tokens here).
        var thinking = ToolCallGrammar.Build(format, offered, ToolChoice.Required, parallel: false, ReasoningBeforeCalls.AlreadyOpen)!;
        LlamaTestRuntime.GenerateConstrained(thinking, "Once upon a time", 3, 5);
    }
}
