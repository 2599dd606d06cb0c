namespace ModelScout.Prompting.Grammar;

/// <summary>
/// Fixed GBNF grammars (llama.cpp's grammar format) for JSON output. Whitespace between tokens is bounded (one space,
/// or a newline and up to 24 spaces or tabs) so a model cannot loop on blanks, and numbers have at most 16 integer
/// digits, 16 fraction digits and a 3-digit exponent.
/// </summary>
public static class JsonGrammar
{
    /// <summary>The shared building blocks: <c>value object array string char number integer boolean null ws</c>, the non-negative numbers and the string formats.</summary>
    internal const string Primitives = """
        value ::= object | array | string | number | boolean | null
        object ::= "{" ws ( string ":" ws value ( "," ws string ":" ws value )* )? "}" ws
        array ::= "[" ws ( value ( "," ws value )* )? "]" ws
        string ::= "\"" char* "\"" ws
        char ::= [^"\\\x7F\x00-\x1F] | "\\" ( ["\\/bfnrt] | "u" [0-9a-fA-F]{4} )
        number ::= int-part ( "." [0-9]{1,16} )? ( [eE] [-+]? [0-9]{1,3} )? ws
        integer ::= int-part ws
        int-part ::= "-"? digits
        nonneg-number ::= digits ( "." [0-9]{1,16} )? ( [eE] [-+]? [0-9]{1,3} )? ws
        nonneg-integer ::= digits ws
        digits ::= "0" | [1-9] [0-9]{0,15}
        date-string ::= "\"" date "\"" ws
        time-string ::= "\"" time "\"" ws
        date-time-string ::= "\"" date "T" time "\"" ws
        uuid-string ::= "\"" hex{8} "-" hex{4} "-" hex{4} "-" hex{4} "-" hex{12} "\"" ws
        date ::= [0-9]{4} "-" ( "0" [1-9] | "1" [0-2] ) "-" ( "0" [1-9] | [12] [0-9] | "3" [01] )
        time ::= ( [01] [0-9] | "2" [0-3] ) ":" [0-5] [0-9] ":" [0-5] [0-9] ( "." [0-9]{1,6} )? ( "Z" | [+-] ( [01] [0-9] | "2" [0-3] ) ":" [0-5] [0-9] )
        hex ::= [0-9a-fA-F]
        boolean ::= ( "true" | "false" ) ws
        null ::= "null" ws
        ws ::= ( [ \t] | "\n" [ \t]{0,24} )?
        """;

    /// <summary>Any JSON value: what OpenAI's <c>json_object</c> promises, with a value at the top.</summary>
    public static string AnyJson { get; } = "root ::= value\n" + Primitives.Replace("\r\n", "\n", StringComparison.Ordinal) + "\n";

    /// <summary>A JSON object: what Ollama's <c>format: "json"</c> produces.</summary>
    public static string AnyObject { get; } = "root ::= object\n" + Primitives.Replace("\r\n", "\n", StringComparison.Ordinal) + "\n";
}
