namespace ModelScout.Inference.Engine;

/// <summary>The GBNF grammar for an output constraint (null for free text).</summary>
internal static class OutputGrammars
{
    // Interim: a compact JSON-object grammar until the schema converter lands.
    private const string AnyObject = """
        root   ::= object
        value  ::= object | array | string | number | ("true" | "false" | "null") ws
        object ::= "{" ws ( string ":" ws value ("," ws string ":" ws value)* )? "}" ws
        array  ::= "[" ws ( value ("," ws value)* )? "]" ws
        string ::= "\"" ( [^"\\\x7F\x00-\x1F] | "\\" (["\\/bfnrt] | "u" [0-9a-fA-F]{4}) )* "\"" ws
        number ::= ("-"? ([0-9] | [1-9] [0-9]{0,15})) ("." [0-9]+)? ([eE] [-+]? [0-9] [1-9]{0,15})? ws
        ws     ::= | " " | "\n" [ \t]{0,20}
        """;

    public static string? For(OutputConstraint? format) => format switch
    {
        null => null,
        OutputConstraint.AnyJson => AnyObject,
        OutputConstraint.Grammar g => g.Gbnf,
        OutputConstraint.JsonSchema => throw new InferenceException(InferenceErrorKind.InvalidRequest, "JSON schema output is not supported yet") { Param = "format" },
        _ => null,
    };
}
