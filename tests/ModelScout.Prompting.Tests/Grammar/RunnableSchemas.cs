namespace ModelScout.Prompting.Tests.Grammar;

/// <summary>
/// JSON schemas with a name each. The checker tests run what the converter makes of them through GbnfChecker; the
/// engine's grammar tests (compiled in from this file) run them through llama.cpp.
/// </summary>
public static class RunnableSchemas
{
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
}
