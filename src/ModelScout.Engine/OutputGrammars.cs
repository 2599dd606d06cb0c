using ModelScout.Prompting;
using ModelScout.Prompting.Grammar;
using ModelScout.Prompting.Tools;

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

    /// <summary>
    /// The grammar that enforces <c>tool_choice</c> required or a named function: calls in the model family's syntax whose
    /// arguments follow each tool's schema. Null when the model chooses freely.
    /// </summary>
    public static string? ForTools(ChatFormat format, IReadOnlyList<ToolDefinition> tools, GenerationRequest request, ReasoningBeforeCalls reasoning)
    {
        var choice = request.ToolChoice;
        if (choice is ToolChoice.AutoChoice or ToolChoice.NoneChoice) return null;
        if (tools.Count == 0)
            throw new InferenceException(InferenceErrorKind.InvalidRequest, "tool_choice asks for a tool call but the request offers no tools; send tools or leave tool_choice out") { Param = "tool_choice" };
        if (choice is ToolChoice.Named named && !tools.Any(t => t.Name == named.Name))
            throw new InferenceException(InferenceErrorKind.InvalidRequest, $"tool_choice names \"{named.Name}\", which is not one of the tools ({string.Join(", ", tools.Select(t => t.Name))})") { Param = "tool_choice" };
        if (request.Format is not null)
            throw new InferenceException(InferenceErrorKind.InvalidRequest, "a forced tool call (tool_choice required or a named function) cannot be combined with a response format; drop one of them") { Param = "tool_choice" };
        try
        {
            // A reasoning model may think before it calls; a prompt that already opened the think block must close it first.
            return ToolCallGrammar.Build(format, tools, choice, request.ParallelToolCalls, reasoning);
        }
        catch (InvalidRequestException e)
        {
            throw new InferenceException(InferenceErrorKind.InvalidRequest, e.Message, e) { Param = e.Param ?? "tools" };
        }
    }

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
