using System.IO.Compression;
using System.Text;
using System.Text.Json;

namespace ModelScout.Evaluation.Datasets;

/// <summary>One JSON object of a JSONL file with the line it came from, and typed field access that fails with that line.</summary>
internal readonly record struct JsonRecord(string File, int Line, JsonElement Root)
{
    public string RequiredString(string name)
    {
        if (!Root.TryGetProperty(name, out var value)) throw Fail($"missing field \"{name}\"");
        if (value.ValueKind != JsonValueKind.String) throw Fail($"field \"{name}\" should be a string, found {Kind(value)}");
        return value.GetString()!;
    }

    public string? OptionalString(string name)
    {
        if (!Root.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null) return null;
        if (value.ValueKind != JsonValueKind.String) throw Fail($"field \"{name}\" should be a string, found {Kind(value)}");
        return value.GetString();
    }

    /// <summary>A string or a number, as text (ids are written both ways in the wild).</summary>
    public string? OptionalScalar(string name)
    {
        if (!Root.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null) return null;
        return value.ValueKind switch
        {
            JsonValueKind.String => value.GetString(),
            JsonValueKind.Number => value.GetRawText(),
            _ => throw Fail($"field \"{name}\" should be a string or a number, found {Kind(value)}"),
        };
    }

    public IReadOnlyList<string> RequiredStringArray(string name)
    {
        if (!Root.TryGetProperty(name, out var value)) throw Fail($"missing field \"{name}\"");
        return StringArray(value, name);
    }

    public IReadOnlyList<string> StringArray(JsonElement value, string name)
    {
        if (value.ValueKind != JsonValueKind.Array) throw Fail($"field \"{name}\" should be an array of strings, found {Kind(value)}");
        var list = new List<string>();
        foreach (var element in value.EnumerateArray())
        {
            if (element.ValueKind != JsonValueKind.String) throw Fail($"field \"{name}\" should hold only strings, found {Kind(element)}");
            list.Add(element.GetString()!);
        }
        return list;
    }

    public DatasetFormatException Fail(string problem) => new(File, Line, problem);

    private static string Kind(JsonElement value) => value.ValueKind.ToString().ToLowerInvariant();
}

/// <summary>Reads JSONL (optionally gzip-compressed): one object per non-blank line.</summary>
internal static class JsonLines
{
    public static (List<JsonRecord> Records, DatasetFile File) Read(DatasetSource source, string path)
    {
        var (bytes, sha) = source.ReadWithDigest(path);
        var name = source.Describe(path);
        var text = Decode(bytes, path, name);
        var records = new List<JsonRecord>();
        var lineNumber = 0;
        foreach (var rawLine in text.Split('\n'))
        {
            lineNumber++;
            var line = rawLine.TrimEnd('\r');
            if (string.IsNullOrWhiteSpace(line)) continue;
            JsonElement root;
            try
            {
                using var doc = JsonDocument.Parse(line);
                root = doc.RootElement.Clone();
            }
            catch (JsonException ex)
            {
                throw new DatasetFormatException(name, lineNumber, "not valid JSON: " + ex.Message);
            }
            if (root.ValueKind != JsonValueKind.Object)
                throw new DatasetFormatException(name, lineNumber, "each line should be a JSON object");
            records.Add(new JsonRecord(name, lineNumber, root));
        }
        return (records, new DatasetFile(name, sha, records.Count));
    }

    internal static string Decode(byte[] bytes, string path, string name)
    {
        try
        {
            if (path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase))
            {
                using var gzip = new GZipStream(new MemoryStream(bytes), CompressionMode.Decompress);
                using var reader = new StreamReader(gzip, Encoding.UTF8);
                return reader.ReadToEnd();
            }
            return new UTF8Encoding(false, true).GetString(bytes).TrimStart('\uFEFF');
        }
        catch (Exception ex) when (ex is InvalidDataException or DecoderFallbackException)
        {
            throw new DatasetFormatException(name, 0, "cannot be read: " + ex.Message);
        }
    }
}
