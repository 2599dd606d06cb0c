using ModelScout.Prompting;
using ModelScout.Prompting.Grammar;

namespace ModelScout.Engine;

/// <summary>The GBNF grammar for an output constraint (null for free text).</summary>
internal static class OutputGrammars
{
    public static string? For(OutputConstraint? format) => format switch
    {
        null => null,
        // Ollama's format "json" and OpenAI's json_object both promise an object.
        OutputConstraint.AnyJson => JsonGrammar.AnyObject,
        OutputConstraint.JsonSchema s => Schema(s.Schema),
        OutputConstraint.Grammar g => Gbnf(g.Gbnf),
        _ => null,
    };

    // llama.cpp aborts the process on a grammar it cannot parse, so a raw grammar is checked in managed code first.
    private static string Gbnf(string gbnf)
    {
        try
        {
            return GbnfChecker.Check(gbnf);
        }
        catch (InvalidRequestException e)
        {
            throw new InferenceException(InferenceErrorKind.InvalidRequest, e.Message, e) { Param = e.Param };
        }
    }

    private static string Schema(string schema)
    {
        try
        {
            return JsonSchemaGrammar.Convert(schema);
        }
        catch (Exception e) when (e is JsonSchemaException or System.Text.Json.JsonException)
        {
            throw new InferenceException(InferenceErrorKind.InvalidRequest, "the JSON schema cannot be enforced: " + e.Message) { Param = "format" };
        }
    }
}
