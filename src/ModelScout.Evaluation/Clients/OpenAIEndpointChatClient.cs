using System.Net.Http.Headers;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.AI;
using ModelScout.Contracts;
using ModelScout.Contracts.OpenAI;

namespace ModelScout.Evaluation.Clients;

/// <summary>
/// A non-streaming client for any OpenAI-compatible <c>/chat/completions</c> (scout serve, Ollama, llama.cpp, vLLM,
/// OpenAI). Written over HttpClient with our wire records so it stays trim- and AOT-safe, and so the raw body and the
/// logprobs reach the result store unchanged. Failures are thrown as <see cref="EndpointException"/>.
/// </summary>
public sealed class OpenAIEndpointChatClient : IChatClient
{
    private readonly HttpClient http;
    private readonly bool ownsHttp;
    private readonly Uri chatUri;
    private readonly string model;
    private readonly string? apiKey;

    /// <param name="baseUri">The API base including its version segment, e.g. <c>http://localhost:11434/v1</c>.</param>
    /// <param name="http">Shared client; one is made (and disposed with this) when null.</param>
    public OpenAIEndpointChatClient(Uri baseUri, string model, string? apiKey = null, HttpClient? http = null)
    {
        ArgumentNullException.ThrowIfNull(baseUri);
        ArgumentException.ThrowIfNullOrWhiteSpace(model);
        BaseUri = baseUri;
        chatUri = Combine(baseUri, "chat/completions");
        this.model = model;
        this.apiKey = string.IsNullOrEmpty(apiKey) ? null : apiKey;
        ownsHttp = http is null;
        this.http = http ?? new HttpClient { Timeout = TimeSpan.FromMinutes(10) };
    }

    /// <summary>The API base this client talks to.</summary>
    public Uri BaseUri { get; }

    /// <summary><paramref name="relative"/> under <paramref name="baseUri"/>, whether or not the base ends in a slash.</summary>
    public static Uri Combine(Uri baseUri, string relative)
    {
        ArgumentNullException.ThrowIfNull(baseUri);
        var s = baseUri.ToString();
        return new Uri(s.EndsWith('/') ? s + relative : s + "/" + relative);
    }

    public async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var body = JsonSerializer.Serialize(BuildRequest(messages, options), WireJsonContext.Wire.ChatCompletionRequest);
        using var request = new HttpRequestMessage(HttpMethod.Post, chatUri) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        if (apiKey is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);

        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(request, HttpCompletionOption.ResponseContentRead, cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException e)
        {
            throw new EndpointException($"could not reach {chatUri}: {e.Message}; is the server running?", transient: true, inner: e);
        }
        catch (TaskCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw new EndpointException($"{chatUri} did not answer within {http.Timeout.TotalSeconds.ToString("0", System.Globalization.CultureInfo.InvariantCulture)} s", transient: true, inner: e);
        }
        using (response)
        {
            string text;
            try
            {
                text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (HttpRequestException e)
            {
                throw new EndpointException($"the connection to {chatUri} broke while reading the answer: {e.Message}", transient: true, inner: e);
            }
            if (!response.IsSuccessStatusCode) throw Failure(response, text);
            return Parse(text);
        }
    }

    private ChatCompletionRequest BuildRequest(IEnumerable<ChatMessage> messages, ChatOptions? options)
    {
        var top = TopLogprobs(options);
        return new ChatCompletionRequest
        {
            Model = options?.ModelId ?? model,
            Messages = [.. messages.Select(Message)],
            Stream = false,
            MaxTokens = options?.MaxOutputTokens,
            Temperature = options?.Temperature,
            TopP = options?.TopP,
            Seed = options?.Seed,
            Stop = options?.StopSequences is { Count: > 0 } stop ? StopElement(stop) : null,
            Logprobs = top > 0 ? true : null,
            TopLogprobs = top > 0 ? top : null,
            Tools = ToolsElement(options),
            ToolChoice = ToolChoiceElement(options),
            ParallelToolCalls = options?.Tools is { Count: > 0 } ? options.AllowMultipleToolCalls : null,
        };
    }

