using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using ModelScout.Engine.Bench;
using ModelScout.Engine.Quantization;
using ModelScout.Evaluation.Results;
using ModelScout.Gguf;

namespace ModelScout.Cli.QuantLoss;

/// <summary>The three engine steps of a sweep; the real one is <see cref="LlamaQuantLossEngine"/>.</summary>
internal interface IQuantLossEngine
{
    Task<QuantizeResult> QuantizeAsync(QuantizeOptions options, IProgress<QuantizeProgress>? progress, CancellationToken cancellationToken);

    Task<PerplexityResult> PerplexityAsync(PerplexityOptions options, IProgress<PerplexityProgress>? progress, CancellationToken cancellationToken);

    /// <summary>Prompt-processing and generation tokens/s of the file (llama-bench's tests, few repetitions).</summary>
    Task<(double Prompt, double Generate)> SpeedAsync(string modelPath, int threads, int? gpuLayers, string? llamaLibrary, CancellationToken cancellationToken);
}

/// <summary>llama.cpp through the engine: the quantizer, the perplexity runner and the local bench.</summary>
internal sealed class LlamaQuantLossEngine : IQuantLossEngine
{
    /// <summary>Prompt tokens and generated tokens per speed repetition, and the repetitions: a glance, not a benchmark.</summary>
    public const int SpeedPromptTokens = 128, SpeedGenerateTokens = 32, SpeedRepetitions = 2;

    public Task<QuantizeResult> QuantizeAsync(QuantizeOptions options, IProgress<QuantizeProgress>? progress, CancellationToken cancellationToken) =>
        GgufQuantizer.QuantizeAsync(options, progress, cancellationToken);

    public Task<PerplexityResult> PerplexityAsync(PerplexityOptions options, IProgress<PerplexityProgress>? progress, CancellationToken cancellationToken) =>
        PerplexityRunner.RunAsync(options, progress, cancellationToken);

    public async Task<(double Prompt, double Generate)> SpeedAsync(string modelPath, int threads, int? gpuLayers, string? llamaLibrary, CancellationToken cancellationToken)
    {
        var r = await LocalBench.RunAsync(new LocalBenchOptions
        {
            ModelPath = modelPath,
            PromptTokens = SpeedPromptTokens,
            GenerateTokens = SpeedGenerateTokens,
            Repetitions = SpeedRepetitions,
            Threads = threads,
            GpuLayers = gpuLayers,
            LlamaLibrary = llamaLibrary,
        }, null, cancellationToken).ConfigureAwait(false);
        return (r.Tests.First(t => t.Kind == LocalBenchTestKind.PromptProcessing).Mean, r.Tests.First(t => t.Kind == LocalBenchTestKind.TextGeneration).Mean);
    }
}

/// <summary>What one sweep measures.</summary>
/// <param name="Source">The unquantized GGUF every level is made from and measured against.</param>
/// <param name="WorkDirectory">Where quantized files and the base cache go (a folder per source is made inside).</param>
/// <param name="Chunks">At most this many chunks; null = all.</param>
/// <param name="Speed">Measure pp/tg per level (off in quick runs).</param>
internal sealed record QuantLossRequest(
    string Source, IReadOnlyList<string> Types, string Text, string TextLabel, int Context, int? Chunks, int Threads, string WorkDirectory,
    string? CatalogModel, bool Speed = true, int? GpuLayers = null, string? LlamaLibrary = null);

/// <summary>A step of the sweep, for the progress display.</summary>
/// <param name="Fraction">0-1 within the step; null when the step reports none.</param>
internal sealed record QuantLossProgress(string Level, string Step, double? Fraction, string? Detail = null);

/// <summary>One level's outcome: its stored record (fresh or from an earlier run), or the error that stopped it.</summary>
internal sealed record QuantLossLevel(string Type, QuantLossRecord? Record, bool FromStore, bool QuantizedNow, string? Error);

