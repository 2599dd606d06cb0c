using System.Diagnostics;
using LLama.Native;
using Microsoft.Extensions.Logging;
using ModelScout.Gguf;

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
public sealed record QuantizeResult(string Path, string Type, long Bytes, double BitsPerWeight, long Parameters, TimeSpan Elapsed, IReadOnlyDictionary<string, int> TensorTypes)
{
    /// <summary>Tensors whose rows the type's block does not divide, so llama.cpp wrote them in another type (name, row length, type written).</summary>
    public IReadOnlyList<QuantizeFallback> Fallbacks { get; init; } = [];
}

/// <summary>A tensor llama.cpp could not write in the requested type because of its row length, and the type it used instead.</summary>
public sealed record QuantizeFallback(string Tensor, long RowLength, string Wanted, string Written);

/// <summary>llama.cpp's quantizer (llama_model_quantize through LLamaSharp), with checks before and after.</summary>
public static class GgufQuantizer
{
    // Types llama.cpp refuses to write without an importance matrix (llama-quant.cpp bails out: "the result will be
    // garbage"), which LLamaSharp 0.30 cannot pass (see ImatrixUnsupported).
    private static readonly HashSet<string> NeedImatrix = new(StringComparer.OrdinalIgnoreCase) { "IQ2_XXS", "IQ2_XS", "IQ2_S", "IQ1_S", "IQ1_M" };

    private static readonly string[] Writable = [.. LlamaFileTypes.All.Where(t => !t.Retired && !NeedImatrix.Contains(t.Name)).Select(t => t.Name)];

    /// <summary>
    /// Why <see cref="QuantizeOptions.ImportanceMatrix"/> is refused: llama_model_quantize_params.imatrix is a pointer to
    /// a C++ <c>std::unordered_map&lt;std::string, std::vector&lt;float&gt;&gt;</c> that llama-quantize builds from the file;
    /// LLamaSharp 0.30 exposes only the raw pointer, and .NET cannot build that object.
    /// </summary>
    public const string ImatrixUnsupported =
        "an importance matrix cannot be passed through LLamaSharp 0.30: llama.cpp takes it as a pointer to a C++ std::unordered_map that only llama-quantize can build; quantize without --imatrix here, or run llama-quantize --imatrix FILE and import its output with `scout import`";

    /// <summary>Every file type this build can write, by llama-quantize name.</summary>
    public static IReadOnlyList<string> Types => Writable;

    /// <summary>Quantizes <see cref="QuantizeOptions.Source"/> to <see cref="QuantizeOptions.Type"/>.</summary>
    /// <exception cref="InferenceException">Unknown type, unusable source (already quantized, a tensor whose rows the type cannot hold: the message names it), or llama.cpp failed.</exception>
    /// <exception cref="GgufFormatException">The source is not a readable GGUF file.</exception>
    public static async Task<QuantizeResult> QuantizeAsync(QuantizeOptions options, IProgress<QuantizeProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        var plan = Plan(options);
        cancellationToken.ThrowIfCancellationRequested();
        LlamaRuntime.EnsureInitialized(options.Logger);

        var destination = Path.GetFullPath(options.Destination);
        var folder = Path.GetDirectoryName(destination)!;
        Directory.CreateDirectory(folder);
        var temp = Path.Combine(folder, $".{Path.GetFileName(destination)}.{Guid.NewGuid():N}.partial");
        var watch = Stopwatch.StartNew();
        var native = Task.Run(() => Run(plan.FileType, options, temp), CancellationToken.None);
        try
        {
            using (var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(200)))
            {
                while (!native.IsCompleted)
                {
                    var tick = timer.WaitForNextTickAsync(cancellationToken).AsTask();
                    await Task.WhenAny(native, tick).ConfigureAwait(false);
                    cancellationToken.ThrowIfCancellationRequested();
                    progress?.Report(new QuantizeProgress(plan.FileType.Name, Math.Min(SizeOf(temp), plan.ExpectedBytes), plan.ExpectedBytes));
                }
            }
            // A cancel asked for while the native call was finishing still cancels: the caller is told nothing was made.
            cancellationToken.ThrowIfCancellationRequested();
            var rc = await native.ConfigureAwait(false);
            if (rc != 0)
                throw new InferenceException(InferenceErrorKind.Internal,
                    $"llama.cpp could not quantize {options.Source} to {plan.FileType.Name} (llama_model_quantize returned {rc}); its log (run with --verbose) names the reason");
            var result = Validate(temp, plan, options, watch.Elapsed, destination);
            File.Move(temp, destination, overwrite: true);
            progress?.Report(new QuantizeProgress(plan.FileType.Name, result.Bytes, result.Bytes));
            return result;
        }
        catch
        {
            TryDelete(temp);
            // llama_model_quantize cannot be interrupted: a cancelled run keeps its thread until the native call returns,
            // writing to a file whose name is already gone; remove anything it may recreate once it ends.
            if (!native.IsCompleted) _ = native.ContinueWith(_ => TryDelete(temp), CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
            throw;
        }
    }

