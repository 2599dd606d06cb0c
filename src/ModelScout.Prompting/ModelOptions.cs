using System.Globalization;
using System.Text.Json;

namespace ModelScout.Prompting;

/// <summary>
/// Ollama's model options (request <c>options</c>, Modelfile <c>PARAMETER</c>s), every field nullable so layers can be merged:
/// request over model defaults over <see cref="Defaults"/>. Names are Ollama's JSON names.
/// </summary>
public sealed record ModelOptions
{
    public int? NumCtx { get; init; }
    public int? NumPredict { get; init; }
    public int? NumKeep { get; init; }
    public float? Temperature { get; init; }
    public float? TopP { get; init; }
    public int? TopK { get; init; }
    public float? MinP { get; init; }
    public float? TypicalP { get; init; }
    public float? RepeatPenalty { get; init; }
    public int? RepeatLastN { get; init; }
    public float? PresencePenalty { get; init; }
    public float? FrequencyPenalty { get; init; }
    public int? Seed { get; init; }
    public IReadOnlyList<string>? Stop { get; init; }
    public int? NumThread { get; init; }
    public int? NumBatch { get; init; }

    /// <summary>Layers to offload to the GPU (llama.cpp -ngl); -1 (or unset) lets the engine's fit planner decide, 0 keeps the model on the CPU.</summary>
    public int? NumGpu { get; init; }

    /// <summary>The values used when neither the request nor the model says otherwise (Ollama's, except repeat_penalty).</summary>
    public static ModelOptions Defaults { get; } = new()
    {
        NumCtx = 2048,
        NumPredict = -1,
        NumKeep = 4,
        Temperature = 0.8f,
        TopP = 0.9f,
        TopK = 40,
        MinP = 0.0f,
        TypicalP = 1.0f,
        // llama.cpp's default, not Ollama's 1.1: temperature 0 must mean argmax regardless of history (docs/engine.md).
        RepeatPenalty = 1.0f,
        RepeatLastN = 64,
        PresencePenalty = 0.0f,
        FrequencyPenalty = 0.0f,
        Seed = -1,
        Stop = [],
        NumBatch = 512,
    };

    /// <summary>This layer's values where set, <paramref name="lower"/>'s elsewhere.</summary>
    public ModelOptions Over(ModelOptions lower)
    {
        ArgumentNullException.ThrowIfNull(lower);
        return new ModelOptions
        {
            NumCtx = NumCtx ?? lower.NumCtx,
            NumPredict = NumPredict ?? lower.NumPredict,
            NumKeep = NumKeep ?? lower.NumKeep,
            Temperature = Temperature ?? lower.Temperature,
            TopP = TopP ?? lower.TopP,
            TopK = TopK ?? lower.TopK,
            MinP = MinP ?? lower.MinP,
            TypicalP = TypicalP ?? lower.TypicalP,
            RepeatPenalty = RepeatPenalty ?? lower.RepeatPenalty,
            RepeatLastN = RepeatLastN ?? lower.RepeatLastN,
            PresencePenalty = PresencePenalty ?? lower.PresencePenalty,
            FrequencyPenalty = FrequencyPenalty ?? lower.FrequencyPenalty,
            Seed = Seed ?? lower.Seed,
            Stop = Stop ?? lower.Stop,
            NumThread = NumThread ?? lower.NumThread,
            NumBatch = NumBatch ?? lower.NumBatch,
            NumGpu = NumGpu ?? lower.NumGpu,
        };
    }

    /// <summary>Option names this type understands, as Ollama spells them.</summary>
    public static IReadOnlySet<string> KnownNames { get; } = new HashSet<string>(StringComparer.Ordinal)
    {
        "num_ctx", "num_predict", "num_keep", "temperature", "top_p", "top_k", "min_p", "typical_p", "repeat_penalty",
        "repeat_last_n", "presence_penalty", "frequency_penalty", "seed", "stop", "num_thread", "num_batch", "num_gpu",
    };

    /// <summary>The largest context any option may ask for: 2^20 tokens (above every model in the catalog).</summary>
    public const int MaxContext = 1 << 20;