/// <summary>The whole sweep: the base row and each level in the order asked.</summary>
internal sealed record QuantLossSweepResult(QuantLossRecord Base, IReadOnlyList<QuantLossLevel> Levels, string WorkDirectory, string BaseCache);

/// <summary>
/// scout quant-loss's work: quantize (or reuse) each level, score the source once writing the base cache, score each level
/// against it, time it, and store every finished level at once so a rerun after a kill picks up where it stopped.
/// </summary>
internal sealed class QuantLossSweep(EvalStore store, IQuantLossEngine engine)
{
    /// <summary>The key type of the source's own row.</summary>
    public const string BaseType = "BASE";

    public async Task<QuantLossSweepResult> RunAsync(QuantLossRequest request, IProgress<QuantLossProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var sourceId = SourceIdentity(request.Source);
        var textHash = TextHash(request.Text);
        var chunks = request.Chunks ?? 0;
        QuantLossKey Key(string type) => new(sourceId, type.ToUpperInvariant(), textHash, request.Context, chunks);
        var work = Path.Combine(request.WorkDirectory, sourceId.Replace(':', '-'));
        Directory.CreateDirectory(work);
        var cache = Path.Combine(work, string.Create(CultureInfo.InvariantCulture, $"base-{textHash[..16]}-c{request.Context}-n{chunks}.logits"));
        var stem = Path.GetFileNameWithoutExtension(request.Source);

        var pending = request.Types.Where(t => store.FindQuantLoss(Key(t)) is null).ToList();
        var baseRecord = store.FindQuantLoss(Key(BaseType));
        if (baseRecord is null || (pending.Count > 0 && !File.Exists(cache)))
        {
            var info = GgufModelInfo.From(GgufReader.ReadFile(request.Source));
            var measured = await MeasureAsync(request, BaseType, request.Source, writeCache: cache, baseCache: null, progress, cancellationToken).ConfigureAwait(false);
            baseRecord = store.SaveQuantLoss(Record(request, Key(BaseType), request.Source, info, measured.Perplexity, measured.Speed));
        }

        var levels = new List<QuantLossLevel>();
        foreach (var type in request.Types)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (store.FindQuantLoss(Key(type)) is { } done)
            {
                levels.Add(new QuantLossLevel(type, done, FromStore: true, QuantizedNow: false, null));
                progress?.Report(new QuantLossProgress(type, "done earlier", 1));
                continue;
            }
            var path = Path.Combine(work, $"{stem}-{type.ToUpperInvariant()}.gguf");
            try
            {
                var quantized = false;
                if (!IsQuantizedAs(path, type))
                {
                    var step = new Progress<QuantizeProgress>(x => progress?.Report(new QuantLossProgress(type, "quantize", x.ExpectedBytes > 0 ? (double)x.BytesWritten / x.ExpectedBytes : null)));
                    await engine.QuantizeAsync(new QuantizeOptions { Source = request.Source, Destination = path, Type = type, Threads = request.Threads }, step, cancellationToken).ConfigureAwait(false);
                    quantized = true;
                }
                var info = GgufModelInfo.From(GgufReader.ReadFile(path));
                var measured = await MeasureAsync(request, type, path, writeCache: null, baseCache: cache, progress, cancellationToken).ConfigureAwait(false);
                var record = store.SaveQuantLoss(Record(request, Key(type), path, info, measured.Perplexity, measured.Speed));
                levels.Add(new QuantLossLevel(type, record, FromStore: false, quantized, null));
            }
            catch (ModelScout.Engine.InferenceException e)
            {
                levels.Add(new QuantLossLevel(type, null, false, false, e.Message));
            }
        }
        return new QuantLossSweepResult(baseRecord, levels, work, cache);
    }

    /// <summary>Size, modification time and a hash of the first MiB: enough to tell a changed or different file without reading gigabytes.</summary>
    public static string SourceIdentity(string path)
    {
        var file = new FileInfo(path);
        if (!file.Exists) throw new CliException($"no such file: {path}", ExitCodes.NotFound);
        using var stream = file.OpenRead();
        var head = new byte[(int)Math.Min(file.Length, 1 << 20)];
        stream.ReadExactly(head);
        var hash = Convert.ToHexStringLower(SHA256.HashData(head))[..16];
        return string.Create(CultureInfo.InvariantCulture, $"{file.Length}:{file.LastWriteTimeUtc.Ticks}:{hash}");
    }

    public static string TextHash(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));

    /// <summary>A quantized file is reused when our reader accepts it and it says it is of that type (the engine renames only complete files).</summary>
    public static bool IsQuantizedAs(string path, string type)
    {
        if (!File.Exists(path)) return false;
        try
        {
            var (file, _) = GgufValidator.ValidateFile(path);
            return string.Equals(GgufModelInfo.From(file).FileType?.Name, type, StringComparison.OrdinalIgnoreCase);
        }
        catch (Exception e) when (e is GgufFormatException or IOException)
        {
            return false;
        }
    }

    private async Task<(PerplexityResult Perplexity, (double Prompt, double Generate)? Speed)> MeasureAsync(QuantLossRequest r, string type, string path, string? writeCache, string? baseCache,
        IProgress<QuantLossProgress>? progress, CancellationToken cancellationToken)
    {
        var step = new Progress<PerplexityProgress>(x => progress?.Report(new QuantLossProgress(type, "perplexity", x.Chunks > 0 ? (double)x.Chunk / x.Chunks : null,
            string.Create(CultureInfo.InvariantCulture, $"PPL {x.RunningPerplexity:0.000}"))));
        var ppl = await engine.PerplexityAsync(new PerplexityOptions
        {
            ModelPath = path, Text = r.Text, Context = r.Context, MaxChunks = r.Chunks, Threads = r.Threads, WriteBaseCache = writeCache, BaseCache = baseCache,
            GpuLayers = r.GpuLayers, LlamaLibrary = r.LlamaLibrary,
        }, step, cancellationToken).ConfigureAwait(false);
        (double, double)? speed = null;
        if (r.Speed)
        {
            progress?.Report(new QuantLossProgress(type, "speed", null));
            speed = await engine.SpeedAsync(path, r.Threads, r.GpuLayers, r.LlamaLibrary, cancellationToken).ConfigureAwait(false);
        }
        return (ppl, speed);
    }

    private static QuantLossRecord Record(QuantLossRequest r, QuantLossKey key, string path, GgufModelInfo info, PerplexityResult ppl, (double Prompt, double Generate)? speed)
    {
        var d = ppl.Divergence;
        return new QuantLossRecord
        {
            Key = key,
            SourceName = Path.GetFileName(r.Source),
            CatalogModel = r.CatalogModel,
            FilePath = Path.GetFullPath(path),
            FileBytes = new FileInfo(path).Length,
            BitsPerWeight = Math.Round(info.BitsPerWeight, 4),
            TextLabel = r.TextLabel,
            ScoredTokens = ppl.ScoredTokens,
            Perplexity = new(ppl.Perplexity.Value, ppl.Perplexity.StandardError),
            DeltaPplPct = d is null ? null : new((d.PerplexityRatio.Value - 1) * 100, d.PerplexityRatio.StandardError * 100),
            Kld = d is null ? null : new(d.KlDivergence.Value, d.KlDivergence.StandardError),
            KldP99 = d?.KlP99,
            SameTopPct = d is null ? null : new(d.SameTop.Value * 100, d.SameTop.StandardError * 100),
            PromptTokensPerSecond = speed?.Prompt,
            GenerateTokensPerSecond = speed?.Generate,
            Machine = string.Create(CultureInfo.InvariantCulture, $"{Environment.ProcessorCount} cores, {r.Threads} threads{(r.GpuLayers is > 0 ? $", {r.GpuLayers} GPU layers" : "")}"),
        };
    }
}
