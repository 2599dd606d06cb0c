using Microsoft.Extensions.AI;

namespace ModelScout.Evaluation;

// The seams between the parts of scout eval. Suites (prompts + scoring), the run loop (requests, retries,
// resume), the result store and the sandbox meet at these types; each part is tested on its own against them.

/// <summary>One sample of a suite: a question, a problem, a conversation.</summary>
/// <param name="Suite">Suite name as the CLI spells it: mmlu, humaneval, gsm8k, math, mtbench, bfcl.</param>
/// <param name="Id">Stable id inside the suite (MMLU: subject/index, HumanEval: task_id, MT-Bench: question_id).</param>
/// <param name="Subject">Breakdown key: MMLU subject, MATH type, MT-Bench category, BFCL category; empty where the suite has none.</param>
/// <param name="Group">Second breakdown: MMLU category (STEM, humanities, ...), MATH level; empty where none.</param>
public sealed record EvalItem(string Suite, string Id, string Subject = "", string Group = "");

/// <summary>One request the run loop sends for an item. A sample may need several (MT-Bench turn 2, HumanEval n samples).</summary>
/// <param name="Step">0-based step of this item; part of the result key, so a resumed run knows what was answered.</param>
/// <param name="Messages">The whole conversation to send.</param>
/// <param name="TopLogprobs">0 for none; otherwise ask for this many alternatives per generated token.</param>
/// <param name="Tools">Functions the model may call (sent with tool choice "auto"); null for a plain chat request.</param>
public sealed record ModelRequest(
    int Step,
    IReadOnlyList<ChatMessage> Messages,
    int MaxTokens,
    double Temperature = 0,
    int? Seed = null,
    IReadOnlyList<string>? Stop = null,
    int TopLogprobs = 0,
    IReadOnlyList<EvalTool>? Tools = null);

/// <summary>A function offered to the model: its name, what it does and its parameters as a JSON Schema object.</summary>
/// <param name="ParametersSchema">The JSON Schema of the arguments object, as compact JSON text.</param>
public sealed record EvalTool(string Name, string Description, string ParametersSchema);

/// <summary>A function call the model answered with.</summary>
/// <param name="ArgumentsJson">The arguments as the endpoint sent them (a JSON object's text; may be malformed: scorers say so).</param>
public sealed record EvalToolCall(string Name, string ArgumentsJson);

/// <summary>One token and its log-probability.</summary>
public sealed record TokenChoice(string Token, double Logprob);

/// <summary>What came back for one <see cref="ModelRequest"/>.</summary>
/// <param name="FinishReason">"stop", "length", ... as the endpoint said; "length" is truncation.</param>
/// <param name="Logprobs">Per generated token: the chosen token first, then the alternatives; null when not asked or not offered.</param>
/// <param name="Raw">The endpoint's response body (or the engine's text) kept for the record.</param>
/// <param name="Shortened">How many times the run loop asked <see cref="IEvalSuite.Shorten"/> for a shorter request before
/// this one fitted the context; 0 when the request as first built was answered. Set by the run loop, not stored.</param>
/// <param name="ToolCalls">The function calls in the reply, in order; null or empty when it made none.</param>
public sealed record ModelReply(
    string Text,
    string? FinishReason,
    int PromptTokens,
    int CompletionTokens,
    IReadOnlyList<IReadOnlyList<TokenChoice>>? Logprobs,
    TimeSpan Latency,
    string? Raw = null,
    int Shortened = 0,
    IReadOnlyList<EvalToolCall>? ToolCalls = null);

/// <summary>Names of <see cref="SampleScore.Metrics"/> that are counts rather than scores on the suite's scale.</summary>
public static class SideScores
{
    /// <summary>MMLU: dev examples in the prompt that answered the item (fewer than asked when the prompt was shortened).</summary>
    public const string Shots = "shots";

    /// <summary>True for a count (shown as it is), false for a score (a 0..1 share shown in points, or a rating).</summary>
    public static bool IsCount(string metric) => metric == Shots;
}

/// <summary>The score of one item once every step has its reply.</summary>
/// <param name="Score">0..1 for accuracy suites, the pass fraction for HumanEval, 1..10 for MT-Bench.</param>
/// <param name="Extracted">The answer the scorer read out of the reply (a letter, a number, a boxed expression, a rating).</param>
/// <param name="ExtractionFailed">True when no answer could be read; the item still scores (as wrong), and the rate is reported.</param>
/// <param name="Metrics">Extra named scores kept side by side, e.g. gsm8k "strict" and "flexible", humaneval "pass@1", mtbench "turn1"/"turn2".</param>
/// <param name="Detail">Why, in a few words: the sandbox outcome, the judge's parse failure.</param>
public sealed record SampleScore(
    double Score,
    string? Extracted,
    bool ExtractionFailed,
    IReadOnlyDictionary<string, double>? Metrics = null,
    string? Detail = null);

