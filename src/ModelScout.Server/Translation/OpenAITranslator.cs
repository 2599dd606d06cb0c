using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using ModelScout.Contracts;
using ModelScout.Contracts.OpenAI;
using ModelScout.Engine;
using ModelScout.Prompting;

namespace ModelScout.Server.Translation;

/// <summary>
/// Pure conversions between OpenAI's wire records and the engine's request and results. Bad requests become
/// <see cref="InferenceException"/>s of kind InvalidRequest naming the field (OpenAI's <c>param</c>).
/// </summary>
public static class OpenAITranslator
{
    /// <summary>Most generations one request may ask for with <c>n</c>; each takes a slot.</summary>
    public const int MaxChoices = 8;

    /// <summary>Reported as <c>system_fingerprint</c>; constant because the backend does not change between requests.</summary>
    public const string Fingerprint = "fp_modelscout";

    private static readonly HashSet<string> Roles = new(StringComparer.Ordinal) { "system", "developer", "user", "assistant", "tool" };

    /// <summary>/v1/chat/completions → engine request.</summary>
    public static GenerationRequest ToGeneration(ChatCompletionRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var model = RequestFields.RequireModel(request.Model);
        var tools = ToolFields.Tools(request.Tools, requireType: true);
        var toolChoice = ToolChoiceOf(request.ToolChoice, tools);
        if (request.Messages is null or { Count: 0 })
            throw ApiProblem.Missing("messages", "send at least one message, for example [{\"role\":\"user\",\"content\":\"Hello\"}]");
        var turns = new List<ChatTurn>(request.Messages.Count);
        // The calls made so far in the history, id → function name: a tool message must answer one of them.
        var calls = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < request.Messages.Count; i++)
        {
            var m = request.Messages[i] ?? throw ApiProblem.Invalid($"messages[{i}]", $"messages[{i}] is null; each message is an object with role and content");
            turns.Add(Turn(m, $"messages[{i}]", calls));
        }
        var logprobs = request.Logprobs ?? false;
        if (!logprobs && request.TopLogprobs is > 0)
            throw ApiProblem.Invalid("top_logprobs", "top_logprobs needs logprobs: true");
        return new GenerationRequest
        {
            Model = model,
            Messages = turns,
            Options = Options(request, request.MaxCompletionTokens ?? request.MaxTokens),
            Format = Format(request.ResponseFormat),
            KeepAlive = KeepAliveParser.Parse(request.KeepAlive ?? default),
            Logprobs = logprobs,
            TopLogprobs = RequestFields.TopLogprobs(request.TopLogprobs),
            Tools = tools,
            ToolChoice = toolChoice,
            ParallelToolCalls = request.ParallelToolCalls ?? true,
            Think = ToolFields.ReasoningEffort(request.ReasoningEffort),
        };
    }

    /// <summary>
    /// One message of the history. An assistant message may carry <c>tool_calls</c> (its content then may be null) and
    /// <c>reasoning_content</c>; a tool message must name in <c>tool_call_id</c> a call of an earlier assistant message,
    /// as OpenAI requires, and takes that call's function name.
    /// </summary>
    private static ChatTurn Turn(OpenAIChatMessage m, string at, Dictionary<string, string> calls)
    {
        if (string.IsNullOrEmpty(m.Role)) throw ApiProblem.Missing($"{at}.role", "one of system, developer, user, assistant, tool");
        if (!Roles.Contains(m.Role)) throw ApiProblem.Invalid($"{at}.role", $"{at}.role '{m.Role}' is not one of system, developer, user, assistant, tool");
        // "developer" is OpenAI's newer name for the system role.
        var turn = new ChatTurn(m.Role == "developer" ? "system" : m.Role, Content(m.Content, $"{at}.content"));
        if (m.ToolCalls is { ValueKind: not (JsonValueKind.Null or JsonValueKind.Undefined) } toolCalls)
        {
            if (turn.Role != "assistant") throw ApiProblem.Invalid($"{at}.tool_calls", $"{at}.tool_calls: only assistant messages carry tool calls");
            var made = HistoryCalls(toolCalls, $"{at}.tool_calls");
            foreach (var call in made) calls[call.Id] = call.Name;
            turn = turn with { ToolCalls = made.Count == 0 ? null : made };
        }
        if (m.ReasoningContent is { ValueKind: not (JsonValueKind.Null or JsonValueKind.Undefined) } reasoning)
        {
            if (reasoning.ValueKind != JsonValueKind.String) throw ApiProblem.Invalid($"{at}.reasoning_content", $"{at}.reasoning_content must be a string");
            // Reasoning belongs to assistant turns; elsewhere it means nothing and is dropped.
            if (turn.Role == "assistant" && reasoning.GetString() is { Length: > 0 } thinking) turn = turn with { Thinking = thinking };
        }
        if (turn.Role == "tool")
        {
            if (string.IsNullOrEmpty(m.ToolCallId))
                throw ApiProblem.Missing($"{at}.tool_call_id", "the id of the assistant's tool call this message answers (tool_calls[].id)");
            if (!calls.TryGetValue(m.ToolCallId, out var name))
                throw ApiProblem.Invalid($"{at}.tool_call_id", $"{at}.tool_call_id '{m.ToolCallId}' answers no tool call of an earlier message: a tool message must follow the assistant message whose tool_calls hold that id");
            turn = turn with { ToolCallId = m.ToolCallId, ToolName = name };
        }
        return turn;
    }

    /// <summary>An assistant message's <c>tool_calls</c>: <c>[{id, type: "function", function: {name, arguments}}]</c>.</summary>
    private static List<ToolCall> HistoryCalls(JsonElement toolCalls, string at)
    {
        if (toolCalls.ValueKind != JsonValueKind.Array)
            throw ApiProblem.Invalid(at, $"{at} must be an array of {{\"id\",\"type\":\"function\",\"function\":{{\"name\",\"arguments\"}}}}");
        var result = new List<ToolCall>();
        var j = 0;
        foreach (var call in toolCalls.EnumerateArray())
        {
            var field = $"{at}[{j++}]";
            if (call.ValueKind != JsonValueKind.Object) throw ApiProblem.Invalid(field, $"{field} must be an object with id, type and function");
            var id = call.TryGetProperty("id", out var idValue) && idValue.ValueKind == JsonValueKind.String ? idValue.GetString() : null;
            if (string.IsNullOrEmpty(id)) throw ApiProblem.Missing($"{field}.id", "the call's id, which the tool message answering it repeats as tool_call_id");
            if (call.TryGetProperty("type", out var type) && type.ValueKind != JsonValueKind.Null && !(type.ValueKind == JsonValueKind.String && type.GetString() == "function"))
                throw ApiProblem.Invalid($"{field}.type", $"{field}.type must be \"function\"");
            if (!call.TryGetProperty("function", out var function) || function.ValueKind != JsonValueKind.Object)
                throw ApiProblem.Missing($"{field}.function", "an object with name and arguments");
            var name = function.TryGetProperty("name", out var n) && n.ValueKind == JsonValueKind.String ? n.GetString() : null;
            name = ToolFields.Name(name, $"{field}.function.name");
            JsonElement? arguments = function.TryGetProperty("arguments", out var a) ? a : null;
            result.Add(new ToolCall(id, name, ToolFields.Arguments(arguments, $"{field}.function.arguments")));
        }
        return result;
    }

    /// <summary>
    /// <c>tool_choice</c>: "auto" (the default), "none", "required", or <c>{type: "function", function: {name}}</c> naming a
    /// declared function. "required" and a named function need <c>tools</c>.
    /// </summary>
    public static ToolChoice ToolChoiceOf(JsonElement? choice, IReadOnlyList<ToolDefinition> tools)
    {
        ArgumentNullException.ThrowIfNull(tools);
        if (choice is not { } c || c.ValueKind is JsonValueKind.Undefined or JsonValueKind.Null) return ToolChoice.Auto;
        if (c.ValueKind == JsonValueKind.String)
        {
            return c.GetString() switch
            {
                "auto" => ToolChoice.Auto,
                "none" => ToolChoice.None,
                "required" when tools.Count == 0 => throw ApiProblem.Invalid("tool_choice", "tool_choice \"required\" needs tools: declare the functions the model must choose from"),
                "required" => ToolChoice.Required,
                var other => throw ApiProblem.Invalid("tool_choice", $"tool_choice '{other}' is not one of auto, none, required, or {{\"type\":\"function\",\"function\":{{\"name\":...}}}}"),
            };
        }
        if (c.ValueKind != JsonValueKind.Object)
            throw ApiProblem.Invalid("tool_choice", "tool_choice must be \"auto\", \"none\", \"required\" or {\"type\":\"function\",\"function\":{\"name\":...}}");
        var type = c.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString() : null;
        if (type != "function")
            throw ApiProblem.Invalid("tool_choice.type", $"tool_choice.type '{type}' is not supported; name one function with {{\"type\":\"function\",\"function\":{{\"name\":...}}}}");
        var name = c.TryGetProperty("function", out var f) && f.ValueKind == JsonValueKind.Object && f.TryGetProperty("name", out var n) && n.ValueKind == JsonValueKind.String
            ? n.GetString() : null;
        if (string.IsNullOrEmpty(name)) throw ApiProblem.Missing("tool_choice.function.name", "the name of the function the model must call");
        if (!tools.Any(tool => tool.Name == name))
            throw ApiProblem.Invalid("tool_choice.function.name", $"tool_choice names function '{name}', which tools does not declare; declare it in tools or name one that is");
        return new ToolChoice.Named(name);
    }

    /// <summary>/v1/completions → engine request. The prompt goes to the model as is (raw), as llama.cpp and vLLM do.</summary>
    public static GenerationRequest ToGeneration(CompletionRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var model = RequestFields.RequireModel(request.Model);
        if (!string.IsNullOrEmpty(request.Suffix))
            throw ApiProblem.Invalid("suffix", "suffix (fill-in-the-middle) is not supported; put the whole prompt in prompt");
        if (request.Echo == true) throw ApiProblem.Invalid("echo", "echo is not supported; the prompt is not repeated in the answer");
        var prompts = RequestFields.Inputs(request.Prompt, "prompt");
        if (prompts.Count > 1) throw ApiProblem.Invalid("prompt", "send one prompt per request (an array of several prompts is not supported); use n for several completions");
        if (request.Logprobs is < 0 or > 20) throw ApiProblem.Invalid("logprobs", $"logprobs must be between 0 and 20, got {request.Logprobs}");
        return new GenerationRequest
        {
            Model = model,
            Prompt = prompts.Count == 0 ? "" : prompts[0],
            Raw = true,
            Options = Options(request, request.MaxTokens),
            KeepAlive = KeepAliveParser.Parse(request.KeepAlive ?? default),
            Logprobs = request.Logprobs is not null,
            TopLogprobs = request.Logprobs ?? 0,
        };
    }

    /// <summary>How many generations <c>n</c> asks for (1 when absent).</summary>
    public static int Choices(int? n) => n switch
    {
        null => 1,
        < 1 or > MaxChoices => throw ApiProblem.Invalid("n", $"n must be between 1 and {MaxChoices}, got {n}"),
        _ => n.Value,
    };

    /// <summary><c>response_format</c>: text = free, json_object = any JSON, json_schema = that schema.</summary>
    public static OutputConstraint? Format(ResponseFormat? format)
    {
        if (format is null) return null;
        return format.Type switch
        {
            null or "" or "text" => null,
            "json_object" => new OutputConstraint.AnyJson(),
            "json_schema" when format.JsonSchema?.Schema is { ValueKind: JsonValueKind.Object } schema => new OutputConstraint.JsonSchema(schema.GetRawText()),
            "json_schema" => throw ApiProblem.Invalid("response_format.json_schema.schema", "response_format json_schema needs json_schema.schema, a JSON schema object"),
            _ => throw ApiProblem.Invalid("response_format.type", $"response_format.type '{format.Type}' is not one of text, json_object, json_schema"),
        };
    }

    /// <summary>OpenAI's finish_reason. A cancelled generation (server shutting down) reads as stop: the SDKs know no other value.</summary>
    public static string FinishReason(DoneReason reason) => reason == DoneReason.Length ? "length" : "stop";

    /// <summary>A chat's finish_reason: "tool_calls" when the reply ended with calls for the client to run.</summary>
    public static string FinishReason(DoneReason reason, int toolCalls) => toolCalls > 0 && reason == DoneReason.Stop ? "tool_calls" : FinishReason(reason);

    /// <summary>Usage of one or more generations of the same prompt (the prompt counts once).</summary>
    public static Usage Usage(IReadOnlyList<GenerationStats> stats)
    {
        ArgumentNullException.ThrowIfNull(stats);
        var prompt = stats.Count == 0 ? 0 : stats[0].PromptTokens;
        var completion = stats.Sum(s => s.CompletionTokens);
        return new Usage { PromptTokens = prompt, CompletionTokens = completion, TotalTokens = prompt + completion };
    }

    /// <summary>The first chunk of a choice: the role and no content.</summary>
    public static ChatCompletionChunk RoleChunk(string id, long created, string model, int index) =>
        Chunk(id, created, model, new ChatChunkChoice { Index = index, Delta = new ChatDelta { Role = "assistant", Content = "" } });

    /// <summary>A content chunk.</summary>
    public static ChatCompletionChunk ContentChunk(string id, long created, string model, int index, string text, IReadOnlyList<EmittedLogprob>? logprobs = null) =>
        Chunk(id, created, model, new ChatChunkChoice { Index = index, Delta = new ChatDelta { Content = text }, Logprobs = ChatLogprobs(logprobs) });

    /// <summary>
    /// The chunk of one token: its answer text as <c>content</c>, its reasoning as <c>reasoning_content</c>, each left out
    /// when empty; null when the token showed nothing (text held back, tool-call markup).
    /// </summary>
    public static ChatCompletionChunk? TokenChunk(string id, long created, string model, int index, GenerationToken token, IReadOnlyList<EmittedLogprob>? logprobs = null)
    {
        ArgumentNullException.ThrowIfNull(token);
        if (token.Text.Length == 0 && token.Thinking.Length == 0) return null;
        var delta = new ChatDelta { Content = token.Text.Length == 0 ? null : token.Text, ReasoningContent = token.Thinking.Length == 0 ? null : token.Thinking };
        return Chunk(id, created, model, new ChatChunkChoice { Index = index, Delta = delta, Logprobs = ChatLogprobs(logprobs) });
    }

    /// <summary>
    /// A tool call as OpenAI streams it: a first chunk with the call's index, id, type and name and empty arguments, then
    /// the arguments in pieces (<see cref="ToolFields.ArgumentPieces"/>), each a chunk with only index and arguments.
    /// </summary>
    public static IEnumerable<ChatCompletionChunk> ToolCallChunks(string id, long created, string model, int index, int callIndex, ToolCall call)
    {
        ArgumentNullException.ThrowIfNull(call);
        yield return Chunk(id, created, model, new ChatChunkChoice
        {
            Index = index,
            Delta = new ChatDelta { ToolCalls = [new OpenAIToolCall { Index = callIndex, Id = call.Id, Type = "function", Function = new OpenAIFunctionCall { Name = call.Name, Arguments = "" } }] },
        });
        foreach (var piece in ToolFields.ArgumentPieces(call.ArgumentsJson))
        {
            yield return Chunk(id, created, model, new ChatChunkChoice
            {
                Index = index,
                Delta = new ChatDelta { ToolCalls = [new OpenAIToolCall { Index = callIndex, Function = new OpenAIFunctionCall { Arguments = piece } }] },
            });
        }
    }

    /// <summary>The finish chunk: an empty delta and the reason ("tool_calls" when the choice made calls).</summary>
    public static ChatCompletionChunk FinishChunk(string id, long created, string model, int index, DoneReason reason, int toolCalls = 0) =>
        Chunk(id, created, model, new ChatChunkChoice { Index = index, Delta = new ChatDelta(), FinishReason = FinishReason(reason, toolCalls) });

    /// <summary>llama-server's <c>timings</c> object for one generation.</summary>
    public static ModelScout.Contracts.LlamaCpp.LlamaTimings Timings(GenerationStats stats)
    {
        ArgumentNullException.ThrowIfNull(stats);
        var promptN = Math.Max(0, stats.PromptTokens - stats.CachedPromptTokens);
        var promptMs = stats.PromptEvalDuration.TotalMilliseconds;
        var predictedMs = stats.EvalDuration.TotalMilliseconds;
        return new()
        {
            CacheN = stats.CachedPromptTokens,
            PromptN = promptN,
            PromptMs = promptMs,
            PromptPerTokenMs = promptN > 0 ? promptMs / promptN : 0,
            PromptPerSecond = promptMs > 0 ? promptN * 1000.0 / promptMs : 0,
            PredictedN = stats.CompletionTokens,
            PredictedMs = predictedMs,
            PredictedPerTokenMs = stats.CompletionTokens > 0 ? predictedMs / stats.CompletionTokens : 0,
            PredictedPerSecond = predictedMs > 0 ? stats.CompletionTokens * 1000.0 / predictedMs : 0,
        };
    }

    /// <summary>The usage chunk (<c>stream_options.include_usage</c>): no choices.</summary>
    public static ChatCompletionChunk UsageChunk(string id, long created, string model, Usage usage) =>
        new() { Id = id, Created = created, Model = model, SystemFingerprint = Fingerprint, Choices = [], Usage = usage };

    /// <summary>A non-streamed chat completion.</summary>
    public static ChatCompletion Chat(string id, long created, string model, IReadOnlyList<GenerationOutcome> outcomes, bool logprobs) => new()
    {
        Id = id, Created = created, Model = model, SystemFingerprint = Fingerprint, Usage = Usage(outcomes),
        Timings = outcomes.Count > 0 ? Timings(outcomes[0].Stats) : null,
        Choices = [.. outcomes.Select((o, i) => new ChatChoice
        {
            Index = i,
            Message = Message(o),
            Logprobs = logprobs ? new ChatLogprobs { Content = [.. o.Logprobs.Select(TokenLogprob)] } : null,
            FinishReason = FinishReason(o.Stats.DoneReason, o.ToolCalls.Count),
        })],
    };

    /// <summary>The assistant's message: content (null when the reply is only tool calls), reasoning, tool calls.</summary>
    public static ChatMessageOut Message(GenerationOutcome outcome)
    {
        ArgumentNullException.ThrowIfNull(outcome);
        return new ChatMessageOut
        {
            Role = "assistant",
            Content = outcome.ToolCalls.Count > 0 && outcome.Text.Length == 0 ? null : outcome.Text,
            ReasoningContent = outcome.Thinking.Length == 0 ? null : outcome.Thinking,
            ToolCalls = outcome.ToolCalls.Count == 0 ? null
                : [.. outcome.ToolCalls.Select(c => new OpenAIToolCall { Id = c.Id, Type = "function", Function = new OpenAIFunctionCall { Name = c.Name, Arguments = c.ArgumentsJson } })],
        };
    }

    /// <summary>A streamed completion event: text, and on the last one the finish reason.</summary>
    public static Completion CompletionChunk(string id, long created, string model, int index, string text, CompletionLogprobs? logprobs, string? finishReason) =>
        new() { Id = id, Created = created, Model = model, SystemFingerprint = Fingerprint, Choices = [new CompletionChoice { Index = index, Text = text, Logprobs = logprobs, FinishReason = finishReason }] };

    /// <summary>The usage event of a streamed completion.</summary>
    public static Completion CompletionUsageChunk(string id, long created, string model, Usage usage) =>
        new() { Id = id, Created = created, Model = model, SystemFingerprint = Fingerprint, Choices = [], Usage = usage };

    /// <summary>A non-streamed completion.</summary>
    public static Completion Completion(string id, long created, string model, IReadOnlyList<GenerationOutcome> outcomes, bool logprobs, int promptLength) => new()
    {
        Id = id, Created = created, Model = model, SystemFingerprint = Fingerprint, Usage = Usage(outcomes),
        Timings = outcomes.Count > 0 ? Timings(outcomes[0].Stats) : null,
        Choices = Choices(outcomes, (o, i, finish) => new CompletionChoice
        {
            Index = i,
            Text = o.Text,
            Logprobs = logprobs ? CompletionLogprobs(o.Logprobs, promptLength) : null,
            FinishReason = finish,
        }),
    };

    /// <summary>One choice per outcome, in order, with its finish reason.</summary>
    private static TChoice[] Choices<TChoice>(IReadOnlyList<GenerationOutcome> outcomes, Func<GenerationOutcome, int, string, TChoice> choice) =>
        [.. outcomes.Select((o, i) => choice(o, i, FinishReason(o.Stats.DoneReason)))];

    /// <summary>Usage of the outcomes of one prompt.</summary>
    private static Usage Usage(IReadOnlyList<GenerationOutcome> outcomes)
    {
        ArgumentNullException.ThrowIfNull(outcomes);
        return Usage([.. outcomes.Select(o => o.Stats)]);
    }

    /// <summary>Chat <c>logprobs</c> for some tokens, or null when there are none.</summary>
    public static ChatLogprobs? ChatLogprobs(IReadOnlyList<EmittedLogprob>? logprobs) =>
        logprobs is null or { Count: 0 } ? null : new ChatLogprobs { Content = [.. logprobs.Select(TokenLogprob)] };

    /// <summary>
    /// Legacy completion <c>logprobs</c>. <c>text_offset</c> counts characters from the start of the prompt, as OpenAI's
    /// did, so the first offset is <paramref name="startOffset"/> (the prompt's length, or where the last chunk ended).
    /// </summary>
    public static CompletionLogprobs CompletionLogprobs(IReadOnlyList<EmittedLogprob> logprobs, int startOffset)
    {
        ArgumentNullException.ThrowIfNull(logprobs);
        var offsets = new List<int>(logprobs.Count);
        var at = startOffset;
        foreach (var l in logprobs)
        {
            offsets.Add(at);
            at += l.Chosen.Text.Length;
        }
        return new CompletionLogprobs
        {
            Tokens = [.. logprobs.Select(l => l.Chosen.Text)],
            TokenLogprobs = [.. logprobs.Select(l => l.Chosen.Logprob)],
            TopLogprobs = [.. logprobs.Select(l => (IReadOnlyDictionary<string, double>)TopMap(l.Top))],
            TextOffset = offsets,
        };
    }

    /// <summary>/v1/embeddings → engine request (normalised vectors, as OpenAI's are).</summary>
    public static EmbeddingRequest ToEmbedding(OpenAIEmbeddingRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var model = RequestFields.RequireModel(request.Model);
        if (request.EncodingFormat is not (null or "float" or "base64"))
            throw ApiProblem.Invalid("encoding_format", $"encoding_format '{request.EncodingFormat}' is not one of float, base64");
        if (request.Dimensions is < 1) throw ApiProblem.Invalid("dimensions", "dimensions must be a positive integer");
        var inputs = RequestFields.Inputs(request.Input, "input");
        if (inputs.Count == 0) throw ApiProblem.Missing("input", "a string or an array of strings to embed");
        return new EmbeddingRequest
        {
            Model = model,
            Inputs = inputs,
            Normalize = true,
            KeepAlive = KeepAliveParser.Parse(request.KeepAlive ?? default),
        };
    }

    /// <summary>/v1/embeddings answer; base64 is the little-endian float32 bytes of each vector.</summary>
    public static EmbeddingList Embeddings(string model, IReadOnlyList<float[]> vectors, int promptTokens, bool base64)
    {
        ArgumentNullException.ThrowIfNull(vectors);
        return new EmbeddingList
        {
            Model = model,
            Data = [.. vectors.Select((v, i) => new EmbeddingItem { Index = i, Embedding = base64 ? Base64(v) : Floats(v) })],
            Usage = new EmbeddingUsage { PromptTokens = promptTokens, TotalTokens = promptTokens },
        };
    }

    /// <summary>New ids look like OpenAI's: a prefix and 24 random alphanumerics.</summary>
    public static string NewId(string prefix)
    {
        const string alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
        return prefix + string.Create(24, 0, (span, _) =>
        {
            for (var i = 0; i < span.Length; i++) span[i] = alphabet[System.Security.Cryptography.RandomNumberGenerator.GetInt32(alphabet.Length)];
        });
    }

    private static ChatCompletionChunk Chunk(string id, long created, string model, ChatChunkChoice choice) =>
        new() { Id = id, Created = created, Model = model, SystemFingerprint = Fingerprint, Choices = [choice] };

    private static TokenLogprobOut TokenLogprob(EmittedLogprob l) => new()
    {
        Token = l.Chosen.Text,
        Logprob = l.Chosen.Logprob,
        Bytes = RequestFields.Utf8Bytes(l.Chosen.Text),
        TopLogprobs = [.. l.Top.Select(t => new TopLogprob { Token = t.Text, Logprob = t.Logprob, Bytes = RequestFields.Utf8Bytes(t.Text) })],
    };

    private static Dictionary<string, double> TopMap(IReadOnlyList<TokenLogprob> top)
    {
        // Two ids can share a text; the legacy shape is keyed by text, so the more likely one is kept.
        var map = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var t in top) if (!map.TryGetValue(t.Text, out var had) || had < t.Logprob) map[t.Text] = t.Logprob;
        return map;
    }

    /// <summary>The sampling fields both requests share; <paramref name="maxTokens"/> is the one that applies (chat prefers max_completion_tokens).</summary>
    private static ModelOptions Options(OpenAIGenerationRequest request, long? maxTokens)
    {
        if (maxTokens is < 1) throw ApiProblem.Invalid("max_tokens", $"max_tokens must be at least 1, got {maxTokens}");
        if (request.Temperature is < 0 or > 2) throw ApiProblem.Invalid("temperature", $"temperature must be between 0 and 2, got {request.Temperature}");
        if (request.TopP is < 0 or > 1) throw ApiProblem.Invalid("top_p", $"top_p must be between 0 and 1, got {request.TopP}");
        if (request.PresencePenalty is < -2 or > 2) throw ApiProblem.Invalid("presence_penalty", $"presence_penalty must be between -2 and 2, got {request.PresencePenalty}");
        if (request.FrequencyPenalty is < -2 or > 2) throw ApiProblem.Invalid("frequency_penalty", $"frequency_penalty must be between -2 and 2, got {request.FrequencyPenalty}");
        if (request.NumCtx is < 1) throw ApiProblem.Invalid("num_ctx", $"num_ctx must be a positive number of tokens, got {request.NumCtx}");
        return new ModelOptions
        {
            // Beyond int range is clamped: generation ends at the context window anyway (finish_reason "length").
            NumPredict = maxTokens is { } m ? (int)Math.Min(m, int.MaxValue) : null,
            Temperature = (float?)request.Temperature,
            TopP = (float?)request.TopP,
            // OpenAI seeds are 64-bit; llama.cpp's are 32-bit, so keep the low bits (the same seed still repeats).
            Seed = request.Seed is { } s ? unchecked((int)s) : null,
            Stop = Stops(request.Stop),
            PresencePenalty = (float?)request.PresencePenalty,
            FrequencyPenalty = (float?)request.FrequencyPenalty,
            NumCtx = request.NumCtx,
            TopK = request.TopK,
            MinP = (float?)request.MinP,
        }.Check(name => name == "num_predict" ? "max_tokens" : name);
    }

    private static string[]? Stops(JsonElement? stop)
    {
        if (stop is not { } e) return null;
        switch (e.ValueKind)
        {
            case JsonValueKind.Undefined or JsonValueKind.Null: return null;
            case JsonValueKind.String: return e.GetString() is { Length: > 0 } one ? [one] : null;
            case JsonValueKind.Array:
                var list = new List<string>();
                foreach (var item in e.EnumerateArray())
                {
                    if (item.ValueKind != JsonValueKind.String) throw ApiProblem.Invalid("stop", "stop must be a string or an array of strings");
                    if (item.GetString() is { Length: > 0 } text) list.Add(text);
                }
                if (list.Count > 16) throw ApiProblem.Invalid("stop", $"at most 16 stop strings, got {list.Count}");
                return [.. list];
            default: throw ApiProblem.Invalid("stop", "stop must be a string or an array of strings");
        }
    }

    private static string Content(JsonElement? content, string field)
    {
        if (content is not { } c) return "";
        switch (c.ValueKind)
        {
            case JsonValueKind.Undefined or JsonValueKind.Null: return "";
            case JsonValueKind.String: return c.GetString()!;
            case JsonValueKind.Array:
                var text = new StringBuilder();
                foreach (var part in c.EnumerateArray())
                {
                    var type = part.ValueKind == JsonValueKind.Object && part.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString() : null;
                    if (type == "text" && part.TryGetProperty("text", out var s) && s.ValueKind == JsonValueKind.String) text.Append(s.GetString());
                    else if (type is "image_url" or "input_audio" or "file")
                        throw ApiProblem.Invalid(field, $"{field}: {type} parts are not supported: scout serve runs text-only models; send text parts");
                    else throw ApiProblem.Invalid(field, $"{field} parts must be objects like {{\"type\":\"text\",\"text\":\"...\"}}");
                }
                return text.ToString();
            default:
                throw ApiProblem.Invalid(field, $"{field} must be a string or an array of content parts");
        }
    }

    private static JsonElement Floats(float[] v) => JsonSerializer.SerializeToElement(v, WireJsonContext.Wire.SingleArray);

    private static JsonElement Base64(float[] v)
    {
        var bytes = new byte[v.Length * 4];
        for (var i = 0; i < v.Length; i++) BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(i * 4), v[i]);
        return JsonSerializer.SerializeToElement(Convert.ToBase64String(bytes), WireJsonContext.Wire.String);
    }
}
