using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.AI;
using ModelScout.Prompting;

namespace ModelScout.Engine.ChatClient;

/// <summary>
/// <see cref="IChatClient"/> over the in-process engine, so evaluation and benchmarks treat a local GGUF exactly like
/// an HTTP endpoint. Options map as the server maps them; extras travel in <see cref="ChatOptions.AdditionalProperties"/>:
/// <c>num_ctx</c>, <c>keep_alive</c> (seconds or a duration string), <c>top_logprobs</c> (0-20), <c>min_p</c>,
/// <c>repeat_penalty</c>. With <c>top_logprobs</c> set, the response's <see cref="ChatResponse.AdditionalProperties"/>
/// carries <c>logprobs</c>: one <see cref="TokenLogprob"/> list per generated token (the chosen token first).
/// </summary>
public sealed class LocalChatClient(IInferenceService engine, string defaultModel) : IChatClient
{
    /// <summary>Key of the per-token log-probabilities in <see cref="ChatResponse.AdditionalProperties"/>.</summary>
    public const string LogprobsKey = "logprobs";

    public async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        var request = ToRequest(messages, options);
        var text = new StringBuilder();
        var logprobs = new List<IReadOnlyList<TokenLogprob>>();
        GenerationStats? stats = null;
        await foreach (var u in engine.GenerateAsync(request, cancellationToken).ConfigureAwait(false))
        {
            if (u is GenerationToken t)
            {
                text.Append(t.Text);
                if (t.Chosen is not null) logprobs.Add([t.Chosen, .. t.Top ?? []]);
            }
            else if (u is GenerationCompleted c)
            {
                stats = c.Stats;
            }
        }
        var response = new ChatResponse(new ChatMessage(ChatRole.Assistant, text.ToString()))
        {
            ModelId = stats?.Model ?? request.Model,
            CreatedAt = DateTimeOffset.UtcNow,
            FinishReason = Finish(stats?.DoneReason),
            Usage = Usage(stats),
        };
        if (request.Logprobs) (response.AdditionalProperties ??= [])[LogprobsKey] = logprobs;
        return response;
    }

    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var request = ToRequest(messages, options);
        var id = "chatcmpl-" + Guid.NewGuid().ToString("N")[..16];
        await foreach (var u in engine.GenerateAsync(request, cancellationToken).ConfigureAwait(false))
        {
            if (u is GenerationToken t)
            {
                if (t.Text.Length == 0) continue;
                yield return new ChatResponseUpdate(ChatRole.Assistant, t.Text) { ResponseId = id, ModelId = request.Model };
            }
            else if (u is GenerationCompleted c)
            {
                var done = new ChatResponseUpdate { Role = ChatRole.Assistant, ResponseId = id, ModelId = c.Stats.Model, FinishReason = Finish(c.Stats.DoneReason) };
                done.Contents.Add(new UsageContent(Usage(c.Stats)!));
                yield return done;
            }
        }
    }

    public object? GetService(Type serviceType, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        if (serviceKey is not null) return null;
        if (serviceType == typeof(ChatClientMetadata)) return new ChatClientMetadata("modelscout", null, defaultModel);
        return serviceType.IsInstanceOfType(this) ? this : serviceType.IsInstanceOfType(engine) ? engine : null;
    }

    public void Dispose()
    {
        // The engine belongs to whoever created it.
    }

    /// <summary>The engine request for a chat; public so the server and tests can see the exact mapping.</summary>
    public GenerationRequest ToRequest(IEnumerable<ChatMessage> messages, ChatOptions? options)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var extra = options?.AdditionalProperties;
        var topLogprobs = Int(extra, "top_logprobs") ?? 0;
        return new GenerationRequest
        {
            Model = options?.ModelId ?? defaultModel,
            Messages = messages.Select(m => new ChatTurn(m.Role.Value, m.Text)).ToList(),
            Options = new ModelOptions
            {
                Temperature = options?.Temperature,
                TopP = options?.TopP,
                TopK = options?.TopK,
                NumPredict = options?.MaxOutputTokens,
                Seed = options?.Seed is { } s ? (int)(s & int.MaxValue) : null,
                Stop = options?.StopSequences is { Count: > 0 } stops ? [.. stops] : null,
                FrequencyPenalty = options?.FrequencyPenalty,
                PresencePenalty = options?.PresencePenalty,
                NumCtx = Int(extra, "num_ctx"),
                MinP = Float(extra, "min_p"),
                RepeatPenalty = Float(extra, "repeat_penalty"),
            }.Check(),
            Format = options?.ResponseFormat switch
            {
                ChatResponseFormatJson { Schema: { } schema } => new OutputConstraint.JsonSchema(schema.GetRawText()),
                ChatResponseFormatJson => new OutputConstraint.AnyJson(),
                _ => null,
            },
            Logprobs = topLogprobs > 0,
            TopLogprobs = topLogprobs,
            KeepAlive = extra is not null && extra.TryGetValue("keep_alive", out var ka) ? ka switch
            {
                string text => KeepAliveParser.Parse(text),
                TimeSpan span => span,
                int seconds => TimeSpan.FromSeconds(seconds),
                JsonElement e => KeepAliveParser.Parse(e),
                _ => null,
            } : null,
        };
    }

    private static int? Int(AdditionalPropertiesDictionary? extra, string key) =>
        extra is not null && extra.TryGetValue(key, out var v) ? v switch
        {
            int i => i,
            long l => (int)l,
            JsonElement { ValueKind: JsonValueKind.Number } e => e.GetInt32(),
            string s when int.TryParse(s, System.Globalization.CultureInfo.InvariantCulture, out var i) => i,
            _ => throw new ArgumentException($"{key} must be an integer"),
        } : null;

    private static float? Float(AdditionalPropertiesDictionary? extra, string key) =>
        extra is not null && extra.TryGetValue(key, out var v) ? v switch
        {
            float f => f,
            double d => (float)d,
            int i => i,
            JsonElement { ValueKind: JsonValueKind.Number } e => (float)e.GetDouble(),
            _ => throw new ArgumentException($"{key} must be a number"),
        } : null;

    private static ChatFinishReason? Finish(DoneReason? reason) => reason switch
    {
        DoneReason.Stop => ChatFinishReason.Stop,
        DoneReason.Length => ChatFinishReason.Length,
        null => null,
        _ => new ChatFinishReason(reason.Value.ToString().ToLowerInvariant()),
    };

    private static UsageDetails? Usage(GenerationStats? s) => s is null ? null : new UsageDetails
    {
        InputTokenCount = s.PromptTokens,
        OutputTokenCount = s.CompletionTokens,
        TotalTokenCount = s.PromptTokens + s.CompletionTokens,
    };
}
