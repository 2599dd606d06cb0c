using System.Text.Json;
using System.Text.Json.Serialization;

namespace ModelScout.Server.Ui.Chat;

/// <summary>A conversation in the list.</summary>
public sealed record ConversationSummary
{
    [JsonPropertyName("id")] public required string Id { get; init; }
    [JsonPropertyName("title")] public required string Title { get; init; }
    [JsonPropertyName("model")] public string? Model { get; init; }
    [JsonPropertyName("updated")] public long Updated { get; init; }
}

/// <summary>A whole conversation: its summary fields and the page's document.</summary>
public sealed record Conversation
{
    [JsonPropertyName("id")] public required string Id { get; init; }
    [JsonPropertyName("title")] public required string Title { get; init; }
    [JsonPropertyName("model")] public string? Model { get; init; }
    [JsonPropertyName("created")] public long Created { get; init; }
    [JsonPropertyName("updated")] public long Updated { get; init; }
    [JsonPropertyName("body")] public JsonElement Body { get; init; }
}

/// <summary>The list answer.</summary>
public sealed record ConversationList
{
    [JsonPropertyName("conversations")] public IReadOnlyList<ConversationSummary> Conversations { get; init; } = [];
}

/// <summary>The export file (and the import body): every conversation whole.</summary>
public sealed record ConversationExport
{
    [JsonPropertyName("format")] public string Format { get; init; } = "modelscout-conversations";
    [JsonPropertyName("version")] public int Version { get; init; } = 1;
    [JsonPropertyName("conversations")] public IReadOnlyList<Conversation> Conversations { get; init; } = [];
}

/// <summary>A rename.</summary>
public sealed record ConversationRename
{
    [JsonPropertyName("title")] public string? Title { get; init; }
}

/// <summary>How many conversations an import added or replaced.</summary>
public sealed record ImportResult
{
    [JsonPropertyName("imported")] public int Imported { get; init; }
}

/// <summary>Markdown to render.</summary>
public sealed record RenderRequest
{
    [JsonPropertyName("markdown")] public string? Markdown { get; init; }
}

/// <summary>Sanitized HTML.</summary>
public sealed record RenderResponse
{
    [JsonPropertyName("html")] public required string Html { get; init; }
}

/// <summary>Source-generated JSON for the chat playground's endpoints.</summary>
[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(ConversationList))]
[JsonSerializable(typeof(Conversation))]
[JsonSerializable(typeof(ConversationExport))]
[JsonSerializable(typeof(ConversationRename))]
[JsonSerializable(typeof(ImportResult))]
[JsonSerializable(typeof(RenderRequest))]
[JsonSerializable(typeof(RenderResponse))]
public sealed partial class ChatJsonContext : JsonSerializerContext;
