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
        return Generation(request, model, prompt: request.Prompt ?? "", system: string.IsNullOrEmpty(request.System) ? null : request.System, raw: request.Raw ?? false,
            context: request.Context);
    }

    /// <summary>/api/chat → engine request.</summary>
    public static GenerationRequest ToGeneration(ChatRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var model = RequestFields.RequireModel(request.Model);
        var tools = ToolFields.Tools(request.Tools, requireType: false);
        var turns = new List<ChatTurn>();
        for (var i = 0; i < (request.Messages?.Count ?? 0); i++)
        {
            var m = request.Messages![i] ?? throw ApiProblem.Invalid($"messages[{i}]", $"messages[{i}] is null; each message is an object with role and content");
            turns.Add(Turn(m, i, turns));
        }
        return Generation(request, model, messages: turns, tools: tools);
    }

    /// <summary>
    /// One message of the history. An assistant message may carry <c>thinking</c> and <c>tool_calls</c>
    /// (<c>[{function: {name, arguments}}]</c>, id and index optional: a call without an id is named by its place,
    /// <c>call_{message}_{call}</c>, the same in every request so the prompt stays cacheable). A tool message names its
    /// function in <c>tool_name</c> and may name its call in <c>tool_call_id</c>; with only one of the two, the other is
    /// taken from the matching call of the last assistant message that made calls.
    /// </summary>
    private static ChatTurn Turn(OllamaMessage m, int i, List<ChatTurn> earlier)
    {
        var at = $"messages[{i}]";
        if (string.IsNullOrEmpty(m.Role)) throw ApiProblem.Missing($"{at}.role", "one of system, user, assistant, tool");
        if (!Roles.Contains(m.Role)) throw ApiProblem.Invalid($"{at}.role", $"{at}.role '{m.Role}' is not one of system, user, assistant, tool");
        if (m.Images is { Count: > 0 }) throw NoImages($"{at}.images");
        var turn = new ChatTurn(m.Role, m.Content ?? "");
        if (m.ToolCalls is { Count: > 0 } toolCalls)
        {
            if (m.Role != "assistant") throw ApiProblem.Invalid($"{at}.tool_calls", $"{at}.tool_calls: only assistant messages carry tool calls");
            var calls = new List<ToolCall>(toolCalls.Count);
            for (var j = 0; j < toolCalls.Count; j++)
            {
                var field = $"{at}.tool_calls[{j}]";
                var function = toolCalls[j]?.Function ?? throw ApiProblem.Missing($"{field}.function", "an object with name and arguments");
                var name = ToolFields.Name(function.Name, $"{field}.function.name");
                var id = string.IsNullOrEmpty(toolCalls[j]!.Id) ? $"call_{i}_{j}" : toolCalls[j]!.Id!;
                calls.Add(new ToolCall(id, name, ToolFields.Arguments(function.Arguments, $"{field}.function.arguments")));
            }
            turn = turn with { ToolCalls = calls };
        }
        if (m.Role == "assistant" && !string.IsNullOrEmpty(m.Thinking)) turn = turn with { Thinking = m.Thinking };
        if (m.Role == "tool")
        {
            var made = earlier.LastOrDefault(t => t.ToolCalls is { Count: > 0 })?.ToolCalls ?? [];
            var call = !string.IsNullOrEmpty(m.ToolCallId) ? made.FirstOrDefault(c => c.Id == m.ToolCallId)
                : !string.IsNullOrEmpty(m.ToolName) ? made.FirstOrDefault(c => c.Name == m.ToolName && !Answered(earlier, c.Id))
                : null;
            turn = turn with
            {
                ToolName = string.IsNullOrEmpty(m.ToolName) ? call?.Name : m.ToolName,
                ToolCallId = string.IsNullOrEmpty(m.ToolCallId) ? call?.Id : m.ToolCallId,
            };
        }
        return turn;
    }

    private static bool Answered(List<ChatTurn> earlier, string callId) => earlier.Any(t => t.Role == "tool" && t.ToolCallId == callId);

    /// <summary>The engine request of either endpoint: its own prompt or turns, and the fields both share.</summary>
    private static GenerationRequest Generation(OllamaGenerationRequest request, string model, IReadOnlyList<ChatTurn>? messages = null,
        string? prompt = null, string? system = null, bool raw = false, IReadOnlyList<long>? context = null, IReadOnlyList<ToolDefinition>? tools = null) => new()
    {
        Model = model,
        Messages = messages,
        Tools = tools ?? [],
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
        Think = ToolFields.Think(request.Think),
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

    /// <summary>One streamed /api/generate line: text, or reasoning with an empty response.</summary>
    public static GenerateResponse GenerateChunk(string model, DateTimeOffset now, GenerationPiece piece, IReadOnlyList<EmittedLogprob>? logprobs = null)
    {
        ArgumentNullException.ThrowIfNull(piece);
        return new() { Model = model, CreatedAt = CreatedAt(now), Response = piece.Text, Thinking = Empty(piece.Thinking), Done = false, Logprobs = Logprobs(logprobs) };
    }

    /// <summary>The last /api/generate object; <paramref name="whole"/> is the whole answer when not streaming, else empty.</summary>
    public static GenerateResponse GenerateDone(string model, DateTimeOffset now, GenerationStats stats, GenerationPiece? whole = null, IReadOnlyList<EmittedLogprob>? logprobs = null)
    {
        ArgumentNullException.ThrowIfNull(stats);
        whole ??= GenerationPiece.None;
        return Timed(new GenerateResponse
        {
            Model = model, CreatedAt = CreatedAt(now), Response = whole.Text, Thinking = Empty(whole.Thinking), Done = true,
            DoneReason = DoneReasonText(stats.DoneReason), Context = stats.Context, Logprobs = Logprobs(logprobs),
        }, stats);
    }

    /// <summary>The answer to a load-only or unload /api/generate.</summary>
    public static GenerateResponse GenerateLoaded(string model, DateTimeOffset now, string doneReason) =>
        new() { Model = model, CreatedAt = CreatedAt(now), Response = "", Done = true, DoneReason = doneReason };

    /// <summary>
    /// One streamed /api/chat line, as Ollama streams: text as content; reasoning as <c>thinking</c> with empty content; a
    /// finished tool call alone in <c>tool_calls</c> with empty content.
    /// </summary>
    public static ChatResponse ChatChunk(string model, DateTimeOffset now, GenerationPiece piece, IReadOnlyList<EmittedLogprob>? logprobs = null)
    {
        ArgumentNullException.ThrowIfNull(piece);
        return new() { Model = model, CreatedAt = CreatedAt(now), Message = Assistant(piece), Done = false, Logprobs = Logprobs(logprobs) };
    }

    /// <summary>
    /// The last /api/chat object; <paramref name="whole"/> is the whole answer (text, reasoning, calls) when not
    /// streaming, else empty. A reply with tool calls ends with done_reason "stop", as Ollama's does.
    /// </summary>
    public static ChatResponse ChatDone(string model, DateTimeOffset now, GenerationStats stats, GenerationPiece? whole = null, IReadOnlyList<EmittedLogprob>? logprobs = null)
    {
        ArgumentNullException.ThrowIfNull(stats);
        whole ??= GenerationPiece.None;
        return Timed(new ChatResponse { Model = model, CreatedAt = CreatedAt(now), Message = Assistant(whole), Done = true, DoneReason = DoneReasonText(stats.DoneReason), Logprobs = Logprobs(logprobs) }, stats);
    }

    /// <summary>Ollama's tool calls: <c>{id, function: {index, name, arguments}}</c>, arguments as a JSON object.</summary>
    public static IReadOnlyList<OllamaToolCall>? ToolCalls(IReadOnlyList<IndexedToolCall> calls)
    {
        ArgumentNullException.ThrowIfNull(calls);
        if (calls.Count == 0) return null;
        return [.. calls.Select(c => new OllamaToolCall
        {
            Id = c.Call.Id,
            Function = new OllamaToolCallFunction { Index = c.Index, Name = c.Call.Name, Arguments = ArgumentsObject(c.Call.ArgumentsJson) },
        })];
    }

    /// <summary>
    /// A call's arguments as the object Ollama sends. The engine hands over JSON object text; should it ever not be, the
    /// text goes out as a JSON string rather than failing the answer halfway through a stream.
    /// </summary>
    private static JsonElement ArgumentsObject(string arguments)
    {
        try
        {
            using var doc = JsonDocument.Parse(arguments);
            if (doc.RootElement.ValueKind == JsonValueKind.Object) return doc.RootElement.Clone();
        }
        catch (JsonException)
        {
            // Sent as a string below.
        }
        return JsonSerializer.SerializeToElement(arguments, Contracts.WireJsonContext.Wire.String);
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

    private static OllamaMessage Assistant(GenerationPiece piece) =>
        new() { Role = "assistant", Content = piece.Text, Thinking = Empty(piece.Thinking), ToolCalls = ToolCalls(piece.ToolCalls) };

    private static string? Empty(string text) => text.Length == 0 ? null : text;

    private static ApiException NoImages(string field) =>
        ApiProblem.Invalid(field, "images are not supported yet: scout serve runs text-only models, multimodal models are not supported; send text content");

    private static string Shorten(string raw) => raw.Length <= 40 ? raw : raw[..40] + "...";
}

/// <summary>A tool call and its index among the calls of its reply.</summary>
public sealed record IndexedToolCall(int Index, ToolCall Call);

/// <summary>
/// What one Ollama line carries of a reply: text, reasoning and finished tool calls (any may be empty). A streamed line
/// carries one token's worth or one call; a whole answer carries everything.
/// </summary>
public sealed record GenerationPiece(string Text, string Thinking = "")
{
    /// <summary>Nothing: the done line of a stream.</summary>
    public static GenerationPiece None { get; } = new("");

    public IReadOnlyList<IndexedToolCall> ToolCalls { get; init; } = [];

    /// <summary>A whole answer's text, reasoning and calls.</summary>
    public static GenerationPiece Of(GenerationOutcome outcome)
    {
        ArgumentNullException.ThrowIfNull(outcome);
        return new(outcome.Text, outcome.Thinking) { ToolCalls = [.. outcome.ToolCalls.Select((c, i) => new IndexedToolCall(i, c))] };
    }
}
