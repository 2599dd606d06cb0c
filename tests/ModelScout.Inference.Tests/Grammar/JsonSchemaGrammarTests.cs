using System.Text.Json;
using System.Text.Json.Nodes;
using ModelScout.Inference.Grammar;

namespace ModelScout.Inference.Tests.Grammar;

public sealed class JsonSchemaGrammarTests
{
    [Theory]
    [InlineData("""{"type":"string","pattern":"^a+$"}""", "#", "'pattern' is not supported")]
    [InlineData("""{"type":"object","properties":{"tags":{"type":"array","uniqueItems":true}}}""", "#/properties/tags", "uniqueItems")]
    [InlineData("""{"type":"string","format":"email"}""", "#", "format 'email' is not supported")]
    [InlineData("""{"type":"string","maxLength":5000}""", "#", "above 1000")]
    [InlineData("""{"type":"array","minItems":3,"maxItems":2}""", "#", "maxItems is below minItems")]
    [InlineData("""{"$ref":"#/$defs/missing"}""", "#", "does not point at anything")]
    [InlineData("""{"$ref":"https://example.com/s.json"}""", "#", "only local references")]
    [InlineData("""{"type":"strng"}""", "#", "unknown type 'strng'")]
    [InlineData("""{"type":"integer","multipleOf":5}""", "#", "multipleOf")]
    [InlineData("""{"allOf":[{"type":"string"},{"type":"integer"}]}""", "#/allOf/1", "no type in common")]
    [InlineData("""{"not":{"type":"null"}}""", "#", "'not' is not supported")]
    [InlineData("""false""", "#", "allows nothing")]
    [InlineData("""{"allOf":[{"properties":{"a":{}},"required":["a"]}],"additionalProperties":false}""", "#/allOf/0", "another part forbids it")]
    [InlineData("""{"type":"object",""", "#", "not valid JSON")]
    public void Unsupported_or_broken_schemas_are_rejected_with_the_place_and_advice(string schema, string path, string expected)
    {
        var e = Assert.Throws<JsonSchemaException>(() => JsonSchemaGrammar.Convert(schema));
        Assert.Equal(path, e.SchemaPath);
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Properties_appear_in_schema_order_and_optional_ones_can_be_left_out()
    {
        var g = JsonSchemaGrammar.Convert("""{"type":"object","properties":{"b":{"type":"boolean"},"a":{"type":"integer"}},"required":["a"]}""");
        Assert.StartsWith("root ::= \"{\" ws", g, StringComparison.Ordinal);
        Assert.Contains("root-b-kv ::= \"\\\"b\\\"\" ws \":\" ws boolean", g, StringComparison.Ordinal);
        Assert.True(g.IndexOf("root-b-kv ::=", StringComparison.Ordinal) < g.IndexOf("root-a-kv ::=", StringComparison.Ordinal));
        // b optional, a required: either "b, a" or "a" alone.
        Assert.Contains("root ::= \"{\" ws ( root-b-kv root-after-1 | root-a-kv ) \"}\" ws", g, StringComparison.Ordinal);
        Assert.Contains("root-after-1 ::= \",\" ws root-a-kv", g, StringComparison.Ordinal);
    }

    [Fact]
    public void Whitespace_is_bounded()
    {
        Assert.Contains("ws ::= ( [ \\t] | \"\\n\" [ \\t]{0,24} )?", JsonGrammar.AnyJson, StringComparison.Ordinal);
        Assert.DoesNotContain("ws*", JsonSchemaGrammar.Convert("{}"), StringComparison.Ordinal);
    }

    // Schemas stories260K can complete: strings are bounded (its greedy choice inside a string is to keep telling a
    // story), so every sample ends with the grammar's own end instead of the token limit.
    public static TheoryData<string, string> Schemas => new()
    {
        { "person", """{"type":"object","properties":{"name":{"type":"string","minLength":1,"maxLength":12},"age":{"type":"integer","minimum":0},"mood":{"enum":["happy","sad",null,3]},"ok":{"type":"boolean"}},"required":["name","age","mood","ok"]}""" },
        { "optional", """{"type":"object","properties":{"a":{"type":"boolean"},"b":{"type":"null"},"c":{"const":"x"}},"required":["b"],"additionalProperties":false}""" },
        { "array", """{"type":"array","items":{"type":"string","maxLength":6},"minItems":2,"maxItems":3}""" },
        { "tuple", """{"type":"array","prefixItems":[{"type":"number"},{"type":"boolean"},{"enum":["a","b"]}],"items":false}""" },
        { "union", """{"anyOf":[{"type":"null"},{"const":{"k":[1,2]}},{"type":["boolean","integer"]}]}""" },
        { "formats", """{"type":"object","properties":{"when":{"type":"string","format":"date-time"},"day":{"format":"date"},"id":{"type":"string","format":"uuid"}},"required":["when","day","id"]}""" },
        { "allOf", """{"allOf":[{"type":"object","properties":{"a":{"type":"integer"}},"required":["a"]},{"properties":{"b":{"type":"string","maxLength":5}},"required":["b"]},{"additionalProperties":false,"properties":{"a":true,"b":true,"c":true}}]}""" },
        { "defs", """{"$defs":{"flag":{"type":"boolean"},"pair":{"type":"object","properties":{"x":{"$ref":"#/$defs/flag"},"y":{"$ref":"#/definitions/flag"}},"required":["x","y"]}},"definitions":{"flag":{"type":"boolean"}},"type":"array","items":{"$ref":"#/$defs/pair"},"minItems":1,"maxItems":2}""" },
        { "oneOf", """{"oneOf":[{"type":"object","properties":{"kind":{"const":"circle"},"r":{"type":"integer","minimum":0}},"required":["kind","r"]},{"type":"object","properties":{"kind":{"const":"dot"}},"required":["kind"],"additionalProperties":false}]}""" },
        { "nullable", """{"type":"object","properties":{"n":{"type":"string","maxLength":3,"nullable":true}},"required":["n"]}""" },
    };

    [Theory]
    [MemberData(nameof(Schemas))]
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
}
