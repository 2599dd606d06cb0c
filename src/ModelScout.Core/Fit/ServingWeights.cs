using ModelScout.Core.Catalog;
using ModelScout.Core.Memory;

namespace ModelScout.Core.Fit;

/// <summary>
/// Bytes of a Hugging Face checkpoint as a GPU server loads it: the tensors a precision covers in its format, the rest
/// (embeddings, output head, norms, router, vision tower) in BF16, tied embeddings once.
/// </summary>
public static class ServingWeights
{
    /// <summary>Bytes one weight takes in a checkpoint format; null for a format ModelScout does not know.</summary>
    public static double? BytesPerWeight(string format) => format.ToUpperInvariant() switch
    {
        "BF16" or "FP16" => 2,
        "FP8" => 1,
        "MXFP4" => 4.25 / 8, // 4-bit values, one 8-bit exponent per 32
        "INT4" => 4.25 / 8, // AWQ/GPTQ at group size 128: 4-bit values, a 16-bit scale and zero point per 128
        _ => null,
    };

    /// <summary>Whether a precision stores <paramref name="t"/> in its own format (else BF16).</summary>
    public static bool Covered(TensorShape t, string covers)
    {
        ArgumentNullException.ThrowIfNull(t);
        var matrixInBlock = t.Layer >= 0 && t.Quantizable && t.Rows > 1;
        return covers switch
        {
            "all" => t.Quantizable,
            "linear" => matrixInBlock,
            "experts" => t.IsRoutedExpert || t.Role is TensorRole.SharedExpertGate or TensorRole.SharedExpertUp or TensorRole.SharedExpertDown,
            _ => false,
        };
    }

    /// <summary>Total bytes of <paramref name="model"/> served at <paramref name="precision"/>.</summary>
    public static long Bytes(ModelEntry model, ServingPrecision precision)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(precision);
        var a = model.Architecture ?? throw new CatalogException($"{model.Id} has no architecture to size.");
        var own = BytesPerWeight(precision.Format) ?? throw new CatalogException($"{model.Id}: unknown serving format '{precision.Format}'.");
        double bytes = 0;
        foreach (var t in TensorLayout.For(a).Where(t => t.IsParameter))
        {
            bytes += t.Elements * (Covered(t, precision.Covers) ? own : 2);
        }
        bytes += (model.Parameters?.VisionEncoder ?? 0) * 2.0;
        return (long)Math.Ceiling(bytes);
    }
}
