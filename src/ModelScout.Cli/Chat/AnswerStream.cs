using System.Text;
using ModelScout.Engine;

namespace ModelScout.Cli.Chat;

/// <summary>One answer: its text, and the engine's counters (null when it was cancelled before anything came back).</summary>
internal sealed record Answer(string Text, GenerationStats? Stats)
{
    public bool Cancelled => Stats is null || Stats.DoneReason == DoneReason.Cancelled;
}

/// <summary>Copies a generation to a writer as it streams, and keeps the whole text.</summary>
internal static class AnswerStream
{
    /// <summary>
    /// Writes each token's text to <paramref name="output"/> (when given) and flushes, so the answer appears as it is
    /// produced. Cancellation is an outcome, not an error: the text so far comes back with a Cancelled reason.
    /// </summary>
    public static async Task<Answer> CopyAsync(IInferenceService engine, GenerationRequest request, TextWriter? output, CancellationToken cancellationToken)
    {
        var text = new StringBuilder();
        GenerationStats? stats = null;
        try
        {
            await foreach (var update in engine.GenerateAsync(request, cancellationToken).ConfigureAwait(false))
            {
                switch (update)
                {
                    case GenerationToken { Text.Length: > 0 } token:
                        text.Append(token.Text);
                        if (output is not null)
                        {
                            await output.WriteAsync(token.Text).ConfigureAwait(false);
                            await output.FlushAsync(CancellationToken.None).ConfigureAwait(false);
                        }
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
        return new Answer(text.ToString(), stats);
    }
}
