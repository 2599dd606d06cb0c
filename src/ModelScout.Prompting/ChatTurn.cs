namespace ModelScout.Prompting;

/// <summary>One chat message: a role ("system", "user", "assistant", "tool") and its text.</summary>
public sealed record ChatTurn(string Role, string Content);
