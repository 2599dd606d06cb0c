using System.Security.Cryptography;
using System.Text.Json;

namespace ModelScout.Prompting.Tools;

/// <summary>A piece of a model's reply after parsing: answer text, reasoning text, or a complete tool call.</summary>
public abstract record ReplyPiece
{
    private ReplyPiece() { }

    /// <summary>Answer text, shown to the user.</summary>
    public sealed record Content(string Text) : ReplyPiece;

    /// <summary>Reasoning text (inside the think block).</summary>
    public sealed record Thinking(string Text) : ReplyPiece;

    /// <summary>A complete, valid tool call.</summary>
    public sealed record CallPiece(ToolCall ToolCall) : ReplyPiece;

    /// <summary>
    /// Markup that looked like a tool call but was not a valid one (broken JSON, unknown function, arguments that break
    /// the schema). <see cref="Text"/> is the raw text, returned to the client as content; <see cref="Reason"/> is for the log.
    /// </summary>
    public sealed record Rejected(string Text, string Reason) : ReplyPiece;
}

/// <summary>What a <see cref="ReplyParser"/> looks for.</summary>
public sealed record ReplyParserOptions
{
    /// <summary>The most text held back at once (1 MiB of characters): a call longer than this is released as text.</summary>
    public const int DefaultMaxHeldChars = 1 << 20;

    /// <summary>The tools the request offered; calls to any other name are rejected. Empty: tool calls are not parsed.</summary>
    public IReadOnlyList<ToolDefinition> Tools { get; init; } = [];

    /// <summary>Separate the reasoning block from the answer (the format must have think tags).</summary>
    public bool SeparateThinking { get; init; }

    /// <summary>The prompt already opened the reasoning block, so the reply starts inside it.</summary>
    public bool StartsInThinking { get; init; }

    /// <summary>Makes the id of the n-th call (0-based); by default <c>call_</c> and random letters and digits.</summary>
    public Func<int, string>? NewCallId { get; init; }

    /// <summary>
    /// The most characters held back while waiting to see whether text is a tool call; beyond it the held text is
    /// released as <see cref="ReplyPiece.Rejected"/> and parsing goes on after it.
    /// </summary>
    public int MaxHeldChars { get; init; } = DefaultMaxHeldChars;
}

/// <summary>
/// Splits a streamed reply into answer, reasoning and tool calls for one <see cref="ChatFormat"/>. Text is pushed as
/// the model writes it; text that might be the start of tool-call or think markup is held back until it is known,
/// so partial markup never reaches the client as content. Never throws on what the model writes.
/// </summary>
/// <remarks>
/// Every decision depends only on the text, never on how it was split into pushes: streaming a reply in any chunks
/// gives the same pieces as <see cref="ParseAll"/> once neighbouring text pieces of the same kind are joined.
/// Tool calls are parsed only when <see cref="ReplyParserOptions.Tools"/> is not empty; a region of call markup yields
/// all its calls or one <see cref="ReplyPiece.Rejected"/>.
/// </remarks>
public sealed class ReplyParser
{
    private const string Alphanumerics = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    private const int MaxMistralName = 256;

    private readonly string[] markers;
    private readonly int maxHeld;
    private string pending = "";
    private Mode mode = Mode.Start;
    private bool trimLeading;
    private bool spaceBeforeCall;
    private bool finished;
    private int callCount;

    // The region being held (pending[0..] is its start): how it opened and how far it has been scanned.
    private string openMarker = "";
    private int searchFrom;
    private JsonScan scan;
    private readonly List<(int Start, int End)> values = [];
    private bool fenced;
    private int valueStart = -1;

    public ReplyParser(ChatFormat format, ReplyParserOptions options)
    {
        ArgumentNullException.ThrowIfNull(format);
        ArgumentNullException.ThrowIfNull(options);
        Format = format;
        Options = options;
        maxHeld = Math.Max(64, options.MaxHeldChars);
        markers = options.Tools.Count == 0 ? [] : format.ToolSyntax switch
        {
            ToolCallSyntax.Llama3 => [PythonTag],
            ToolCallSyntax.Hermes => [HermesOpen],
            ToolCallSyntax.Mistral => [MistralCalls],
            ToolCallSyntax.Phi4Mini => [Phi4Open],
            ToolCallSyntax.DeepSeek => [DeepSeekMarkers.CallsBegin, DeepSeekMarkers.CallBegin],
            _ => [],
        };
    }

