using Microsoft.Extensions.Logging;
using ModelScout.Prompting;
using ModelScout.Prompting.Tools;

namespace ModelScout.Engine;

/// <summary>
/// Turns the scheduler's token texts into what a chat client wants: answer text, reasoning and complete tool calls,
/// through the model family's <see cref="ReplyParser"/>. Each token update keeps its id and log-probabilities; its text
/// becomes the answer part the parser released (often empty while markup is held back), and calls follow it. Without
/// <paramref name="parallel"/> (OpenAI's <c>parallel_tool_calls: false</c>) only the first call is kept.
/// </summary>
internal sealed class ReplyShaper(ReplyParser parser, ILogger logger, string model, bool parallel = true)
{
    private int calls;

    /// <summary>Tool calls emitted so far.</summary>
    public int Calls => calls;

    public List<GenerationUpdate> Token(GenerationToken token) => Shape(parser.Push(token.Text), token);

    /// <summary>The end of the reply: whatever the parser still held.</summary>
    public List<GenerationUpdate> Finish() => Shape(parser.Finish(), null);

    private List<GenerationUpdate> Shape(IReadOnlyList<ReplyPiece> pieces, GenerationToken? token)
    {
        var content = "";
        var thinking = "";
        List<ToolCall>? found = null;
        foreach (var piece in pieces)
        {
            switch (piece)
            {
                case ReplyPiece.Content c:
                    content += c.Text;
                    break;
                case ReplyPiece.Thinking t:
                    thinking += t.Text;
                    break;
                case ReplyPiece.CallPiece call when !parallel && calls + (found?.Count ?? 0) >= 1:
                    logger.LogWarning("{Model}: the reply made more than one tool call with parallel_tool_calls false; {Name} is dropped", model, call.ToolCall.Name);
                    break;
                case ReplyPiece.CallPiece call:
                    (found ??= []).Add(call.ToolCall);
                    break;
                case ReplyPiece.Rejected r:
                    // What looked like a call is handed back as text; the client sees what the model wrote.
                    logger.LogWarning("{Model}: a tool call in the reply was not valid ({Reason}); it is returned as content", model, r.Reason);
                    content += r.Text;
                    break;
            }
        }
        var updates = new List<GenerationUpdate>(1 + (found?.Count ?? 0));
        if (token is not null) updates.Add(token with { Text = content, Thinking = thinking });
        else if (content.Length > 0 || thinking.Length > 0) updates.Add(new GenerationToken(content, -1, null, null) { Thinking = thinking });
        if (found is not null)
            foreach (var call in found) updates.Add(new GenerationToolCall(calls++, call));
        return updates;
    }
}
