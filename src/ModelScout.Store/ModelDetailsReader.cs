using System.Globalization;
using ModelScout.Gguf;

namespace ModelScout.Store;

/// <summary>Ollama's <c>details</c> (family, parameter size, quantization level) as read from a GGUF header.</summary>
public static class ModelDetailsReader
{
    /// <summary>Details of a parsed header.</summary>
    public static ModelDetails From(GgufFile file)
    {
        ArgumentNullException.ThrowIfNull(file);
        var info = GgufModelInfo.From(file);
        var family = info.Architecture ?? "";
        return new ModelDetails
        {
            Format = "gguf",
            Family = family,
            Families = family.Length == 0 ? [] : [family],
            ParameterSize = ParameterSize(info.Parameters),
            QuantizationLevel = info.FileType?.Name
                ?? (info.FileTypeId is { } id ? $"unknown ({id})" : info.MainType?.ToString() ?? ""),
        };
    }

    /// <summary>
    /// A parameter count as Ollama prints it: "8.0B" (one decimal in billions), "494.03M" (two in millions),
    /// "293K" (none in thousands), whole numbers without decimals ("7B").
    /// </summary>
    public static string ParameterSize(long parameters)
    {
        static string Scaled(double value, string format, string suffix) =>
            (value == Math.Floor(value) ? value.ToString("0", CultureInfo.InvariantCulture) : value.ToString(format, CultureInfo.InvariantCulture)) + suffix;
        return parameters switch
        {
            >= 1_000_000_000_000 => Scaled(parameters / 1e12, "0.0", "T"),
            >= 1_000_000_000 => Scaled(parameters / 1e9, "0.0", "B"),
            >= 1_000_000 => Scaled(parameters / 1e6, "0.00", "M"),
            >= 1_000 => Scaled(parameters / 1e3, "0", "K"),
            _ => parameters.ToString(CultureInfo.InvariantCulture),
        };
    }
}