    private sealed record QuantizePlan(LlamaFileType FileType, GgufFile Source, long ExpectedBytes, IReadOnlyList<(GgufTensorInfo Tensor, string Reason)> Fallbacks);

    private static QuantizePlan Plan(QuantizeOptions options)
    {
        var fileType = LlamaFileTypes.Find(options.Type?.Trim() ?? "");
        if (fileType is null || fileType.Retired)
            throw new InferenceException(InferenceErrorKind.InvalidRequest,
                $"'{options.Type}' is not a type llama.cpp quantizes to; use one of {string.Join(", ", Writable)}") { Param = "type" };
        if (NeedImatrix.Contains(fileType.Name))
            throw new InferenceException(InferenceErrorKind.InvalidRequest,
                $"{fileType.Name} needs an importance matrix (llama.cpp refuses it without one), and {ImatrixUnsupported}") { Param = "type" };
        if (options.ImportanceMatrix is not null)
            throw new InferenceException(InferenceErrorKind.InvalidRequest, ImatrixUnsupported) { Param = "imatrix" };
        if (!File.Exists(options.Source))
            throw new InferenceException(InferenceErrorKind.ModelNotFound, $"no file at {options.Source}; give a GGUF file or a stored model name") { Param = "source" };

        var source = GgufValidator.ValidateFile(options.Source).File;
        var quantizable = source.Tensors.Where(Quantizable).ToList();
        if (quantizable.Count == 0)
            throw new InferenceException(InferenceErrorKind.InvalidRequest, $"{options.Source} holds no weight matrices to quantize");

        var already = quantizable.Where(t => GgmlTypes.Get(t.Type).IsQuantized).ToList();
        if (already.Count > 0 && !options.AllowRequantize)
            throw new InferenceException(InferenceErrorKind.InvalidRequest,
                $"{options.Source} is already quantized ({Names(already)} are {GgmlTypes.Get(already[0].Type).Name}); quantizing again loses quality twice: start from the F16/BF16/F32 file, or pass --allow-requantize") { Param = "source" };

        var main = GgmlTypes.Get(fileType.MainType);
        var fallbacks = new List<(GgufTensorInfo, string)>();
        var impossible = new List<GgufTensorInfo>();
        foreach (var t in quantizable)
        {
            if (!main.IsQuantized || t.RowLength % main.BlockSize == 0) continue;
            var legacy = main.BlockSize == 32;
            if (legacy) impossible.Add(t);
            else fallbacks.Add((t, $"row of {t.RowLength} is not a multiple of {main.BlockSize}"));
        }
        if (impossible.Count > 0)
            throw new InferenceException(InferenceErrorKind.InvalidRequest,
                $"{fileType.Name} stores rows in blocks of {main.BlockSize} values, and {Names(impossible)} {(impossible.Count == 1 ? "has rows" : "have rows")} of {string.Join("/", impossible.Select(t => t.RowLength).Distinct())} values, which llama.cpp cannot quantize to it (it has no fallback for {fileType.Name}); choose a K-quant (it falls back per tensor) or F16") { Param = "type" };

        long expected = source.DataOffset;
        foreach (var t in source.Tensors)
        {
            expected += !Quantizable(t) ? t.Bytes
                : main.IsQuantized && t.RowLength % main.BlockSize == 0 ? main.BytesFor(t.Elements) ?? t.Bytes
                : main.IsQuantized ? t.Elements * 2 // a fallback type: about 8.5 bits or F16; F16 is the upper bound
                : t.Elements * (long)main.BytesPerBlock;
        }
        return new QuantizePlan(fileType, source, expected, fallbacks);
    }

