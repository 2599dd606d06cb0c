using System.Text;
using System.Text.Json;

namespace ModelScout.Evaluation.Scoring;

/// <summary>Why a BFCL answer scored 0.</summary>
public enum BfclError
{
    None,
    NoCall,
    Unparseable,
    WrongCount,
    WrongName,
    MissingParam,
    UnexpectedParam,
    WrongType,
    WrongValue,
}

/// <summary>The outcome of checking one answer: right, or the first reason it is wrong.</summary>
public sealed record BfclVerdict(BfclError Error, string? Message = null)
{
    public static BfclVerdict Right { get; } = new(BfclError.None);

    public bool Correct => Error == BfclError.None;

    /// <summary>The reason as the record keeps it: "wrong_value: ...".</summary>
    public string? Detail => Correct ? null : Message is null ? Code(Error) : $"{Code(Error)}: {Message}";

    /// <summary>The reason's short name (wrong_name, missing_param, unexpected_param, wrong_value, wrong_type, wrong_count, no_call, unparseable).</summary>
    public static string Code(BfclError error) => error switch
    {
        BfclError.NoCall => "no_call",
        BfclError.Unparseable => "unparseable",
        BfclError.WrongCount => "wrong_count",
        BfclError.WrongName => "wrong_name",
        BfclError.MissingParam => "missing_param",
        BfclError.UnexpectedParam => "unexpected_param",
        BfclError.WrongType => "wrong_type",
        BfclError.WrongValue => "wrong_value",
        _ => "right",
    };
}

/// <summary>A call the model made, its arguments parsed.</summary>
public sealed record BfclCall(string Name, IReadOnlyDictionary<string, JsonElement> Arguments);

/// <summary>
/// BFCL's AST checks, written for ModelScout from the leaderboard's documented rules. A call is right when it names
/// the expected function, gives every required parameter, gives no parameter the function does not declare or the
/// answer does not list, leaves out only parameters whose accepted values include "", and gives each parameter a value
/// of the declared type (an integer is accepted where a float is declared; a tuple is a JSON array) that is among the
/// accepted values: strings compared after BFCL's normalisation, lists element by element in order, dicts key by key.
/// An answer is right when it has as many calls as the possible answer and they match one to one, in any order.
/// </summary>
public static class BfclChecker
{
    /// <summary>Parses the calls of a reply; an unparseable arguments text fails the whole answer.</summary>
    /// <param name="originalName">Maps an offered (underscored) name back to the documented one.</param>
    public static (IReadOnlyList<BfclCall> Calls, BfclVerdict? Failure) Parse(IReadOnlyList<EvalToolCall>? calls, Func<string, string> originalName)
    {
        ArgumentNullException.ThrowIfNull(originalName);
        if (calls is not { Count: > 0 }) return ([], new BfclVerdict(BfclError.NoCall, "the reply made no function call"));
        var parsed = new List<BfclCall>(calls.Count);
        foreach (var call in calls)
        {
            Dictionary<string, JsonElement> arguments;
            try
            {
                using var doc = JsonDocument.Parse(string.IsNullOrWhiteSpace(call.ArgumentsJson) ? "{}" : call.ArgumentsJson);
                if (doc.RootElement.ValueKind != JsonValueKind.Object)
                    return ([], new BfclVerdict(BfclError.Unparseable, $"{call.Name}: the arguments are not a JSON object: {Shorten(call.ArgumentsJson)}"));
                arguments = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
                foreach (var p in doc.RootElement.EnumerateObject()) arguments[p.Name] = p.Value.Clone();
            }
            catch (JsonException e)
            {
                return ([], new BfclVerdict(BfclError.Unparseable, $"{call.Name}: the arguments are not valid JSON ({e.Message}): {Shorten(call.ArgumentsJson)}"));
            }
            parsed.Add(new BfclCall(originalName(call.Name), arguments));
        }
        return (parsed, null);
    }

