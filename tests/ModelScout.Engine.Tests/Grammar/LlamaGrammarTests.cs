using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using ModelScout.Prompting.Grammar;
using ModelScout.Prompting.Tests.Grammar;
using ModelScout.Testing;

namespace ModelScout.Engine.Tests.Grammar;

/// <summary>
/// The grammars the engine hands llama.cpp, run through llama.cpp with stories260K: converted JSON schemas produce
/// valid samples, and grammars the checker accepts load and shape the output.
/// </summary>
public sealed class LlamaGrammarTests
{
    [Theory]
    [MemberData(nameof(RunnableSchemas.Schemas), MemberType = typeof(RunnableSchemas))]
    public void Llama_cpp_accepts_the_grammar_and_every_sample_validates(string name, string schema)
    {
        var gbnf = JsonSchemaGrammar.Convert(schema);
        var schemaNode = JsonNode.Parse(schema)!;
        foreach (uint? seed in new uint?[] { null, 1, 2, 3 })
        {
            var (text, ended) = LlamaTestRuntime.GenerateConstrained(gbnf, "Once upon a time", 400, seed);
            Assert.True(ended, $"{name} seed {seed}: no end within 400 tokens: {text}");
            JsonNode? value;
            try
            {
                value = JsonNode.Parse(text);
            }
            catch (JsonException e)
            {
                throw new Xunit.Sdk.XunitException($"{name} seed {seed}: not JSON ({e.Message}): {text}\n{gbnf}");
            }
            Assert.True(SchemaCheck.Validate(schemaNode, value, schemaNode) is null, $"{name} seed {seed}: {SchemaCheck.Validate(schemaNode, value, schemaNode)}: {text}");
        }
    }

    [Fact]
    public void Extra_properties_follow_their_schema_and_never_reuse_a_declared_name()
    {
        // Extra keys are unbounded, so the model may go on adding them: check every complete pair it wrote.
        var gbnf = JsonSchemaGrammar.Convert("""{"type":"object","properties":{"id":{"type":"integer"},"idx":{"type":"null"}},"required":["id"],"additionalProperties":{"type":"boolean"}}""");
        foreach (uint? seed in new uint?[] { null, 1, 2, 3, 4 })
        {
            var (text, _) = LlamaTestRuntime.GenerateConstrained(gbnf, "Once upon a time", 150, seed);
            var pairs = System.Text.RegularExpressions.Regex.Matches(text, "\"((?:[^\"\\\\]|\\\\.)*)\"\\s*:\\s*([^,}\\s]+)");
            Assert.NotEmpty(pairs);
            Assert.Equal("id", pairs[0].Groups[1].Value);
            foreach (var pair in pairs.Skip(1))
            {
                var key = pair.Groups[1].Value;
                var value = pair.Groups[2].Value;
                if (key == "idx") Assert.Equal("null", value);
                else Assert.True(key != "id" && value is "true" or "false", $"seed {seed}: {key}: {value} in {text}");
            }
        }
    }

    [Fact]
    public void Any_object_grammar_yields_an_object_and_any_json_grammar_accepts_every_kind_of_value()
    {
        var (text, _) = LlamaTestRuntime.GenerateConstrained(JsonGrammar.AnyObject, "Once upon a time", 60);
        Assert.StartsWith("{", text, StringComparison.Ordinal);
        var (any, _) = LlamaTestRuntime.GenerateConstrained(JsonGrammar.AnyJson, "Once upon a time", 60, 7);
        Assert.NotEqual("", any);
    }

    [Fact]
    public void Large_bounded_schemas_still_load_in_llama_cpp()
    {
        var gbnf = JsonSchemaGrammar.Convert("""
            {"type":"object","properties":{
              "title":{"type":"string","minLength":1,"maxLength":1000},
              "tags":{"type":"array","items":{"type":"string","maxLength":20},"maxItems":1000},
              "weird key \"with\" quotes\\ and ünïcode":{"type":"number"},
              "tree":{"$ref":"#"}},
             "additionalProperties":{"type":"integer"}}
            """);
        var (text, _) = LlamaTestRuntime.GenerateConstrained(gbnf, "Once upon a time", 3);
        Assert.StartsWith("{", text, StringComparison.Ordinal);
    }

    [Fact]
    public void The_example_grammar_in_the_docs_passes_and_runs()
    {
        var doc = File.ReadAllText(Path.Combine(RepoPaths.Root, "docs", "modelfile.md"));
        var start = doc.IndexOf("```\n# comments run", StringComparison.Ordinal) + 4;
        var example = doc[start..doc.IndexOf("```", start, StringComparison.Ordinal)];
        Assert.Same(example, GbnfChecker.Check(example));
        var (text, ended) = LlamaTestRuntime.GenerateConstrained(example, "Once upon a time", 30);
        Assert.True(ended, text);
        Assert.Matches(new Regex("^(yes|no) [1-9][0-9]{0,3}$"), text);
    }

    public static TheoryData<string, string> RunnableGrammars => new()
    {
        { "root ::= (\"yes\" | \"no\") \"!\"", "^(yes|no)!$" },
        { "root ::= [A-Z] [a-z]{2,5} \" \" digit{3}\ndigit ::= [0-9]", "^[A-Z][a-z]{2,5} [0-9]{3}$" },
        { "# a comment\nroot ::= \"<\" (\n  \"x\" |\n  \"y\"\n){1,4} \">\" # tail", "^<[xy]{1,4}>$" },
        { "root ::= \"\\u00e9t\\u00e9 \" [^\\n\"]{1,4} \"\\x21\"", "^été [^\\n\"]{1,4}!$" },
        { "root ::= item (\", \" item){0,2}\nitem ::= \"cat\" | \"dog\" | \"sun\"", "^(cat|dog|sun)(, (cat|dog|sun)){0,2}$" },
    };

    [Theory]
    [MemberData(nameof(RunnableGrammars))]
    public void Accepted_grammars_run_in_llama_cpp_and_shape_the_output(string gbnf, string pattern)
    {
        GbnfChecker.Check(gbnf);
        foreach (uint? seed in new uint?[] { null, 7 })
        {
            var (text, ended) = LlamaTestRuntime.GenerateConstrained(gbnf, "Once upon a time", 60, seed);
            Assert.True(ended, $"seed {seed}: no end within 60 tokens: {text}");
            Assert.Matches(new Regex(pattern), text);
        }
    }
}