    // A message as OpenAI takes it: an assistant turn that called functions carries tool_calls, a function's result is a
    // "tool" message naming the call it answers.
    private static OpenAIChatMessage Message(ChatMessage m)
    {
        var calls = m.Contents.OfType<FunctionCallContent>().ToList();
        var result = m.Contents.OfType<FunctionResultContent>().FirstOrDefault();
        if (result is not null)
        {
            var text = result.Result switch
            {
                null => "",
                string s => s,
                JsonElement e => e.GetRawText(),
                var other => JsonSerializer.Serialize(other, ModelReplies.Compact.GetTypeInfo(typeof(object))),
            };
            return new OpenAIChatMessage { Role = "tool", ToolCallId = result.CallId, Content = JsonSerializer.SerializeToElement(text, WireJsonContext.Default.String) };
        }
        return new OpenAIChatMessage
        {
            Role = m.Role.Value,
            Content = calls.Count > 0 && m.Text.Length == 0 ? null : JsonSerializer.SerializeToElement(m.Text, WireJsonContext.Default.String),
            ToolCalls = calls.Count > 0 ? Write(w => WriteToolCalls(w, calls)) : null,
        };
    }

    private static void WriteToolCalls(Utf8JsonWriter w, List<FunctionCallContent> calls)
    {
        w.WriteStartArray();
        foreach (var call in calls)
        {
            w.WriteStartObject();
            w.WriteString("id", call.CallId);
            w.WriteString("type", "function");
            w.WriteStartObject("function");
            w.WriteString("name", call.Name);
            w.WriteString("arguments", call.AdditionalProperties?.TryGetValue(ModelReplies.RawArgumentsKey, out var raw) == true && raw is string text
                ? text
                : ModelReplies.ArgumentsJson(call.Arguments ?? new Dictionary<string, object?>()));
            w.WriteEndObject();
            w.WriteEndObject();
        }
        w.WriteEndArray();
    }

    // "tools": each function with its JSON Schema, as OpenAI's function tools.
    private static JsonElement? ToolsElement(ChatOptions? options)
    {
        var functions = options?.Tools?.OfType<AIFunctionDeclaration>().ToList();
        if (functions is not { Count: > 0 }) return null;
        return Write(w =>
        {
            w.WriteStartArray();
            foreach (var f in functions)
            {
                w.WriteStartObject();
                w.WriteString("type", "function");
                w.WriteStartObject("function");
                w.WriteString("name", f.Name);
                if (!string.IsNullOrEmpty(f.Description)) w.WriteString("description", f.Description);
                w.WritePropertyName("parameters");
                f.JsonSchema.WriteTo(w);
                w.WriteEndObject();
                w.WriteEndObject();
            }
            w.WriteEndArray();
        });
    }

    // "tool_choice": auto, none, required, or one named function; absent when no tools are sent.
    private static JsonElement? ToolChoiceElement(ChatOptions? options)
    {
        if (options?.Tools is not { Count: > 0 } || options.ToolMode is not { } mode) return null;
        return Write(w =>
        {
            switch (mode)
            {
                case NoneChatToolMode:
                    w.WriteStringValue("none");
                    break;
                case RequiredChatToolMode { RequiredFunctionName: { } name }:
                    w.WriteStartObject();
                    w.WriteString("type", "function");
                    w.WriteStartObject("function");
                    w.WriteString("name", name);
                    w.WriteEndObject();
                    w.WriteEndObject();
                    break;
                case RequiredChatToolMode:
                    w.WriteStringValue("required");
                    break;
                default:
                    w.WriteStringValue("auto");
                    break;
            }
        });
    }

