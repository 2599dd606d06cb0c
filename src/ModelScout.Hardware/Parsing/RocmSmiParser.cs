using System.Text;
using System.Text.Json;
using static System.FormattableString;

namespace ModelScout.Hardware;

/// <summary>
/// Parses <c>rocm-smi --showproductname --showmeminfo vram --json</c>: an object keyed by <c>card0</c>, <c>card1</c> ...
/// whose fields ("Card series", "VRAM Total Memory (B)" ...) are strings. Bad output becomes warnings; nothing throws.
/// </summary>
public static class RocmSmiParser
{
    /// <summary>The arguments the probe passes to rocm-smi.</summary>
    public static IReadOnlyList<string> QueryArguments { get; } = ["--showproductname", "--showmeminfo", "vram", "--json"];

    // Field names vary in case between ROCm releases; hex ids ("0x744c") in these fields are not names.
    private static readonly string[] NameFields = ["Card series", "Card model", "Device Name", "Card SKU"];
    private const string TotalField = "VRAM Total Memory (B)";
    private const string UsedField = "VRAM Total Used Memory (B)";

    /// <summary>Reads every card; malformed JSON or cards become warnings.</summary>
    public static AmdGpuListing Parse(string? output)
    {
        var gpus = new List<AmdGpuReading>();
        var warnings = new List<string>();
        if (string.IsNullOrWhiteSpace(output))
        {
            warnings.Add("rocm-smi printed nothing");
            return new AmdGpuListing(gpus, warnings);
        }
        // rocm-smi may print notices before the JSON and after it.
        var start = output.IndexOf('{', StringComparison.Ordinal);
        if (start < 0 && output.TrimStart().StartsWith('['))
        {
            warnings.Add("rocm-smi printed JSON that is not an object of cards");
            return new AmdGpuListing(gpus, warnings);
        }
        if (start < 0)
        {
            warnings.Add($"rocm-smi did not print JSON: '{ParseText.FirstLine(output)}'");
            return new AmdGpuListing(gpus, warnings);
        }

        JsonDocument document;
        try
        {
            var reader = new Utf8JsonReader(Encoding.UTF8.GetBytes(output[start..]), new JsonReaderOptions
            {
                AllowTrailingCommas = true,
                CommentHandling = JsonCommentHandling.Skip,
                MaxDepth = 16,
            });
            document = JsonDocument.ParseValue(ref reader);
        }
        catch (JsonException e)
        {
            warnings.Add($"rocm-smi printed malformed JSON: {e.Message}");
            return new AmdGpuListing(gpus, warnings);
        }

        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                warnings.Add("rocm-smi printed JSON that is not an object of cards");
                return new AmdGpuListing(gpus, warnings);
            }
            foreach (var card in document.RootElement.EnumerateObject())
            {
                if (!card.Name.StartsWith("card", StringComparison.OrdinalIgnoreCase)) continue;
                if (!ParseText.TryInt(card.Name[4..], out var index) || card.Value.ValueKind != JsonValueKind.Object)
                {
                    warnings.Add($"rocm-smi: entry '{ParseText.Clip(card.Name)}' is not a card");
                    continue;
                }
                gpus.Add(ReadCard(index, card.Value, warnings));
            }
        }
        return new AmdGpuListing(gpus, warnings);
    }

    private static AmdGpuReading ReadCard(int index, JsonElement card, List<string> warnings)
    {
        var fields = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var field in card.EnumerateObject())
        {
            var text = field.Value.ValueKind switch
            {
                JsonValueKind.String => field.Value.GetString(),
                JsonValueKind.Number => field.Value.GetRawText(),
                _ => null,
            };
            if (text is not null) fields.TryAdd(field.Name.Trim(), text.Trim());
        }

        var names = NameFields
            .Select(f => fields.GetValueOrDefault(f))
            .OfType<string>()
            .Where(IsName)
            .Distinct(StringComparer.OrdinalIgnoreCase)
            .ToList();
        if (names.Count == 0) names.Add(Invariant($"AMD GPU card{index}"));

        long? total = null;
        if (fields.TryGetValue(TotalField, out var totalText))
        {
            if (ParseText.TryLong(totalText, out var t) && t >= 0) total = t;
            else warnings.Add(Invariant($"rocm-smi: card{index} {TotalField} '{ParseText.Clip(totalText)}' is not a number"));
        }
        long? used = ParseText.TryLong(fields.GetValueOrDefault(UsedField), out var u) && u >= 0 ? u : null;
        return new AmdGpuReading(index, names, total, used);
    }

    private static bool IsName(string value) =>
        value.Length > 0
        && !value.Equals("N/A", StringComparison.OrdinalIgnoreCase)
        && !(value.StartsWith("0x", StringComparison.OrdinalIgnoreCase) && value[2..].All(char.IsAsciiHexDigit));
}
