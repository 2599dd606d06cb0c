using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace ModelScout.Prompting.Grammar;

/// <summary>
/// Turns a JSON Schema into a GBNF grammar (root rule <c>root</c>) whose every sentence validates against the schema.
/// Keywords that cannot be enforced by a grammar are rejected with a <see cref="JsonSchemaException"/> rather than
/// ignored, except the numeric bounds listed in docs/modelfile.md.
/// </summary>
public static class JsonSchemaGrammar
{
    /// <summary>The most a length or item count may be: llama.cpp refuses grammars with larger repetitions.</summary>
    public const int MaxRepetition = 1000;

    /// <summary>The GBNF grammar for <paramref name="schemaJson"/>.</summary>
    public static string Convert(string schemaJson)
    {
        ArgumentNullException.ThrowIfNull(schemaJson);
        JsonNode? root;
        try
        {
            root = JsonNode.Parse(schemaJson, documentOptions: new JsonDocumentOptions { MaxDepth = 128 });
        }
        catch (JsonException e)
        {
            throw new JsonSchemaException($"the schema is not valid JSON ({e.Message}); send a JSON Schema object such as {{\"type\":\"object\",\"properties\":{{...}}}}", "#", e);
        }
        return new SchemaConverter(root).Run();
    }

    /// <summary>
    /// The rules for <paramref name="schemaJson"/> alone, every name starting with <paramref name="prefix"/>, so several
    /// schemas fit in one grammar: <c>Root</c> is the rule for the whole value, <c>Rules</c> the rule lines. The shared
    /// building blocks (<see cref="SharedRules"/>) are left out; add them once per grammar.
    /// </summary>
    internal static (string Root, string Rules) ConvertRules(string schemaJson, string prefix)
    {
        ArgumentNullException.ThrowIfNull(schemaJson);
        ArgumentException.ThrowIfNullOrEmpty(prefix);
        JsonNode? root;
        try
        {
            root = JsonNode.Parse(schemaJson, documentOptions: new JsonDocumentOptions { MaxDepth = 128 });
        }
        catch (JsonException e)
        {
            throw new JsonSchemaException($"the schema is not valid JSON ({e.Message}); send a JSON Schema object such as {{\"type\":\"object\",\"properties\":{{...}}}}", "#", e);
        }
        var converter = new SchemaConverter(root, prefix);
        var rules = converter.Run(shared: false);
        return (converter.RootName, rules);
    }

    /// <summary>The rules every converted schema refers to (<c>key-char</c>, <c>value</c>, <c>string</c>, ...), once per grammar.</summary>
    internal static string SharedRules { get; } =
        "key-char ::= [^\"\\\\\\x7F\\x00-\\x1F]\n" + JsonGrammar.Primitives.Replace("\r\n", "\n", StringComparison.Ordinal) + "\n";
}

/// <summary>A schema that cannot be turned into a grammar; <see cref="SchemaPath"/> points at the part at fault.</summary>
public sealed class JsonSchemaException : Exception
{
    public JsonSchemaException(string message, string schemaPath, Exception? inner = null)
        : base($"JSON schema {schemaPath}: {message}", inner) => SchemaPath = schemaPath;

    public JsonSchemaException() : this("unsupported schema", "#") { }

    public JsonSchemaException(string message) : this(message, "#") { }

    public JsonSchemaException(string message, Exception inner) : this(message, "#", inner) { }

    /// <summary>JSON-pointer-like path of the schema part at fault (<c>#/properties/name</c>).</summary>
    public string SchemaPath { get; }
}

internal sealed class SchemaConverter
{
    private const int MaxDepth = 64;

    // Assertions a grammar cannot enforce; ignoring them would let output through that fails validation.
    private static readonly Dictionary<string, string> Rejected = new(StringComparer.Ordinal)
    {
        ["pattern"] = "regular expressions are not supported; use enum, format or minLength/maxLength instead",
        ["patternProperties"] = "list the properties under 'properties' instead",
        ["propertyNames"] = "list the properties under 'properties' instead",
        ["uniqueItems"] = "uniqueness cannot be enforced while generating; remove it or check the output afterwards",
        ["contains"] = "remove it, or describe the items with 'items' / 'prefixItems'",
        ["minContains"] = "remove it, or describe the items with 'items' / 'prefixItems'",
        ["maxContains"] = "remove it, or describe the items with 'items' / 'prefixItems'",
        ["multipleOf"] = "remove it, or use enum for a fixed set of numbers",
        ["minProperties"] = "make the properties you need 'required' instead",
        ["maxProperties"] = "set additionalProperties to false and list the properties instead",
        ["dependentRequired"] = "use anyOf with one branch per case instead",
        ["dependentSchemas"] = "use anyOf with one branch per case instead",
        ["dependencies"] = "use anyOf with one branch per case instead",
        ["if"] = "use anyOf with one branch per case instead",
        ["then"] = "use anyOf with one branch per case instead",
        ["else"] = "use anyOf with one branch per case instead",
        ["not"] = "describe what is allowed instead of what is not",
        ["unevaluatedProperties"] = "use additionalProperties instead",
        ["unevaluatedItems"] = "use items instead",
        ["contentEncoding"] = "remove it, or use a plain string",
        ["contentMediaType"] = "remove it, or use a plain string",
    };

