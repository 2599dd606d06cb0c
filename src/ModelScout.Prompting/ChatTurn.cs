

namespace ModelScout.Prompting;

/// <summary>
/// One chat message: a role ("system", "user", "assistant", "tool") and its text. An assistant turn may carry the tool
/// calls it made (<see cref="ToolCalls"/>) and its reasoning (<see cref="Thinking"/>); a tool turn names the call it
/// answers (<see cref="ToolCallId"/>, OpenAI) or the tool that produced it (<see cref="ToolName"/>, Ollama).
/// </summary>
public sealed record ChatTurn(string Role, string Content)
{
    /// <summary>Calls an assistant turn made, in order; null or empty for a plain answer.</summary>
    public IReadOnlyList<ToolCall>? ToolCalls { get; init; }

    /// <summary>For a tool turn: the id of the call it answers (OpenAI's <c>tool_call_id</c>).</summary>
    public string? ToolCallId { get; init; }

    /// <summary>For a tool turn: the function that produced it (Ollama's <c>tool_name</c>).</summary>
    public string? ToolName { get; init; }

    /// <summary>For an assistant turn: the reasoning that came before its answer.</summary>
    public string? Thinking { get; init; }
}
