using System.Globalization;
using System.Text.Json.Serialization;
using ModelScout.Cli.Output;
using ModelScout.Engine;
using ModelScout.Engine.Quantization;
using ModelScout.Store;

namespace ModelScout.Cli.Commands;

/// <summary>scout quantize SRC [DST] --type T[,T...]: llama.cpp's quantizer, checked before and validated after.</summary>
internal sealed class QuantizeCommand : ICommandBuilder
{
    private readonly Argument<string> source = new("source") { Description = "The model to quantize: a stored model name or a GGUF file (F32, F16 or BF16 weights)" };
    private readonly Argument<string?> destination = new("destination") { Description = "Output file (one type) or folder (default: beside a source file, or in the current folder for a stored model, with the type in the name)", Arity = ArgumentArity.ZeroOrOne };
    private readonly Option<string> types = new("--type", "-t") { Description = "File type(s), llama-quantize names, comma-separated: Q8_0,Q6_K,Q5_K_M,Q4_K_M,Q3_K_M,Q2_K,IQ4_XS...", Required = true, HelpName = "TYPE[,TYPE...]" };
    private readonly Option<string?> imatrix = new("--imatrix") { Description = "An importance matrix (llama-imatrix output); refused with the reason: LLamaSharp 0.30 cannot pass one", HelpName = "FILE" };
    private readonly Option<string?> import = new("--import") { Description = "Import each result into the store as NAME:<type> (e.g. NAME:q4_k_m)", HelpName = "NAME" };
    private readonly Option<bool> allowRequantize = new("--allow-requantize") { Description = "Quantize an already quantized source (quality is lost twice)" };
    private readonly Option<int?> threads = CommonOptions.Threads("CPU threads for quantization");

    public Command Build(CommonOptions o) =>
        new("quantize", "Quantize a GGUF model with llama.cpp's quantizer: checks the source first (already quantized, row lengths), writes to a temporary file, validates it with the GGUF reader, then renames it into place; --import stores each result.")
        {
            source, destination, types, imatrix, import, allowRequantize, threads, o.Models,
        };

