using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace ModelScout.Engine.Tests.Grammar;

/// <summary>A small JSON Schema validator for the keywords these tests use; returns the first violation or null.</summary>
internal static partial class SchemaCheck
{
    public static string? Validate(JsonNode? schema, JsonNode? value, JsonNode root, string at = "$")
    {
        if (schema is JsonValue b && b.GetValueKind() is JsonValueKind.True) return null;
        var s = (JsonObject)schema!;
        if (s["$ref"] is JsonValue r)
        {
            JsonNode? target = root;
            foreach (var part in r.GetValue<string>()[2..].Split('/')) target = target![part];
            var refError = Validate(target, value, root, at);
            if (refError is not null) return refError;
        }
        if (s["allOf"] is JsonArray all)
        {
            foreach (var part in all)
            {
                if (Validate(part, value, root, at) is { } e) return e;
            }
        }
        if (s["anyOf"] is JsonArray any && !any.Any(p => Validate(p, value, root, at) is null)) return $"{at}: matches no anyOf branch";
        if (s["oneOf"] is JsonArray one && one.Count(p => Validate(p, value, root, at) is null) != 1) return $"{at}: does not match exactly one oneOf branch";
        if (s.ContainsKey("const") && !JsonNode.DeepEquals(s["const"], value)) return $"{at}: is not the const";
        if (s["enum"] is JsonArray values && !values.Any(v => JsonNode.DeepEquals(v, value))) return $"{at}: is not in the enum";
        if (s["type"] is { } t)
        {
            var types = t is JsonArray ta ? ta.Select(x => x!.GetValue<string>()).ToList() : [t.GetValue<string>()];
            if (!types.Any(type => HasType(value, type))) return $"{at}: is not of type {string.Join("/", types)}";
        }
        if (s["minimum"] is JsonValue min && value is JsonValue nv && nv.GetValueKind() == JsonValueKind.Number && nv.GetValue<double>() < min.GetValue<double>())
            return $"{at}: is below the minimum";

        switch (value)
        {
            case JsonObject o:
                var props = s["properties"] as JsonObject;
                foreach (var req in (s["required"] as JsonArray ?? []).Select(x => x!.GetValue<string>()))
                {
                    if (!o.ContainsKey(req)) return $"{at}: misses required '{req}'";
                }
                foreach (var (k, v) in o)
                {
                    if (props is not null && props.TryGetPropertyValue(k, out var ps))
                    {
                        if (Validate(ps, v, root, $"{at}.{k}") is { } e) return e;
                    }
                    else if (s["additionalProperties"] is { } ap)
                    {
                        if (ap is JsonValue apv && apv.GetValueKind() == JsonValueKind.False) return $"{at}: has extra property '{k}'";
                        if (Validate(ap, v, root, $"{at}.{k}") is { } e) return e;
                    }
                }
                break;
            case JsonArray a:
                if (s["minItems"] is JsonValue mi && a.Count < mi.GetValue<int>()) return $"{at}: has fewer than minItems";
                if (s["maxItems"] is JsonValue ma && a.Count > ma.GetValue<int>()) return $"{at}: has more than maxItems";
                var prefix = s["prefixItems"] as JsonArray ?? [];
                for (var i = 0; i < a.Count; i++)
                {
                    var itemSchema = i < prefix.Count ? prefix[i] : s["items"];
                    if (itemSchema is JsonValue iv && iv.GetValueKind() == JsonValueKind.False) return $"{at}: has an item beyond prefixItems";
                    if (itemSchema is not null && Validate(itemSchema, a[i], root, $"{at}[{i}]") is { } e) return e;
                }
                break;
            case JsonValue v when v.GetValueKind() == JsonValueKind.String:
                var text = v.GetValue<string>();
                var length = text.EnumerateRunes().Count();
                if (s["minLength"] is JsonValue mn && length < mn.GetValue<int>()) return $"{at}: is shorter than minLength";
                if (s["maxLength"] is JsonValue mx && length > mx.GetValue<int>()) return $"{at}: is longer than maxLength";
                if (s["format"] is JsonValue f && !FormatOk(f.GetValue<string>(), text)) return $"{at}: is not a {f}";
                break;
        }
        return null;
    }

    private static bool HasType(JsonNode? v, string type) => (type, v?.GetValueKind()) switch
    {
        ("null", null or JsonValueKind.Null) => true,
        ("boolean", JsonValueKind.True or JsonValueKind.False) => true,
        ("string", JsonValueKind.String) => true,
        ("object", JsonValueKind.Object) => true,
        ("array", JsonValueKind.Array) => true,
        ("number", JsonValueKind.Number) => true,
        ("integer", JsonValueKind.Number) => double.Parse(v!.ToJsonString(), CultureInfo.InvariantCulture) is var d && d == Math.Floor(d),
        _ => false,
    };

    private static bool FormatOk(string format, string text) => format switch
    {
        "date" => DateRegex().IsMatch(text),
        "time" => TimeRegex().IsMatch(text),
        "date-time" => text.Length > 11 && text[10] == 'T' && DateRegex().IsMatch(text[..10]) && TimeRegex().IsMatch(text[11..]),
        "uuid" => Guid.TryParseExact(text, "D", out _),
        _ => false,
    };

    // Day numbers are not checked against the month (the grammar does not either; see docs/modelfile.md).
    [GeneratedRegex(@"^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$")]
    private static partial Regex DateRegex();

    [GeneratedRegex(@"^([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]+)?(Z|[+-]([01][0-9]|2[0-3]):[0-5][0-9])$")]
    private static partial Regex TimeRegex();
}
