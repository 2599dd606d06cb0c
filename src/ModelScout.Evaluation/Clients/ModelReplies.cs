using System.Text.Json;
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

    /// <summary>
    /// ChatResponse.AdditionalProperties (and, for a failure, Exception.Data) key of the API base that answered, as a
    /// string: set by <see cref="ReplicaPoolChatClient"/>, stored with the reply.
    /// </summary>
    public const string EndpointKey = "modelscout.endpoint";

    /// <summary>The endpoint <see cref="ReplicaPoolChatClient"/> says answered <paramref name="response"/>; null when none did.</summary>
    public static string? Endpoint(ChatResponse response)
    {
        ArgumentNullException.ThrowIfNull(response);
        return response.AdditionalProperties?.TryGetValue(EndpointKey, out var e) == true ? e as string : null;
    }

    /// <summary>The endpoint a failure came from, when <see cref="ReplicaPoolChatClient"/> noted it; else null.</summary>
    public static string? Endpoint(Exception failure)
    {
        ArgumentNullException.ThrowIfNull(failure);
        return failure.Data[EndpointKey] as string;
    }

    /// <summary>ChatOptions.AdditionalProperties key of the number of alternatives wanted per token.</summary>
    public const string TopLogprobsKey = "top_logprobs";

    /// <summary>
    /// FunctionCallContent.AdditionalProperties key of the arguments exactly as the endpoint sent them (a string), kept
    /// so a malformed arguments text reaches the scorer as it was rather than as an empty dictionary.
    /// </summary>
    public const string RawArgumentsKey = "arguments_json";

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
        var calls = response.Messages.SelectMany(m => m.Contents).OfType<FunctionCallContent>().Select(ToolCall).ToList();
        return new ModelReply(
            response.Text,
            response.FinishReason?.Value,
            (int)Math.Min(usage?.InputTokenCount ?? 0, int.MaxValue),
            (int)Math.Min(usage?.OutputTokenCount ?? 0, int.MaxValue),
            logprobs,
            latency,
            raw,
            ToolCalls: calls.Count > 0 ? calls : null);
    }

    // The arguments as sent when the client kept them, else the parsed dictionary written back as JSON.
    private static EvalToolCall ToolCall(FunctionCallContent call)
    {
        if (call.AdditionalProperties?.TryGetValue(RawArgumentsKey, out var raw) == true && raw is string text) return new EvalToolCall(call.Name, text);
        var arguments = call.Arguments ?? new Dictionary<string, object?>();
        return new EvalToolCall(call.Name, ArgumentsJson(arguments));
    }

    // Microsoft.Extensions.AI's serializer settings, written compact as OpenAI's wire and the store want it.
    internal static readonly JsonSerializerOptions Compact = new(AIJsonUtilities.DefaultOptions) { WriteIndented = false };

    /// <summary>A call's parsed arguments written back as compact JSON text.</summary>
    internal static string ArgumentsJson(IDictionary<string, object?> arguments) =>
        JsonSerializer.Serialize(arguments, Compact.GetTypeInfo(typeof(IDictionary<string, object?>)));

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
        if (request.Tools is { Count: > 0 } tools)
        {
            options.Tools = [.. tools.Select(Declaration)];
            options.ToolMode = ChatToolMode.Auto;
        }
        return options;
    }

    /// <summary>A function declaration (no implementation: the suite scores the call, nothing runs it) from a tool's JSON Schema.</summary>
    public static AIFunctionDeclaration Declaration(EvalTool tool)
    {
        ArgumentNullException.ThrowIfNull(tool);
        using var schema = JsonDocument.Parse(tool.ParametersSchema);
        return AIFunctionFactory.CreateDeclaration(tool.Name, tool.Description, schema.RootElement.Clone());
    }
}
