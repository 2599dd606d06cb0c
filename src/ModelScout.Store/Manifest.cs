using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using System.Text.Json.Serialization;

namespace ModelScout.Store;

/// <summary>A Docker image manifest v2 as Ollama's registry serves it and Ollama stores it under <c>manifests/</c>.</summary>
internal sealed record Manifest
{
    public const string MediaTypeV2 = "application/vnd.docker.distribution.manifest.v2+json";

    [JsonPropertyName("schemaVersion")] public int SchemaVersion { get; init; } = 2;
    [JsonPropertyName("mediaType")] public string MediaType { get; init; } = MediaTypeV2;
    [JsonPropertyName("config")] public Layer? Config { get; init; }
    [JsonPropertyName("layers")] public IReadOnlyList<Layer>? Layers { get; init; }

    public IEnumerable<Layer> AllBlobs => (Config is null ? [] : new[] { Config }).Concat(Layers ?? []);

    public Layer? First(string mediaType) => Layers?.FirstOrDefault(l => l.MediaType == mediaType);

    /// <summary>Checks what the store relies on: version 2, a config, layers with sha256 digests and sane sizes.</summary>
    public string? Problem()
    {
        if (SchemaVersion != 2) return $"schemaVersion is {SchemaVersion}, not 2";
        if (Config is null) return "it has no config";
        if (Layers is null || Layers.Count == 0) return "it has no layers";
        foreach (var l in AllBlobs)
        {
            if (!BlobDigest.IsValid(l.Digest)) return $"layer digest '{l.Digest}' is not sha256:<64 hex digits>";
            if (l.Size < 0) return $"layer {l.Digest} has a negative size";
        }
        if (First(MediaTypes.Model) is null) return $"it has no {MediaTypes.Model} layer";
        return null;
    }
}

/// <summary>One blob a manifest refers to.</summary>
internal sealed record Layer(
    [property: JsonPropertyName("mediaType")] string MediaType,
    [property: JsonPropertyName("digest")] string Digest,
    [property: JsonPropertyName("size")] long Size);

/// <summary>The config blob: Ollama's ConfigV2 (model facts for /api/tags' details, plus the OCI rootfs).</summary>
internal sealed record ModelConfig
{
    [JsonPropertyName("model_format")] public string? ModelFormat { get; init; }
    [JsonPropertyName("model_family")] public string? ModelFamily { get; init; }
    [JsonPropertyName("model_families")] public IReadOnlyList<string>? ModelFamilies { get; init; }
    [JsonPropertyName("model_type")] public string? ModelType { get; init; }
    [JsonPropertyName("file_type")] public string? FileType { get; init; }
    [JsonPropertyName("architecture")] public string? Architecture { get; init; }
    [JsonPropertyName("os")] public string? Os { get; init; }
    [JsonPropertyName("rootfs")] public RootFs? RootFs { get; init; }
    /// <summary>Not in Ollama's config: the model this one was created from, for details.parent_model.</summary>
    [JsonPropertyName("parent_model")] public string? ParentModel { get; init; }
}

internal sealed record RootFs(
    [property: JsonPropertyName("type")] string Type,
    [property: JsonPropertyName("diff_ids")] IReadOnlyList<string> DiffIds);

internal sealed record MessageJson(
    [property: JsonPropertyName("role")] string Role,
    [property: JsonPropertyName("content")] string Content);

/// <summary>Layer media types Ollama uses.</summary>
internal static class MediaTypes
{
    public const string Config = "application/vnd.docker.container.image.v1+json";
    public const string Model = "application/vnd.ollama.image.model";
    public const string Template = "application/vnd.ollama.image.template";
    public const string System = "application/vnd.ollama.image.system";
    public const string Params = "application/vnd.ollama.image.params";
    public const string License = "application/vnd.ollama.image.license";
    public const string Messages = "application/vnd.ollama.image.messages";
}

[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(Manifest))]
[JsonSerializable(typeof(ModelConfig))]
[JsonSerializable(typeof(List<MessageJson>))]
internal sealed partial class StoreJson : JsonSerializerContext;

/// <summary>sha256 digests as manifests write them (<c>sha256:hex</c>) and as blob files are named (<c>sha256-hex</c>).</summary>
internal static class BlobDigest
{
    public static bool IsValid([NotNullWhen(true)] string? digest) =>
        digest is { Length: 71 } && (digest.StartsWith("sha256:", StringComparison.Ordinal) || digest.StartsWith("sha256-", StringComparison.Ordinal))
        && !digest.AsSpan(7).ContainsAnyExcept(LowerHex);

    private static readonly System.Buffers.SearchValues<char> LowerHex = System.Buffers.SearchValues.Create("0123456789abcdef");

    /// <summary>Normalises <c>sha256-hex</c> or upper-case hex to <c>sha256:hex</c>; null when it is not a sha256 digest.</summary>
    public static string? Normalize(string? digest)
    {
        if (digest is null) return null;
        var d = digest.Trim();
        if (d.Length != 71) return null;
        d = "sha256:" + d[7..].ToLowerInvariant();
        return string.Equals(digest.Trim()[..7], "sha256:", StringComparison.OrdinalIgnoreCase) || string.Equals(digest.Trim()[..7], "sha256-", StringComparison.OrdinalIgnoreCase)
            ? (IsValid(d) ? d : null)
            : null;
    }

    public static string FileName(string digest) => "sha256-" + digest[7..];

    public static string Of(ReadOnlySpan<byte> bytes) => "sha256:" + Convert.ToHexStringLower(SHA256.HashData(bytes));

    public static string Of(IncrementalHash hash) => "sha256:" + Convert.ToHexStringLower(hash.GetHashAndReset());

    /// <summary>The first 12 hex digits, as Ollama names a blob in progress lines.</summary>
    public static string Short(string digest) => digest.Length >= 19 ? digest[7..19] : digest;
}