    private const string PythonTag = "<|python_tag|>";
    private const string HermesOpen = "<tool_call>";
    private const string HermesClose = "</tool_call>";
    private const string MistralCalls = "[TOOL_CALLS]";
    private const string MistralArgs = "[ARGS]";
    private const string MistralCallId = "[CALL_ID]";
    private const string Phi4Open = "<|tool_call|>";
    private const string Phi4Close = "<|/tool_call|>";
    private const string Phi4CloseAlt = "</|tool_call|>";
    private const string Fence = "```";

    private enum Mode
    {
        Start,
        Thinking,
        AnswerStart,
        Content,
        Block,
        PythonTag,
        LeadingJson,
        Mistral,
    }

    public ChatFormat Format { get; }

    public ReplyParserOptions Options { get; }

    private bool ParsesTools => markers.Length > 0 || (Options.Tools.Count > 0 && Format.ToolSyntax == ToolCallSyntax.GenericJson);

    /// <summary>Feeds the next piece of the reply; returns what can be released now (possibly nothing).</summary>
    public IReadOnlyList<ReplyPiece> Push(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (finished) throw new InvalidOperationException("the reply was already finished; make a new ReplyParser for the next one");
        if (text.Length == 0) return [];
        pending += text;
        var output = new List<ReplyPiece>();
        while (Step(output, final: false)) { }
        return output;
    }

    /// <summary>The end of the reply: releases everything held back (an unfinished call becomes <see cref="ReplyPiece.Rejected"/>).</summary>
    public IReadOnlyList<ReplyPiece> Finish()
    {
        if (finished) return [];
        var output = new List<ReplyPiece>();
        while (Step(output, final: true)) { }
        if (pending.Length > 0)
        {
            Emit(output, mode == Mode.Thinking ? new ReplyPiece.Thinking(pending) : new ReplyPiece.Content(pending));
            pending = "";
        }
        finished = true;
        return output;
    }

    /// <summary>Parses a whole reply at once.</summary>
    public static IReadOnlyList<ReplyPiece> ParseAll(ChatFormat format, ReplyParserOptions options, string reply)
    {
        var parser = new ReplyParser(format, options);
        return [.. parser.Push(reply), .. parser.Finish()];
    }

    // One decision; true when something changed and another step may make progress.
    private bool Step(List<ReplyPiece> output, bool final)
    {
        if (pending.Length == 0 && mode is not Mode.Start) return false;
        return mode switch
        {
            Mode.Start => StepStart(final),
            Mode.Thinking => StepThinking(output, final),
            Mode.AnswerStart => StepAnswerStart(output, final),
            Mode.Content => StepContent(output, final),
            Mode.Block => StepBlock(output, final),
            Mode.PythonTag => StepPythonTag(output, final),
            Mode.LeadingJson => StepLeadingJson(output, final),
            _ => StepMistral(output, final),
        };
    }

    // ---- thinking -------------------------------------------------------------------------------------------

    private bool StepStart(bool final)
    {
        if (!Options.SeparateThinking || Format.ThinkOpen is not { Length: > 0 } open || Format.ThinkClose is not { Length: > 0 })
        {
            mode = Mode.AnswerStart;
            return true;
        }
        var window = Math.Min(pending.Length, maxHeld);
        var i = SkipWhitespace(pending, 0, window);
        if (i == window && pending.Length > maxHeld)
        {
            mode = Options.StartsInThinking ? Mode.Thinking : Mode.AnswerStart;
            return true;
        }
        if (i == pending.Length && !final) return false;
        var rest = pending.AsSpan(i);
        if (rest.StartsWith(open, StringComparison.Ordinal))
        {
            pending = pending[(i + open.Length)..];
            mode = Mode.Thinking;
            return true;
        }
        if (!final && open.AsSpan().StartsWith(rest, StringComparison.Ordinal)) return false;
        mode = Options.StartsInThinking ? Mode.Thinking : Mode.AnswerStart;
        return true;
    }

    private bool StepThinking(List<ReplyPiece> output, bool final)
    {
        var close = Format.ThinkClose!;
        var at = pending.IndexOf(close, StringComparison.Ordinal);
        if (at >= 0)
        {
            Emit(output, new ReplyPiece.Thinking(pending[..at]));
            pending = pending[(at + close.Length)..];
            mode = Mode.AnswerStart;
            trimLeading = true;
            return true;
        }
        var keep = final ? 0 : PartialSuffix(pending, close);
        Emit(output, new ReplyPiece.Thinking(pending[..^keep]));
        pending = pending[^keep..];
        return false;
    }

