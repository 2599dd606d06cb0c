using System.Net;
using System.Text.RegularExpressions;

namespace ModelScout.Evaluation.Clients;

/// <summary>
/// A request to an endpoint that failed: an HTTP error status, a refused or dropped connection, a timeout, or a body
/// that is not a chat completion. Says whether a retry can help and whether the prompt did not fit the context.
/// </summary>
public sealed partial class EndpointException : EvalException
{
    public EndpointException(string message, HttpStatusCode? status = null, bool transient = false, TimeSpan? retryAfter = null, Exception? inner = null)
        : base(message, inner)
    {
        Status = status;
        Transient = transient;
        RetryAfter = retryAfter;
        PromptTooLong = status == HttpStatusCode.BadRequest && ContextOverflow().IsMatch(message);
    }

    /// <summary>The HTTP status, or null when no answer came (connection failure, timeout).</summary>
    public HttpStatusCode? Status { get; }

    /// <summary>408, 429, 5xx gateway/availability errors and connection failures: worth another try.</summary>
    public bool Transient { get; }

    /// <summary>The server's Retry-After, when it sent one.</summary>
    public TimeSpan? RetryAfter { get; }

    /// <summary>A 400 that says the prompt is longer than the context window: counted as truncation.</summary>
    public bool PromptTooLong { get; private init; }

    /// <summary>How many times the request was sent before giving up (set by the retrying client; 0 when an open circuit failed it unsent).</summary>
    public int Attempts { get; set; } = 1;

    /// <summary>
    /// A prompt the model refused because it is longer than the context window, reported by an engine that says so
    /// directly rather than in an HTTP error body (the in-process engine): a 400 whose <see cref="PromptTooLong"/> is true
    /// whatever the wording.
    /// </summary>
    public static EndpointException ContextOverflow(string message, Exception? inner = null) =>
        new(message, HttpStatusCode.BadRequest, inner: inner) { PromptTooLong = true };

    /// <summary>Whether <paramref name="status"/> is worth retrying.</summary>
    public static bool IsTransient(HttpStatusCode status) => (int)status is 408 or 429 or 500 or 502 or 503 or 504;

    // Wordings of OpenAI, vLLM, llama.cpp, Ollama and scout serve for a prompt that does not fit.
    [GeneratedRegex(@"context (length|window|size)|maximum context|too long|exceeds? the|prompt is \d+ tokens", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex ContextOverflow();
}
