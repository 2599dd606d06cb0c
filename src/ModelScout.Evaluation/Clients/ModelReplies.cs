using Microsoft.Extensions.AI;

namespace ModelScout.Evaluation.Clients;

/// <summary>
/// The bridge between <see cref="IChatClient"/> and the eval seams. Clients put per-token log-probabilities under
/// <see cref="LogprobsKey"/> (an <c>IReadOnlyList&lt;IReadOnlyList&lt;TokenChoice&gt;&gt;</c>, chosen token first) and the
/// response body under <see cref="RawKey"/>; the HTTP client and the in-process engine's adapter both do.
/// </summary>
public static class ModelReplies
{
    /// <summary>ChatResponse.AdditionalProperties key of the per-token log-probabilities.</summary>
    public const string LogprobsKey = "logprobs";

    /// <summary>ChatResponse.AdditionalProperties key of the raw response body.</summary>
    public const string RawKey = "raw";

    /// <summary>ChatResponse.AdditionalProperties key of how many sends it took (set by <see cref="RetryingChatClient"/>).</summary>
    public const string AttemptsKey = "attempts";

    /// <summary>ChatOptions.AdditionalProperties key of the number of alternatives wanted per token.</summary>
    public const string TopLogprobsKey = "top_logprobs";

    /// <summary>The reply a suite scores, read from a chat response.</summary>
    public static ModelReply From(ChatResponse response, TimeSpan latency)
    {
        ArgumentNullException.ThrowIfNull(response);
        var props = response.AdditionalProperties;
        IReadOnlyList<IReadOnlyList<TokenChoice>>? logprobs = null;
        string? raw = null;
        if (props is not null)
        {
            if (props.TryGetValue(LogprobsKey, out var lp)) logprobs = lp as IReadOnlyList<IReadOnlyList<TokenChoice>>;
            if (props.TryGetValue(RawKey, out var r)) raw = r as string;
        }
        var usage = response.Usage;
        return new ModelReply(
            response.Text,
            response.FinishReason?.Value,
            (int)Math.Min(usage?.InputTokenCount ?? 0, int.MaxValue),
            (int)Math.Min(usage?.OutputTokenCount ?? 0, int.MaxValue),
            logprobs,
            latency,
            raw);
    }

    /// <summary>How many sends the response took; 1 when no retrying client said.</summary>
    public static int Attempts(ChatResponse response)
    {
        ArgumentNullException.ThrowIfNull(response);
        return response.AdditionalProperties?.TryGetValue(AttemptsKey, out var a) == true && a is int n ? n : 1;
    }

    /// <summary>The chat options that carry a <see cref="ModelRequest"/>'s sampling settings.</summary>
    public static ChatOptions Options(ModelRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var options = new ChatOptions
        {
            MaxOutputTokens = request.MaxTokens,
            Temperature = (float)request.Temperature,
            Seed = request.Seed,
        };
        if (request.Stop is { Count: > 0 } stop) options.StopSequences = [.. stop];
        if (request.TopLogprobs > 0) (options.AdditionalProperties ??= [])[TopLogprobsKey] = request.TopLogprobs;
        return options;
    }
}
