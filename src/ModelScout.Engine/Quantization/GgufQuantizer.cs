using Microsoft.Extensions.Logging;

namespace ModelScout.Engine.Quantization;

/// <summary>What <see cref="GgufQuantizer.QuantizeAsync"/> writes.</summary>
public sealed record QuantizeOptions
{
    /// <summary>The GGUF file to quantize (F32, F16 or BF16 weights; requantizing a quantized file needs <see cref="AllowRequantize"/>).</summary>
    public required string Source { get; init; }

    /// <summary>Where the quantized file goes; written to a temporary name beside it and renamed when complete and valid.</summary>
    public required string Destination { get; init; }

    /// <summary>The llama.cpp file type, as llama-quantize names it: Q8_0, Q6_K, Q5_K_M, Q4_K_M, Q2_K, IQ4_XS... (<see cref="GgufQuantizer.Types"/>).</summary>
    public required string Type { get; init; }

    /// <summary>An importance-matrix file (llama-imatrix output) where the type can use one; null for none.</summary>
    public string? ImportanceMatrix { get; init; }

    /// <summary>Quantize an already quantized source (quality suffers twice); off by default, as in llama-quantize.</summary>
    public bool AllowRequantize { get; init; }

    /// <summary>CPU threads for quantization.</summary>
    public int Threads { get; init; } = EngineSettings.DefaultThreads(Environment.ProcessorCount);

    /// <summary>Where llama.cpp's log lines go (through <see cref="LlamaRuntime"/>).</summary>
    public ILogger? Logger { get; init; }
}

/// <summary>Progress of one quantization: the bytes written so far against the size expected.</summary>
public sealed record QuantizeProgress(string Type, long BytesWritten, long ExpectedBytes);

/// <summary>A quantized file, read back and validated by our GGUF reader.</summary>
/// <param name="TensorTypes">How many tensors of each GGML type the file holds (a K-quant whose rows do not allow it falls back per tensor).</param>
public sealed record QuantizeResult(string Path, string Type, long Bytes, double BitsPerWeight, long Parameters, TimeSpan Elapsed, IReadOnlyDictionary<string, int> TensorTypes);

/// <summary>llama.cpp's quantizer (llama_model_quantize through LLamaSharp), with checks before and after.</summary>
public static class GgufQuantizer
{
    /// <summary>Every file type this build can write, by llama-quantize name.</summary>
    public static IReadOnlyList<string> Types => throw new NotImplementedException();

    /// <summary>Quantizes <see cref="QuantizeOptions.Source"/> to <see cref="QuantizeOptions.Type"/>.</summary>
    /// <exception cref="InferenceException">Unknown type, unusable source (already quantized, a tensor whose rows the type cannot hold: the message names it), or llama.cpp failed.</exception>
    public static Task<QuantizeResult> QuantizeAsync(QuantizeOptions options, IProgress<QuantizeProgress>? progress = null, CancellationToken cancellationToken = default) =>
        throw new NotImplementedException();
}