    // The tensors llama.cpp quantizes (llama-quant.cpp): 2-D-or-more weights, except norms, expert routers and
    // positional/token-type embeddings.
    private static bool Quantizable(GgufTensorInfo t) =>
        t.Name.EndsWith("weight", StringComparison.Ordinal)
        && NDims(t) >= 2
        && !t.Name.Contains("_norm", StringComparison.Ordinal)
        && !t.Name.Contains("ffn_gate_inp", StringComparison.Ordinal)
        && !t.Name.Contains("ssm_conv1d", StringComparison.Ordinal)
        && t.Name is not ("position_embd.weight" or "token_types.weight");

    // ggml_n_dims: trailing dimensions of 1 do not count.
    private static int NDims(GgufTensorInfo t)
    {
        var n = t.Dimensions.Count;
        while (n > 1 && t.Dimensions[n - 1] == 1) n--;
        return n;
    }

    private static string Names(List<GgufTensorInfo> tensors) =>
        tensors.Count <= 4
            ? string.Join(", ", tensors.Select(t => t.Name))
            : string.Join(", ", tensors.Take(3).Select(t => t.Name)) + $" and {tensors.Count - 3} more";

    private static uint Run(LlamaFileType type, QuantizeOptions options, string temp)
    {
        var p = LLamaModelQuantizeParams.Default();
        p.nthread = Math.Max(1, options.Threads);
        p.ftype = (LLamaFtype)type.Id;
        p.allow_requantize = options.AllowRequantize;
        return NativeApi.llama_model_quantize(options.Source, temp, ref p);
    }

    private static QuantizeResult Validate(string temp, QuantizePlan plan, QuantizeOptions options, TimeSpan elapsed, string destination)
    {
        GgufFile written;
        try
        {
            (written, var report) = GgufValidator.ValidateFile(temp);
            foreach (var w in report.Warnings) options.Logger?.LogWarning("quantized file: {Warning}", w);
        }
        catch (GgufFormatException e)
        {
            throw new InferenceException(InferenceErrorKind.Internal, $"llama.cpp wrote a {plan.FileType.Name} file our GGUF reader rejects ({e.Message}); nothing was kept", e);
        }
        if (written.Tensors.Count != plan.Source.Tensors.Count)
            throw new InferenceException(InferenceErrorKind.Internal,
                $"the quantized file holds {written.Tensors.Count} tensors where the source holds {plan.Source.Tensors.Count}; nothing was kept");
        var types = new SortedDictionary<string, int>(StringComparer.Ordinal);
        long elements = 0, bytes = 0;
        foreach (var t in written.Tensors)
        {
            types[t.Type.ToString()] = types.GetValueOrDefault(t.Type.ToString()) + 1;
            elements += t.Elements;
            bytes += t.Bytes;
        }
        var byName = written.Tensors.ToDictionary(t => t.Name, StringComparer.Ordinal);
        var fallbacks = plan.Fallbacks
            .Select(f => new QuantizeFallback(f.Tensor.Name, f.Tensor.RowLength, plan.FileType.MainType.ToString(), byName.TryGetValue(f.Tensor.Name, out var w) ? w.Type.ToString() : "?"))
            .ToList();
        foreach (var f in fallbacks)
            options.Logger?.LogInformation("{Tensor}: rows of {Row} values do not fit {Wanted} blocks; written as {Written}", f.Tensor, f.RowLength, f.Wanted, f.Written);
        return new QuantizeResult(destination, plan.FileType.Name, new FileInfo(temp).Length, elements == 0 ? 0 : bytes * 8.0 / elements, elements, elapsed, types)
        {
            Fallbacks = fallbacks,
        };
    }

    private static long SizeOf(string path)
    {
        try
        {
            return File.Exists(path) ? new FileInfo(path).Length : 0;
        }
        catch (IOException)
        {
            return 0;
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
    }
}
