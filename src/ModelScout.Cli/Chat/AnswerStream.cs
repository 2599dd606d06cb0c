using System.Text;
using ModelScout.Engine;
using ModelScout.Prompting;

namespace ModelScout.Cli.Chat;

/// <summary>
/// One answer: its text, its reasoning, the tool calls it made, and the engine's counters (null when it was cancelled
/// before anything came back).
/// </summary>
internal sealed record Answer(string Text, GenerationStats? Stats)
{
    public string Thinking { get; init; } = "";

    public IReadOnlyList<ToolCall> ToolCalls { get; init; } = [];

    public bool Cancelled => Stats is null || Stats.DoneReason == DoneReason.Cancelled;
}

/// <summary>Copies a generation to a writer as it streams, and keeps the whole text.</summary>
internal static class AnswerStream
{
    /// <summary>
    /// Writes each token's text to <paramref name="output"/> (when given) and flushes, so the answer appears as it is
    /// produced. Reasoning is written between "Thinking..." and "...done thinking." as <c>ollama run</c> shows it
    /// (unless <paramref name="hideThinking"/>), and each tool call on a line of its own. Cancellation is an outcome,
    /// not an error: the text so far comes back with a Cancelled reason.
    /// </summary>
    public static async Task<Answer> CopyAsync(IInferenceService engine, GenerationRequest request, TextWriter? output, CancellationToken cancellationToken, bool hideThinking = false)
    {
        var text = new StringBuilder();
        var thinking = new StringBuilder();
        var calls = new List<ToolCall>();
        var inThinking = false;
        GenerationStats? stats = null;
        async Task Write(string s)
        {
            if (output is null) return;
            await output.WriteAsync(s).ConfigureAwait(false);
            await output.FlushAsync(CancellationToken.None).ConfigureAwait(false);
        }
        try
        {
            await foreach (var update in engine.GenerateAsync(request, cancellationToken).ConfigureAwait(false))
            {
                switch (update)
                {
                    case GenerationToken token:
                        if (token.Thinking.Length > 0)
                        {
                            thinking.Append(token.Thinking);
                            if (!hideThinking)
                            {
                                if (!inThinking) await Write("Thinking...\n").ConfigureAwait(false);
                                inThinking = true;
                                await Write(token.Thinking).ConfigureAwait(false);
                            }
                        }
                        if (token.Text.Length > 0)
                        {
                            if (inThinking)
                            {
                                await Write("\n...done thinking.\n\n").ConfigureAwait(false);
                                inThinking = false;
                            }
                            text.Append(token.Text);
                            await Write(token.Text).ConfigureAwait(false);
                        }
                        break;
                    case GenerationToolCall call:
                        if (inThinking)
                        {
                            await Write("\n...done thinking.\n\n").ConfigureAwait(false);
                            inThinking = false;
                        }
                        calls.Add(call.Call);
                        await Write((text.Length > 0 || calls.Count > 1 ? "\n" : "") + Describe(call.Call)).ConfigureAwait(false);
                        break;
                    case GenerationCompleted done:
                        stats = done.Stats;
                        break;
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Cancelled before the first token: nothing to report but the fact.
        }
        if (inThinking) await Write("\n...done thinking.\n").ConfigureAwait(false);
        return new Answer(text.ToString(), stats) { Thinking = thinking.ToString(), ToolCalls = calls };
    }

    /// <summary>A call as <c>scout run</c> prints it: <c>tool call: NAME {"arg": ...}</c>.</summary>
    public static string Describe(ToolCall call) => $"tool call: {call.Name} {call.ArgumentsJson}";
}
