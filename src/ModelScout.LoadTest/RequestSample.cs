using System.Diagnostics;

namespace ModelScout.LoadTest;

/// <summary>Where a sample's output token count came from, best first.</summary>
public enum TokenCountSource
{
    /// <summary>The OpenAI <c>usage</c> chunk (<c>completion_tokens</c>).</summary>
    Usage,

    /// <summary>Ollama's final <c>eval_count</c>.</summary>
    OllamaEvalCount,

    /// <summary>No counter was reported; one token per content chunk was assumed.</summary>
    CountedChunks,
}

/// <summary>Why a request failed.</summary>
public enum FailureKind
{
    /// <summary>The server answered with a non-success HTTP status.</summary>
    HttpStatus,

    /// <summary>The connection was refused, reset or closed before the stream finished.</summary>
    ConnectionReset,

    /// <summary>The request ran past the client's timeout.</summary>
    Timeout,

    /// <summary>A chunk was not valid JSON or not the expected shape.</summary>
    MalformedChunk,

    /// <summary>The server reported an error inside the stream.</summary>
    StreamError,

    /// <summary>The stream ended cleanly but without its end marker (<c>[DONE]</c> or <c>"done": true</c>).</summary>
    Truncated,
}

/// <summary>A failed request's reason: the kind, the HTTP status when there was one, and a short excerpt or message.</summary>
/// <param name="Refused">For <see cref="FailureKind.ConnectionReset"/>: the connection was refused (nothing listened), as
/// opposed to reset or closed once open.</param>
public sealed record RequestFailure(FailureKind Kind, string Detail, int? StatusCode = null, bool Refused = false)
{
    /// <summary>
    /// The reason in a few words, the key failures are counted under in a report: "HTTP 503", "connection refused",
    /// "connection reset", "timeout", "malformed chunk", "stream error", "truncated". Behind a proxy, a replica that
    /// died shows as the proxy's 502 or 503; without one, as refused or reset connections.
    /// </summary>
    public string Reason => Kind switch
    {
        FailureKind.HttpStatus => StatusCode is { } code ? $"HTTP {code.ToString(System.Globalization.CultureInfo.InvariantCulture)}" : "HTTP error",
        FailureKind.ConnectionReset => Refused ? "connection refused" : "connection reset",
        FailureKind.Timeout => "timeout",
        FailureKind.MalformedChunk => "malformed chunk",
        FailureKind.StreamError => "stream error",
        _ => "truncated",
    };
}

/// <summary>
/// One streamed request as the client saw it. Timestamps are <see cref="Stopwatch.GetTimestamp"/> ticks (monotonic, same
/// clock for every sample of a run); the per-request metrics below follow vLLM's benchmark_serving definitions.
/// </summary>
public sealed record RequestSample
{
    /// <summary>When the request was handed to the HTTP client.</summary>
    public required long StartTimestamp { get; init; }

    /// <summary>When the client stopped reading (end of stream, or the failure).</summary>
    public required long EndTimestamp { get; init; }

    /// <summary>When each chunk that carried content (text or reasoning) was read, in order.</summary>
    public required IReadOnlyList<long> ContentTimestamps { get; init; }

    /// <summary>Output tokens, from <see cref="OutputTokenSource"/>.</summary>
    public required int OutputTokens { get; init; }

    /// <summary>Where <see cref="OutputTokens"/> came from.</summary>
    public required TokenCountSource OutputTokenSource { get; init; }

    /// <summary>Prompt tokens when the server reported them (usage <c>prompt_tokens</c> or Ollama <c>prompt_eval_count</c>).</summary>
    public int? PromptTokens { get; init; }

    /// <summary>Null when the request succeeded.</summary>
    public RequestFailure? Failure { get; init; }

    /// <summary>True when the stream finished with its end marker and no error.</summary>
    public bool Succeeded => Failure is null;

    /// <summary>Time to first token: first content chunk − start; null without content.</summary>
    public TimeSpan? Ttft => ContentTimestamps.Count == 0 ? null : Stopwatch.GetElapsedTime(StartTimestamp, ContentTimestamps[0]);

    /// <summary>End-to-end latency: last content chunk − start; null without content.</summary>
    public TimeSpan? E2E => ContentTimestamps.Count == 0 ? null : Stopwatch.GetElapsedTime(StartTimestamp, ContentTimestamps[^1]);

    /// <summary>Time per output token after the first: (E2E − TTFT) / (output tokens − 1); null for fewer than two tokens.</summary>
    public TimeSpan? Tpot => OutputTokens > 1 && ContentTimestamps.Count > 0
        ? (E2E!.Value - Ttft!.Value) / (OutputTokens - 1)
        : null;

    /// <summary>Inter-token latencies: the gaps between consecutive content chunks.</summary>
    public IEnumerable<TimeSpan> Itl()
    {
        for (var i = 1; i < ContentTimestamps.Count; i++) yield return Stopwatch.GetElapsedTime(ContentTimestamps[i - 1], ContentTimestamps[i]);
    }
}