    public int Run(CommandContext ctx)
    {
        var p = ctx.Parse;
        var wanted = (p.GetValue(types) ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (wanted.Length == 0) throw new CliException($"--type needs at least one type: {string.Join(", ", GgufQuantizer.Types)}");
        foreach (var t in wanted)
        {
            if (!GgufQuantizer.Types.Contains(t, StringComparer.OrdinalIgnoreCase))
                throw new CliException($"'{t}' is not a type scout can quantize to; use one of {string.Join(", ", GgufQuantizer.Types)}");
        }
        if (p.GetValue(imatrix) is not null) throw new CliException($"--imatrix: {GgufQuantizer.ImatrixUnsupported}");
        if (p.GetValue(threads) is < 1) throw new CliException("--threads must be at least 1");
        var importName = p.GetValue(import);
        if (importName is not null && importName.Contains(':', StringComparison.Ordinal))
            throw new CliException($"--import takes a name without a tag ('{importName}'); each result is stored as NAME:<type>");

        var resolved = Resolve(ctx, p.GetValue(source)!);
        GgufLoader.LoadValid(resolved.GgufPath);
        var targets = Destinations(resolved, p.GetValue(destination), wanted);
        var engine = EngineSettings.FromEnvironment(ctx.Settings.Environment);
        var threadCount = p.GetValue(threads) ?? engine.Threads;
        using var cts = new CancellationTokenSource();
        ConsoleCancelEventHandler onCancel = (_, e) =>
        {
            e.Cancel = true;
            cts.Cancel();
        };
        Console.CancelKeyPress += onCancel;
        var results = new List<QuantizeResultJson>();
        try
        {
            foreach (var (type, path) in targets)
            {
                var progress = new LineProgress(ctx.Stderr, type);
                var r = GgufQuantizer.QuantizeAsync(new QuantizeOptions
                {
                    Source = resolved.GgufPath,
                    Destination = path,
                    Type = type,
                    AllowRequantize = p.GetValue(allowRequantize),
                    Threads = threadCount,
                }, progress, cts.Token).GetAwaiter().GetResult();
                string? stored = null;
                if (importName is not null)
                {
                    var name = $"{importName}:{r.Type.ToLowerInvariant()}";
                    stored = ctx.Store.ImportAsync(r.Path, name, null, cts.Token).GetAwaiter().GetResult().Name;
                }
                var json = QuantizeResultJson.From(r, stored);
                results.Add(json);
                if (!ctx.Json) Render(ctx, json);
            }
        }
        catch (OperationCanceledException)
        {
            throw new CliException("quantization cancelled; no partial file was kept", ExitCodes.Error);
        }
        finally
        {
            Console.CancelKeyPress -= onCancel;
        }
        if (ctx.Json)
            ctx.WriteJson(new QuantizeJson("modelscout/quantize/v1", resolved.Digest is null ? resolved.GgufPath : resolved.Name, resolved.GgufPath, results), QuantizeJsonContext.Default.QuantizeJson);
        return ExitCodes.Ok;
    }

    private static ResolvedModel Resolve(CommandContext ctx, string name)
    {
        try
        {
            return ModelResolvers.StoreThenFile(ctx.Store).Resolve(name);
        }
        catch (StoreException e)
        {
            throw new CliException($"{e.Message}. Give a GGUF path or a name from `scout list`.", ExitCodes.NotFound);
        }
    }

    /// <summary>Where each type goes: DST as a file (one type) or folder; else beside a source file, or the current folder for a stored model.</summary>
    internal static List<(string Type, string Path)> Destinations(ResolvedModel source, string? destination, IReadOnlyList<string> types)
    {
        var canonical = types.Select(t => GgufQuantizer.Types.First(x => string.Equals(x, t, StringComparison.OrdinalIgnoreCase))).Distinct().ToList();
        string folder;
        string stem;
        if (source.Digest is null)
        {
            folder = Path.GetDirectoryName(Path.GetFullPath(source.GgufPath))!;
            stem = Path.GetFileNameWithoutExtension(source.GgufPath);
        }
        else
        {
            folder = Directory.GetCurrentDirectory();
            stem = source.Name.Replace('/', '-').Replace(':', '-');
        }
        // model-F16.gguf → model-Q4_K_M.gguf rather than model-F16-Q4_K_M.gguf.
        foreach (var suffix in new[] { "-f32", "-f16", "-bf16", ".f32", ".f16", ".bf16", "_f32", "_f16", "_bf16" })
        {
            if (stem.EndsWith(suffix, StringComparison.OrdinalIgnoreCase)) stem = stem[..^suffix.Length];
        }
        if (destination is not null)
        {
            var full = Path.GetFullPath(destination);
            var isFolder = Directory.Exists(full) || destination.EndsWith('/') || destination.EndsWith(Path.DirectorySeparatorChar);
            if (!isFolder)
            {
                if (canonical.Count > 1) throw new CliException($"{canonical.Count} types need a folder as DESTINATION, not the file {destination}");
                return [(canonical[0], full)];
            }
            folder = full;
        }
        return [.. canonical.Select(t => (t, Path.Combine(folder, $"{stem}-{t}.gguf")))];
    }

    private static void Render(CommandContext ctx, QuantizeResultJson r)
    {
        var h = ctx.Human;
        h.MarkupLine(Format.Esc(string.Create(CultureInfo.InvariantCulture,
            $"{r.Type}: {r.Path}  {Format.Bytes(r.Bytes)}, {r.BitsPerWeight:0.00} bits per weight, {r.ElapsedSeconds:0.0} s")));
        h.MarkupLine(Format.Esc("  tensors: " + string.Join(", ", r.TensorTypes.OrderByDescending(kv => kv.Value).Select(kv => $"{kv.Value} {kv.Key}"))));
        if (r.Fallbacks.Count > 0)
        {
            var groups = r.Fallbacks.GroupBy(f => (f.Wanted, f.Written, f.RowLength)).Select(g => $"{g.Count()} with {g.Key.RowLength}-value rows as {g.Key.Written} instead of {g.Key.Wanted}");
            h.MarkupLine(Format.Esc($"  fallbacks (rows not a multiple of the block; llama.cpp picks another type per tensor): {string.Join("; ", groups)}"));
        }
        if (r.Imported is { } name) h.MarkupLine(Format.Esc($"  imported as {name}"));
    }

    // Progress on stderr: a line at each tenth of the expected size.
    private sealed class LineProgress(TextWriter writer, string type) : IProgress<QuantizeProgress>
    {
        private int lastTenth = -1;

        public void Report(QuantizeProgress value)
        {
            var tenth = value.ExpectedBytes <= 0 ? 0 : (int)Math.Min(10, value.BytesWritten * 10 / value.ExpectedBytes);
            if (tenth <= lastTenth) return;
            lastTenth = tenth;
            writer.WriteLine(string.Create(CultureInfo.InvariantCulture, $"quantizing {type}: {tenth * 10}% ({Format.Bytes(value.BytesWritten)} of about {Format.Bytes(value.ExpectedBytes)})"));
        }
    }
}

internal sealed record QuantizeFallbackJson(string Tensor, long RowLength, string Wanted, string Written);

internal sealed record QuantizeResultJson(string Type, string Path, long Bytes, double BitsPerWeight, long Parameters, double ElapsedSeconds,
    IReadOnlyDictionary<string, int> TensorTypes, IReadOnlyList<QuantizeFallbackJson> Fallbacks, string? Imported)
{
    public static QuantizeResultJson From(QuantizeResult r, string? imported) => new(r.Type, r.Path, r.Bytes, Math.Round(r.BitsPerWeight, 4), r.Parameters,
        Math.Round(r.Elapsed.TotalSeconds, 3), r.TensorTypes, [.. r.Fallbacks.Select(f => new QuantizeFallbackJson(f.Tensor, f.RowLength, f.Wanted, f.Written))], imported);
}

internal sealed record QuantizeJson(string Schema, string Source, string SourcePath, IReadOnlyList<QuantizeResultJson> Results);

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    WriteIndented = true)]
[JsonSerializable(typeof(QuantizeJson))]
[JsonSerializable(typeof(PerplexityJson))]
internal sealed partial class QuantizeJsonContext : JsonSerializerContext;
