using System.Text.Json;
using ModelScout.Prompting;

namespace ModelScout.Cli.Chat;

/// <summary>
/// The tools <c>scout run --tools FILE</c> offers the model: a JSON array in the OpenAI/Ollama wire shape
/// (<c>[{"type":"function","function":{"name","description","parameters"}}]</c>), or bare function objects
/// (<c>[{"name","description","parameters"}]</c>), or one such object.
/// </summary>
internal static class ToolsFile
{
    public static IReadOnlyList<ToolDefinition> Read(string path)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CliException($"--tools: cannot read {path}: {e.Message}");
        }
        try
        {
            return Parse(text, path);
        }
        catch (JsonException e)
        {
            throw new CliException($"--tools: {path} is not valid JSON ({e.Message}); give an array of tools such as [{{\"type\":\"function\",\"function\":{{\"name\":\"get_weather\",\"parameters\":{{...}}}}}}]");
        }
    }

    public static IReadOnlyList<ToolDefinition> Parse(string json, string source)
    {
        using var doc = JsonDocument.Parse(json);
        var root = doc.RootElement;
        var items = root.ValueKind == JsonValueKind.Array ? root.EnumerateArray().ToList() : [root];
        var tools = new List<ToolDefinition>(items.Count);
        for (var i = 0; i < items.Count; i++)
        {
            var item = items[i];
            if (item.ValueKind != JsonValueKind.Object) throw new CliException($"--tools: {source}: tool {i} is not an object");
            var f = item.TryGetProperty("function", out var inner) && inner.ValueKind == JsonValueKind.Object ? inner : item;
            if (item.TryGetProperty("type", out var type) && type.ValueKind == JsonValueKind.String && type.GetString() != "function")
                throw new CliException($"--tools: {source}: tool {i} has type \"{type.GetString()}\"; only \"function\" tools can be given to a local model");
            var name = f.TryGetProperty("name", out var n) && n.ValueKind == JsonValueKind.String ? n.GetString()! : "";
            if (!ToolDefinition.IsValidName(name))
                throw new CliException($"--tools: {source}: tool {i} needs a name of 1-64 letters, digits, _ or - (got \"{name}\")");
            if (tools.Any(t => t.Name == name)) throw new CliException($"--tools: {source}: two tools are called \"{name}\"");
            var description = f.TryGetProperty("description", out var d) && d.ValueKind == JsonValueKind.String ? d.GetString() : null;
            var parameters = ToolDefinition.NoParameters;
            if (f.TryGetProperty("parameters", out var p) && p.ValueKind != JsonValueKind.Null)
            {
                if (p.ValueKind != JsonValueKind.Object) throw new CliException($"--tools: {source}: the parameters of \"{name}\" must be a JSON Schema object");
                parameters = p.GetRawText();
            }
            tools.Add(new ToolDefinition(name, description, parameters));
        }
        return tools;
    }

    /// <summary><c>--tool-choice</c>: auto, none, required, or a tool's name.</summary>
    public static ToolChoice Choice(string? text, IReadOnlyList<ToolDefinition> tools) => text switch
    {
        null or "auto" => ToolChoice.Auto,
        "none" => ToolChoice.None,
        "required" => ToolChoice.Required,
        var name when tools.Any(t => t.Name == name) => new ToolChoice.Named(name),
        var other => throw new CliException($"--tool-choice: \"{other}\" is not auto, none, required or one of the tools ({string.Join(", ", tools.Select(t => t.Name))})"),
    };

    /// <summary><c>--think</c> and <c>/set think</c>: true/false, or a level (low, medium, high).</summary>
    public static ThinkSetting? Think(string? text) => text?.Trim().ToLowerInvariant() switch
    {
        null or "" => null,
        "true" or "on" or "yes" => ThinkSetting.On,
        "false" or "off" or "no" => ThinkSetting.Off,
        var level when ThinkSetting.Levels.Contains(level) => new ThinkSetting(true, level),
        _ => throw new CliException($"--think: \"{text}\" is not true, false, low, medium or high"),
    };
}
