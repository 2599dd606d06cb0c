using System.Text.Json.Serialization;

namespace ModelScout.Server.Ui.Bench;

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(BenchRunRequest))]
internal sealed partial class BenchJsonContext : JsonSerializerContext;
