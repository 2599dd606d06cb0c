using System.Text;
using System.Text.Json;
using ModelScout.Prompting;

namespace ModelScout.Server.Translation;

/// <summary>
/// The tool and reasoning fields both APIs carry in much the same form: the function list, the arguments of a call sent
/// back in the history, <c>think</c> and <c>reasoning_effort</c>, and the ids and argument pieces of calls going out.
/// A value the server cannot honour is an <see cref="ApiException"/> naming the field as the request spells it.
/// </summary>
public static class ToolFields
{
    /// <summary>Most functions one request may declare (OpenAI's limit).</summary>
    public const int MaxTools = 128;

    /// <summary>Longest function name (OpenAI's limit).</summary>
    public const int MaxNameLength = ToolDefinition.MaxNameLength;

    /// <summary>Reasoning levels Ollama's <c>think</c> and OpenAI's <c>reasoning_effort</c> take.</summary>
    public static IReadOnlyList<string> Levels => ThinkSetting.Levels;

    /// <summary>
    /// <c>tools</c>: an array of <c>{type: "function", function: {name, description, parameters, strict}}</c>. Absent,
    /// null or empty = no tools. With <paramref name="requireType"/> (OpenAI) <c>type</c> must be given; Ollama's clients
    /// may leave it out. <c>strict</c> is accepted and has no effect of its own.
    /// </summary>
    public static IReadOnlyList<ToolDefinition> Tools(JsonElement? tools, bool requireType)
    {
        if (tools is not { } array || array.ValueKind is JsonValueKind.Undefined or JsonValueKind.Null) return [];
        if (array.ValueKind != JsonValueKind.Array)
            throw ApiProblem.Invalid("tools", "tools must be an array of {\"type\":\"function\",\"function\":{\"name\":...,\"parameters\":{...}}}");
        var count = array.GetArrayLength();
        if (count > MaxTools) throw ApiProblem.Invalid("tools", $"at most {MaxTools} tools per request, got {count}");
        var result = new List<ToolDefinition>(count);
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        var i = 0;
        foreach (var tool in array.EnumerateArray())
        {
            var at = $"tools[{i}]";
            if (tool.ValueKind != JsonValueKind.Object)
                throw ApiProblem.Invalid(at, $"{at} must be an object like {{\"type\":\"function\",\"function\":{{\"name\":\"get_weather\"}}}}");
            var type = String(tool, "type", at);
            if (type is null && requireType) throw ApiProblem.Missing($"{at}.type", "\"function\" (the only tool type scout serve runs)");
            if (type is not null and not "function")
                throw ApiProblem.Invalid($"{at}.type", $"{at}.type '{type}' is not supported; scout serve runs \"function\" tools");
            if (!tool.TryGetProperty("function", out var function) || function.ValueKind == JsonValueKind.Null)
                throw ApiProblem.Missing($"{at}.function", "an object with name, description and parameters");
            if (function.ValueKind != JsonValueKind.Object) throw ApiProblem.Invalid($"{at}.function", $"{at}.function must be an object with name, description and parameters");
            var name = Name(String(function, "name", $"{at}.function"), $"{at}.function.name");
            if (seen.TryGetValue(name, out var first))
                throw ApiProblem.Invalid($"{at}.function.name", $"{at}.function.name '{name}' is already declared by tools[{first}]; give each function its own name");
            seen[name] = i;
            var description = String(function, "description", $"{at}.function");
            if (function.TryGetProperty("strict", out var strict) && strict.ValueKind is not (JsonValueKind.True or JsonValueKind.False or JsonValueKind.Null))
                throw ApiProblem.Invalid($"{at}.function.strict", $"{at}.function.strict must be true or false");
            result.Add(new ToolDefinition(name, description, Parameters(function, $"{at}.function.parameters")));
            i++;
        }
        return result;
    }

    /// <summary>A function name as both APIs allow it: 1 to 64 letters, digits, '_' or '-'.</summary>
    public static string Name(string? name, string field)
    {
        if (string.IsNullOrEmpty(name)) throw ApiProblem.Missing(field, "the function's name, for example \"get_weather\"");
        if (!ToolDefinition.IsValidName(name))
            throw ApiProblem.Invalid(field, $"{field} '{Shorten(name)}' must be 1 to {MaxNameLength} letters, digits, '_' or '-' (^[a-zA-Z0-9_-]{{1,64}}$)");
        return name;
    }