    /// <summary>Checks a whole answer against a case's possible answer.</summary>
    public static BfclVerdict Check(BfclCase expected, IReadOnlyList<BfclCall> calls)
    {
        ArgumentNullException.ThrowIfNull(expected);
        ArgumentNullException.ThrowIfNull(calls);
        if (calls.Count == 0) return new BfclVerdict(BfclError.NoCall, "the reply made no function call");
        var want = expected.Expected;
        if (calls.Count != want.Count)
            return new BfclVerdict(BfclError.WrongCount, $"{calls.Count} call(s), the answer has {want.Count}");
        var functions = expected.Functions.ToDictionary(f => f.Name, StringComparer.Ordinal);
        // verdicts[i, j]: expected call i against the model's call j.
        var verdicts = new BfclVerdict[want.Count, calls.Count];
        for (var i = 0; i < want.Count; i++)
            for (var j = 0; j < calls.Count; j++)
                verdicts[i, j] = CheckCall(functions[want[i].Name], want[i], calls[j]);
        var match = Matching(verdicts, want.Count, calls.Count);
        for (var i = 0; i < want.Count; i++)
        {
            if (match[i] >= 0) continue;
            // No call matches this one: report why the closest candidate (one that names this function) fails.
            BfclVerdict? reason = null;
            for (var j = 0; j < calls.Count && reason is null; j++)
                if (calls[j].Name == want[i].Name) reason = verdicts[i, j];
            reason ??= new BfclVerdict(BfclError.WrongName, calls.Count == 1
                ? $"called {calls[0].Name}, expected {want[i].Name}"
                : $"no call to {want[i].Name} (called {string.Join(", ", calls.Select(c => c.Name))})");
            return reason;
        }
        return BfclVerdict.Right;
    }

    // A one-to-one assignment of expected calls to model calls that pass (augmenting paths; at most a few calls).
    private static int[] Matching(BfclVerdict[,] verdicts, int expected, int made)
    {
        var ofExpected = Enumerable.Repeat(-1, expected).ToArray();
        var ofMade = Enumerable.Repeat(-1, made).ToArray();
        for (var i = 0; i < expected; i++) Augment(i, new bool[made]);
        return ofExpected;

        bool Augment(int i, bool[] seen)
        {
            for (var j = 0; j < made; j++)
            {
                if (seen[j] || !verdicts[i, j].Correct) continue;
                seen[j] = true;
                if (ofMade[j] < 0 || Augment(ofMade[j], seen))
                {
                    ofExpected[i] = j;
                    ofMade[j] = i;
                    return true;
                }
            }
            return false;
        }
    }

    /// <summary>One call against one expected call of a function (BFCL's simple-function check).</summary>
    public static BfclVerdict CheckCall(BfclFunction function, BfclExpectedCall expected, BfclCall call)
    {
        ArgumentNullException.ThrowIfNull(function);
        ArgumentNullException.ThrowIfNull(expected);
        ArgumentNullException.ThrowIfNull(call);
        if (call.Name != expected.Name) return new BfclVerdict(BfclError.WrongName, $"called {call.Name}, expected {expected.Name}");
        var properties = function.Parameters.TryGetProperty("properties", out var p) && p.ValueKind == JsonValueKind.Object ? p : default;
        if (function.Parameters.TryGetProperty("required", out var required) && required.ValueKind == JsonValueKind.Array)
        {
            foreach (var r in required.EnumerateArray())
                if (r.ValueKind == JsonValueKind.String && !call.Arguments.ContainsKey(r.GetString()!))
                    return new BfclVerdict(BfclError.MissingParam, $"{call.Name}: required parameter \"{r.GetString()}\" is missing");
        }
        foreach (var (name, value) in call.Arguments)
        {
            if (properties.ValueKind != JsonValueKind.Object || !properties.TryGetProperty(name, out var declared))
                return new BfclVerdict(BfclError.UnexpectedParam, $"{call.Name}: \"{name}\" is not a parameter of the function");
            if (!expected.Allowed.TryGetValue(name, out var allowed))
                return new BfclVerdict(BfclError.UnexpectedParam, $"{call.Name}: \"{name}\" is not expected in this answer");
            var verdict = CheckValue($"{call.Name}: \"{name}\"", declared, value, allowed);
            if (!verdict.Correct) return verdict;
        }
        foreach (var (name, allowed) in expected.Allowed)
        {
            if (!call.Arguments.ContainsKey(name) && !allowed.Any(IsEmptyString))
                return new BfclVerdict(BfclError.MissingParam, $"{call.Name}: \"{name}\" was left out, and the answer does not mark it optional");
        }
        return BfclVerdict.Right;
    }

