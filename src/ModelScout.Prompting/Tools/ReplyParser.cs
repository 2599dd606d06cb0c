namespace ModelScout.Prompting.Tools;

/// <summary>A piece of a model's reply after parsing: answer text, reasoning text, or a complete tool call.</summary>
public abstract record ReplyPiece
{
    private ReplyPiece() { }

    /// <summary>Answer text, shown to the user.</summary>
    public sealed record Content(string Text) : ReplyPiece;

    /// <summary>Reasoning text (inside the think block).</summary>
    public sealed record Thinking(string Text) : ReplyPiece;

    /// <summary>A complete, valid tool call.</summary>
    public sealed record CallPiece(ToolCall ToolCall) : ReplyPiece;

    /// <summary>
    /// Markup that looked like a tool call but was not a valid one (broken JSON, unknown function, arguments that break
    /// the schema). <see cref="Text"/> is the raw text, returned to the client as content; <see cref="Reason"/> is for the log.
    /// </summary>
    public sealed record Rejected(string Text, string Reason) : ReplyPiece;
}

/// <summary>What a <see cref="ReplyParser"/> looks for.</summary>
public sealed record ReplyParserOptions
{
    /// <summary>The tools the request offered; calls to any other name are rejected. Empty: tool calls are not parsed.</summary>
    public IReadOnlyList<ToolDefinition> Tools { get; init; } = [];

    /// <summary>Separate the reasoning block from the answer (the format must have think tags).</summary>
    public bool SeparateThinking { get; init; }

    /// <summary>The prompt already opened the reasoning block, so the reply starts inside it.</summary>
    public bool StartsInThinking { get; init; }

    /// <summary>Makes the id of the n-th call (0-based); by default <c>call_</c> and random letters and digits.</summary>
    public Func<int, string>? NewCallId { get; init; }
}

/// <summary>
/// Splits a streamed reply into answer, reasoning and tool calls for one <see cref="ChatFormat"/>. Text is pushed as
/// the model writes it; text that might be the start of tool-call or think markup is held back until it is known,
/// so partial markup never reaches the client as content. Never throws on what the model writes.
/// </summary>
public sealed class ReplyParser
{
    public ReplyParser(ChatFormat format, ReplyParserOptions options)
    {
        ArgumentNullException.ThrowIfNull(format);
        ArgumentNullException.ThrowIfNull(options);
        Format = format;
        Options = options;
    }

    public ChatFormat Format { get; }

    public ReplyParserOptions Options { get; }

    /// <summary>Feeds the next piece of the reply; returns what can be released now (possibly nothing).</summary>
    public IReadOnlyList<ReplyPiece> Push(string text) => throw new NotImplementedException("issue 13: ReplyParser.Push");

    /// <summary>The end of the reply: releases everything held back (an unfinished call becomes <see cref="ReplyPiece.Rejected"/>).</summary>
    public IReadOnlyList<ReplyPiece> Finish() => throw new NotImplementedException("issue 13: ReplyParser.Finish");

    /// <summary>Parses a whole reply at once.</summary>
    public static IReadOnlyList<ReplyPiece> ParseAll(ChatFormat format, ReplyParserOptions options, string reply)
    {
        var parser = new ReplyParser(format, options);
        return [.. parser.Push(reply), .. parser.Finish()];
    }
}
