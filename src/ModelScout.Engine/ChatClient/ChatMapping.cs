using System.Text.Json;
using Microsoft.Extensions.AI;
using ModelScout.Prompting;

namespace ModelScout.Engine.ChatClient;

/// <summary>
/// Microsoft.Extensions.AI's chat shapes in the engine's terms and back: messages with function calls, function
/// results and reasoning; declared functions; the tool mode; the reasoning effort.
/// </summary>
public static class ChatMapping
{
    // Microsoft.Extensions.AI's defaults indent; arguments and results go into prompts, compact as the wire writes them.
    private static readonly JsonSerializerOptions Compact = new(AIJsonUtilities.DefaultOptions) { WriteIndented = false };

    /// <summary>
    /// Messages as chat turns. An assistant message's <see cref="FunctionCallContent"/>s become its tool calls and its
    /// <see cref="TextReasoningContent"/> its reasoning; each <see cref="FunctionResultContent"/> becomes a tool turn of
    /// its own, naming the call it answers and the function that call went to.
    /// </summary>
    public static List<ChatTurn> Turns(IEnumerable<ChatMessage> messages)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var turns = new List<ChatTurn>();
        var calledNames = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var m in messages)
        {
            var results = m.Contents.OfType<FunctionResultContent>().ToList();
            if (results.Count > 0)
            {
                foreach (var r in results)
                {
                    calledNames.TryGetValue(r.CallId, out var name);
                    turns.Add(new ChatTurn("tool", ResultText(r)) { ToolCallId = r.CallId, ToolName = name });
                }
                continue;
            }
            var calls = m.Contents.OfType<FunctionCallContent>()
                .Select(c => new ToolCall(c.CallId, c.Name, ArgumentsJson(c.Arguments)))
                .ToList();
            foreach (var c in calls) calledNames[c.Id] = c.Name;
            var reasoning = string.Concat(m.Contents.OfType<TextReasoningContent>().Select(r => r.Text));
            turns.Add(new ChatTurn(m.Role.Value, m.Text)
            {
                ToolCalls = calls.Count > 0 ? calls : null,
                Thinking = reasoning.Length > 0 ? reasoning : null,
            });
        }
        return turns;
    }

    /// <summary>The declared functions among <paramref name="tools"/>; other tool kinds (hosted search, code interpreter) are refused.</summary>
    public static List<ToolDefinition> Tools(IList<AITool>? tools)
    {
        var list = new List<ToolDefinition>();
        if (tools is null) return list;
        foreach (var tool in tools)
        {
            if (tool is not AIFunctionDeclaration f)
                throw new ArgumentException($"tool \"{tool.Name}\" is a {tool.GetType().Name}; only functions (AIFunction, AIFunctionDeclaration) can be given to a local model", nameof(tools));
            var schema = f.JsonSchema.ValueKind == JsonValueKind.Object ? f.JsonSchema.GetRawText() : ToolDefinition.NoParameters;
            list.Add(new ToolDefinition(f.Name, string.IsNullOrEmpty(f.Description) ? null : f.Description, schema));
        }
        return list;
    }

    /// <summary>Auto (also when unset), none, any function, or the one named.</summary>
    public static ToolChoice Choice(ChatToolMode? mode) => mode switch
    {
        NoneChatToolMode => ToolChoice.None,
        RequiredChatToolMode { RequiredFunctionName: { } name } => new ToolChoice.Named(name),
        RequiredChatToolMode => ToolChoice.Required,
        _ => ToolChoice.Auto,
    };

    /// <summary>Reasoning effort as a think setting: None turns it off, a level turns it on at that level; null when unset.</summary>
    public static ThinkSetting? Think(ReasoningOptions? reasoning, object? think)
    {
        switch (think)
        {
            case bool b:
                return b ? ThinkSetting.On : ThinkSetting.Off;
            case string level when !string.IsNullOrWhiteSpace(level):
                return new ThinkSetting(true, level.Trim().ToLowerInvariant());
            case JsonElement { ValueKind: JsonValueKind.True }:
                return ThinkSetting.On;
            case JsonElement { ValueKind: JsonValueKind.False }:
                return ThinkSetting.Off;
            case JsonElement { ValueKind: JsonValueKind.String } e:
                return new ThinkSetting(true, e.GetString()!.Trim().ToLowerInvariant());
            case null:
                break;
            default:
                throw new ArgumentException("think must be true, false or a level such as \"high\"", nameof(think));
        }
        return reasoning?.Effort switch
        {
            null => null,
            ReasoningEffort.None => ThinkSetting.Off,
            ReasoningEffort.Low => new ThinkSetting(true, "low"),
            ReasoningEffort.Medium => new ThinkSetting(true, "medium"),
            _ => new ThinkSetting(true, "high"),
        };
    }

    /// <summary>A call as Microsoft.Extensions.AI represents it: arguments as a dictionary of JSON values.</summary>
    public static FunctionCallContent Call(ToolCall call)
    {
        ArgumentNullException.ThrowIfNull(call);
        Dictionary<string, object?>? arguments = null;
        using (var doc = JsonDocument.Parse(string.IsNullOrWhiteSpace(call.ArgumentsJson) ? "{}" : call.ArgumentsJson))
        {
            if (doc.RootElement.ValueKind == JsonValueKind.Object)
            {
                arguments = [];
                foreach (var p in doc.RootElement.EnumerateObject()) arguments[p.Name] = p.Value.Clone();
            }
        }
        return new FunctionCallContent(call.Id, call.Name, arguments);
    }

    private static string ArgumentsJson(IDictionary<string, object?>? arguments) =>
        arguments is null ? "{}" : JsonSerializer.Serialize(arguments, Compact.GetTypeInfo(typeof(IDictionary<string, object?>)));

    private static string ResultText(FunctionResultContent r) => r.Result switch
    {
        null => r.Exception is { } e ? "error: " + e.Message : "",
        string s => s,
        JsonElement e => e.ValueKind == JsonValueKind.String ? e.GetString() ?? "" : e.GetRawText(),
        var other => JsonSerializer.Serialize(other, Compact.GetTypeInfo(other.GetType())),
    };
}
