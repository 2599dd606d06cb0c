using System.Text;
using ModelScout.Engine;
using ModelScout.Prompting;

namespace ModelScout.Server.Translation;

/// <summary>A generated token's log-probability with its alternatives, ready to be put on either wire.</summary>
public sealed record EmittedLogprob(TokenLogprob Chosen, IReadOnlyList<TokenLogprob> Top);

/// <summary>
/// What a finished generation produced: its text, counters, the log-probabilities of the tokens shown, and the reasoning
/// and tool calls the reply held.
/// </summary>
public sealed record GenerationOutcome(string Text, GenerationStats Stats, IReadOnlyList<EmittedLogprob> Logprobs)
{
    /// <summary>Reasoning text, kept apart from <see cref="Text"/>; empty when the model did not reason.</summary>
    public string Thinking { get; init; } = "";

    /// <summary>The reply's tool calls in order, each with an id.</summary>
    public IReadOnlyList<ToolCall> ToolCalls { get; init; } = [];
}

/// <summary>
/// Folds a generation's updates into text, reasoning, tool calls and log-probabilities. A token whose text is held back
/// (inside a multi-byte character, a possible stop string or possible tool-call markup) keeps its log-probability
/// pending until text is released after it, so every wire reports the same tokens streamed or not, and tokens that
/// turned out to be a stop string are never reported; nor are tokens of reasoning, as OpenAI reports only the answer's.
/// A call the engine sent without an id gets one here, so the streamed and the whole answer name it alike.
/// </summary>
public sealed class GenerationTranscript
{
    private readonly StringBuilder text = new();
    private readonly StringBuilder thinking = new();
    private readonly List<ToolCall> calls = [];
    private readonly List<EmittedLogprob> logprobs = [];
    private readonly List<EmittedLogprob> pending = [];

    /// <summary>The counters, once the last update arrived.</summary>
    public GenerationStats? Stats { get; private set; }

    /// <summary>Tokens seen so far.</summary>
    public int Tokens { get; private set; }

    /// <summary>All text so far.</summary>
    public string Text => text.ToString();

    /// <summary>All reasoning so far.</summary>
    public string Thinking => thinking.ToString();

    /// <summary>The tool calls so far, in order, each with an id.</summary>
    public IReadOnlyList<ToolCall> ToolCalls => calls;

    /// <summary>Takes one update; returns the log-probabilities released by it (empty when none).</summary>
    public IReadOnlyList<EmittedLogprob> Add(GenerationUpdate update)
    {
        switch (update)
        {
            case GenerationToken token:
                Tokens++;
                thinking.Append(token.Thinking);
                if (token.Chosen is not null) pending.Add(new EmittedLogprob(token.Chosen, token.Top ?? []));
                if (token.Text.Length == 0 && token.Thinking.Length > 0)
                {
                    // Reasoning: what was pending belonged to it (text held back, then shown as reasoning).
                    pending.Clear();
                    return [];
                }
                if (token.Text.Length == 0 || pending.Count == 0)
                {
                    text.Append(token.Text);
                    return [];
                }
                text.Append(token.Text);
                EmittedLogprob[] released = [.. pending];
                pending.Clear();
                logprobs.AddRange(released);
                return released;
            case GenerationToolCall call:
                calls.Add(string.IsNullOrEmpty(call.Call.Id) ? call.Call with { Id = ToolFields.NewCallId() } : call.Call);
                return [];
            case GenerationCompleted done:
                Stats = done.Stats;
                return [];
            default:
                return [];
        }
    }

    /// <summary>
    /// Counters for a generation the server cancelled while shutting down: the engine reports none then, so the
    /// server's own count of tokens stands in.
    /// </summary>
    public GenerationStats Cancelled(string model) => Stats ?? new GenerationStats { Model = model, DoneReason = DoneReason.Cancelled, CompletionTokens = Tokens };

    /// <summary>The finished generation; throws when the engine never sent its completion.</summary>
    public GenerationOutcome ToOutcome() =>
        new(Text, Stats ?? throw new InvalidOperationException("the generation ended without its completion update"), [.. logprobs])
        {
            Thinking = Thinking,
            ToolCalls = [.. calls],
        };
}