    /// <summary>The most stop strings one request may set, and the longest each may be.</summary>
    public const int MaxStops = 64, MaxStopLength = 4096;

    /// <summary>
    /// The accepted range of every numeric option (Ollama's name, lowest, highest, what the ends mean), checked by
    /// <see cref="Check"/> wherever options enter (request options, Modelfile parameters, OpenAI fields). docs/api.md
    /// prints this table.
    /// </summary>
    public static IReadOnlyList<(string Name, double Min, double Max, string Meaning)> Ranges { get; } =
    [
        ("num_ctx", 1, MaxContext, "context tokens"),
        ("num_predict", -2, int.MaxValue, "-1 no limit, -2 until the context is full"),
        ("num_keep", -1, MaxContext, "-1 keeps the whole prompt"),
        ("temperature", 0, 100, "0 is greedy"),
        ("top_p", 0, 1, "1 is off"),
        ("top_k", 0, int.MaxValue, "0 is off"),
        ("min_p", 0, 1, "0 is off"),
        ("typical_p", 0, 1, "1 is off"),
        ("repeat_penalty", 0, 100, "1 is off; 0 is refused (it would divide by zero)"),
        ("repeat_last_n", -1, MaxContext, "-1 is the whole context, 0 is off"),
        ("presence_penalty", -100, 100, "0 is off"),
        ("frequency_penalty", -100, 100, "0 is off"),
        ("seed", int.MinValue, int.MaxValue, "negative picks a random seed"),
        ("num_thread", 0, 1024, "0 is the engine's setting"),
        ("num_batch", 1, 65536, "tokens per llama_decode call"),
        ("num_gpu", -1, 4096, "layers on the GPU; -1 is the fit planner's choice, 0 CPU only"),
    ];

