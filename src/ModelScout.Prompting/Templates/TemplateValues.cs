using System.Text.Json;

namespace ModelScout.Prompting.Templates;

// The values Ollama's tool and thinking templates see, shaped like Ollama's template types: tools with .Type and
// .Function (.Name, .Description, .Parameters with .Type, .Required, .Properties), tool calls with .ID and .Function
// (.Index, .Name, .Arguments). Objects print as compact JSON, as Ollama's String() methods make them print.

/// <summary>A struct-like value with named fields; prints as JSON.</summary>
internal interface ITemplateObject
{
    /// <summary>The name used in error messages ("tool", "tool call", ...).</summary>
    string KindName { get; }

    /// <summary>The fields a template may read, for error messages.</summary>
    string FieldNames { get; }

    bool TryGetField(string name, out object? value);

    void WriteJson(Utf8JsonWriter w);
}

/// <summary>A list that prints as a JSON array (Ollama's <c>.Tools</c>).</summary>
internal sealed class JsonList(IEnumerable<object?> items) : List<object?>(items);

/// <summary>
/// A JSON object as Go's map[string]any: <c>.key</c> and <c>index</c> look keys up (a missing key is nil), <c>range</c>
/// visits keys in sorted order as Go does, and it prints as compact JSON in the order it was written.
/// </summary>
internal sealed class TemplateMap
{
    private readonly List<KeyValuePair<string, object?>> entries = [];

    /// <summary>Text printed instead of the entries: the raw arguments of a call whose text is not a JSON object.</summary>
    public string? RawText { get; init; }

    public IReadOnlyList<KeyValuePair<string, object?>> Entries => entries;

    public int Count => entries.Count;

    public void Set(string key, object? value)
    {
        var i = entries.FindIndex(e => e.Key == key);
        if (i >= 0) entries[i] = new(key, value);
        else entries.Add(new(key, value));
    }

    public bool TryGet(string key, out object? value)
    {
        foreach (var e in entries)
        {
            if (e.Key == key)
            {
                value = e.Value;
                return true;
            }
        }
        value = null;
        return false;
    }

    public object? Get(string key) => TryGet(key, out var v) ? v : null;

    /// <summary>The entries in Go's range order: keys sorted by their bytes.</summary>
    public IEnumerable<KeyValuePair<string, object?>> Sorted() => entries.OrderBy(e => e.Key, StringComparer.Ordinal);
}

/// <summary>Converts JSON into template values: objects to <see cref="TemplateMap"/>, arrays to lists, numbers to long or double.</summary>
internal static class TemplateJson
{
    public static object? FromElement(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.Object => ToMap(e),
        JsonValueKind.Array => e.EnumerateArray().Select(FromElement).ToList(),
        JsonValueKind.String => e.GetString(),
        JsonValueKind.Number => e.TryGetInt64(out var l) ? l : e.GetDouble(),
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        _ => null,
    };

    private static TemplateMap ToMap(JsonElement e)
    {
        var map = new TemplateMap();
        foreach (var p in e.EnumerateObject()) map.Set(p.Name, FromElement(p.Value));
        return map;
    }

