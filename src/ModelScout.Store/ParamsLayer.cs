using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using ModelScout.Prompting;

namespace ModelScout.Store;

/// <summary>A model's default options as its params layer holds them: Ollama's JSON, checked as the engine reads it.</summary>
internal static class ParamsLayer
{
    private static readonly HashSet<string> IntegerOptions = new(StringComparer.Ordinal)
    {
        "num_ctx", "num_predict", "num_keep", "top_k", "repeat_last_n", "seed", "num_thread", "num_batch",
        "num_gpu", "main_gpu", "mirostat", "num_gqa",
    };

    private static readonly HashSet<string> FloatOptions = new(StringComparer.Ordinal)
    {
        "temperature", "top_p", "min_p", "typical_p", "repeat_penalty", "presence_penalty", "frequency_penalty",
        "mirostat_tau", "mirostat_eta", "tfs_z",
    };

    /// <summary>
    /// Checks parameters as the engine will read them (a bad value is an <see cref="StoreErrorKind.InvalidRequest"/>
    /// naming it) and types them as Ollama stores them: numbers for numeric options even when given as text (Modelfiles
    /// are text), <c>stop</c> always an array, keys sorted.
    /// </summary>
    public static JsonObject Normalize(JsonObject parameters)
    {
        Options(parameters);
        var result = new JsonObject();
        foreach (var (key, value) in parameters.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            if (value is null) continue;
            if (key == "stop")
            {
                var stops = new JsonArray();
                if (value is JsonArray array)
                {
                    foreach (var s in array) stops.Add(s?.DeepClone());
                }
                else stops.Add(value.DeepClone());
                result[key] = stops;
            }
            else if (value is JsonValue v && v.TryGetValue<string>(out var text) && (IntegerOptions.Contains(key) || FloatOptions.Contains(key)))
            {
                if (IntegerOptions.Contains(key) && long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var i)) result[key] = i;
                else if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var d)) result[key] = d;
                else throw new StoreException(StoreErrorKind.InvalidRequest, $"parameter '{key}' must be a number, got \"{text}\"") { Param = key };
            }
            else result[key] = value.DeepClone();
        }
        return result;
    }

    /// <summary>Parameters as the engine reads them; a value it would refuse is an InvalidRequest naming the parameter.</summary>
    public static ModelOptions Options(JsonObject parameters)
    {
        using var doc = JsonDocument.Parse(parameters.ToJsonString());
        try
        {
            return ModelOptions.FromJson(doc.RootElement);
        }
        catch (InvalidRequestException e)
        {
            throw new StoreException(StoreErrorKind.InvalidRequest, e.Message, e) { Param = e.Param };
        }
    }

    /// <summary>The layer's bytes as Ollama's Go encoder writes them: compact, sorted keys, &lt; &gt; &amp; escaped, a final newline.</summary>
    public static byte[] Bytes(JsonObject parameters)
    {
        var json = parameters.ToJsonString(new JsonSerializerOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, WriteIndented = false });
        // Outside strings JSON never contains these characters, so replacing them escapes exactly what Go escapes.
        json = json.Replace("<", "\\u003c", StringComparison.Ordinal).Replace(">", "\\u003e", StringComparison.Ordinal).Replace("&", "\\u0026", StringComparison.Ordinal);
        return Encoding.UTF8.GetBytes(json + "\n");
    }
}