    /// <summary>
    /// Refuses a value outside <see cref="Ranges"/> (and NaN or infinity) with an <see cref="InvalidRequestException"/>
    /// naming the field as the caller's API spells it (<paramref name="rename"/> maps Ollama's names, e.g. num_predict →
    /// max_tokens). Returns this options object, so it chains.
    /// </summary>
    public ModelOptions Check(Func<string, string>? rename = null)
    {
        foreach (var (name, min, max, meaning) in Ranges)
        {
            // Each arm widened to double on its own: a switch over int? and float? would round large ints through float.
            var value = name switch
            {
                "num_ctx" => (double?)NumCtx, "num_predict" => NumPredict, "num_keep" => NumKeep, "temperature" => Temperature,
                "top_p" => TopP, "top_k" => TopK, "min_p" => MinP, "typical_p" => TypicalP, "repeat_penalty" => RepeatPenalty,
                "repeat_last_n" => RepeatLastN, "presence_penalty" => PresencePenalty, "frequency_penalty" => FrequencyPenalty,
                "seed" => Seed, "num_thread" => NumThread, "num_batch" => NumBatch, "num_gpu" => NumGpu,
                _ => null,
            };
            if (value is not { } v) continue;
            var zeroRefused = name == "repeat_penalty" && v == 0;
            if (!double.IsFinite(v) || v < min || v > max || zeroRefused)
            {
                var field = rename?.Invoke(name) ?? name;
                throw new InvalidRequestException($"{field} must be between {Text(min)} and {Text(max)} ({meaning}), got {Text(v)}") { Param = field };
            }
        }
        if (Stop is { } stops)
        {
            var field = rename?.Invoke("stop") ?? "stop";
            if (stops.Count > MaxStops) throw new InvalidRequestException($"{field} may list at most {MaxStops} strings, got {stops.Count}") { Param = field };
            if (stops.FirstOrDefault(x => x.Length > MaxStopLength) is { } tooLong)
                throw new InvalidRequestException($"{field} strings may be at most {MaxStopLength} characters, got one of {tooLong.Length}") { Param = field };
        }
        return this;

        static string Text(double x) => x.ToString("0.###", CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// Reads an Ollama <c>options</c> object. Numbers may arrive as JSON numbers or numeric strings (Modelfiles store text);
    /// a value of the wrong kind, or outside <see cref="Ranges"/>, is an <see cref="InvalidRequestException"/> naming the option. Options Ollama
    /// knows but the engine does not use (main_gpu, mirostat, use_mmap, ...) are accepted and ignored; unknown ones are
    /// reported through <paramref name="ignored"/>.
    /// </summary>
    public static ModelOptions FromJson(JsonElement options, ICollection<string>? ignored = null)
    {
        if (options.ValueKind is JsonValueKind.Null or JsonValueKind.Undefined) return new ModelOptions();
        if (options.ValueKind != JsonValueKind.Object)
            throw new InvalidRequestException("options must be a JSON object") { Param = "options" };
        var o = new ModelOptions();
        foreach (var p in options.EnumerateObject())
        {
            var v = p.Value;
            o = p.Name switch
            {
                "num_ctx" => o with { NumCtx = Int(p.Name, v) },
                "num_predict" => o with { NumPredict = Int(p.Name, v) },
                "num_keep" => o with { NumKeep = Int(p.Name, v) },
                "temperature" => o with { Temperature = Float(p.Name, v) },
                "top_p" => o with { TopP = Float(p.Name, v) },
                "top_k" => o with { TopK = Int(p.Name, v) },
                "min_p" => o with { MinP = Float(p.Name, v) },
                "typical_p" => o with { TypicalP = Float(p.Name, v) },
                "repeat_penalty" => o with { RepeatPenalty = Float(p.Name, v) },
                "repeat_last_n" => o with { RepeatLastN = Int(p.Name, v) },
                "presence_penalty" => o with { PresencePenalty = Float(p.Name, v) },
                "frequency_penalty" => o with { FrequencyPenalty = Float(p.Name, v) },
                "seed" => o with { Seed = Int(p.Name, v) },
                "stop" => o with { Stop = Strings(p.Name, v) },
                "num_thread" => o with { NumThread = Int(p.Name, v) },
                "num_batch" => o with { NumBatch = Int(p.Name, v) },
                "num_gpu" => o with { NumGpu = Int(p.Name, v) },
                _ => Ignore(o, p.Name, ignored),
            };
        }
        return o.Check();
    }

    private static ModelOptions Ignore(ModelOptions o, string name, ICollection<string>? ignored)
    {
        ignored?.Add(name);
        return o;
    }

    private static int? Int(string name, JsonElement v) => v.ValueKind switch
    {
        JsonValueKind.Null => null,
        JsonValueKind.Number when v.TryGetInt32(out var i) => i,
        JsonValueKind.Number when v.TryGetDouble(out var d) && d == Math.Floor(d) && d is >= int.MinValue and <= int.MaxValue => (int)d,
        JsonValueKind.String when int.TryParse(v.GetString(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var i) => i,
        _ => throw Bad(name, "an integer", v),
    };

    private static float? Float(string name, JsonElement v) => v.ValueKind switch
    {
        JsonValueKind.Null => null,
        JsonValueKind.Number => (float)v.GetDouble(),
        JsonValueKind.String when float.TryParse(v.GetString(), NumberStyles.Float, CultureInfo.InvariantCulture, out var f) && float.IsFinite(f) => f,
        _ => throw Bad(name, "a number", v),
    };

    private static string[]? Strings(string name, JsonElement v)
    {
        switch (v.ValueKind)
        {
            case JsonValueKind.Null: return null;
            case JsonValueKind.String: return [v.GetString()!];
            case JsonValueKind.Array:
                var list = new List<string>();
                foreach (var e in v.EnumerateArray())
                {
                    if (e.ValueKind != JsonValueKind.String) throw Bad(name, "a string or an array of strings", v);
                    list.Add(e.GetString()!);
                }
                return [.. list];
            default: throw Bad(name, "a string or an array of strings", v);
        }
    }

    private static InvalidRequestException Bad(string name, string expected, JsonElement v) =>
        new($"option '{name}' must be {expected}, got {v.ValueKind.ToString().ToLowerInvariant()} {Shorten(v.GetRawText())}") { Param = name };

    private static string Shorten(string raw) => raw.Length <= 40 ? raw : raw[..40] + "...";
}