    private static JsonElement Write(Action<Utf8JsonWriter> write)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var w = new Utf8JsonWriter(buffer)) write(w);
        using var doc = JsonDocument.Parse(buffer.WrittenMemory);
        return doc.RootElement.Clone();
    }

    private static JsonElement StopElement(IList<string> stop)
    {
        using var doc = JsonDocument.Parse(JsonSerializer.Serialize(stop.ToArray(), StopJson.Default.StringArray));
        return doc.RootElement.Clone();
    }

    private static int TopLogprobs(ChatOptions? options)
    {
        if (options?.AdditionalProperties is not { } props || !props.TryGetValue(ModelReplies.TopLogprobsKey, out var v)) return 0;
        return v switch
        {
            int i => i,
            long l => (int)l,
            _ => 0,
        };
    }

    private EndpointException Failure(HttpResponseMessage response, string body)
    {
        var status = response.StatusCode;
        var message = ErrorMessage(body);
        var retryAfter = RetryAfter(response);
        var what = (int)status switch
        {
            401 or 403 => "check --api-key",
            404 => "check the model name and that the endpoint URL ends in its API version (e.g. /v1)",
            _ => null,
        };
        var text = $"{chatUri} answered {(int)status} {response.ReasonPhrase}: {message}" + (what is null ? "" : $"; {what}");
        return new EndpointException(text, status, EndpointException.IsTransient(status), retryAfter);
    }

    /// <summary>The Retry-After header as a delay (seconds or an HTTP date).</summary>
    internal static TimeSpan? RetryAfter(HttpResponseMessage response)
    {
        var h = response.Headers.RetryAfter;
        if (h?.Delta is { } d) return d;
        if (h?.Date is { } date)
        {
            var wait = date - DateTimeOffset.UtcNow;
            return wait > TimeSpan.Zero ? wait : TimeSpan.Zero;
        }
        return null;
    }

    /// <summary>The message of an OpenAI, llama.cpp or Ollama error body, else the body's start.</summary>
    internal static string ErrorMessage(string body)
    {
        try
        {
            using var doc = JsonDocument.Parse(body);
            if (doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty("error", out var e))
            {
                if (e.ValueKind == JsonValueKind.String) return e.GetString() ?? "";
                if (e.ValueKind == JsonValueKind.Object && e.TryGetProperty("message", out var m) && m.ValueKind == JsonValueKind.String) return m.GetString() ?? "";
            }
        }
        catch (JsonException)
        {
        }
        var trimmed = body.Trim();
        return trimmed.Length == 0 ? "(empty body)" : trimmed.Length > 300 ? trimmed[..300] + "..." : trimmed;
    }

    private ChatResponse Parse(string body)
    {
        ChatCompletion? completion;
        try
        {
            completion = JsonSerializer.Deserialize(body, WireJsonContext.Default.ChatCompletion);
        }
        catch (JsonException e)
        {
            throw new EndpointException($"{chatUri} answered with something that is not a chat completion ({e.Message}): {ErrorMessage(body)}", inner: e);
        }
        if (completion is null || completion.Choices.Count == 0)
            throw new EndpointException($"{chatUri} answered without choices: {ErrorMessage(body)}");
        var choice = completion.Choices[0];
        var message = new ChatMessage(ChatRole.Assistant, choice.Message.Content ?? "");
        foreach (var call in ToolCalls(body)) message.Contents.Add(call);
        var response = new ChatResponse(message)
        {
            ResponseId = completion.Id,
            ModelId = completion.Model,
            FinishReason = choice.FinishReason is null ? null : new ChatFinishReason(choice.FinishReason),
            AdditionalProperties = new AdditionalPropertiesDictionary { [ModelReplies.RawKey] = body },
        };
        if (completion.Usage is { } u)
            response.Usage = new UsageDetails { InputTokenCount = u.PromptTokens, OutputTokenCount = u.CompletionTokens, TotalTokenCount = u.TotalTokens };
        if (choice.Logprobs?.Content is { Count: > 0 } content)
        {
            IReadOnlyList<IReadOnlyList<TokenChoice>> mapped = [.. content.Select(Map)];
            response.AdditionalProperties[ModelReplies.LogprobsKey] = mapped;
        }
        return response;
    }

    // choices[0].message.tool_calls, read from the body itself (the wire record types carry only what every server sends).
    // The arguments text is kept as sent; parsed into the call's dictionary when it is a JSON object.
    private List<FunctionCallContent> ToolCalls(string body)
    {
        var calls = new List<FunctionCallContent>();
        using var doc = JsonDocument.Parse(body);
        if (!doc.RootElement.TryGetProperty("choices", out var choices) || choices.ValueKind != JsonValueKind.Array || choices.GetArrayLength() == 0
            || !choices[0].TryGetProperty("message", out var message) || message.ValueKind != JsonValueKind.Object
            || !message.TryGetProperty("tool_calls", out var list) || list.ValueKind != JsonValueKind.Array)
            return calls;
        foreach (var entry in list.EnumerateArray())
        {
            if (entry.ValueKind != JsonValueKind.Object || !entry.TryGetProperty("function", out var function) || function.ValueKind != JsonValueKind.Object
                || !function.TryGetProperty("name", out var nameElement) || nameElement.ValueKind != JsonValueKind.String)
                throw new EndpointException($"{chatUri} answered with a tool call that has no function name: {entry.GetRawText()}");
            var id = entry.TryGetProperty("id", out var idElement) && idElement.ValueKind == JsonValueKind.String ? idElement.GetString()! : $"call_{calls.Count}";
            // OpenAI sends the arguments as a JSON text; Ollama-style servers sometimes send the object itself.
            var text = function.TryGetProperty("arguments", out var args)
                ? args.ValueKind == JsonValueKind.String ? args.GetString()! : args.ValueKind == JsonValueKind.Null ? "{}" : args.GetRawText()
                : "{}";
            var call = new FunctionCallContent(id, nameElement.GetString()!, ParseArguments(text, out var error))
            {
                AdditionalProperties = new AdditionalPropertiesDictionary { [ModelReplies.RawArgumentsKey] = text },
            };
            if (error is not null) call.Exception = error;
            calls.Add(call);
        }
        return calls;
    }

    private static Dictionary<string, object?>? ParseArguments(string text, out Exception? error)
    {
        error = null;
        try
        {
            using var doc = JsonDocument.Parse(text);
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
            {
                error = new FormatException("the arguments are not a JSON object");
                return null;
            }
            return doc.RootElement.EnumerateObject().ToDictionary(p => p.Name, p => (object?)p.Value.Clone(), StringComparer.Ordinal);
        }
        catch (JsonException e)
        {
            error = e;
            return null;
        }
    }

    // The chosen token first, then the alternatives other than it (servers list the chosen token among them too).
    private static IReadOnlyList<TokenChoice> Map(TokenLogprobOut t)
    {
        var list = new List<TokenChoice>(t.TopLogprobs.Count + 1) { new(t.Token, t.Logprob) };
        foreach (var alt in t.TopLogprobs)
            if (!string.Equals(alt.Token, t.Token, StringComparison.Ordinal)) list.Add(new TokenChoice(alt.Token, alt.Logprob));
        return list;
    }

    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        // Evaluation needs whole answers; a streamed view of one is enough for callers that want updates.
        var response = await GetResponseAsync(messages, options, cancellationToken).ConfigureAwait(false);
        foreach (var update in response.ToChatResponseUpdates()) yield return update;
    }

    public object? GetService(Type serviceType, object? serviceKey = null) =>
        serviceKey is null && serviceType?.IsInstanceOfType(this) == true ? this : null;

    public void Dispose()
    {
        if (ownsHttp) http.Dispose();
    }
}

[System.Text.Json.Serialization.JsonSerializable(typeof(string[]))]
internal sealed partial class StopJson : System.Text.Json.Serialization.JsonSerializerContext;