    private static readonly HashSet<string> Reserved = new(StringComparer.Ordinal)
    {
        "root", "value", "object", "array", "string", "char", "number", "integer", "int-part", "boolean", "null", "ws",
        "nonneg-number", "nonneg-integer", "digits", "date-string", "time-string", "date-time-string", "uuid-string",
        "date", "time", "hex", "key-char",
    };

    private static readonly JsonSerializerOptions Compact = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, WriteIndented = false };

    private readonly JsonNode? document;
    private readonly List<(string Name, string? Body)> rules = [];
    private readonly HashSet<string> names = new(Reserved, StringComparer.Ordinal);
    private readonly Dictionary<string, string> refs = new(StringComparer.Ordinal);
    private int depth;

    private readonly string prefix;

    public SchemaConverter(JsonNode? document, string prefix = "")
    {
        this.document = document;
        this.prefix = prefix;
        RootName = prefix + "root";
        names.Add(RootName);
    }

    /// <summary>The name of the top rule: <c>root</c>, or the prefix and <c>root</c>.</summary>
    public string RootName { get; }

    public string Run(bool shared = true)
    {
        rules.Add((RootName, null));
        var body = Visit(document, "#", "root");
        rules[0] = (RootName, body);

        // "root ::= root-2" reads badly; fold the top rule into root unless something else refers to it.
        var top = rules.FindIndex(r => r.Name == body);
        if (top > 0 && !rules.Skip(1).Any(r => r.Name != body && r.Body is { } b && b.Split(' ').Contains(body)))
        {
            rules[0] = (RootName, rules[top].Body);
            rules.RemoveAt(top);
        }
        var b = new StringBuilder();
        foreach (var (name, rule) in rules) b.Append(name).Append(" ::= ").Append(rule).Append('\n');
        if (!shared) return b.ToString();
        b.Append("key-char ::= [^\"\\\\\\x7F\\x00-\\x1F]\n");
        b.Append(JsonGrammar.Primitives.Replace("\r\n", "\n", StringComparison.Ordinal)).Append('\n');
        return b.ToString();
    }

    private static JsonSchemaException Error(string path, string message) => new(message, path);

    private string NewRule(string hint, string body)
    {
        var name = ReserveName(hint);
        rules.Add((name, body));
        return name;
    }

    private string ReserveName(string hint)
    {
        var clean = new StringBuilder();
        foreach (var c in hint)
        {
            if (char.IsAsciiLetterOrDigit(c)) clean.Append(char.ToLowerInvariant(c));
            else if (clean.Length > 0 && clean[^1] != '-') clean.Append('-');
        }
        var stem = clean.ToString().Trim('-');
        if (stem.Length == 0) stem = "part";
        if (stem.Length > 40) stem = stem[..40].Trim('-');
        stem = prefix + stem;
        var name = stem;
        for (var i = 2; !names.Add(name); i++) name = stem + "-" + i.ToString(CultureInfo.InvariantCulture);
        return name;
    }

    private string Visit(JsonNode? schema, string path, string hint)
    {
        if (++depth > MaxDepth) throw Error(path, $"the schema nests deeper than {MaxDepth} levels; flatten it or use $ref");
        try
        {
            return VisitCore(schema, path, hint);
        }
        finally
        {
            depth--;
        }
    }

    private string VisitCore(JsonNode? schema, string path, string hint)
    {
        switch (schema)
        {
            case null:
                throw Error(path, "a schema must be an object or a boolean, not null");
            case JsonValue v when v.GetValueKind() == JsonValueKind.True:
                return "value";
            case JsonValue v when v.GetValueKind() == JsonValueKind.False:
                throw Error(path, "the schema 'false' allows nothing, so nothing can be generated");
            case not JsonObject:
                throw Error(path, "a schema must be an object or a boolean");
        }
        var s = (JsonObject)schema;

        foreach (var (key, value) in s)
        {
            if (Rejected.TryGetValue(key, out var advice))
            {
                if (key == "uniqueItems" && value is JsonValue u && u.GetValueKind() == JsonValueKind.False) continue;
                throw Error(path, $"'{key}' is not supported in grammar-constrained output: {advice}");
            }
        }
        if (s["nullable"] is JsonValue n && n.GetValueKind() == JsonValueKind.True)
        {
            var copy = (JsonObject)s.DeepClone();
            copy.Remove("nullable");
            return Alternatives([Visit(copy, path, hint), "null"]);
        }

        if (s["$ref"] is { } refNode)
        {
            var others = s.Select(p => p.Key).Where(k => !IsAnnotation(k) && k != "$ref").ToList();
            if (others.Count > 0)
                return Visit(new JsonObject { ["allOf"] = new JsonArray(new JsonObject { ["$ref"] = refNode.DeepClone() }, Without(s, "$ref")) }, path, hint);
            return Ref(refNode, path);
        }
        if (s["allOf"] is { } allOf) return Visit(MergeAll(allOf, s, path), path, hint);
        foreach (var key in new[] { "anyOf", "oneOf" })
        {
            if (s[key] is not { } branches) continue;
            if (branches is not JsonArray list || list.Count == 0) throw Error(path, $"'{key}' must be a non-empty array of schemas");
            var siblings = Without(s, key);
            var hasSiblings = siblings.Any(p => !IsAnnotation(p.Key));
            var alternatives = new List<string>();
            for (var i = 0; i < list.Count; i++)
            {
                var branch = hasSiblings ? Merge(siblings, Resolve(list[i], $"{path}/{key}/{i}"), $"{path}/{key}/{i}") : list[i];
                alternatives.Add(Visit(branch, $"{path}/{key}/{i}", $"{hint}-{i}"));
            }
            return Alternatives(alternatives);
        }

        var types = Types(s, path);
        if (s["const"] is var constant && s.ContainsKey("const")) return Literal(constant, types, path) + " ws";
        if (s["enum"] is { } e)
        {
            if (e is not JsonArray values || values.Count == 0) throw Error(path, "'enum' must be a non-empty array");
            var literals = values.Where(v => types is null || types.Contains(TypeOf(v)) || (TypeOf(v) == "integer" && types.Contains("number"))).Select(v => Literal(v, null, path)).Distinct().ToList();
            if (literals.Count == 0) throw Error(path, "no value in 'enum' has the schema's type");
            return "( " + string.Join(" | ", literals) + " ) ws";
        }

        types ??= InferTypes(s);
        if (types is null) return "value";
        return Alternatives([.. types.Select(t => ForType(t, s, path, hint))]);
    }

    private static bool IsAnnotation(string key) => key is "$schema" or "$id" or "$comment" or "$defs" or "definitions" or "title"
        or "description" or "default" or "examples" or "readOnly" or "writeOnly" or "deprecated" or "$anchor";

    private static JsonObject Without(JsonObject s, string key)
    {
        var copy = new JsonObject();
        foreach (var (k, v) in s)
        {
            if (k != key) copy[k] = v?.DeepClone();
        }
        return copy;
    }

    private static string Alternatives(List<string> parts)
    {
        var distinct = parts.Distinct().ToList();
        return distinct.Count == 1 ? distinct[0] : "( " + string.Join(" | ", distinct) + " )";
    }

    private static List<string>? Types(JsonObject s, string path)
    {
        if (!s.TryGetPropertyValue("type", out var t)) return null;
        var list = t switch
        {
            JsonValue v when v.GetValueKind() == JsonValueKind.String => [v.GetValue<string>()],
            JsonArray a when a.Count > 0 && a.All(x => x is JsonValue xv && xv.GetValueKind() == JsonValueKind.String) => a.Select(x => x!.GetValue<string>()).ToList(),
            _ => throw Error(path, "'type' must be a type name or an array of type names"),
        };
        foreach (var name in list)
        {
            if (name is not ("string" or "number" or "integer" or "boolean" or "null" or "object" or "array"))
                throw Error(path, $"unknown type '{name}'; use string, number, integer, boolean, null, object or array");
        }
        return list.Distinct().ToList();
    }

    private static List<string>? InferTypes(JsonObject s)
    {
        if (s.ContainsKey("properties") || s.ContainsKey("required") || s.ContainsKey("additionalProperties")) return ["object"];
        if (s.ContainsKey("items") || s.ContainsKey("prefixItems") || s.ContainsKey("minItems") || s.ContainsKey("maxItems")) return ["array"];
        if (s.ContainsKey("minLength") || s.ContainsKey("maxLength") || s.ContainsKey("format")) return ["string"];
        return null;
    }

    private static string TypeOf(JsonNode? v) => v?.GetValueKind() switch
    {
        JsonValueKind.String => "string",
        JsonValueKind.Number => v.ToJsonString().Contains('.', StringComparison.Ordinal) || v.ToJsonString().Contains('e', StringComparison.OrdinalIgnoreCase) ? "number" : "integer",
        JsonValueKind.True or JsonValueKind.False => "boolean",
        JsonValueKind.Object => "object",
        JsonValueKind.Array => "array",
        _ => "null",
    };

    private static string Literal(JsonNode? value, List<string>? types, string path)
    {
        if (types is not null && !types.Contains(TypeOf(value)) && !(TypeOf(value) == "integer" && types.Contains("number")))
            throw Error(path, $"'const' {value?.ToJsonString() ?? "null"} does not have the schema's type");
        var text = value is null ? "null" : value.ToJsonString(Compact);
        return GbnfText.Literal(text);
    }

    private string ForType(string type, JsonObject s, string path, string hint) => type switch
    {
        "string" => StringRule(s, path, hint),
        "integer" => IntegerRange(s, path) ?? (NonNegative(s) ? "nonneg-integer" : "integer"),
        "number" => NonNegative(s) ? "nonneg-number" : "number",
        "boolean" => "boolean",
        "null" => "null",
        "object" => ObjectRule(s, path, hint),
        _ => ArrayRule(s, path, hint),
    };

    /// <summary>Most integers a bounded range may hold to be listed value by value.</summary>
    public const int MaxListedIntegers = 1000;

    // A small bounded integer range (1-7 days, 1-12 guests: what tools declare) is listed value by value, so a weak model
    // cannot write 3000000000000000 for "days". Wider ranges keep only the sign rule below.
    private static string? IntegerRange(JsonObject s, string path)
    {
        var lo = Bound(s, "minimum", "exclusiveMinimum", up: true);
        var hi = Bound(s, "maximum", "exclusiveMaximum", up: false);
        if (lo is null || hi is null) return null;
        if (hi < lo) throw Error(path, "the maximum is below the minimum, so no integer fits");
        if (hi - lo >= MaxListedIntegers) return null;
        var values = new List<string>((int)(hi.Value - lo.Value + 1));
        for (var v = lo.Value; v <= hi.Value; v++) values.Add("\"" + v.ToString(CultureInfo.InvariantCulture) + "\"");
        return "(" + string.Join(" | ", values) + ") ws";
    }

    // The tightest integer bound from the inclusive and exclusive keywords; null when neither is a finite number in range.
    private static long? Bound(JsonObject s, string inclusive, string exclusive, bool up)
    {
        static double? Read(JsonObject s, string key) =>
            s[key] is JsonValue v && v.TryGetValue<double>(out var d) && double.IsFinite(d) && Math.Abs(d) < 1e15 ? d : null;
        long? bound = null;
        if (Read(s, inclusive) is { } i) bound = (long)(up ? Math.Ceiling(i) : Math.Floor(i));
        if (Read(s, exclusive) is { } e)
        {
            var b = up ? (long)Math.Floor(e) + 1 : (long)Math.Ceiling(e) - 1;
            bound = bound is null ? b : up ? Math.Max(bound.Value, b) : Math.Min(bound.Value, b);
        }
        return bound;
    }

    // Other numeric bounds are not enforced (see docs), except that a lower bound of zero or more rules out a minus sign.
    private static bool NonNegative(JsonObject s) =>
        (s["minimum"] is JsonValue min && min.TryGetValue<double>(out var m) && m >= 0)
        || (s["exclusiveMinimum"] is JsonValue emin && emin.TryGetValue<double>(out var em) && em >= 0);

    private string StringRule(JsonObject s, string path, string hint)
    {
        var min = Count(s, "minLength", path) ?? 0;
        var max = Count(s, "maxLength", path);
        if (s["format"] is { } f)
        {
            if (s.ContainsKey("minLength") || s.ContainsKey("maxLength"))
                throw Error(path, "'format' together with minLength/maxLength is not supported; keep one of them");
            var format = f.GetValueKind() == JsonValueKind.String ? f.GetValue<string>() : "";
            return format switch
            {
                "date" => "date-string",
                "time" => "time-string",
                "date-time" => "date-time-string",
                "uuid" => "uuid-string",
                _ => throw Error(path, $"format '{format}' is not supported; supported formats are date, time, date-time and uuid (remove 'format' to allow any string)"),
            };
        }
        if (max < min) throw Error(path, "maxLength is below minLength, so no string fits");
        if (min == 0 && max is null) return "string";
        return "\"\\\"\" " + Repeat("char", min, max, path, hint) + " \"\\\"\" ws";
    }

    private static int? Count(JsonObject s, string key, string path)
    {
        if (!s.TryGetPropertyValue(key, out var v)) return null;
        if (v is not JsonValue value || !value.TryGetValue<double>(out var d) || d < 0 || d != Math.Floor(d))
            throw Error(path, $"'{key}' must be a non-negative integer");
        if (d > JsonSchemaGrammar.MaxRepetition)
            throw Error(path, $"'{key}' {d} is above {JsonSchemaGrammar.MaxRepetition}, the most a grammar can count; lower it (or drop it and check the length afterwards)");
        return (int)d;
    }

    // expr{min,max} in GBNF. llama.cpp refuses a repetition when (symbols created inside the repeated item) x (its
    // maximum) reaches 2000, and a group or a first mention of a rule name each create one; so the item is always a
    // single rule name (an existing one, or a rule made here) and the maximum stays at MaxRepetition.
    private string Repeat(string expr, int min, int? max, string path, string hint)
    {
        if (max < min) throw Error(path, "the maximum is below the minimum, so nothing fits");
        if ((min, max) == (0, 0)) return "";
        var item = IsRuleName(expr) ? expr : NewRule(hint, expr);
        return (min, max) switch
        {
            (1, 1) => item,
            (0, 1) => item + "?",
            (0, null) => item + "*",
            (1, null) => item + "+",
            (_, null) => $"{item}{{{min},}}",
            _ when min == max => $"{item}{{{min}}}",
            _ => $"{item}{{{min},{max}}}",
        };
    }

    private static bool IsRuleName(string expr) => expr.Length > 0 && expr.All(c => char.IsAsciiLetterOrDigit(c) || c == '-');

    private string ObjectRule(JsonObject s, string path, string hint)
    {
        var properties = s["properties"] as JsonObject;
        if (s.ContainsKey("properties") && properties is null) throw Error(path, "'properties' must be an object");
        var required = new List<string>();
        if (s["required"] is { } r)
        {
            if (r is not JsonArray ra || ra.Any(x => x is not JsonValue xv || xv.GetValueKind() != JsonValueKind.String))
                throw Error(path, "'required' must be an array of property names");
            required = ra.Select(x => x!.GetValue<string>()).Distinct().ToList();
        }
        var additional = s["additionalProperties"];
        var additionalGiven = s.ContainsKey("additionalProperties");
        var additionalFalse = additional is JsonValue av && av.GetValueKind() == JsonValueKind.False;
        var noDeclared = (properties is null || properties.Count == 0) && required.Count == 0;
        if (noDeclared && (!additionalGiven || additional is JsonValue { } t && t.GetValueKind() == JsonValueKind.True)) return "object";

        // Extra keys are generated only when the schema asks for them: leaving them out always validates.
        var extraAllowed = additionalGiven && !additionalFalse;
        var members = new List<(string Rule, bool Required)>();
        var known = new List<string>();
        foreach (var (name, propSchema) in properties ?? [])
        {
            known.Add(name);
            var valueRule = Visit(propSchema, $"{path}/properties/{Pointer(name)}", $"{hint}-{name}");
            members.Add((NewRule($"{hint}-{name}-kv", $"{GbnfText.Literal(JsonValue.Create(name).ToJsonString(Compact))} ws \":\" ws {valueRule}"), required.Contains(name)));
        }
        foreach (var name in required.Where(n => !known.Contains(n)))
        {
            if (additionalFalse) throw Error(path, $"'{name}' is required but not listed in 'properties' while additionalProperties is false");
            known.Add(name);
            var valueRule = additionalGiven ? Visit(additional, $"{path}/additionalProperties", $"{hint}-{name}") : "value";
            members.Add((NewRule($"{hint}-{name}-kv", $"{GbnfText.Literal(JsonValue.Create(name).ToJsonString(Compact))} ws \":\" ws {valueRule}"), true));
        }

        string? extra = null;
        if (extraAllowed)
        {
            var valueRule = additional is JsonValue tv && tv.GetValueKind() == JsonValueKind.True ? "value" : Visit(additional, $"{path}/additionalProperties", $"{hint}-additional");
            var keyRule = NewRule($"{hint}-additional-key", "\"\\\"\" " + GbnfText.NotAnyOf(known) + " \"\\\"\" ws");
            extra = NewRule($"{hint}-additional-kv", $"{keyRule} \":\" ws {valueRule}");
        }

        // rest(i): what may follow once something was written; first(i): what may start the object from member i on.
        var rest = extra is null ? "" : $"( \",\" ws {extra} )*";
        var first = extra is null ? "" : $"( {extra} ( \",\" ws {extra} )* )?";
        for (var i = members.Count - 1; i >= 0; i--)
        {
            var (rule, isRequired) = members[i];
            var newRest = isRequired ? Seq($"\",\" ws {rule}", rest) : Seq($"( \",\" ws {rule} )?", rest);
            var newFirst = isRequired
                ? Seq(rule, rest)
                : first.Length == 0 ? $"( {Seq(rule, rest)} )?" : $"( {Seq(rule, rest)} | {first} )";
            if (i > 0)
            {
                rest = newRest.Length > 0 ? NewRule($"{hint}-after-{i}", newRest) : "";
                first = newFirst.Length > 0 && !isRequired ? NewRule($"{hint}-from-{i}", newFirst) : newFirst;
            }
            else
            {
                first = newFirst;
            }
        }
        return NewRule(hint, Seq("\"{\" ws", first, "\"}\" ws"));
    }

    private static string Seq(params string[] parts) => string.Join(" ", parts.Where(p => p.Length > 0));

    private string ArrayRule(JsonObject s, string path, string hint)
    {
        var min = Count(s, "minItems", path) ?? 0;
        var max = Count(s, "maxItems", path);
        if (max < min) throw Error(path, "maxItems is below minItems, so no array fits");

        var items = s["items"];
        var prefix = s["prefixItems"] as JsonArray;
        JsonNode? after = items;
        var afterGiven = s.ContainsKey("items");
        if (items is JsonArray legacy)
        {
            prefix = legacy;
            after = s["additionalItems"];
            afterGiven = s.ContainsKey("additionalItems");
        }

        var parts = new List<string>();
        var count = 0;
        if (prefix is not null)
        {
            var take = max is { } m ? Math.Min(prefix.Count, m) : prefix.Count;
            for (var i = 0; i < take; i++)
                parts.Add(Visit(prefix[i], $"{path}/prefixItems/{i}", $"{hint}-{i}"));
            count = take;
        }
        var afterFalse = after is JsonValue f && f.GetValueKind() == JsonValueKind.False;
        var moreMin = Math.Max(0, min - count);
        var moreMax = max - count;
        if (prefix is not null && !afterGiven) moreMax = moreMin; // more items are allowed but not needed
        if (afterFalse)
        {
            if (moreMin > 0) throw Error(path, "minItems asks for more items than prefixItems allows (items is false)");
            moreMax = 0;
        }
        var itemRule = moreMax == 0 ? "" : after is null ? "value" : Visit(after, $"{path}/items", $"{hint}-item");

        string body;
        if (parts.Count == 0)
        {
            if (moreMax == 0) body = "\"[\" ws \"]\" ws";
            else if (moreMin == 0) body = $"\"[\" ws {Repeat(Seq(itemRule, Repeat($"\",\" ws {itemRule}", 0, moreMax - 1, path, hint + "-more")), 0, 1, path, hint + "-items")} \"]\" ws";
            else body = Seq("\"[\" ws", itemRule, Repeat($"\",\" ws {itemRule}", moreMin - 1, moreMax - 1, path, hint + "-more"), "\"]\" ws");
        }
        else
        {
            var tail = moreMax == 0 ? "" : Repeat($"\",\" ws {itemRule}", moreMin, moreMax, path, hint + "-more");
            body = Seq("\"[\" ws", string.Join(" \",\" ws ", parts), tail, "\"]\" ws");
        }
        return NewRule(hint, body);
    }

    // ---- $ref and allOf -------------------------------------------------------------------------------------

    private string Ref(JsonNode refNode, string path)
    {
        if (refNode is not JsonValue v || v.GetValueKind() != JsonValueKind.String) throw Error(path, "'$ref' must be a string");
        var target = v.GetValue<string>();
        if (refs.TryGetValue(target, out var known)) return known;
        var resolved = Pointer(target, path);
        var name = ReserveName(target == "#" ? "root-ref" : target.Split('/')[^1]);
        refs[target] = name;
        var index = rules.Count;
        rules.Add((name, null));
        rules[index] = (name, Visit(resolved, target, name));
        return name;
    }

    private JsonNode? Pointer(string target, string path)
    {
        if (!target.StartsWith('#')) throw Error(path, $"'$ref' {target} points outside this schema; only local references (#/$defs/..., #/definitions/...) are supported");
        JsonNode? node = document;
        foreach (var raw in target[1..].Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            var segment = Uri.UnescapeDataString(raw).Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal);
            node = node switch
            {
                JsonObject o when o.TryGetPropertyValue(segment, out var child) => child,
                JsonArray a when int.TryParse(segment, NumberStyles.None, CultureInfo.InvariantCulture, out var i) && i < a.Count => a[i],
                _ => throw Error(path, $"'$ref' {target} does not point at anything in this schema"),
            };
        }
        return node;
    }

    private static string Pointer(string name) => name.Replace("~", "~0", StringComparison.Ordinal).Replace("/", "~1", StringComparison.Ordinal);

    private JsonNode? Resolve(JsonNode? schema, string path)
    {
        for (var hops = 0; schema is JsonObject o && o.Count(p => !IsAnnotation(p.Key)) == 1 && o["$ref"] is JsonValue r; hops++)
        {
            if (hops > 32) throw Error(path, "'$ref' chain is too long or loops without content");
            schema = Pointer(r.GetValue<string>(), path);
        }
        return schema;
    }

    private JsonObject MergeAll(JsonNode allOf, JsonObject owner, string path)
    {
        if (allOf is not JsonArray parts || parts.Count == 0) throw Error(path, "'allOf' must be a non-empty array of schemas");
        var merged = Without(owner, "allOf");
        for (var i = 0; i < parts.Count; i++)
        {
            var part = Resolve(parts[i], $"{path}/allOf/{i}");
            if (part is JsonObject po && po.ContainsKey("allOf")) part = MergeAll(po["allOf"]!, po, $"{path}/allOf/{i}");
            merged = Merge(merged, part, $"{path}/allOf/{i}");
        }
        return merged;
    }

    private JsonObject Merge(JsonObject a, JsonNode? bNode, string path)
    {
        if (bNode is JsonValue bv && bv.GetValueKind() == JsonValueKind.True) return (JsonObject)a.DeepClone();
        if (bNode is not JsonObject b) throw Error(path, "allOf parts must be schema objects");
        if (b.ContainsKey("$ref") || a.ContainsKey("$ref"))
        {
            var ra = Resolve(a, path) as JsonObject ?? throw Error(path, "allOf parts must be schema objects");
            var rb = Resolve(b, path) as JsonObject ?? throw Error(path, "allOf parts must be schema objects");
            if (ra.ContainsKey("$ref") || rb.ContainsKey("$ref")) throw Error(path, "'$ref' next to other keywords inside allOf is not supported; move the keywords into the referenced schema");
            (a, b) = (ra, rb);
        }
        var result = (JsonObject)a.DeepClone();
        foreach (var (key, value) in b)
        {
            if (!result.TryGetPropertyValue(key, out var existing))
            {
                result[key] = value?.DeepClone();
                continue;
            }
            if (JsonNode.DeepEquals(existing, value)) continue;
            switch (key)
            {
                case "properties" when existing is JsonObject pa && value is JsonObject pb:
                    foreach (var (name, schema) in pb)
                    {
                        pa[name] = pa.TryGetPropertyValue(name, out var mine) && !JsonNode.DeepEquals(mine, schema)
                            ? new JsonObject { ["allOf"] = new JsonArray(mine?.DeepClone(), schema?.DeepClone()) }
                            : schema?.DeepClone();
                    }
                    break;
                case "required" when existing is JsonArray ra2 && value is JsonArray rb2:
                    result[key] = new JsonArray([.. ra2.Concat(rb2).Select(x => x!.GetValue<string>()).Distinct().Select(x => (JsonNode)JsonValue.Create(x))]);
                    break;
                case "type":
                    var ta = Types(a, path) ?? [];
                    var tb = Types(b, path) ?? [];
                    var both = ta.Where(t => tb.Contains(t) || (t == "integer" && tb.Contains("number"))).Concat(tb.Where(t => t == "integer" && ta.Contains("number"))).Distinct().ToList();
                    if (both.Count == 0) throw Error(path, $"allOf parts have no type in common ({string.Join("/", ta)} and {string.Join("/", tb)})");
                    result[key] = new JsonArray([.. both.Select(t => (JsonNode)JsonValue.Create(t))]);
                    break;
                case "minLength" or "minItems" or "minimum":
                    result[key] = Math.Max(existing!.GetValue<double>(), value!.GetValue<double>());
                    break;
                case "maxLength" or "maxItems" or "maximum":
                    result[key] = Math.Min(existing!.GetValue<double>(), value!.GetValue<double>());
                    break;
                case var k when IsAnnotation(k):
                    break;
                default:
                    throw Error(path, $"allOf parts set '{key}' differently; merge them by hand into one schema");
            }
        }

        // A part that closes its object (additionalProperties: false) forbids the other parts' extra properties.
        foreach (var closed in new[] { a, b })
        {
            if (closed["additionalProperties"] is not JsonValue c || c.GetValueKind() != JsonValueKind.False) continue;
            var allowed = (closed["properties"] as JsonObject)?.Select(p => p.Key).ToHashSet(StringComparer.Ordinal) ?? [];
            if (result["properties"] is JsonObject props)
            {
                foreach (var name in props.Select(p => p.Key).Where(n => !allowed.Contains(n)).ToList()) props.Remove(name);
            }
            if (result["required"] is JsonArray req && req.Select(x => x!.GetValue<string>()).FirstOrDefault(n => !allowed.Contains(n)) is { } bad)
                throw Error(path, $"'{bad}' is required by one allOf part but another part forbids it (additionalProperties: false)");
        }
        return result;
    }
}