    // ---- answer -----------------------------------------------------------------------------------------------

    private bool StepAnswerStart(List<ReplyPiece> output, bool final)
    {
        var window = Math.Min(pending.Length, maxHeld);
        var i = SkipWhitespace(pending, 0, window);
        if (i == window && pending.Length > maxHeld)
        {
            // More blank text than may be held: it is answer text (or dropped after reasoning).
            if (trimLeading) pending = pending[window..];
            else mode = Mode.Content;
            return true;
        }
        if (i == pending.Length)
        {
            if (trimLeading) pending = "";
            else if (final)
            {
                Emit(output, new ReplyPiece.Content(pending));
                pending = "";
            }
            return false;
        }
        if (ParsesTools && Format.ToolSyntax is ToolCallSyntax.Llama3 or ToolCallSyntax.GenericJson)
        {
            var rest = pending.AsSpan(i);
            var generic = Format.ToolSyntax == ToolCallSyntax.GenericJson;
            if (generic && !final && rest.Length < Fence.Length && Fence.AsSpan().StartsWith(rest, StringComparison.Ordinal)) return false;
            if (rest[0] == '{' || (generic && (rest[0] == '[' || rest.StartsWith(Fence, StringComparison.Ordinal))))
            {
                pending = pending[i..];
                EnterLeadingJson(generic && rest[0] == '`');
                return true;
            }
        }
        if (trimLeading) pending = pending[i..];
        mode = Mode.Content;
        spaceBeforeCall = true;
        return true;
    }

    private bool StepContent(List<ReplyPiece> output, bool final)
    {
        if (spaceBeforeCall && markers.Length > 0)
        {
            // Whitespace at the start of the answer or after a call is dropped when a call (or the end) follows it.
            var window = Math.Min(pending.Length, maxHeld);
            var i = SkipWhitespace(pending, 0);
            if (i >= window)
            {
                if (pending.Length > maxHeld) spaceBeforeCall = false;
                else if (final) pending = "";
                else return false;
                return true;
            }
            var rest = pending.AsSpan(i);
            foreach (var m in markers)
            {
                if (rest.StartsWith(m, StringComparison.Ordinal))
                {
                    pending = pending[i..];
                    break;
                }
                if (!final && rest.Length < m.Length && m.AsSpan().StartsWith(rest, StringComparison.Ordinal)) return false;
            }
            spaceBeforeCall = false;
        }
        var first = -1;
        string? marker = null;
        foreach (var m in markers)
        {
            var at = pending.IndexOf(m, StringComparison.Ordinal);
            if (at >= 0 && (first < 0 || at < first))
            {
                first = at;
                marker = m;
            }
        }
        if (marker is not null)
        {
            Emit(output, new ReplyPiece.Content(pending[..first]));
            pending = pending[first..];
            EnterRegion(marker);
            return true;
        }
        var keep = 0;
        if (!final)
        {
            foreach (var m in markers) keep = Math.Max(keep, PartialSuffix(pending, m));
        }
        Emit(output, new ReplyPiece.Content(pending[..^keep]));
        pending = pending[^keep..];
        return false;
    }

    private void EnterRegion(string marker)
    {
        openMarker = marker;
        searchFrom = marker.Length;
        scan = default;
        values.Clear();
        valueStart = -1;
        mode = marker switch
        {
            PythonTag => Mode.PythonTag,
            MistralCalls => Mode.Mistral,
            _ => Mode.Block,
        };
    }

    private void EnterLeadingJson(bool withFence)
    {
        openMarker = "";
        fenced = withFence;
        scan = default;
        values.Clear();
        valueStart = -1;
        searchFrom = 0;
        mode = Mode.LeadingJson;
    }

    // The held region is longer than allowed: release its first MaxHeldChars characters and go on as answer text.
    private bool Overflow(List<ReplyPiece> output)
    {
        var cut = maxHeld;
        if (char.IsHighSurrogate(pending[cut - 1])) cut--;
        Emit(output, new ReplyPiece.Rejected(pending[..cut], $"held back more than {maxHeld} characters without a complete tool call; released as text"));
        pending = pending[cut..];
        mode = Mode.Content;
        return true;
    }