    private static BfclVerdict CheckValue(string where, JsonElement declared, JsonElement value, IReadOnlyList<JsonElement> allowed)
    {
        var type = declared.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString()!.ToLowerInvariant() : "any";
        if (!HasType(type, value, topLevel: true))
            return new BfclVerdict(BfclError.WrongType, $"{where} should be {type}, got {Describe(value)}");
        // Elements of a list are checked against the declared item type, strictly (BFCL converts int to float only at the top).
        if (value.ValueKind == JsonValueKind.Array && declared.TryGetProperty("items", out var items) && items.ValueKind == JsonValueKind.Object
            && items.TryGetProperty("type", out var it) && it.ValueKind == JsonValueKind.String)
        {
            var itemType = it.GetString()!.ToLowerInvariant();
            foreach (var element in value.EnumerateArray())
                if (!HasType(itemType, element, topLevel: false))
                    return new BfclVerdict(BfclError.WrongType, $"{where} should hold {itemType} items, got {Describe(element)}");
        }
        bool accepted = value.ValueKind switch
        {
            JsonValueKind.Object => allowed.Any(a => DictMatches(value, a)),
            JsonValueKind.Array when value.EnumerateArray().Any(e => e.ValueKind == JsonValueKind.Object) => allowed.Any(a => ListOfDictsMatches(value, a)),
            _ => allowed.Any(a => Same(value, a, normaliseStrings: true)),
        };
        return accepted
            ? BfclVerdict.Right
            : new BfclVerdict(BfclError.WrongValue, $"{where} is {Shorten(value.GetRawText())}, accepted: {Shorten(string.Join(" | ", allowed.Where(a => !IsEmptyString(a)).Select(a => a.GetRawText())))}");
    }

    /// <summary>Whether a JSON value has a BFCL type. Where <paramref name="topLevel"/>, an integer counts as a float.</summary>
    internal static bool HasType(string type, JsonElement value, bool topLevel) => type switch
    {
        "string" or "str" or "char" => value.ValueKind == JsonValueKind.String,
        "integer" or "int" or "long" or "short" or "byte" => IsInteger(value),
        "float" or "number" or "double" => value.ValueKind == JsonValueKind.Number && (topLevel || !IsInteger(value)),
        "boolean" or "bool" => value.ValueKind is JsonValueKind.True or JsonValueKind.False,
        "array" or "tuple" or "list" => value.ValueKind == JsonValueKind.Array,
        "dict" or "object" => value.ValueKind == JsonValueKind.Object,
        _ => true,
    };

    // An integer as Python's json reads one: a number written without a fraction or an exponent.
    private static bool IsInteger(JsonElement value) =>
        value.ValueKind == JsonValueKind.Number && value.GetRawText().IndexOfAny(['.', 'e', 'E']) < 0;

    // BFCL's dict check: every key the model gave is in the accepted dict with an accepted value; keys it left out must accept "".
    private static bool DictMatches(JsonElement value, JsonElement accepted)
    {
        if (accepted.ValueKind != JsonValueKind.Object) return false;
        foreach (var p in value.EnumerateObject())
        {
            if (!accepted.TryGetProperty(p.Name, out var options)) return false;
            var list = options.ValueKind == JsonValueKind.Array ? [.. options.EnumerateArray()] : new List<JsonElement> { options };
            var ok = p.Value.ValueKind == JsonValueKind.Object
                ? list.Any(o => DictMatches(p.Value, o))
                : list.Any(o => Same(p.Value, o, normaliseStrings: true));
            if (!ok) return false;
        }
        foreach (var p in accepted.EnumerateObject())
        {
            if (value.TryGetProperty(p.Name, out _)) continue;
            if (p.Value.ValueKind != JsonValueKind.Array || !p.Value.EnumerateArray().Any(IsEmptyString)) return false;
        }
        return true;
    }

    // A list of dicts: the same length, each dict matching the accepted one at its position.
    private static bool ListOfDictsMatches(JsonElement value, JsonElement accepted)
    {
        if (accepted.ValueKind != JsonValueKind.Array || accepted.GetArrayLength() != value.GetArrayLength()) return false;
        using var a = accepted.EnumerateArray().GetEnumerator();
        foreach (var v in value.EnumerateArray())
        {
            a.MoveNext();
            if (v.ValueKind == JsonValueKind.Object ? !DictMatches(v, a.Current) : !Same(v, a.Current, normaliseStrings: true)) return false;
        }
        return true;
    }

