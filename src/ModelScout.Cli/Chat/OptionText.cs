using System.Globalization;
using System.Text;
using System.Text.Json;
using ModelScout.Prompting;

namespace ModelScout.Cli.Chat;

/// <summary>Model options as people type and read them: <c>/set parameter NAME VALUE</c> and <c>/show parameters</c>.</summary>
internal static class OptionText
{
    /// <summary>
    /// One option from its Ollama name and typed value(s). The values go through <see cref="ModelOptions.FromJson"/> so
    /// the REPL accepts exactly what a request's <c>options</c> object and a Modelfile's PARAMETER lines accept.
    /// </summary>
    public static ModelOptions Parse(string name, IReadOnlyList<string> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (!ModelOptions.KnownNames.Contains(name))
            throw new InvalidRequestException(
                $"unknown parameter '{name}'; known: {string.Join(", ", ModelOptions.KnownNames.Order(StringComparer.Ordinal))}") { Param = name };
        if (values.Count == 0)
            throw new InvalidRequestException($"parameter '{name}' needs a value: /set parameter {name} VALUE") { Param = name };
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            if (name == "stop")
            {
                // Every word after the name is one stop string, as in `/set parameter stop <|end|> User:`.
                json.WriteStartArray(name);
                foreach (var v in values) json.WriteStringValue(v);
                json.WriteEndArray();
            }
            else
            {
                if (values.Count > 1)
                    throw new InvalidRequestException($"parameter '{name}' takes one value, got {values.Count}") { Param = name };
                json.WriteString(name, values[0]);
            }
            json.WriteEndObject();
        }
        using var doc = JsonDocument.Parse(buffer.ToArray());
        return ModelOptions.FromJson(doc.RootElement);
    }

    /// <summary>The options that are set, by Ollama name, in the order Ollama documents them.</summary>
    public static IReadOnlyList<(string Name, string Value)> Describe(ModelOptions o)
    {
        ArgumentNullException.ThrowIfNull(o);
        var list = new List<(string, string)>();
        void Add(string name, object? value)
        {
            if (value is null) return;
            list.Add((name, value switch
            {
                float f => f.ToString(CultureInfo.InvariantCulture),
                IReadOnlyList<string> s => string.Join(' ', s.Select(Quote)),
                IFormattable x => x.ToString(null, CultureInfo.InvariantCulture),
                _ => value.ToString() ?? "",
            }));
        }
        Add("num_ctx", o.NumCtx);
        Add("num_predict", o.NumPredict);
        Add("num_keep", o.NumKeep);
        Add("temperature", o.Temperature);
        Add("top_p", o.TopP);
        Add("top_k", o.TopK);
        Add("min_p", o.MinP);
        Add("typical_p", o.TypicalP);
        Add("repeat_penalty", o.RepeatPenalty);
        Add("repeat_last_n", o.RepeatLastN);
        Add("presence_penalty", o.PresencePenalty);
        Add("frequency_penalty", o.FrequencyPenalty);
        Add("seed", o.Seed);
        Add("stop", o.Stop);
        Add("num_thread", o.NumThread);
        Add("num_batch", o.NumBatch);
        Add("num_gpu", o.NumGpu);
        return list;
    }

    private static string Quote(string s)
    {
        var b = new StringBuilder("\"");
        foreach (var c in s) b.Append(c switch { '"' => "\\\"", '\\' => "\\\\", '\n' => "\\n", _ => c.ToString() });
        return b.Append('"').ToString();
    }
}
