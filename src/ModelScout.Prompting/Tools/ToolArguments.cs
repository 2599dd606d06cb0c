using System.Globalization;
using System.Text;
using System.Text.Json;

namespace ModelScout.Prompting.Tools;

/// <summary>Checks a call's arguments against its tool's JSON Schema.</summary>
/// <remarks>
/// The subset tool parameters use: <c>type</c> (one or a list; "integer" is a number without a fraction), <c>properties</c>,
/// <c>required</c>, <c>additionalProperties</c> (false or a schema), <c>enum</c>, <c>const</c>, <c>items</c> and
/// <c>prefixItems</c>, <c>minItems</c>/<c>maxItems</c>, <c>minimum</c>/<c>maximum</c> and their exclusive forms,
/// <c>minLength</c>/<c>maxLength</c> (in characters), <c>anyOf</c>/<c>oneOf</c>/<c>allOf</c>, local <c>$ref</c> and
/// OpenAPI's <c>nullable</c>. Other keywords (format, pattern, descriptions) are not checked.
/// </remarks>
public static class ToolArguments
{
    private const int MaxDepth = 64;

    /// <summary>Null when <paramref name="argumentsJson"/> is a JSON object that satisfies <paramref name="tool"/>'s schema; otherwise why not.</summary>
    public static string? Validate(ToolDefinition tool, string argumentsJson)
    {
        ArgumentNullException.ThrowIfNull(tool);
        ArgumentNullException.ThrowIfNull(argumentsJson);
        using var schema = TryParse(tool.ParametersJson);
        if (schema is null) return $"the parameters schema of '{tool.Name}' is not valid JSON";
        using var value = TryParse(argumentsJson);
        if (value is null) return "arguments: not valid JSON";
        if (value.RootElement.ValueKind != JsonValueKind.Object) return $"arguments: expected an object, got {Describe(value.RootElement)}";
        return new Checker(schema.RootElement).Check(schema.RootElement, value.RootElement, "arguments", 0);
    }

