using ModelScout.Prompting.Tools;

namespace ModelScout.Prompting.Tests.Tools;

public sealed class ToolArgumentsTests
{
    private const string Unit = """{"type":"object","properties":{"unit":{"type":"string","enum":["celsius","fahrenheit"]}}}""";
    private const string Nested = """
        {"type":"object","properties":{
          "where":{"type":"object","properties":{"lat":{"type":"number","minimum":-90,"maximum":90},"lon":{"type":"number"}},"required":["lat","lon"],"additionalProperties":false},
          "tags":{"type":"array","items":{"type":"string","minLength":2,"maxLength":4},"minItems":1,"maxItems":2},
          "count":{"type":"integer","exclusiveMinimum":0},
          "mode":{"const":"fast"},
          "note":{"type":["string","null"]},
          "legacy":{"type":"string","nullable":true}},
         "required":["where"]}
        """;
    private const string Combinators = """
        {"type":"object","$defs":{"pos":{"type":"integer","minimum":0}},
         "properties":{
           "id":{"$ref":"#/$defs/pos"},
           "old":{"$ref":"#/definitions/flag"},
           "either":{"anyOf":[{"type":"string"},{"type":"integer"}]},
           "one":{"oneOf":[{"type":"integer"},{"type":"number","minimum":10}]},
           "both":{"allOf":[{"type":"string"},{"maxLength":3}]},
           "extra":{"type":"object","additionalProperties":{"type":"boolean"}}},
         "definitions":{"flag":{"type":"boolean"}}}
        """;

    public static TheoryData<string, string, string?> Cases => new()
    {
        { Unit, """{"unit":"celsius"}""", null },
        { Unit, """{"unit":"kelvin"}""", "arguments.unit: 'kelvin' is not one of celsius, fahrenheit" },
        { Unit, """{}""", null },
        { Unit, """[1]""", "arguments: expected an object, got an array" },
        { Unit, """{"unit":""", "arguments: not valid JSON" },
        { Nested, """{"where":{"lat":1.5,"lon":2},"tags":["ab"],"count":3,"mode":"fast","note":null,"legacy":null}""", null },
        { Nested, """{"tags":["ab"]}""", "arguments: missing required property 'where'" },
        { Nested, """{"where":{"lat":91,"lon":0}}""", "arguments.where.lat: 91 is above the maximum 90" },
        { Nested, """{"where":{"lat":-91,"lon":0}}""", "arguments.where.lat: -91 is below the minimum -90" },
        { Nested, """{"where":{"lat":0,"lon":"east"}}""", "arguments.where.lon: expected number, got string 'east'" },
        { Nested, """{"where":{"lat":0,"lon":0,"alt":3}}""", "arguments.where: unexpected property 'alt' (allowed: lat, lon)" },
        { Nested, """{"where":{"lat":0,"lon":0},"tags":[]}""", "arguments.tags: has 0 items, fewer than minItems 1" },
        { Nested, """{"where":{"lat":0,"lon":0},"tags":["ab","cd","ef"]}""", "more than maxItems 2" },
        { Nested, """{"where":{"lat":0,"lon":0},"tags":["ab","x"]}""", "arguments.tags[1]: 'x' is 1 characters long, shorter than minLength 2" },
        { Nested, """{"where":{"lat":0,"lon":0},"tags":["abcde"]}""", "longer than maxLength 4" },
        { Nested, """{"where":{"lat":0,"lon":0},"count":2.5}""", "arguments.count: expected integer, got number 2.5" },
        { Nested, """{"where":{"lat":0,"lon":0},"count":2.0}""", null },
        { Nested, """{"where":{"lat":0,"lon":0},"count":0}""", "arguments.count: 0 must be above 0" },
        { Nested, """{"where":{"lat":0,"lon":0},"mode":"slow"}""", "arguments.mode: 'slow' is not the required value 'fast'" },
        { Nested, """{"where":{"lat":0,"lon":0},"note":3}""", "arguments.note: expected string or null, got number 3" },
        { Nested, """{"where":{"lat":0,"lon":0},"legacy":true}""", "arguments.legacy: expected string, got boolean true" },
        { Combinators, """{"id":4,"old":true,"either":"x","one":3,"both":"abc","extra":{"a":true}}""", null },
        { Combinators, """{"id":-1}""", "arguments.id: -1 is below the minimum 0" },
        { Combinators, """{"old":1}""", "arguments.old: expected boolean, got number 1" },
        { Combinators, """{"either":true}""", "arguments.either: matches none of the anyOf alternatives" },
        { Combinators, """{"one":12}""", "arguments.one: matches 2 of the oneOf alternatives" },
        { Combinators, """{"both":"abcd"}""", "arguments.both: 'abcd' is 4 characters long, longer than maxLength 3" },
        { Combinators, """{"extra":{"a":"yes"}}""", "arguments.extra.a: expected boolean, got string 'yes'" },
        { """{"type":"object","properties":{"x":{"$ref":"#/$defs/none"}}}""", """{"x":1}""", "points at nothing" },
        { """{"type":"object","properties":{"weird key":{"type":"integer"}}}""", """{"weird key":"a"}""", "arguments[\"weird key\"]: expected integer" },
        { """{"type":"object","properties":{"x":{"type":"array","prefixItems":[{"type":"string"}],"items":{"type":"integer"}}}}""", """{"x":["a",1,"b"]}""", "arguments.x[2]: expected integer" },
        { """{"type":"object","properties":{"n":{"enum":[1,2]}}}""", """{"n":2.0}""", null },
        { """{"type":"object","properties":{"s":{"type":"string","maxLength":2}}}""", """{"s":"😀😀"}""", null },
        { """{"type":"object","additionalProperties":false}""", """{"a":1}""", "unexpected property 'a' (this object takes no properties)" },
        { """{"$ref":"#"}""", """{}""", "nests deeper than" },
        { """not json""", """{}""", "schema of 't' is not valid JSON" },
        { Unit, """{"unit":"\udc00"}""", "arguments: not valid JSON" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Validate_follows_the_schema_and_names_the_path(string schema, string arguments, string? expected)
    {
        var error = ToolArguments.Validate(new ToolDefinition("t", null, schema), arguments);
        if (expected is null) Assert.Null(error);
        else Assert.Contains(expected, error ?? "(valid)", StringComparison.Ordinal);
    }
}
