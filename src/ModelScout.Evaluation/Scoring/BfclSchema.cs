using System.Text.Json;
using System.Text.Json.Nodes;

namespace ModelScout.Evaluation.Scoring;

/// <summary>
/// BFCL's function documents as OpenAI-style tools: BFCL's types become JSON Schema types and dotted names
/// (<c>math.factorial</c>) become underscored, as BFCL itself sends them to OpenAI-style models.
/// </summary>
public static class BfclSchema
{
    /// <summary>The JSON Schema of a BFCL <c>parameters</c> object, as compact JSON text.</summary>
    /// <remarks>
    /// "dict" → object, "float" → number, "tuple" → array, "any" → no type constraint; integer, boolean, array, string and
    /// the JSON Schema names stay as they are. Nested <c>properties</c> and <c>items</c> are converted the same way; every
    /// other keyword (description, enum, default, required) is kept.
    /// </remarks>
    public static string ToJsonSchema(JsonElement parameters)
    {
        var node = JsonNode.Parse(parameters.GetRawText()) ?? throw new ArgumentException("parameters is null", nameof(parameters));
        Convert(node);
        return node.ToJsonString();
    }

    /// <summary>The name a function is offered under: dots become underscores.</summary>
    public static string ToolName(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return name.Replace('.', '_');
    }

    /// <summary>
    /// The tools of a case and the way back from a called name to the documented one. A called name that is neither
    /// offered nor documented maps to itself (and will not match).
    /// </summary>
    public static (IReadOnlyList<EvalTool> Tools, Func<string, string> OriginalName) Tools(IReadOnlyList<BfclFunction> functions)
    {
        ArgumentNullException.ThrowIfNull(functions);
        var back = new Dictionary<string, string>(StringComparer.Ordinal);
        var tools = new List<EvalTool>(functions.Count);
        foreach (var f in functions)
        {
            var name = ToolName(f.Name);
            back.TryAdd(name, f.Name);
            tools.Add(new EvalTool(name, f.Description, ToJsonSchema(f.Parameters)));
        }
        return (tools, called => back.TryGetValue(called, out var original) ? original : called);
    }

    private static void Convert(JsonNode node)
    {
        if (node is not JsonObject obj) return;
        if (obj["type"] is JsonValue typeValue && typeValue.TryGetValue<string>(out var type))
        {
            var mapped = JsonType(type);
            if (mapped is null) obj.Remove("type");
            else obj["type"] = mapped;
        }
        if (obj["properties"] is JsonObject properties)
        {
            foreach (var (_, child) in properties)
                if (child is not null) Convert(child);
        }
        if (obj["items"] is { } items)
        {
            if (items is JsonArray tuple)
            {
                foreach (var child in tuple)
                    if (child is not null) Convert(child);
            }
            else
            {
                Convert(items);
            }
        }
        if (obj["additionalProperties"] is JsonObject extra) Convert(extra);
    }

    /// <summary>The JSON Schema type for a BFCL type name; null for "any" (no constraint).</summary>
    internal static string? JsonType(string bfclType) => bfclType.ToLowerInvariant() switch
    {
        "dict" or "object" => "object",
        "float" or "number" or "double" => "number",
        "tuple" or "array" or "list" => "array",
        "integer" or "int" or "long" => "integer",
        "boolean" or "bool" => "boolean",
        "any" => null,
        _ => "string",
    };
}