// Text of GBNF literals and character classes.
internal static class GbnfText
{
    public static string Literal(string text)
    {
        var b = new StringBuilder("\"");
        foreach (var rune in text.EnumerateRunes())
        {
            switch (rune.Value)
            {
                case '"': b.Append("\\\""); break;
                case '\\': b.Append("\\\\"); break;
                case '\n': b.Append("\\n"); break;
                case '\r': b.Append("\\r"); break;
                case '\t': b.Append("\\t"); break;
                case < 0x20 or 0x7F: b.Append("\\x").Append(rune.Value.ToString("X2", CultureInfo.InvariantCulture)); break;
                default: b.Append(rune.ToString()); break;
            }
        }
        return b.Append('"').ToString();
    }

    public static string ClassChar(int c) => c switch
    {
        _ when c < 0x80 && char.IsAsciiLetterOrDigit((char)c) => ((char)c).ToString(),
        < 0x100 => "\\x" + c.ToString("X2", CultureInfo.InvariantCulture),
        < 0x10000 => "\\u" + c.ToString("X4", CultureInfo.InvariantCulture),
        _ => "\\U" + c.ToString("X8", CultureInfo.InvariantCulture),
    };

    /// <summary>
    /// The inside of a JSON string (plain characters, no escapes) that is none of <paramref name="words"/>: a walk down
    /// the trie of the words where every step may leave it with a character no word continues with.
    /// </summary>
    public static string NotAnyOf(IEnumerable<string> words)
    {
        var root = new Trie();
        foreach (var w in words)
        {
            var node = root;
            foreach (var r in w.EnumerateRunes())
            {
                if (!node.Children.TryGetValue(r.Value, out var child)) node.Children[r.Value] = child = new Trie();
                node = child;
            }
            node.IsWord = true;
        }
        return Build(root);
    }

    private sealed class Trie
    {
        public SortedDictionary<int, Trie> Children { get; } = [];
        public bool IsWord { get; set; }
    }

    private static string Build(Trie node)
    {
        var alternatives = new List<string>();
        foreach (var (c, child) in node.Children)
        {
            if (c is '"' or '\\' or < 0x20 or 0x7F) continue; // never written unescaped, so never matched here
            alternatives.Add(Literal(char.ConvertFromUtf32(c)) + " " + Build(child));
        }
        var excluded = string.Concat(node.Children.Keys.Select(ClassChar));
        alternatives.Add($"[^\"\\\\\\x7F\\x00-\\x1F{excluded}] key-char*");
        var body = "( " + string.Join(" | ", alternatives) + " )";
        return node.IsWord ? body : body + "?";
    }
}