    internal static JsonDocument? TryParse(string json)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = 256 });
        }
        catch (JsonException)
        {
            return null;
        }
        catch (ArgumentException)
        {
            return null; // text that cannot be transcoded to UTF-8 (a lone surrogate)
        }
        if (Readable(doc.RootElement)) return doc;
        doc.Dispose();
        return null;
    }

    // JSON may escape half a surrogate pair ("\ud800"); .NET parses it but throws when the string is read or written.
    private static bool Readable(JsonElement e)
    {
        try
        {
            switch (e.ValueKind)
            {
                case JsonValueKind.String:
                    _ = e.GetString();
                    return true;
                case JsonValueKind.Array:
                    return e.EnumerateArray().All(Readable);
                case JsonValueKind.Object:
                    foreach (var p in e.EnumerateObject())
                    {
                        _ = p.Name;
                        if (!Readable(p.Value)) return false;
                    }
                    return true;
                default:
                    return true;
            }
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    private static string Describe(JsonElement v) => v.ValueKind switch
    {
        JsonValueKind.String => "string " + Show(v),
        JsonValueKind.Number => "number " + v.GetRawText(),
        JsonValueKind.True or JsonValueKind.False => "boolean " + v.GetRawText(),
        JsonValueKind.Null => "null",
        JsonValueKind.Array => "an array",
        _ => "an object",
    };

    private static string Show(JsonElement v)
    {
        if (v.ValueKind != JsonValueKind.String) return Shorten(v.GetRawText());
        return "'" + Shorten(v.GetString()!) + "'";
    }

    private static string Shorten(string text) => text.Length <= 80 ? text : string.Concat(text.AsSpan(0, 77), "...");

    private sealed class Checker(JsonElement root)
    {
        public string? Check(JsonElement schema, JsonElement value, string path, int depth)
        {
            if (depth > MaxDepth) return $"{path}: the schema nests deeper than {MaxDepth} levels (a $ref loop?)";
            switch (schema.ValueKind)
            {
                case JsonValueKind.True:
                    return null;
                case JsonValueKind.False:
                    return $"{path}: no value is allowed here";
                case JsonValueKind.Object:
                    break;
                default:
                    return null; // not a schema: nothing to hold the value to
            }

            if (value.ValueKind == JsonValueKind.Null && schema.TryGetProperty("nullable", out var nullable) && nullable.ValueKind == JsonValueKind.True)
                return null;

            if (schema.TryGetProperty("$ref", out var reference))
            {
                if (reference.ValueKind != JsonValueKind.String || Resolve(reference.GetString()!) is not { } target)
                    return $"{path}: the schema's $ref {reference.GetRawText()} points at nothing in the schema";
                if (Check(target, value, path, depth + 1) is { } refError) return refError;
            }
            if (schema.TryGetProperty("allOf", out var allOf) && allOf.ValueKind == JsonValueKind.Array)
            {
                foreach (var part in allOf.EnumerateArray())
                {
                    if (Check(part, value, path, depth + 1) is { } e) return e;
                }
            }
            if (schema.TryGetProperty("anyOf", out var anyOf) && anyOf.ValueKind == JsonValueKind.Array && anyOf.GetArrayLength() > 0)
            {
                string? first = null;
                var any = false;
                foreach (var part in anyOf.EnumerateArray())
                {
                    var e = Check(part, value, path, depth + 1);
                    if (e is null) { any = true; break; }
                    first ??= e;
                }
                if (!any) return $"{path}: matches none of the anyOf alternatives (the first says: {first})";
            }
            if (schema.TryGetProperty("oneOf", out var oneOf) && oneOf.ValueKind == JsonValueKind.Array && oneOf.GetArrayLength() > 0)
            {
                string? first = null;
                var matches = 0;
                foreach (var part in oneOf.EnumerateArray())
                {
                    var e = Check(part, value, path, depth + 1);
                    if (e is null) matches++;
                    else first ??= e;
                }
                if (matches == 0) return $"{path}: matches none of the oneOf alternatives (the first says: {first})";
                if (matches > 1) return $"{path}: matches {matches} of the oneOf alternatives; exactly one must match";
            }

            if (schema.TryGetProperty("type", out var type) && CheckType(type, value, path) is { } typeError) return typeError;
            if (schema.TryGetProperty("const", out var constant) && !JsonElement.DeepEquals(constant, value))
                return $"{path}: {Show(value)} is not the required value {Show(constant)}";
            if (schema.TryGetProperty("enum", out var options) && options.ValueKind == JsonValueKind.Array
                && !options.EnumerateArray().Any(o => SameValue(o, value)))
            {
                var list = string.Join(", ", options.EnumerateArray().Select(o => o.ValueKind == JsonValueKind.String ? o.GetString() : o.GetRawText()));
                return $"{path}: {Show(value)} is not one of {list}";
            }

            return value.ValueKind switch
            {
                JsonValueKind.Object => CheckObject(schema, value, path, depth),
                JsonValueKind.Array => CheckArray(schema, value, path, depth),
                JsonValueKind.String => CheckString(schema, value, path),
                JsonValueKind.Number => CheckNumber(schema, value, path),
                _ => null,
            };
        }

        private static bool SameValue(JsonElement a, JsonElement b) =>
            a.ValueKind == JsonValueKind.Number && b.ValueKind == JsonValueKind.Number
                ? a.GetDouble() == b.GetDouble()
                : JsonElement.DeepEquals(a, b);

        private static string? CheckType(JsonElement type, JsonElement value, string path)
        {
            var names = type.ValueKind switch
            {
                JsonValueKind.String => [type.GetString()!],
                JsonValueKind.Array => type.EnumerateArray().Where(t => t.ValueKind == JsonValueKind.String).Select(t => t.GetString()!).ToList(),
                _ => [],
            };
            if (names.Count == 0 || names.Any(n => HasType(n, value))) return null;
            return $"{path}: expected {string.Join(" or ", names)}, got {Describe(value)}";
        }

        private static bool HasType(string name, JsonElement value) => name switch
        {
            "string" => value.ValueKind == JsonValueKind.String,
            "number" => value.ValueKind == JsonValueKind.Number,
            "integer" => value.ValueKind == JsonValueKind.Number && IsInteger(value),
            "boolean" => value.ValueKind is JsonValueKind.True or JsonValueKind.False,
            "null" => value.ValueKind == JsonValueKind.Null,
            "object" => value.ValueKind == JsonValueKind.Object,
            "array" => value.ValueKind == JsonValueKind.Array,
            _ => true, // an unknown type name constrains nothing we can check
        };

        private static bool IsInteger(JsonElement number)
        {
            var raw = number.GetRawText();
            if (raw.IndexOfAny(['.', 'e', 'E']) < 0) return true;
            var d = number.GetDouble();
            return double.IsFinite(d) && d == Math.Floor(d);
        }

        private string? CheckObject(JsonElement schema, JsonElement value, string path, int depth)
        {
            var properties = schema.TryGetProperty("properties", out var p) && p.ValueKind == JsonValueKind.Object ? p : default;
            if (schema.TryGetProperty("required", out var required) && required.ValueKind == JsonValueKind.Array)
            {
                foreach (var name in required.EnumerateArray())
                {
                    if (name.ValueKind == JsonValueKind.String && !value.TryGetProperty(name.GetString()!, out _))
                        return $"{path}: missing required property '{name.GetString()}'";
                }
            }
            var hasAdditional = schema.TryGetProperty("additionalProperties", out var additional);
            foreach (var member in value.EnumerateObject())
            {
                var at = Member(path, member.Name);
                if (properties.ValueKind == JsonValueKind.Object && properties.TryGetProperty(member.Name, out var propertySchema))
                {
                    if (Check(propertySchema, member.Value, at, depth + 1) is { } e) return e;
                }
                else if (hasAdditional)
                {
                    if (additional.ValueKind == JsonValueKind.False)
                    {
                        var allowed = properties.ValueKind == JsonValueKind.Object ? string.Join(", ", properties.EnumerateObject().Select(x => x.Name)) : "";
                        return allowed.Length == 0
                            ? $"{path}: unexpected property '{member.Name}' (this object takes no properties)"
                            : $"{path}: unexpected property '{member.Name}' (allowed: {allowed})";
                    }
                    if (Check(additional, member.Value, at, depth + 1) is { } e) return e;
                }
            }
            return null;
        }

        private string? CheckArray(JsonElement schema, JsonElement value, string path, int depth)
        {
            var count = value.GetArrayLength();
            if (Count(schema, "minItems") is { } min && count < min) return $"{path}: has {count} items, fewer than minItems {min}";
            if (Count(schema, "maxItems") is { } max && count > max) return $"{path}: has {count} items, more than maxItems {max}";
            var prefix = 0;
            JsonElement tuple = default;
            if (schema.TryGetProperty("prefixItems", out var prefixItems) && prefixItems.ValueKind == JsonValueKind.Array) tuple = prefixItems;
            else if (schema.TryGetProperty("items", out var legacy) && legacy.ValueKind == JsonValueKind.Array) tuple = legacy;
            if (tuple.ValueKind == JsonValueKind.Array) prefix = tuple.GetArrayLength();
            var rest = schema.TryGetProperty("items", out var items) && items.ValueKind != JsonValueKind.Array ? items
                : schema.TryGetProperty("additionalItems", out var additionalItems) ? additionalItems : default;
            var i = 0;
            foreach (var item in value.EnumerateArray())
            {
                var at = path + "[" + i.ToString(CultureInfo.InvariantCulture) + "]";
                var itemSchema = i < prefix ? tuple[i] : rest;
                if (itemSchema.ValueKind != JsonValueKind.Undefined && Check(itemSchema, item, at, depth + 1) is { } e) return e;
                i++;
            }
            return null;
        }

        private static string? CheckString(JsonElement schema, JsonElement value, string path)
        {
            var text = value.GetString()!;
            var length = 0;
            foreach (var _ in text.EnumerateRunes()) length++;
            if (Count(schema, "minLength") is { } min && length < min) return $"{path}: {Show(value)} is {length} characters long, shorter than minLength {min}";
            if (Count(schema, "maxLength") is { } max && length > max) return $"{path}: {Show(value)} is {length} characters long, longer than maxLength {max}";
            return null;
        }

        private static string? CheckNumber(JsonElement schema, JsonElement value, string path)
        {
            var n = value.GetDouble();
            var raw = value.GetRawText();
            if (Number(schema, "minimum") is { } min && n < min) return $"{path}: {raw} is below the minimum {Format(min)}";
            if (Number(schema, "maximum") is { } max && n > max) return $"{path}: {raw} is above the maximum {Format(max)}";
            if (Number(schema, "exclusiveMinimum") is { } emin && n <= emin) return $"{path}: {raw} must be above {Format(emin)}";
            if (Number(schema, "exclusiveMaximum") is { } emax && n >= emax) return $"{path}: {raw} must be below {Format(emax)}";
            return null;
        }

        private static string Format(double d) => d.ToString("R", CultureInfo.InvariantCulture);

        private static double? Number(JsonElement schema, string key) =>
            schema.TryGetProperty(key, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetDouble() : null;

        private static long? Count(JsonElement schema, string key) =>
            schema.TryGetProperty(key, out var v) && v.ValueKind == JsonValueKind.Number && v.TryGetDouble(out var d) ? (long)Math.Min(d, long.MaxValue) : null;

        private static string Member(string path, string name)
        {
            if (name.Length > 0 && (char.IsAsciiLetter(name[0]) || name[0] == '_') && name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_'))
                return path + "." + name;
            return path + "[\"" + JsonEncodedText.Encode(name).Value + "\"]";
        }

        private JsonElement? Resolve(string reference)
        {
            if (!reference.StartsWith('#')) return null;
            var node = root;
            foreach (var raw in reference[1..].Split('/', StringSplitOptions.RemoveEmptyEntries))
            {
                var segment = Uri.UnescapeDataString(raw).Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal);
                if (node.ValueKind == JsonValueKind.Object && node.TryGetProperty(segment, out var child)) node = child;
                else if (node.ValueKind == JsonValueKind.Array && int.TryParse(segment, NumberStyles.None, CultureInfo.InvariantCulture, out var i) && i < node.GetArrayLength()) node = node[i];
                else return null;
            }
            return node;
        }
    }

    /// <summary>Compact JSON text of <paramref name="element"/> (no indentation, non-ASCII characters kept as they are).</summary>
    internal static string Compact(JsonElement element)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = false, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            element.WriteTo(writer);
        }
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }
}