    /// <summary>Parses <paramref name="text"/> as a JSON object; null when it is not one.</summary>
    public static TemplateMap? ParseObject(string? text)
    {
        if (string.IsNullOrWhiteSpace(text)) return null;
        try
        {
            using var doc = JsonDocument.Parse(text);
            return doc.RootElement.ValueKind == JsonValueKind.Object ? (TemplateMap)FromElement(doc.RootElement)! : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}

/// <summary>A JSON Schema as Ollama's templates read it: the function's <c>.Parameters</c> and each property.</summary>
internal sealed class TemplateSchema : ITemplateObject
{
    private static readonly List<object?> None = [];

    public TemplateSchema(TemplateMap raw)
    {
        Raw = raw;
        Properties = new TemplateMap();
        if (raw.Get("properties") is TemplateMap props)
        {
            foreach (var p in props.Entries)
                Properties.Set(p.Key, new TemplateSchema(p.Value as TemplateMap ?? new TemplateMap()));
        }
        if (raw.Get("anyOf") is List<object?> anyOf)
            AnyOf = [.. anyOf.Select(x => (object?)new TemplateSchema(x as TemplateMap ?? new TemplateMap()))];
    }

    /// <summary>The schema as given, printed as JSON.</summary>
    public TemplateMap Raw { get; }

    public TemplateMap Properties { get; }

    public List<object?> AnyOf { get; } = [];

    public string KindName => "schema";

    public string FieldNames => "Type, Description, Enum, Items, AnyOf, Properties, Required, Defs";

    public bool TryGetField(string name, out object? value)
    {
        value = name switch
        {
            // One type prints as itself; a list of types prints as Go prints []string ("[string null]").
            "Type" => Raw.Get("type") ?? "",
            "Description" => Raw.Get("description") as string ?? "",
            "Enum" => Raw.Get("enum") as List<object?> ?? None,
            "Items" => Raw.Get("items"),
            "AnyOf" => AnyOf,
            "Properties" => Properties,
            "Required" => Raw.Get("required") as List<object?> ?? None,
            "Defs" => Raw.Get("$defs"),
            _ => NoField,
        };
        return !ReferenceEquals(value, NoField);
    }

    internal static readonly object NoField = new();

    public void WriteJson(Utf8JsonWriter w) => TemplateEvaluator.WriteJson(w, Raw);

    /// <summary>Ollama's toTypeScriptType: the property's type in TypeScript ("string", "number", "any[]", unions with " | ").</summary>
    public string ToTypeScriptType()
    {
        if (AnyOf.Count > 0) return string.Join(" | ", AnyOf.Cast<TemplateSchema>().Select(s => s.ToTypeScriptType()));
        return Raw.Get("type") switch
        {
            string one => TypeScript(one),
            List<object?> many when many.Count > 0 => string.Join(" | ", many.Select(t => TypeScript(t as string ?? ""))),
            _ => "any",
        };
    }

    private static string TypeScript(string jsonType) => jsonType switch
    {
        "string" => "string",
        "number" or "integer" => "number",
        "boolean" => "boolean",
        "array" => "any[]",
        "object" => "Record<string, any>",
        "null" => "null",
        _ => "any",
    };
}

/// <summary>A tool offered with the request: <c>.Type</c> ("function") and <c>.Function</c>.</summary>
internal sealed class TemplateTool(TemplateFunction function) : ITemplateObject
{
    public TemplateFunction Function { get; } = function;

    public string KindName => "tool";

    public string FieldNames => "Type, Function";

    public bool TryGetField(string name, out object? value)
    {
        value = name switch
        {
            "Type" => "function",
            "Function" => Function,
            _ => TemplateSchema.NoField,
        };
        return !ReferenceEquals(value, TemplateSchema.NoField);
    }

    // The OpenAI wire object.
    public void WriteJson(Utf8JsonWriter w)
    {
        w.WriteStartObject();
        w.WriteString("type", "function");
        w.WritePropertyName("function");
        Function.WriteJson(w);
        w.WriteEndObject();
    }

    public static TemplateTool From(ToolDefinition tool)
    {
        var parameters = TemplateJson.ParseObject(tool.ParametersJson)
            ?? throw new TemplateException($"the parameters of tool '{tool.Name}' are not a JSON object: give a JSON Schema such as {ToolDefinition.NoParameters}");
        return new TemplateTool(new TemplateFunction(tool.Name, tool.Description ?? "", new TemplateSchema(parameters)));
    }
}

/// <summary>A tool's function: <c>.Name</c>, <c>.Description</c>, <c>.Parameters</c>.</summary>
internal sealed class TemplateFunction(string name, string description, TemplateSchema parameters) : ITemplateObject
{
    public string Name { get; } = name;

    public string Description { get; } = description;

    public TemplateSchema Parameters { get; } = parameters;

    public string KindName => "function";

    public string FieldNames => "Name, Description, Parameters";

    public bool TryGetField(string name, out object? value)
    {
        value = name switch
        {
            "Name" => Name,
            "Description" => Description,
            "Parameters" => Parameters,
            _ => TemplateSchema.NoField,
        };
        return !ReferenceEquals(value, TemplateSchema.NoField);
    }

    public void WriteJson(Utf8JsonWriter w)
    {
        w.WriteStartObject();
        w.WriteString("name", Name);
        if (Description.Length > 0) w.WriteString("description", Description);
        w.WritePropertyName("parameters");
        Parameters.WriteJson(w);
        w.WriteEndObject();
    }
}

/// <summary>A call an assistant turn made: <c>.ID</c> and <c>.Function</c>.</summary>
internal sealed class TemplateToolCall(string id, TemplateCallFunction function) : ITemplateObject
{
    public string ID { get; } = id;

    public TemplateCallFunction Function { get; } = function;

    public string KindName => "tool call";

    public string FieldNames => "ID, Function";

    public bool TryGetField(string name, out object? value)
    {
        value = name switch
        {
            "ID" => ID,
            "Function" => Function,
            _ => TemplateSchema.NoField,
        };
        return !ReferenceEquals(value, TemplateSchema.NoField);
    }

    public void WriteJson(Utf8JsonWriter w)
    {
        w.WriteStartObject();
        if (ID.Length > 0) w.WriteString("id", ID);
        w.WritePropertyName("function");
        Function.WriteJson(w);
        w.WriteEndObject();
    }

    public static List<object?> From(IReadOnlyList<ToolCall>? calls)
    {
        if (calls is null || calls.Count == 0) return [];
        var list = new List<object?>(calls.Count);
        for (var i = 0; i < calls.Count; i++)
        {
            var c = calls[i];
            var args = TemplateJson.ParseObject(c.ArgumentsJson) ?? new TemplateMap { RawText = string.IsNullOrWhiteSpace(c.ArgumentsJson) ? "{}" : c.ArgumentsJson.Trim() };
            list.Add(new TemplateToolCall(c.Id ?? "", new TemplateCallFunction(i, c.Name, args)));
        }
        return list;
    }
}

/// <summary>The function a call names: <c>.Index</c>, <c>.Name</c>, <c>.Arguments</c> (a map that prints as a JSON object).</summary>
internal sealed class TemplateCallFunction(int index, string name, TemplateMap arguments) : ITemplateObject
{
    public long Index { get; } = index;

    public string Name { get; } = name;

    public TemplateMap Arguments { get; } = arguments;

    public string KindName => "called function";

    public string FieldNames => "Index, Name, Arguments";

    public bool TryGetField(string name, out object? value)
    {
        value = name switch
        {
            "Index" => Index,
            "Name" => Name,
            "Arguments" => Arguments,
            _ => TemplateSchema.NoField,
        };
        return !ReferenceEquals(value, TemplateSchema.NoField);
    }

    public void WriteJson(Utf8JsonWriter w)
    {
        w.WriteStartObject();
        w.WriteNumber("index", Index);
        w.WriteString("name", Name);
        w.WritePropertyName("arguments");
        TemplateEvaluator.WriteJson(w, Arguments);
        w.WriteEndObject();
    }
}