    private bool EndRegion(List<ReplyPiece> output, int end, ReplyPiece piece)
    {
        pending = pending[end..];
        mode = Mode.Content;
        return Emit(output, piece);
    }

    // ---- <tool_call>...</tool_call>, <|tool_call|>...<|/tool_call|>, DeepSeek's blocks --------------------------------

    private bool StepBlock(List<ReplyPiece> output, bool final)
    {
        string[] closers = openMarker switch
        {
            HermesOpen => [HermesClose],
            Phi4Open => [Phi4Close, Phi4CloseAlt],
            _ when openMarker == DeepSeekMarkers.CallsBegin => [DeepSeekMarkers.CallsEnd],
            _ => [DeepSeekMarkers.CallEnd],
        };
        var window = Math.Min(pending.Length, maxHeld);
        int closeAt = -1, closeLength = 0;
        foreach (var c in closers)
        {
            var from = Math.Min(searchFrom, window);
            var at = pending.AsSpan(from, window - from).IndexOf(c, StringComparison.Ordinal);
            if (at >= 0 && (closeAt < 0 || from + at < closeAt))
            {
                closeAt = from + at;
                closeLength = c.Length;
            }
        }
        if (closeAt < 0)
        {
            if (pending.Length > maxHeld) return Overflow(output);
            if (!final)
            {
                searchFrom = Math.Max(openMarker.Length, window - closers.Max(c => c.Length) + 1);
                return false;
            }
            var reason = $"the tool call was not finished: no {closers[0]} after {openMarker}";
            return EndRegion(output, pending.Length, new ReplyPiece.Rejected(pending, reason));
        }

        var end = closeAt + closeLength;
        var raw = pending[..end];
        var inner = pending[openMarker.Length..closeAt];
        var calls = new List<(string Name, string Arguments)>();
        string? error;
        if (openMarker == DeepSeekMarkers.CallsBegin) error = ReadDeepSeekCalls(inner, calls);
        else if (openMarker == DeepSeekMarkers.CallBegin) error = ReadDeepSeekCall(inner, calls);
        else error = ReadJsonCalls(inner.Trim(), calls, allowArray: true);
        return EndCalls(output, end, raw, calls, error);
    }

    private string? ReadDeepSeekCalls(string inner, List<(string, string)> calls)
    {
        var rest = inner.AsSpan().Trim();
        if (rest.IsEmpty) return "no call between the tool-call markers";
        while (!rest.IsEmpty)
        {
            if (!rest.StartsWith(DeepSeekMarkers.CallBegin, StringComparison.Ordinal))
                return $"expected {DeepSeekMarkers.CallBegin} inside the tool-call block";
            rest = rest[DeepSeekMarkers.CallBegin.Length..];
            var end = rest.IndexOf(DeepSeekMarkers.CallEnd, StringComparison.Ordinal);
            if (end < 0) return $"a call has no {DeepSeekMarkers.CallEnd}";
            if (ReadDeepSeekCall(rest[..end].ToString(), calls) is { } error) return error;
            rest = rest[(end + DeepSeekMarkers.CallEnd.Length)..].TrimStart();
        }
        return null;
    }

    // "function<sep>NAME\n```json\n{...}\n```" (V3, R1) or "NAME<sep>{...}" (R1-0528, V3.1).
    private string? ReadDeepSeekCall(string inner, List<(string, string)> calls)
    {
        var sep = inner.IndexOf(DeepSeekMarkers.Separator, StringComparison.Ordinal);
        if (sep < 0) return $"the call has no {DeepSeekMarkers.Separator} between its type and its name";
        var head = inner[..sep].Trim();
        var body = inner[(sep + DeepSeekMarkers.Separator.Length)..];
        string name, arguments;
        if (head == "function")
        {
            var newline = body.IndexOf('\n', StringComparison.Ordinal);
            name = (newline < 0 ? body : body[..newline]).Trim();
            arguments = newline < 0 ? "" : body[(newline + 1)..];
        }
        else
        {
            name = head;
            arguments = body;
        }
        arguments = WithoutFence(arguments.Trim());
        if (name.Length == 0) return "the call has no function name";
        return ReadNamedCall(name, arguments.Length == 0 ? "{}" : arguments, calls);
    }

