namespace ModelScout.Prompting.Tools;

/// <summary>
/// GBNF grammars that force a reply to be tool calls in a family's syntax, with arguments that validate against each
/// tool's JSON Schema (through <see cref="Grammar.JsonSchemaGrammar"/>): <c>tool_choice</c> required or a named function.
/// </summary>
public static class ToolCallGrammar
{
    /// <summary>
    /// The grammar (root rule <c>root</c>) for <paramref name="choice"/> (<see cref="ToolChoice.Required"/> or a
    /// <see cref="ToolChoice.Named"/>) over <paramref name="tools"/> in <paramref name="format"/>'s syntax; with
    /// <paramref name="parallel"/>, one or more calls, else exactly one. Null for Auto and None. A schema the converter
    /// cannot enforce is an <see cref="InvalidRequestException"/> naming the tool.
    /// </summary>
    public static string? Build(ChatFormat format, IReadOnlyList<ToolDefinition> tools, ToolChoice choice, bool parallel) =>
        throw new NotImplementedException("issue 13: ToolCallGrammar.Build");
}

/// <summary>Checks a call's arguments against its tool's JSON Schema.</summary>
public static class ToolArguments
{
    /// <summary>Null when <paramref name="argumentsJson"/> is a JSON object that satisfies <paramref name="tool"/>'s schema; otherwise why not.</summary>
    public static string? Validate(ToolDefinition tool, string argumentsJson) =>
        throw new NotImplementedException("issue 13: ToolArguments.Validate");
}