/// <summary>
/// Thrown by <see cref="IEvalSuite.ScoreAsync"/> when an item has every reply but no honest score can be given (MT-Bench:
/// the judge rated no turn). The run records it as an error for the item, not as a zero, and the next run scores it again.
/// </summary>
public sealed class ScoringException(string message, Exception? inner = null) : EvalException(message, inner);

/// <summary>
/// Evaluation's error type: every failure scout eval reports to its caller (a dataset in the wrong format, an endpoint
/// that fails, a run key that does not match, an answer that cannot be scored) derives from it, so a caller maps the
/// area once (the CLI to an exit code).
/// </summary>
public class EvalException : Exception
{
    public EvalException()
    {
    }

    public EvalException(string message) : base(message)
    {
    }

    public EvalException(string message, Exception? inner) : base(message, inner)
    {
    }

    /// <summary>True when what was asked for is not there (a model the endpoint does not serve, a missing file).</summary>
    public bool NotFound { get; init; }

    /// <summary>What the user can do about it, added to the message where one is known.</summary>
    public string? Hint { get; init; }
}

/// <summary>A suite: its items, the requests each needs, and how a set of replies scores.</summary>
public interface IEvalSuite
{
    /// <summary>mmlu, humaneval, gsm8k, math, mtbench, bfcl.</summary>
    string Name { get; }

    /// <summary>How this suite is scored in this run (e.g. "mmlu:logprob:5-shot", "gsm8k:cot-8shot"); runs scored differently are never compared silently.</summary>
    string ScoringMode { get; }

    /// <summary>The items in run order (after --limit/--fraction).</summary>
    IReadOnlyList<EvalItem> Items { get; }

    /// <summary>The next request for <paramref name="item"/> given the replies so far; null when the item needs no more.</summary>
    ModelRequest? NextRequest(EvalItem item, IReadOnlyList<ModelReply> replies);

    /// <summary>Scores an item once <see cref="NextRequest"/> has returned null.</summary>
    Task<SampleScore> ScoreAsync(EvalItem item, IReadOnlyList<ModelReply> replies, CancellationToken cancellationToken);

    /// <summary>
    /// A shorter request for the same step after the endpoint said <paramref name="tooLong"/> does not fit the model's
    /// context (MMLU: one dev example fewer, Hendrycks' rule); null when there is none. Must be deterministic, keep the
    /// step, and be a pure function of its arguments: a resumed run walks the same chain to recognise a stored reply.
    /// </summary>
    ModelRequest? Shorten(EvalItem item, ModelRequest tooLong) => null;
}

/// <summary>Runs an untrusted program (a HumanEval candidate) and says whether it passed.</summary>
public interface ICodeRunner
{
    /// <summary>Whether the run is isolated from the network; the report says so when it is not.</summary>
    bool NetworkIsolated { get; }

    Task<CodeRunResult> RunAsync(string program, CancellationToken cancellationToken);
}

/// <summary>How an untrusted program ended.</summary>
public enum CodeRunOutcome
{
    Passed,
    Failed,
    TimedOut,
    ResourceLimit,
    SandboxError,
}

/// <summary>The outcome of one <see cref="ICodeRunner.RunAsync"/>, with the tail of its output for the record.</summary>
public sealed record CodeRunResult(CodeRunOutcome Outcome, string Detail, TimeSpan Elapsed);

/// <summary>
/// Exact log-likelihood of continuations after a context, for MMLU's in-process scoring mode: the sum of the
/// log-probabilities of each continuation's tokens given the context (lm-evaluation-harness's loglikelihood request).
/// </summary>
public interface ILogLikelihoodModel
{
    /// <summary>
    /// One summed log-probability per continuation, in order. Throws an <see cref="Clients.EndpointException"/> whose
    /// <see cref="Clients.EndpointException.PromptTooLong"/> is true when the context and a continuation do not fit the
    /// model's context window, so the suite can try a shorter context.
    /// </summary>
    Task<IReadOnlyList<double>> ScoreContinuationsAsync(string context, IReadOnlyList<string> continuations, CancellationToken cancellationToken);
}