    /// <summary>Equality as BFCL compares: numbers by value, strings after <see cref="Normalise"/>, lists in order, objects key by key.</summary>
    internal static bool Same(JsonElement a, JsonElement b, bool normaliseStrings)
    {
        switch (a.ValueKind)
        {
            case JsonValueKind.String:
                return b.ValueKind == JsonValueKind.String
                    && (normaliseStrings ? Normalise(a.GetString()!) == Normalise(b.GetString()!) : a.GetString() == b.GetString());
            case JsonValueKind.Number:
                return b.ValueKind == JsonValueKind.Number && NumbersEqual(a, b);
            case JsonValueKind.True:
            case JsonValueKind.False:
            case JsonValueKind.Null:
                return a.ValueKind == b.ValueKind;
            case JsonValueKind.Array:
                if (b.ValueKind != JsonValueKind.Array || a.GetArrayLength() != b.GetArrayLength()) return false;
                return a.EnumerateArray().Zip(b.EnumerateArray()).All(x => Same(x.First, x.Second, normaliseStrings));
            case JsonValueKind.Object:
                if (b.ValueKind != JsonValueKind.Object) return false;
                var left = a.EnumerateObject().ToList();
                if (left.Count != b.EnumerateObject().Count()) return false;
                return left.All(p => b.TryGetProperty(p.Name, out var other) && Same(p.Value, other, normaliseStrings));
            default:
                return false;
        }
    }

    private static bool NumbersEqual(JsonElement a, JsonElement b)
    {
        if (a.TryGetDecimal(out var x) && b.TryGetDecimal(out var y)) return x == y;
        return a.GetDouble().Equals(b.GetDouble());
    }

    /// <summary>
    /// BFCL's string normalisation: spaces and the characters , . / - _ * ^ removed, lower case, single quotes read as double.
    /// </summary>
    public static string Normalise(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var sb = new StringBuilder(text.Length);
        foreach (var c in text)
        {
            if (c is ' ' or ',' or '.' or '/' or '-' or '_' or '*' or '^') continue;
            sb.Append(c == '\'' ? '"' : char.ToLowerInvariant(c));
        }
        return sb.ToString();
    }

    private static bool IsEmptyString(JsonElement e) => e.ValueKind == JsonValueKind.String && e.GetString()!.Length == 0;

    private static string Describe(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Number => (IsInteger(value) ? "integer " : "float ") + value.GetRawText(),
        JsonValueKind.String => "string " + Shorten(value.GetRawText()),
        JsonValueKind.True or JsonValueKind.False => "boolean " + value.GetRawText(),
        JsonValueKind.Array => "array " + Shorten(value.GetRawText()),
        JsonValueKind.Object => "object " + Shorten(value.GetRawText()),
        _ => value.ValueKind.ToString().ToLowerInvariant(),
    };

    private static string Shorten(string text) => text.Length <= 120 ? text : text[..117] + "...";

    /// <summary>
    /// A right answer to a case, as a model would send it: each expected call under its offered (underscored) name with
    /// the first accepted value of every parameter, leaving out those whose first accepted value is "". Used to check
    /// that a dataset's possible answers are consistent with its function documents.
    /// </summary>
    public static IReadOnlyList<EvalToolCall> ReferenceCalls(BfclCase @case)
    {
        ArgumentNullException.ThrowIfNull(@case);
        return [.. @case.Expected.Select(call =>
        {
            var buffer = new System.Buffers.ArrayBufferWriter<byte>();
            using (var w = new Utf8JsonWriter(buffer))
            {
                w.WriteStartObject();
                foreach (var (name, allowed) in call.Allowed)
                {
                    if (allowed.Count == 0 || IsEmptyString(allowed[0])) continue;
                    w.WritePropertyName(name);
                    allowed[0].WriteTo(w);
                }
                w.WriteEndObject();
            }
            return new EvalToolCall(BfclSchema.ToolName(call.Name), Encoding.UTF8.GetString(buffer.WrittenSpan));
        })];
    }

    /// <summary>A call as the record shows it: <c>name(a=1, b="x")</c>.</summary>
    public static string Show(IEnumerable<BfclCall> calls)
    {
        ArgumentNullException.ThrowIfNull(calls);
        return string.Join("; ", calls.Select(c => c.Name + "(" + string.Join(", ", c.Arguments.Select(a => a.Key + "=" + a.Value.GetRawText())) + ")"));
    }
}
