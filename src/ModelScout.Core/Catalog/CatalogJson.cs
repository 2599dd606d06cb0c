using System.Text.Json.Serialization;

namespace ModelScout.Core.Catalog;

/// <summary>Source-generated serializer for the catalog (no reflection at start-up).</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    ReadCommentHandling = System.Text.Json.JsonCommentHandling.Skip,
    AllowTrailingCommas = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    WriteIndented = true)]
[JsonSerializable(typeof(CatalogDocument))]
internal sealed partial class CatalogJson : JsonSerializerContext;
