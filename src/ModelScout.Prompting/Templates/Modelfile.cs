using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;

namespace ModelScout.Prompting.Templates;

/// <summary>
/// An Ollama Modelfile: the base model (<c>FROM</c>), default options (<c>PARAMETER</c>), prompt template, system prompt,
/// licences, seed conversation and LoRA adapter. <see cref="Parse"/> reads one, <see cref="Render"/> writes it back.
/// </summary>
public sealed record Modelfile
{
    /// <summary>The base: a model name, a GGUF path or a blob digest, as written.</summary>
    public required string From { get; init; }

    /// <summary><c>PARAMETER</c> lines as written (name, raw value), in file order; <c>stop</c> may repeat.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Parameters { get; init; } = [];

    /// <summary>The prompt template (Go text/template as Ollama uses it), or null when the Modelfile has none.</summary>
    public string? Template { get; init; }

    /// <summary>The default system prompt, or null.</summary>
    public string? System { get; init; }

    /// <summary>Licence texts, one per <c>LICENSE</c> instruction.</summary>
    public IReadOnlyList<string> Licenses { get; init; } = [];

    /// <summary>Seed conversation from <c>MESSAGE</c> lines.</summary>
    public IReadOnlyList<ChatTurn> Messages { get; init; } = [];

    /// <summary>A LoRA adapter to apply on top of <see cref="From"/>, or null.</summary>
    public string? Adapter { get; init; }

    // Line of each PARAMETER, so typing errors found later can still point at the file.
    internal IReadOnlyList<int>? ParameterLines { get; init; }

    /// <summary>Instructions a Modelfile may use, in the order <see cref="Render"/> writes them.</summary>
    public static IReadOnlyList<string> Instructions { get; } = ["FROM", "ADAPTER", "PARAMETER", "TEMPLATE", "SYSTEM", "LICENSE", "MESSAGE"];

    /// <summary>Roles a <c>MESSAGE</c> may have.</summary>
    public static IReadOnlyList<string> MessageRoles { get; } = ["system", "user", "assistant"];

    /// <summary>Reads a Modelfile; any mistake is a <see cref="ModelfileException"/> with its line and column.</summary>
    public static Modelfile Parse(string text) => ModelfileParser.Parse(text);

    /// <summary>
    /// The parameters typed as Ollama stores them in a model's params layer: integers and floats as JSON numbers,
    /// booleans as booleans, and every <c>stop</c> collected into one array. An unknown name or a value of the wrong
    /// type is a <see cref="ModelfileException"/> naming the line.
    /// </summary>
    public JsonObject ParametersJson()
    {
        var json = new JsonObject();
        for (var i = 0; i < Parameters.Count; i++)
        {
            var (name, raw) = (Parameters[i].Key, Parameters[i].Value);
            var line = ParameterLines is { } lines && i < lines.Count ? lines[i] : 0;
            var key = name.ToLowerInvariant();
            if (!ModelfileParameters.Types.TryGetValue(key, out var type))
                throw new ModelfileException($"unknown parameter '{name}'{ModelfileParameters.Suggest(key)}; known parameters: {string.Join(", ", ModelfileParameters.Types.Keys.Order(StringComparer.Ordinal))}", line, 1);
            switch (type)
            {
                case ModelfileParameterType.Strings:
                    if (json[key] is not JsonArray array)
                    {
                        array = [];
                        json[key] = array;
                    }
                    array.Add((JsonNode?)JsonValue.Create(raw));
                    break;
                case ModelfileParameterType.Integer:
                    if (!long.TryParse(raw.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var l))
                        throw new ModelfileException($"parameter '{key}' must be an integer, like PARAMETER {key} 42; got '{raw}'", line, 1);
                    json[key] = l;
                    break;
                case ModelfileParameterType.Float:
                    if (!double.TryParse(raw.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var d) || !double.IsFinite(d))
                        throw new ModelfileException($"parameter '{key}' must be a number, like PARAMETER {key} 0.7; got '{raw}'", line, 1);
                    json[key] = d;
                    break;
                default:
                    json[key] = ModelfileParameters.Bool(raw.Trim())
                        ?? throw new ModelfileException($"parameter '{key}' must be true or false, like PARAMETER {key} true; got '{raw}'", line, 1);
                    break;
            }
        }
        return json;
    }

    /// <summary>The Modelfile as text that <see cref="Parse"/> reads back to an equal Modelfile.</summary>
    public string Render()
    {
        var b = new StringBuilder();
        b.Append("FROM ").Append(Quote(From)).Append('\n');
        if (Adapter is not null) b.Append("ADAPTER ").Append(Quote(Adapter)).Append('\n');
        foreach (var (name, value) in Parameters) b.Append("PARAMETER ").Append(name).Append(' ').Append(Quote(value)).Append('\n');
        if (Template is not null) b.Append("TEMPLATE ").Append(Quote(Template)).Append('\n');
        if (System is not null) b.Append("SYSTEM ").Append(Quote(System)).Append('\n');
        foreach (var license in Licenses) b.Append("LICENSE ").Append(Quote(license)).Append('\n');
        foreach (var m in Messages) b.Append("MESSAGE ").Append(m.Role).Append(' ').Append(Quote(m.Content)).Append('\n');
        return b.ToString();
    }

    /// <summary>True when both hold the same instructions (records compare lists by reference, this compares contents).</summary>
    public bool SameAs(Modelfile other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return From == other.From && Template == other.Template && System == other.System && Adapter == other.Adapter
            && Parameters.SequenceEqual(other.Parameters) && Licenses.SequenceEqual(other.Licenses) && Messages.SequenceEqual(other.Messages);
    }

    // Bare when the text reads back unchanged, triple quotes for multi-line text, escaped double quotes otherwise.
    private static string Quote(string value)
    {
        var bare = value.Length > 0 && value.Trim() == value && !value.StartsWith('"') && value.IndexOfAny(['\n', '\r']) < 0;
        if (bare) return value;
        if (!value.Contains("\"\"\"", StringComparison.Ordinal) && !value.EndsWith('"'))
            return "\"\"\"" + value + "\"\"\"";
        return "\"" + value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";
    }
}

/// <summary>A Modelfile mistake, with the 1-based line and column where it is (0 when not known).</summary>
public sealed class ModelfileException : FormatException
{
    public ModelfileException(string message, int line, int column)
        : base(line > 0 ? $"Modelfile line {line}, column {column}: {message}" : $"Modelfile: {message}")
    {
        Line = line;
        Column = column;
    }

    public ModelfileException() : this("invalid Modelfile", 0, 0) { }

    public ModelfileException(string message) : this(message, 0, 0) { }

    public ModelfileException(string message, Exception inner) : base(message, inner) { }

    /// <summary>1-based line, 0 when unknown.</summary>
    public int Line { get; }

    /// <summary>1-based column, 0 when unknown.</summary>
    public int Column { get; }
}