    private static string WithoutFence(string text)
    {
        if (!text.StartsWith(Fence, StringComparison.Ordinal)) return text;
        var newline = text.IndexOf('\n', StringComparison.Ordinal);
        if (newline < 0) return text;
        var body = text[(newline + 1)..].TrimEnd();
        return body.EndsWith(Fence, StringComparison.Ordinal) ? body[..^Fence.Length].Trim() : text;
    }

    // ---- Llama 3's <|python_tag|>: JSON calls to the end of the reply -----------------------------------------------

    private bool StepPythonTag(List<ReplyPiece> output, bool final)
    {
        if (pending.Length > maxHeld) return Overflow(output);
        if (!final) return false;
        var calls = new List<(string, string)>();
        var error = ReadJsonSequence(pending[PythonTag.Length..], calls);
        return EndCalls(output, pending.Length, pending, calls, error);
    }

    private string? ReadJsonSequence(string text, List<(string, string)> calls)
    {
        var i = 0;
        var any = false;
        while (true)
        {
            while (i < text.Length && (char.IsWhiteSpace(text[i]) || text[i] == ';')) i++;
            if (i == text.Length) return any ? null : "nothing after the tool-call tag";
            if (text[i] != '{') return $"expected a JSON object {{\"name\", \"parameters\"}} after the tool-call tag, found '{text[i]}'";
            var s = default(JsonScan);
            var end = s.Advance(text, i, text.Length);
            if (end < 0) return "the JSON of the call is not finished";
            if (ReadJsonCalls(text[i..end], calls, allowArray: false) is { } error) return error;
            any = true;
            i = end;
        }
    }

    // ---- a reply that starts with JSON: Llama 3's bare calls, the generic convention -------------------------------

    private bool StepLeadingJson(List<ReplyPiece> output, bool final)
    {
        var generic = Format.ToolSyntax == ToolCallSyntax.GenericJson;
        var window = Math.Min(pending.Length, maxHeld);
        if (fenced && valueStart < 0 && values.Count == 0)
        {
            // ```json\n: the value starts on the line after the fence.
            var newline = pending.IndexOf('\n', 0, window);
            if (newline < 0)
            {
                if (pending.Length > maxHeld) return Overflow(output);
                if (final) return AsContent(output);
                return false;
            }
            var start = SkipWhitespace(pending, newline + 1);
            if (start >= window)
            {
                if (pending.Length > maxHeld) return Overflow(output);
                if (final) return AsContent(output);
                return false;
            }
            if (pending[start] is not ('{' or '[')) return AsContent(output);
            valueStart = start;
            searchFrom = start;
        }
        else if (valueStart < 0 && values.Count == 0)
        {
            valueStart = 0;
            searchFrom = 0;
        }

        while (true)
        {
            if (valueStart >= 0)
            {
                var end = scan.Advance(pending, Math.Max(searchFrom, valueStart), window);
                if (end < 0)
                {
                    searchFrom = window;
                    if (pending.Length > maxHeld) return Overflow(output);
                    if (!final) return false;
                    var raw = pending;
                    return LooksLikeCall(raw)
                        ? EndRegion(output, pending.Length, new ReplyPiece.Rejected(raw, "the JSON of the tool call is not finished"))
                        : AsContent(output);
                }
                values.Add((valueStart, end));
                valueStart = -1;
                searchFrom = end;
                scan = default;

                // The first value decides whether this is a call at all.
                if (values.Count == 1 && !IsCallShaped(pending[values[0].Start..end], generic))
                {
                    if (generic) return AsContent(output);
                    return EndRegion(output, end, new ReplyPiece.Content(pending[..end]));
                }
            }

            // After a value: what comes next.
            var i = searchFrom;
            while (i < window && (char.IsWhiteSpace(pending[i]) || (!generic && pending[i] == ';'))) i++;
            if (generic)
            {
                if (fenced && i < window && pending[i] == '`')
                {
                    if (window - i < Fence.Length)
                    {
                        if (!Fence.AsSpan().StartsWith(pending.AsSpan(i, window - i), StringComparison.Ordinal)) return AsContent(output);
                        if (pending.Length > maxHeld) return Overflow(output);
                        if (!final) return false;
                        return AsContent(output);
                    }
                    if (!pending.AsSpan(i).StartsWith(Fence, StringComparison.Ordinal)) return AsContent(output);
                    i += Fence.Length;
                    while (i < window && char.IsWhiteSpace(pending[i])) i++;
                    fenced = false; // the closing fence was seen: only whitespace may follow
                    searchFrom = i;
                }
                if (i < window) return AsContent(output); // text after the JSON: not a call, just an answer
                if (pending.Length > maxHeld) return Overflow(output);
                if (!final) return false;
                if (fenced) return AsContent(output); // the fence never closed
                return FinishValues(output, pending.Length, generic);
            }

            if (i < window && pending[i] == '{')
            {
                valueStart = i;
                searchFrom = i;
                continue;
            }
            // Something other than another call: the calls end with the last value. At the end of the reply they
            // take the separators after them along.
            if (i < window) return FinishValues(output, values[^1].End, generic);
            if (pending.Length > maxHeld) return Overflow(output);
            return final && FinishValues(output, i, generic);
        }
    }

