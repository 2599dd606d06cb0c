using System.Globalization;
using System.Text.Json;
using ModelScout.Contracts.Ollama;
using ModelScout.Engine;
using ModelScout.Prompting;

namespace ModelScout.Server.Translation;

/// <summary>
/// Pure conversions between Ollama's wire records and the engine's request and updates. Bad requests become
/// <see cref="InferenceException"/>s of kind InvalidRequest naming the field.
/// </summary>
public static class OllamaTranslator
{
    private static readonly HashSet<string> Roles = new(StringComparer.Ordinal) { "system", "user", "assistant", "tool" };

    /// <summary>True when /api/generate only asks to load (or, with keep_alive 0, unload) the model.</summary>
    public static bool IsLoadOnly(GenerateRequest request) => string.IsNullOrEmpty(request?.Prompt);

    /// <summary>True when /api/chat only asks to load (or unload) the model.</summary>
    public static bool IsLoadOnly(ChatRequest request) => request?.Messages is null or { Count: 0 };

    /// <summary>/api/generate → engine request.</summary>
    public static GenerationRequest ToGeneration(GenerateRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var model = RequestFields.RequireModel(request.Model);
        if (request.Images is { Count: > 0 }) throw NoImages("images");
        if (!string.IsNullOrEmpty(request.Suffix))
            throw ApiProblem.Invalid("suffix", "suffix (fill-in-the-middle) is not supported; put the whole prompt in prompt");
        if (!string.IsNullOrEmpty(request.Template))
            throw ApiProblem.Invalid("template", "per-request template overrides are not supported; create a model with that template through /api/create and use it");
        RejectThinking(request.Think);
        return Generation(request, model, prompt: request.Prompt ?? "", system: string.IsNullOrEmpty(request.System) ? null : request.System, raw: request.Raw ?? false,
            context: request.Context);
    }

    /// <summary>/api/chat → engine request.</summary>
    public static GenerationRequest ToGeneration(ChatRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var model = RequestFields.RequireModel(request.Model);
        if (request.Tools is { ValueKind: JsonValueKind.Array } tools && tools.GetArrayLength() > 0)
            throw ApiProblem.Invalid("tools", "tool calling is not supported by scout serve yet; send the request without tools");
        RejectThinking(request.Think);
        var turns = new List<ChatTurn>();
        for (var i = 0; i < (request.Messages?.Count ?? 0); i++)
        {
            var m = request.Messages![i] ?? throw ApiProblem.Invalid($"messages[{i}]", $"messages[{i}] is null; each message is an object with role and content");
            if (string.IsNullOrEmpty(m.Role)) throw ApiProblem.Missing($"messages[{i}].role", "one of system, user, assistant, tool");
            if (!Roles.Contains(m.Role)) throw ApiProblem.Invalid($"messages[{i}].role", $"messages[{i}].role '{m.Role}' is not one of system, user, assistant, tool");
            if (m.Images is { Count: > 0 }) throw NoImages($"messages[{i}].images");
            turns.Add(new ChatTurn(m.Role, m.Content ?? ""));
        }
        return Generation(request, model, messages: turns);
    }

    /// <summary>The engine request of either endpoint: its own prompt or turns, and the fields both share.</summary>
    private static GenerationRequest Generation(OllamaGenerationRequest request, string model, IReadOnlyList<ChatTurn>? messages = null,
        string? prompt = null, string? system = null, bool raw = false, IReadOnlyList<long>? context = null) => new()
    {
        Model = model,
        Messages = messages,
        Prompt = prompt,
        System = system,
        Raw = raw,
        Options = ModelOptions.FromJson(request.Options ?? default),
        Format = Format(request.Format),
        KeepAlive = KeepAliveParser.Parse(request.KeepAlive ?? default),
        Logprobs = (request.Logprobs ?? false) || (request.TopLogprobs ?? 0) > 0,
        TopLogprobs = RequestFields.TopLogprobs(request.TopLogprobs),
        // Ollama keeps num_keep tokens and the end of a prompt too long for the context (truncate: false refuses it, as
        // OpenAI's API always does); shift: false ends a reply that fills the context instead of shifting it.
        TruncatePrompt = request.Truncate ?? true,
        ContextShift = request.Shift,
        Context = TokenIds(context),
    };

