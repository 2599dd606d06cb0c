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
        if (request.Tools is { ValueKind: JsonValueKind.Array } tools && tools.GetArrayLength() > 0)
            throw ApiProblem.Invalid("tools", "tool calling is not supported by scout serve yet; send the request without tools");
        if (request.Messages is null or { Count: 0 })
            throw ApiProblem.Missing("messages", "send at least one message, for example [{\"role\":\"user\",\"content\":\"Hello\"}]");
        var turns = new List<ChatTurn>(request.Messages.Count);
        for (var i = 0; i < request.Messages.Count; i++)
        {
            var m = request.Messages[i] ?? throw ApiProblem.Invalid($"messages[{i}]", $"messages[{i}] is null; each message is an object with role and content");
            if (string.IsNullOrEmpty(m.Role)) throw ApiProblem.Missing($"messages[{i}].role", "one of system, developer, user, assistant, tool");
            if (!Roles.Contains(m.Role)) throw ApiProblem.Invalid($"messages[{i}].role", $"messages[{i}].role '{m.Role}' is not one of system, developer, user, assistant, tool");
            // "developer" is OpenAI's newer name for the system role.
            turns.Add(new ChatTurn(m.Role == "developer" ? "system" : m.Role, Content(m.Content, $"messages[{i}].content")));
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
        };
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
        Chunk(id, created, model, new ChatChunkChoice { Index = index, Delta = new ChatMessageOut { Role = "assistant", Content = "" } });

    /// <summary>A content chunk.</summary>
    public static ChatCompletionChunk ContentChunk(string id, long created, string model, int index, string text, IReadOnlyList<EmittedLogprob>? logprobs = null) =>
        Chunk(id, created, model, new ChatChunkChoice { Index = index, Delta = new ChatMessageOut { Content = text }, Logprobs = ChatLogprobs(logprobs) });

    /// <summary>The finish chunk: an empty delta and the reason.</summary>
    public static ChatCompletionChunk FinishChunk(string id, long created, string model, int index, DoneReason reason) =>
        Chunk(id, created, model, new ChatChunkChoice { Index = index, Delta = new ChatMessageOut(), FinishReason = FinishReason(reason) });

    /// <summary>The usage chunk (<c>stream_options.include_usage</c>): no choices.</summary>
    public static ChatCompletionChunk UsageChunk(string id, long created, string model, Usage usage) =>
        new() { Id = id, Created = created, Model = model, SystemFingerprint = Fingerprint, Choices = [], Usage = usage };

    /// <summary>A non-streamed chat completion.</summary>
    public static ChatCompletion Chat(string id, long created, string model, IReadOnlyList<GenerationOutcome> outcomes, bool logprobs) => new()
    {
        Id = id, Created = created, Model = model, SystemFingerprint = Fingerprint, Usage = Usage(outcomes),
        Choices = Choices(outcomes, (o, i, finish) => new ChatChoice
        {
            Index = i,
            Message = new ChatMessageOut { Role = "assistant", Content = o.Text },
            Logprobs = logprobs ? new ChatLogprobs { Content = [.. o.Logprobs.Select(TokenLogprob)] } : null,
            FinishReason = finish,
        }),
    };

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