    private bool FinishValues(List<ReplyPiece> output, int end, bool generic)
    {
        var calls = new List<(string, string)>();
        string? error = null;
        foreach (var (start, stop) in values)
        {
            error = ReadJsonCalls(pending[start..stop], calls, allowArray: generic);
            if (error is not null) break;
        }
        return EndCalls(output, end, pending[..end], calls, error);
    }

    private bool AsContent(List<ReplyPiece> output) => EndRegion(output, pending.Length, new ReplyPiece.Content(pending));

    private static bool LooksLikeCall(string text) => text.Contains("\"name\"", StringComparison.Ordinal);

    // A JSON object with a "name" (or an array of them): meant as a call, even if it turns out invalid.
    private static bool IsCallShaped(string json, bool allowArray)
    {
        using var doc = ToolArguments.TryParse(json);
        if (doc is null) return LooksLikeCall(json);
        var root = doc.RootElement;
        if (allowArray && root.ValueKind == JsonValueKind.Array)
            return root.GetArrayLength() > 0 && root.EnumerateArray().All(HasName);
        return HasName(root);
    }

    private static bool HasName(JsonElement e) =>
        e.ValueKind == JsonValueKind.Object
        && (e.TryGetProperty("name", out _) || (e.TryGetProperty("function", out var f) && f.ValueKind == JsonValueKind.Object && f.TryGetProperty("name", out _)));

    // ---- Mistral: [TOOL_CALLS][{...}, ...] or [TOOL_CALLS]name[ARGS]{...} ------------------------------------------

    private bool StepMistral(List<ReplyPiece> output, bool final)
    {
        var window = Math.Min(pending.Length, maxHeld);
        if (valueStart < 0)
        {
            var i = SkipWhitespace(pending, MistralCalls.Length);
            if (i >= window)
            {
                if (pending.Length > maxHeld) return Overflow(output);
                if (!final) return false;
                return EndRegion(output, pending.Length, new ReplyPiece.Rejected(pending, "nothing after [TOOL_CALLS]"));
            }
            if (pending[i] is '[' or '{')
            {
                valueStart = i;
                searchFrom = i;
                openMarker = "";
            }
            else
            {
                // name[ARGS]{...}, with an optional [CALL_ID]id before [ARGS].
                var j = i;
                while (j < window && !char.IsWhiteSpace(pending[j]) && pending[j] != '[' && j - i <= MaxMistralName) j++;
                if (j - i > MaxMistralName || (j < window && char.IsWhiteSpace(pending[j])))
                    return EndRegion(output, j, new ReplyPiece.Rejected(pending[..j], "[TOOL_CALLS] is not followed by a function name and [ARGS]"));
                if (j >= window)
                {
                    if (pending.Length > maxHeld) return Overflow(output);
                    if (!final) return false;
                    return EndRegion(output, pending.Length, new ReplyPiece.Rejected(pending, "the tool call was not finished: no [ARGS]"));
                }
                var name = pending[i..j];
                var k = j;
                if (StartsWithOrPrefix(pending, k, window, MistralCallId, out var partial))
                {
                    if (partial) return Wait(output, final, "the tool call was not finished: no [ARGS]");
                    k += MistralCallId.Length;
                    while (k < window && pending[k] != '[' && !char.IsWhiteSpace(pending[k]) && k - j <= MaxMistralName) k++;
                    if (k >= window) return Wait(output, final, "the tool call was not finished: no [ARGS]");
                    if (pending[k] != '[') return EndRegion(output, k, new ReplyPiece.Rejected(pending[..k], "[CALL_ID] is not followed by [ARGS]"));
                }
                if (!StartsWithOrPrefix(pending, k, window, MistralArgs, out partial))
                    return EndRegion(output, k, new ReplyPiece.Rejected(pending[..k], "the function name after [TOOL_CALLS] is not followed by [ARGS]"));
                if (partial) return Wait(output, final, "the tool call was not finished: no [ARGS]");
                var argsAt = SkipWhitespace(pending, k + MistralArgs.Length);
                if (argsAt >= window) return Wait(output, final, "the tool call was not finished: no arguments after [ARGS]");
                if (pending[argsAt] != '{')
                    return EndRegion(output, argsAt, new ReplyPiece.Rejected(pending[..argsAt], "[ARGS] is not followed by a JSON object"));
                openMarker = name;
                valueStart = argsAt;
                searchFrom = argsAt;
            }
        }

        var end = scan.Advance(pending, searchFrom, window);
        if (end < 0)
        {
            searchFrom = window;
            return Wait(output, final, "the JSON of the tool call is not finished");
        }
        var calls = new List<(string, string)>();
        var json = pending[valueStart..end];
        string? error;
        if (openMarker.Length == 0)
        {
            error = ReadJsonCalls(json, calls, allowArray: true);
        }
        else
        {
            error = ReadNamedCall(openMarker, json, calls);
        }
        return EndCalls(output, end, pending[..end], calls, error);
    }

