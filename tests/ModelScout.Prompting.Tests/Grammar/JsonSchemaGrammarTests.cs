using ModelScout.Prompting.Grammar;

namespace ModelScout.Prompting.Tests.Grammar;

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
}
