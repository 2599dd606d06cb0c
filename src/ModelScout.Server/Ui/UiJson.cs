using System.Text.Json.Serialization;

namespace ModelScout.Server.Ui;

/// <summary>What the page learns at start: whether it must log in, its CSRF token, and which pages exist.</summary>
public sealed record UiSessionInfo
{
    [JsonPropertyName("auth_required")] public bool AuthRequired { get; init; }
    [JsonPropertyName("logged_in")] public bool LoggedIn { get; init; }
    [JsonPropertyName("csrf")] public string? Csrf { get; init; }
    [JsonPropertyName("pages")] public IReadOnlyList<string> Pages { get; init; } = [];
    [JsonPropertyName("version")] public string Version { get; init; } = "";
}

/// <summary>The login form's body.</summary>
public sealed record UiLoginRequest
{
    [JsonPropertyName("key")] public string? Key { get; init; }
}

/// <summary>Source-generated JSON for the UI's own endpoints (the CLI is published Native AOT).</summary>
[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(UiSessionInfo))]
[JsonSerializable(typeof(UiLoginRequest))]
public sealed partial class UiJsonContext : JsonSerializerContext;