    private string? ReadNamedCall(string name, string json, List<(string, string)> calls)
    {
        using var doc = ToolArguments.TryParse(json);
        if (doc is null) return $"the arguments of '{name}' are not valid JSON";
        if (ReadArguments(doc.RootElement, out var args) is { } error) return $"'{name}': {error}";
        if (CheckCall(name, args) is { } invalid) return invalid;
        calls.Add((name, args));
        return null;
    }

    private bool Wait(List<ReplyPiece> output, bool final, string reason)
    {
        if (pending.Length > maxHeld) return Overflow(output);
        if (!final) return false;
        return EndRegion(output, pending.Length, new ReplyPiece.Rejected(pending, reason));
    }

    // Whether text[at..] starts with word (partial: the text ends inside word).
    private static bool StartsWithOrPrefix(string text, int at, int window, string word, out bool partial)
    {
        var available = window - at;
        if (available >= word.Length)
        {
            partial = false;
            return text.AsSpan(at).StartsWith(word, StringComparison.Ordinal);
        }
        partial = true;
        return word.AsSpan().StartsWith(text.AsSpan(at, available), StringComparison.Ordinal);
    }

    // ---- calls ---------------------------------------------------------------------------------------------------------

    private bool EndCalls(List<ReplyPiece> output, int end, string raw, List<(string Name, string Arguments)> calls, string? error)
    {
        if (error is null && calls.Count == 0) error = "no call in the tool-call markup";
        if (error is not null) return EndRegion(output, end, new ReplyPiece.Rejected(raw, error));
        pending = pending[end..];
        mode = Mode.Content;
        spaceBeforeCall = true;
        foreach (var (name, arguments) in calls) output.Add(new ReplyPiece.CallPiece(new ToolCall(NextId(), name, arguments)));
        return true;
    }

    private string NextId()
    {
        var n = callCount++;
        if (Options.NewCallId is { } make) return make(n);
        return Format.ToolSyntax == ToolCallSyntax.Mistral
            ? RandomNumberGenerator.GetString(Alphanumerics, 9)
            : "call_" + RandomNumberGenerator.GetString(Alphanumerics, 24);
    }

    // One {"name", "arguments"|"parameters"} object, or (allowArray) an array of them.
    private string? ReadJsonCalls(string json, List<(string, string)> calls, bool allowArray)
    {
        using var doc = ToolArguments.TryParse(json);
        if (doc is null) return "the tool call is not valid JSON";
        var root = doc.RootElement;
        if (root.ValueKind == JsonValueKind.Array && allowArray)
        {
            if (root.GetArrayLength() == 0) return "the list of tool calls is empty";
            foreach (var item in root.EnumerateArray())
            {
                if (ReadCall(item, calls) is { } error) return error;
            }
            return null;
        }
        return ReadCall(root, calls);
    }

