using System.Text.Json;
using System.Text.Json.Nodes;
using ModelScout.Cli.Output;
using ModelScout.Gguf;
using ModelScout.Prompting.Templates;
using ModelScout.Store;

namespace ModelScout.Cli.Commands;

/// <summary>scout show for a model in the store, shaped like <c>ollama show</c>, with its Modelfile and each part alone.</summary>
internal sealed class StoredModelView
{
    private readonly Option<bool> modelfile = new("--modelfile") { Description = "Print the stored model's Modelfile" };
    private readonly Option<bool> parameters = new("--parameters") { Description = "Print the stored model's parameters" };
    private readonly Option<bool> template = new("--template") { Description = "Print the stored model's prompt template" };
    private readonly Option<bool> system = new("--system") { Description = "Print the stored model's system prompt" };
    private readonly Option<bool> license = new("--license") { Description = "Print the stored model's licence" };

    public void AddOptions(Command c)
    {
        foreach (var o in new Option[] { modelfile, parameters, template, system, license }) c.Options.Add(o);
    }

    public bool AnyRequested(ParseResult p) => p.GetValue(modelfile) || p.GetValue(parameters) || p.GetValue(template) || p.GetValue(system) || p.GetValue(license);

    public int Run(CommandContext ctx, StoredModel m)
    {
        var p = ctx.Parse;
        var header = ReadHeader(m);
        if (ctx.Json)
        {
            ctx.WriteJson(new StoredShowJson("modelscout/show-stored/v1", StoredModelJson.From(m), header is null ? null : Info(header), m.Template, m.System, m.Parameters,
                m.Licenses, m.Messages.Select(t => new MessageTurnJson(t.Role, t.Content)).ToList(), Modelfile(m)), CliJson.Default.StoredShowJson);
            return ExitCodes.Ok;
        }
        // The single-part views print raw text (no markup) so they can be piped into a file.
        var o = ctx.Stdout;
        if (p.GetValue(modelfile)) o.Write(Modelfile(m));
        else if (p.GetValue(parameters)) foreach (var line in ParameterLines(m.Parameters)) o.WriteLine($"{line.Name,-20}{line.Value}");
        else if (p.GetValue(template)) o.WriteLine(m.Template ?? "");
        else if (p.GetValue(system)) o.WriteLine(m.System ?? "");
        else if (p.GetValue(license)) o.WriteLine(string.Join(Environment.NewLine + Environment.NewLine, m.Licenses));
        else Overview(ctx, m, header);
        return ExitCodes.Ok;
    }

    private static GgufModelInfo? ReadHeader(StoredModel m)
    {
        try
        {
            return GgufModelInfo.From(GgufReader.ReadFile(m.ModelPath));
        }
        catch (Exception e) when (e is GgufFormatException or IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static ModelInfoJson Info(GgufModelInfo i) =>
        new(i.Architecture, i.Parameters, i.Hyper.ContextLength, i.Hyper.EmbeddingLength, i.Hyper.BlockCount, i.Hyper.HeadCount, i.Hyper.KvHeads(0), i.FileType?.Name);

    private static void Overview(CommandContext ctx, StoredModel m, GgufModelInfo? info)
    {
        var o = ctx.Stdout;
        o.WriteLine($"  {m.Name}  (id {m.Digest[..12]}, {Format.Gb(m.Size)}, blob {m.ModelDigest})");
        o.WriteLine();
        Section(o, "Model",
        [
            ("architecture", m.Details.Family),
            ("parameters", m.Details.ParameterSize),
            ("context length", info?.Hyper.ContextLength?.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            ("embedding length", info?.Hyper.EmbeddingLength?.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            ("quantization", m.Details.QuantizationLevel),
            ("parent model", m.Details.ParentModel),
        ]);
        if (info is null) o.WriteLine($"    (the model blob {m.ModelPath} is missing or unreadable: pull or import the model again)");
        var pars = ParameterLines(m.Parameters).Select(l => (l.Name, (string?)l.Value)).ToList();
        if (pars.Count > 0) Section(o, "Parameters", pars);
        if (!string.IsNullOrEmpty(m.System)) Text(o, "System", m.System);
        if (!string.IsNullOrEmpty(m.Template)) Text(o, "Template", m.Template);
        if (m.Licenses.Count > 0) Text(o, "License", string.Join("\n\n", m.Licenses), maxLines: 4);
    }

    private static void Section(TextWriter o, string title, IReadOnlyList<(string Key, string? Value)> rows)
    {
        o.WriteLine($"  {title}");
        foreach (var (k, v) in rows.Where(r => !string.IsNullOrEmpty(r.Value))) o.WriteLine($"    {k,-20}{v}");
        o.WriteLine();
    }

    private static void Text(TextWriter o, string title, string text, int maxLines = 12)
    {
        o.WriteLine($"  {title}");
        var lines = text.ReplaceLineEndings("\n").Split('\n');
        foreach (var line in lines.Take(maxLines)) o.WriteLine($"    {line}");
        if (lines.Length > maxLines) o.WriteLine($"    ... ({lines.Length - maxLines} more lines)");
        o.WriteLine();
    }

    /// <summary>One line per value; <c>stop</c> repeats, strings are quoted (or raw, for a Modelfile, which quotes them itself).</summary>
    private static List<(string Name, string Value)> ParameterLines(JsonObject? parameters, bool raw = false)
    {
        var lines = new List<(string, string)>();
        if (parameters is null) return lines;
        foreach (var (k, v) in parameters)
        {
            if (v is JsonArray array)
            {
                foreach (var item in array) lines.Add((k, Value(item, raw)));
            }
            else lines.Add((k, Value(v, raw)));
        }
        return lines;
    }

    private static string Value(JsonNode? v, bool raw) => v is JsonValue value && value.TryGetValue<string>(out var s)
        ? raw ? s : JsonSerializer.Serialize(s, CliStrings.Default.String)
        : v?.ToJsonString() ?? "null";

    /// <summary>The Modelfile that recreates the model, with FROM pointing at its blob as <c>ollama show --modelfile</c> does.</summary>
    public static string Modelfile(StoredModel m)
    {
        var file = new Modelfile
        {
            From = m.ModelPath,
            Parameters = [.. ParameterLines(m.Parameters, raw: true).Select(l => new KeyValuePair<string, string>(l.Name, l.Value))],
            Template = string.IsNullOrEmpty(m.Template) ? null : m.Template,
            System = string.IsNullOrEmpty(m.System) ? null : m.System,
            Licenses = m.Licenses,
            Messages = m.Messages,
        };
        return "# Modelfile generated by \"scout show\"\n# To build a new Modelfile based on this, replace FROM with:\n" + $"# FROM {m.Name}\n\n" + file.Render();
    }
}

[System.Text.Json.Serialization.JsonSerializable(typeof(string))]
internal sealed partial class CliStrings : System.Text.Json.Serialization.JsonSerializerContext;