    /// <summary>
    /// The arguments of a call in the history, as compact JSON object text: a JSON object (Ollama), or a string holding
    /// one (OpenAI). An empty string or absent arguments are <c>{}</c>.
    /// </summary>
    public static string Arguments(JsonElement? arguments, string field)
    {
        if (arguments is not { } a || a.ValueKind is JsonValueKind.Undefined or JsonValueKind.Null) return "{}";
        if (a.ValueKind == JsonValueKind.Object) return Compact(a);
        if (a.ValueKind == JsonValueKind.String)
        {
            var text = a.GetString()!;
            if (string.IsNullOrWhiteSpace(text)) return "{}";
            try
            {
                using var doc = JsonDocument.Parse(text);
                if (doc.RootElement.ValueKind == JsonValueKind.Object) return Compact(doc.RootElement);
            }
            catch (JsonException)
            {
                // Reported below with the same message as a non-object.
            }
        }
        throw ApiProblem.Invalid(field, $"{field} must be a JSON object (or a string holding one), got {Shorten(a.GetRawText())}");
    }

    /// <summary>
    /// Ollama's <c>think</c>: true or false, or a level ("low", "medium", "high"); absent or null leaves reasoning to the
    /// model's template. The strings "true" and "false" are read as the booleans.
    /// </summary>
    public static ThinkSetting? Think(JsonElement? think)
    {
        if (think is not { } t) return null;
        return t.ValueKind switch
        {
            JsonValueKind.Undefined or JsonValueKind.Null => null,
            JsonValueKind.True => ThinkSetting.On,
            JsonValueKind.False => ThinkSetting.Off,
            JsonValueKind.String when t.GetString() is "true" => ThinkSetting.On,
            JsonValueKind.String when t.GetString() is "false" => ThinkSetting.Off,
            JsonValueKind.String when t.GetString() is { } level && Levels.Contains(level) => new ThinkSetting(true, level),
            _ => throw ApiProblem.Invalid("think", $"think must be true, false, \"low\", \"medium\" or \"high\", got {Shorten(t.GetRawText())}"),
        };
    }

    /// <summary>
    /// OpenAI's <c>reasoning_effort</c>: "none" and "minimal" turn reasoning off, "low", "medium" and "high" turn it on at
    /// that level; absent leaves it to the model's template.
    /// </summary>
    public static ThinkSetting? ReasoningEffort(string? effort) => effort switch
    {
        null => null,
        "none" or "minimal" => ThinkSetting.Off,
        _ when Levels.Contains(effort) => new ThinkSetting(true, effort),
        _ => throw ApiProblem.Invalid("reasoning_effort", $"reasoning_effort '{Shorten(effort)}' is not one of none, minimal, low, medium, high"),
    };

    /// <summary>An id for a call the engine sent without one, in OpenAI's form (<c>call_</c> and 24 alphanumerics).</summary>
    public static string NewCallId() => OpenAITranslator.NewId("call_");

    /// <summary>
    /// A call's arguments cut into the pieces a stream sends them in, as a model would write them: after each '{', ':'
    /// and ',' outside strings. Joined, the pieces are the arguments again.
    /// </summary>
    public static IReadOnlyList<string> ArgumentPieces(string arguments)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        var pieces = new List<string>();
        var piece = new StringBuilder();
        var inString = false;
        var escaped = false;
        foreach (var c in arguments)
        {
            piece.Append(c);
            if (inString)
            {
                if (escaped) escaped = false;
                else if (c == '\\') escaped = true;
                else if (c == '"') inString = false;
                continue;
            }
            if (c == '"') inString = true;
            else if (c is '{' or ':' or ',')
            {
                pieces.Add(piece.ToString());
                piece.Clear();
            }
        }
        if (piece.Length > 0 || pieces.Count == 0) pieces.Add(piece.ToString());
        return pieces;
    }

    private static string Parameters(JsonElement function, string field)
    {
        if (!function.TryGetProperty("parameters", out var p) || p.ValueKind == JsonValueKind.Null) return ToolDefinition.NoParameters;
        if (p.ValueKind != JsonValueKind.Object)
            throw ApiProblem.Invalid(field, $"{field} must be a JSON Schema object such as {{\"type\":\"object\",\"properties\":{{...}}}}");
        if (p.TryGetProperty("type", out var type) && !(type.ValueKind == JsonValueKind.String && type.GetString() == "object"))
            throw ApiProblem.Invalid($"{field}.type", $"{field}.type must be \"object\": a function takes named arguments, got {Shorten(type.GetRawText())}");
        return p.GetRawText();
    }

    private static string? String(JsonElement obj, string property, string at)
    {
        if (!obj.TryGetProperty(property, out var value) || value.ValueKind == JsonValueKind.Null) return null;
        return value.ValueKind == JsonValueKind.String ? value.GetString() : throw ApiProblem.Invalid($"{at}.{property}", $"{at}.{property} must be a string");
    }

    private static string Compact(JsonElement value)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
            value.WriteTo(writer);
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static string Shorten(string raw) => raw.Length <= 40 ? raw : raw[..40] + "...";
}