    private string? ReadCall(JsonElement call, List<(string, string)> calls)
    {
        if (call.ValueKind != JsonValueKind.Object) return "a tool call must be a JSON object with \"name\" and \"arguments\"";
        if (!call.TryGetProperty("name", out var name) && call.TryGetProperty("function", out var function) && function.ValueKind == JsonValueKind.Object)
        {
            call = function; // OpenAI's {"type": "function", "function": {...}}
            call.TryGetProperty("name", out name);
        }
        if (name.ValueKind != JsonValueKind.String || name.GetString() is not { Length: > 0 } functionName)
            return "the tool call has no function name (a \"name\" string)";
        string args;
        if (call.TryGetProperty("arguments", out var a) || call.TryGetProperty("parameters", out a))
        {
            if (ReadArguments(a, out args) is { } error) return $"'{functionName}': {error}";
        }
        else
        {
            args = "{}";
        }
        if (CheckCall(functionName, args) is { } invalid) return invalid;
        calls.Add((functionName, args));
        return null;
    }

    // Arguments as compact object text: an object as is, a string holding an object decoded, null as {}.
    private static string? ReadArguments(JsonElement value, out string args)
    {
        args = "{}";
        switch (value.ValueKind)
        {
            case JsonValueKind.Object:
                args = ToolArguments.Compact(value);
                return null;
            case JsonValueKind.Null:
                return null;
            case JsonValueKind.String:
                using (var inner = ToolArguments.TryParse(value.GetString()!))
                {
                    if (inner is null || inner.RootElement.ValueKind != JsonValueKind.Object) return "the arguments are a string that does not hold a JSON object";
                    args = ToolArguments.Compact(inner.RootElement);
                    return null;
                }
            default:
                return "the arguments must be a JSON object";
        }
    }

    private string? CheckCall(string name, string arguments)
    {
        var tool = Options.Tools.FirstOrDefault(t => t.Name == name);
        if (tool is null) return $"unknown function '{name}'; the tools are {string.Join(", ", Options.Tools.Select(t => t.Name))}";
        return ToolArguments.Validate(tool, arguments) is { } error ? $"'{name}': {error}" : null;
    }

    // ---- text --------------------------------------------------------------------------------------------------------

    private static bool Emit(List<ReplyPiece> output, ReplyPiece piece)
    {
        switch (piece)
        {
            case ReplyPiece.Content { Text.Length: 0 }:
            case ReplyPiece.Thinking { Text.Length: 0 }:
                return true;
            case ReplyPiece.Content c when output.Count > 0 && output[^1] is ReplyPiece.Content last:
                output[^1] = new ReplyPiece.Content(last.Text + c.Text);
                return true;
            case ReplyPiece.Thinking t when output.Count > 0 && output[^1] is ReplyPiece.Thinking last:
                output[^1] = new ReplyPiece.Thinking(last.Text + t.Text);
                return true;
            default:
                output.Add(piece);
                return true;
        }
    }

    private static int SkipWhitespace(string text, int from, int end = int.MaxValue)
    {
        end = Math.Min(end, text.Length);
        while (from < end && char.IsWhiteSpace(text[from])) from++;
        return from;
    }

    // The length of the longest end of text that is a proper beginning of marker (it may become the marker).
    private static int PartialSuffix(string text, string marker)
    {
        for (var n = Math.Min(marker.Length - 1, text.Length); n > 0; n--)
        {
            if (text.AsSpan(text.Length - n).SequenceEqual(marker.AsSpan(0, n))) return n;
        }
        return 0;
    }

    /// <summary>Finds where a JSON value that starts with <c>{</c> or <c>[</c> ends, a few characters at a time.</summary>
    private struct JsonScan
    {
        private int depth;
        private bool inString;
        private bool escaped;

        /// <summary>The index after the value's last character, or -1 when it does not end before <paramref name="end"/>.</summary>
        public int Advance(string text, int from, int end)
        {
            for (var i = from; i < end; i++)
            {
                var c = text[i];
                if (inString)
                {
                    if (escaped) escaped = false;
                    else if (c == '\\') escaped = true;
                    else if (c == '"') inString = false;
                    continue;
                }
                switch (c)
                {
                    case '"':
                        inString = true;
                        break;
                    case '{' or '[':
                        depth++;
                        break;
                    case '}' or ']':
                        depth--;
                        if (depth <= 0) return i + 1;
                        break;
                }
            }
            return -1;
        }
    }
}
