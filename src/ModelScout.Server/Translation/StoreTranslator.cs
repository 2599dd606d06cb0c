using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using ModelScout.Contracts.Ollama;
using ModelScout.Contracts.OpenAI;
using ModelScout.Engine;
using ModelScout.Prompting;
using ModelScout.Prompting.Templates;
using ModelScout.Store;

using ModelScout.Prompting.Tools;

namespace ModelScout.Server.Translation;

/// <summary>Pure conversions between the model store's records and the model-management endpoints of both APIs.</summary>
public static class StoreTranslator
{
    /// <summary>RFC 3339 with offset, as Ollama writes modified_at and expires_at.</summary>
    public static string Timestamp(DateTimeOffset t) => t.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffffzzz", CultureInfo.InvariantCulture);

    /// <summary>Ollama's details object.</summary>
    public static OllamaModelDetails Details(ModelDetails? d) => d is null ? new OllamaModelDetails() : new OllamaModelDetails
    {
        ParentModel = d.ParentModel ?? "",
        Format = d.Format,
        Family = d.Family,
        Families = d.Families.Count == 0 ? null : d.Families,
        ParameterSize = d.ParameterSize,
        QuantizationLevel = d.QuantizationLevel,
    };

    /// <summary>GET /api/tags.</summary>
    public static ModelListResponse Tags(IReadOnlyList<StoredModel> models)
    {
        ArgumentNullException.ThrowIfNull(models);
        return new ModelListResponse
        {
            Models = [.. models.Select(m => new OllamaModelEntry
            {
                Name = m.Name,
                Model = m.Name,
                ModifiedAt = Timestamp(m.ModifiedAt),
                Size = m.Size,
                Digest = Hex(m.Digest),
                Details = Details(m.Details),
            })],
        };
    }

    /// <summary>GET /api/ps: loaded models, with the store's details where the store knows the name.</summary>
    public static ModelListResponse Running(IReadOnlyList<LoadedModelInfo> loaded, Func<string, StoredModel?> find)
    {
        ArgumentNullException.ThrowIfNull(loaded);
        ArgumentNullException.ThrowIfNull(find);
        return new ModelListResponse
        {
            Models = [.. loaded.Select(l =>
            {
                var stored = find(l.Name);
                return new OllamaModelEntry
                {
                    Name = l.Name,
                    Model = l.Name,
                    Size = l.MemoryBytes,
                    Digest = Hex(stored?.Digest ?? l.Digest ?? ""),
                    Details = Details(stored?.Details),
                    ExpiresAt = Timestamp(l.ExpiresAt),
                    SizeVram = l.GpuBytes,
                    ContextLength = l.ContextLength,
                    GpuLayers = l.GpuLayers,
                    TotalLayers = l.TotalLayers,
                };
            })],
        };
    }

    /// <summary>
    /// POST /api/show. <paramref name="modelInfo"/> carries GGUF header facts when they could be read, and
    /// <paramref name="ggufTemplate"/> the GGUF's chat template: with the Modelfile TEMPLATE it decides the capabilities.
    /// </summary>
    public static ShowResponse Show(StoredModel model, JsonObject? modelInfo, string? ggufTemplate = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        var parameters = ParameterLines(model.Parameters);
        var license = model.Licenses.Count == 0 ? null : string.Join("\n", model.Licenses);
        return new ShowResponse
        {
            Modelfile = ModelfileText(model, parameters),
            Parameters = parameters,
            Template = model.Template ?? "",
            System = model.System,
            License = license,
            Details = Details(model.Details),
            Messages = model.Messages.Count == 0 ? null : [.. model.Messages.Select(m => new OllamaMessage { Role = m.Role, Content = m.Content })],
            ModelInfo = modelInfo,
            Capabilities = Capabilities(ChatFormats.Detect(model.Template, ggufTemplate)),
            ModifiedAt = Timestamp(model.ModifiedAt),
        };
    }

