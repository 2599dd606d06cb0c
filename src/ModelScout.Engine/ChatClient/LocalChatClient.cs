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
/// <c>repeat_penalty</c>, <c>think</c> (true, false or a level; <see cref="ChatOptions.Reasoning"/> maps too).
/// <see cref="ChatOptions.Tools"/> and <see cref="ChatOptions.ToolMode"/> reach the model through its template, and
/// calls come back as <see cref="FunctionCallContent"/>, so <c>FunctionInvokingChatClient</c> can run a tool loop. With <c>top_logprobs</c> set, the response's <see cref="ChatResponse.AdditionalProperties"/>
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
        var thinking = new StringBuilder();
        var calls = new List<AIContent>();
        var logprobs = new List<IReadOnlyList<TokenLogprob>>();
        GenerationStats? stats = null;
        await foreach (var u in engine.GenerateAsync(request, cancellationToken).ConfigureAwait(false))
        {
            switch (u)
            {
                case GenerationToken t:
                    text.Append(t.Text);
                    thinking.Append(t.Thinking);
                    if (t.Chosen is not null) logprobs.Add([t.Chosen, .. t.Top ?? []]);
                    break;
                case GenerationToolCall call:
                    calls.Add(ChatMapping.Call(call.Call));
                    break;
                case GenerationCompleted c:
                    stats = c.Stats;
                    break;
            }
        }
        var contents = new List<AIContent>();
        if (thinking.Length > 0) contents.Add(new TextReasoningContent(thinking.ToString()));
        if (text.Length > 0 || calls.Count == 0) contents.Add(new TextContent(text.ToString()));
        contents.AddRange(calls);
        var response = new ChatResponse(new ChatMessage(ChatRole.Assistant, contents))
        {
            ModelId = stats?.Model ?? request.Model,
            CreatedAt = DateTimeOffset.UtcNow,
            FinishReason = calls.Count > 0 ? ChatFinishReason.ToolCalls : Finish(stats?.DoneReason),
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
                if (t.Text.Length == 0 && t.Thinking.Length == 0) continue;
                var contents = new List<AIContent>(2);
                if (t.Thinking.Length > 0) contents.Add(new TextReasoningContent(t.Thinking));
                if (t.Text.Length > 0) contents.Add(new TextContent(t.Text));
                yield return new ChatResponseUpdate(ChatRole.Assistant, contents) { ResponseId = id, ModelId = request.Model };
            }
            else if (u is GenerationToolCall call)
            {
                yield return new ChatResponseUpdate(ChatRole.Assistant, [ChatMapping.Call(call.Call)]) { ResponseId = id, ModelId = request.Model };
            }
            else if (u is GenerationCompleted c)
            {
                var finish = c.Stats.ToolCalls > 0 ? ChatFinishReason.ToolCalls : Finish(c.Stats.DoneReason);
                var done = new ChatResponseUpdate { Role = ChatRole.Assistant, ResponseId = id, ModelId = c.Stats.Model, FinishReason = finish };
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
            Messages = ChatMapping.Turns(messages),
            Tools = ChatMapping.Tools(options?.Tools),
            ToolChoice = ChatMapping.Choice(options?.ToolMode),
            ParallelToolCalls = options?.AllowMultipleToolCalls ?? true,
            Think = ChatMapping.Think(options?.Reasoning, extra is not null && extra.TryGetValue("think", out var think) ? think : null),
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