    /// <summary>/api/generate's <c>context</c> as token ids; ids that are no int are refused (the engine checks the vocabulary).</summary>
    private static int[]? TokenIds(IReadOnlyList<long>? context)
    {
        if (context is null or { Count: 0 }) return null;
        var ids = new int[context.Count];
        for (var i = 0; i < ids.Length; i++)
        {
            if (context[i] is < 0 or > int.MaxValue)
                throw ApiProblem.Invalid("context", $"context[{i}] = {context[i]} is not a token id; send back the context of an earlier answer unchanged");
            ids[i] = (int)context[i];
        }
        return ids;
    }

    /// <summary>Ollama's <c>format</c>: absent, "" or null = free text; "json" = any JSON; an object = a JSON schema.</summary>
    public static OutputConstraint? Format(JsonElement? format)
    {
        if (format is not { } f) return null;
        return f.ValueKind switch
        {
            JsonValueKind.Undefined or JsonValueKind.Null => null,
            JsonValueKind.String when f.GetString() is "" => null,
            JsonValueKind.String when f.GetString() is "json" => new OutputConstraint.AnyJson(),
            JsonValueKind.Object => new OutputConstraint.JsonSchema(f.GetRawText()),
            _ => throw ApiProblem.Invalid("format", $"format must be \"json\" or a JSON schema object, got {Shorten(f.GetRawText())}"),
        };
    }