    /// <summary>
    /// Ollama's capabilities in its order: "completion", then "tools" when the template shows tools to the model and
    /// "thinking" when it writes a reasoning block that can be told apart.
    /// </summary>
    public static IReadOnlyList<string> Capabilities(ChatFormat format)
    {
        ArgumentNullException.ThrowIfNull(format);
        List<string> result = ["completion"];
        if (format.SupportsTools) result.Add("tools");
        if (format.SupportsThinking) result.Add("thinking");
        return result;
    }

    /// <summary>GET /v1/models.</summary>
    public static OpenAIModelList OpenAIModels(IReadOnlyList<StoredModel> models)
    {
        ArgumentNullException.ThrowIfNull(models);
        return new OpenAIModelList { Data = [.. models.Select(OpenAIModel)] };
    }

    /// <summary>One /v1/models entry: owned_by is the name's namespace (<c>library</c> for official models).</summary>
    public static OpenAIModel OpenAIModel(StoredModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        return new OpenAIModel { Id = model.Name, Created = model.ModifiedAt.ToUnixTimeSeconds(), OwnedBy = Owner(model.FullName), Root = model.Name };
    }

    /// <summary>
    /// The structured /api/create body → a model definition. The GGUF comes from <c>from</c> (a stored name, a digest or a
    /// path) or from <c>files</c> (the entry whose name ends in .gguf, or the only entry).
    /// </summary>
    public static ModelDefinition Definition(CreateRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!string.IsNullOrEmpty(request.Quantize)) throw ApiProblem.Invalid("quantize", "quantize is not supported by scout serve; create the model from an already quantized GGUF");
        if (request.Adapters is { Count: > 0 }) throw ApiProblem.Invalid("adapters", "adapters (LoRA) are not supported by scout serve yet");
        var modelfile = ParseModelfile(request.Modelfile);
        var from = string.IsNullOrEmpty(request.From) ? modelfile?.From : request.From;
        if (request.Files is { Count: > 0 } files)
        {
            if (!string.IsNullOrEmpty(request.From)) throw ApiProblem.Invalid("files", "send either from or files, not both");
            var ggufs = files.Where(f => f.Key.EndsWith(".gguf", StringComparison.OrdinalIgnoreCase)).ToList();
            from = ggufs.Count switch
            {
                1 => ggufs[0].Value,
                0 when files.Count == 1 => files.First().Value,
                0 => throw ApiProblem.Invalid("files", "files names no .gguf file; upload the GGUF with POST /api/blobs/sha256:... and name it here"),
                _ => throw ApiProblem.Invalid("files", "files names several .gguf files; split models into one GGUF each"),
            };
        }
        if (string.IsNullOrWhiteSpace(from))
            throw ApiProblem.Missing("from", "a stored model name, a blob digest (sha256:...), or files with an uploaded GGUF");
        // Structured fields win over the same instruction in a legacy modelfile, field by field.
        var parameters = ModelfileParameters(modelfile);
        if (request.Parameters is { ValueKind: not (JsonValueKind.Null or JsonValueKind.Undefined) } p)
        {
            // Validate now so a bad value is a 400 at create time, not a failure at every later load.
            ModelOptions.FromJson(p);
            parameters = JsonObject.Create(p);
        }
        return new ModelDefinition
        {
            From = from,
            Parameters = parameters,
            Template = request.Template ?? modelfile?.Template,
            System = request.System ?? modelfile?.System,
            Licenses = Licenses(request.License) ?? (modelfile is { Licenses.Count: > 0 } ? modelfile.Licenses : null),
            Messages = request.Messages is null
                ? modelfile is { Messages.Count: > 0 } ? modelfile.Messages : null
                : [.. request.Messages.Select((m, i) => new ChatTurn(
                    m?.Role is { Length: > 0 } role ? role : throw ApiProblem.Missing($"messages[{i}].role", "one of system, user, assistant"),
                    m.Content ?? ""))],
        };
    }

    private static Modelfile? ParseModelfile(string? text)
    {
        if (string.IsNullOrWhiteSpace(text)) return null;
        try
        {
            var modelfile = Modelfile.Parse(text);
            if (!string.IsNullOrEmpty(modelfile.Adapter)) throw ApiProblem.Invalid("modelfile", "ADAPTER (LoRA) is not supported by scout serve yet");
            return modelfile;
        }
        catch (ModelfileException e)
        {
            throw ApiProblem.Invalid("modelfile", $"modelfile: {e.Message}");
        }
    }

    private static JsonObject? ModelfileParameters(Modelfile? modelfile)
    {
        if (modelfile is null or { Parameters.Count: 0 }) return null;
        try
        {
            return modelfile.ParametersJson();
        }
        catch (ModelfileException e)
        {
            throw ApiProblem.Invalid("modelfile", $"modelfile: {e.Message}");
        }
    }

    /// <summary>PARAMETER lines as /api/show's <c>parameters</c> text: one "name value" per line, arrays one line per item.</summary>
    public static string ParameterLines(JsonObject? parameters)
    {
        if (parameters is null) return "";
        var text = new StringBuilder();
        foreach (var (name, value) in parameters)
        {
            if (value is JsonArray array)
            {
                foreach (var item in array) text.Append(name).Append(' ').Append(Scalar(item)).Append('\n');
            }
            else
            {
                text.Append(name).Append(' ').Append(Scalar(value)).Append('\n');
            }
        }
        return text.ToString().TrimEnd('\n');
    }

    private static string ModelfileText(StoredModel model, string parameters)
    {
        var text = new StringBuilder();
        text.Append("# Modelfile generated by \"scout show\"\n");
        text.Append("FROM ").Append(model.ModelPath).Append('\n');
        if (!string.IsNullOrEmpty(model.Template)) text.Append("TEMPLATE \"\"\"").Append(model.Template).Append("\"\"\"\n");
        if (!string.IsNullOrEmpty(model.System)) text.Append("SYSTEM \"\"\"").Append(model.System).Append("\"\"\"\n");
        foreach (var line in parameters.Split('\n', StringSplitOptions.RemoveEmptyEntries)) text.Append("PARAMETER ").Append(line).Append('\n');
        foreach (var m in model.Messages) text.Append("MESSAGE ").Append(m.Role).Append(" \"\"\"").Append(m.Content).Append("\"\"\"\n");
        foreach (var l in model.Licenses) text.Append("LICENSE \"\"\"").Append(l).Append("\"\"\"\n");
        return text.ToString();
    }

    private static string Scalar(JsonNode? node) => node switch
    {
        null => "",
        JsonValue v when v.TryGetValue<string>(out var s) => s.Contains(' ', StringComparison.Ordinal) || s.Contains('"', StringComparison.Ordinal) ? JsonSerializer.Serialize(s, Contracts.WireJsonContext.Wire.String) : s,
        _ => node.ToJsonString(),
    };

    private static IReadOnlyList<string>? Licenses(JsonElement? license)
    {
        if (license is not { } l) return null;
        return l.ValueKind switch
        {
            JsonValueKind.Null or JsonValueKind.Undefined => null,
            JsonValueKind.String => [l.GetString()!],
            JsonValueKind.Array when l.EnumerateArray().All(e => e.ValueKind == JsonValueKind.String) => [.. l.EnumerateArray().Select(e => e.GetString()!)],
            _ => throw ApiProblem.Invalid("license", "license must be a string or an array of strings"),
        };
    }

    private static string Owner(string fullName)
    {
        var parts = fullName.Split('/');
        return parts.Length >= 3 ? parts[^2] : parts.Length == 2 ? parts[0] : "library";
    }

    // Ollama's /api/tags digest is the bare hex.
    private static string Hex(string digest) => digest.StartsWith("sha256:", StringComparison.Ordinal) ? digest["sha256:".Length..] : digest;
}