    /// <summary>Ollama's timestamp: UTC, RFC 3339 with fractional seconds.</summary>
    public static string CreatedAt(DateTimeOffset now) => now.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture);

    /// <summary>Durations on Ollama's wire are nanoseconds.</summary>
    public static long Nanoseconds(TimeSpan duration) => duration.Ticks * 100;

    /// <summary>Ollama's done_reason.</summary>
    public static string DoneReasonText(DoneReason reason) => reason switch
    {
        DoneReason.Stop => "stop",
        DoneReason.Length => "length",
        DoneReason.Load => "load",
        DoneReason.Cancelled => "cancelled",
        _ => "stop",
    };

    /// <summary>One streamed /api/generate line.</summary>
    public static GenerateResponse GenerateChunk(string model, DateTimeOffset now, string text, IReadOnlyList<EmittedLogprob>? logprobs = null) =>
        new() { Model = model, CreatedAt = CreatedAt(now), Response = text, Done = false, Logprobs = Logprobs(logprobs) };

    /// <summary>The last /api/generate object; <paramref name="text"/> is the whole answer when not streaming, else "".</summary>
    public static GenerateResponse GenerateDone(string model, DateTimeOffset now, GenerationStats stats, string text = "", IReadOnlyList<EmittedLogprob>? logprobs = null)
    {
        ArgumentNullException.ThrowIfNull(stats);
        return Timed(new GenerateResponse { Model = model, CreatedAt = CreatedAt(now), Response = text, Done = true, DoneReason = DoneReasonText(stats.DoneReason), Context = stats.Context, Logprobs = Logprobs(logprobs) }, stats);
    }

    /// <summary>The answer to a load-only or unload /api/generate.</summary>
    public static GenerateResponse GenerateLoaded(string model, DateTimeOffset now, string doneReason) =>
        new() { Model = model, CreatedAt = CreatedAt(now), Response = "", Done = true, DoneReason = doneReason };

    /// <summary>One streamed /api/chat line.</summary>
    public static ChatResponse ChatChunk(string model, DateTimeOffset now, string text, IReadOnlyList<EmittedLogprob>? logprobs = null) =>
        new() { Model = model, CreatedAt = CreatedAt(now), Message = Assistant(text), Done = false, Logprobs = Logprobs(logprobs) };

    /// <summary>The last /api/chat object; <paramref name="text"/> is the whole answer when not streaming, else "".</summary>
    public static ChatResponse ChatDone(string model, DateTimeOffset now, GenerationStats stats, string text = "", IReadOnlyList<EmittedLogprob>? logprobs = null)
    {
        ArgumentNullException.ThrowIfNull(stats);
        return Timed(new ChatResponse { Model = model, CreatedAt = CreatedAt(now), Message = Assistant(text), Done = true, DoneReason = DoneReasonText(stats.DoneReason), Logprobs = Logprobs(logprobs) }, stats);
    }

    /// <summary>Fills the embedded timings of a final answer from the engine's statistics.</summary>
    private static T Timed<T>(T response, GenerationStats stats) where T : OllamaMetrics
    {
        response.TotalDuration = Nanoseconds(stats.TotalDuration);
        response.LoadDuration = Nanoseconds(stats.LoadDuration);
        response.PromptEvalCount = stats.PromptTokens;
        response.PromptEvalDuration = Nanoseconds(stats.PromptEvalDuration);
        response.EvalCount = stats.CompletionTokens;
        response.EvalDuration = Nanoseconds(stats.EvalDuration);
        if (stats.PromptTruncated) response.PromptTruncated = true;
        return response;
    }

    /// <summary>The answer to a load-only or unload /api/chat.</summary>
    public static ChatResponse ChatLoaded(string model, DateTimeOffset now, string doneReason) =>
        new() { Model = model, CreatedAt = CreatedAt(now), Message = Assistant(""), Done = true, DoneReason = doneReason };

    /// <summary>Ollama's logprobs list, or null when none were asked for.</summary>
    public static IReadOnlyList<OllamaLogprob>? Logprobs(IReadOnlyList<EmittedLogprob>? logprobs)
    {
        if (logprobs is null or { Count: 0 }) return null;
        return [.. logprobs.Select(l => new OllamaLogprob
        {
            Token = l.Chosen.Text,
            Logprob = l.Chosen.Logprob,
            Bytes = RequestFields.Utf8Bytes(l.Chosen.Text),
            TopLogprobs = [.. l.Top.Select(t => new OllamaLogprob { Token = t.Text, Logprob = t.Logprob, Bytes = RequestFields.Utf8Bytes(t.Text) })],
        })];
    }

    /// <summary>/api/embed → engine request (normalised vectors); <c>input</c> is a string or an array of strings.</summary>
    public static EmbeddingRequest ToEmbedding(EmbedRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Dimensions is < 1) throw ApiProblem.Invalid("dimensions", "dimensions must be a positive integer");
        var model = RequestFields.RequireModel(request.Model);
        return Embedding(request, model, RequestFields.Inputs(request.Input, "input"), truncate: request.Truncate ?? true, normalize: true);
    }

    /// <summary>/api/embeddings (legacy) → engine request: one prompt, not normalised.</summary>
    public static EmbeddingRequest ToEmbedding(EmbeddingsRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return Embedding(request, RequestFields.RequireModel(request.Model), string.IsNullOrEmpty(request.Prompt) ? [] : [request.Prompt], truncate: true, normalize: false);
    }

    /// <summary>The engine request of either endpoint: its inputs, and the options and keep-alive both share.</summary>
    private static EmbeddingRequest Embedding(OllamaEmbeddingRequest request, string model, IReadOnlyList<string> inputs, bool truncate, bool normalize) => new()
    {
        Model = model,
        Inputs = inputs,
        Truncate = truncate,
        Normalize = normalize,
        Options = ModelOptions.FromJson(request.Options ?? default),
        KeepAlive = KeepAliveParser.Parse(request.KeepAlive ?? default),
    };

    private static OllamaMessage Assistant(string text) => new() { Role = "assistant", Content = text };

    private static void RejectThinking(JsonElement? think)
    {
        if (think is { ValueKind: JsonValueKind.True } || think is { ValueKind: JsonValueKind.String } s && s.GetString() is { Length: > 0 } level && level != "false")
            throw ApiProblem.Invalid("think", "thinking is not supported by scout serve; send think: false or leave it out");
    }

    private static ApiException NoImages(string field) =>
        ApiProblem.Invalid(field, "images are not supported: scout serve runs text-only models; send text content");

    private static string Shorten(string raw) => raw.Length <= 40 ? raw : raw[..40] + "...";
}
