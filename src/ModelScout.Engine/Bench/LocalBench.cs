using System.Diagnostics;
using System.Globalization;
using LLama;
using LLama.Common;
using LLama.Native;
using Microsoft.Extensions.Logging;
using ModelScout.Gguf;

namespace ModelScout.Engine.Bench;

/// <summary>What <see cref="LocalBench.RunAsync"/> measures; the defaults are llama-bench's.</summary>
public sealed record LocalBenchOptions
{
    /// <summary>The GGUF file to load.</summary>
    public required string ModelPath { get; init; }

    /// <summary>Prompt tokens decoded as one batch per repetition (llama-bench <c>-p</c>); 0 skips the pp test.</summary>
    public int PromptTokens { get; init; } = 512;

    /// <summary>Tokens generated one decode at a time per repetition (llama-bench <c>-n</c>); 0 skips the tg test.</summary>
    public int GenerateTokens { get; init; } = 128;

    /// <summary>Timed runs per test, after one untimed warm-up run (llama-bench <c>-r</c>).</summary>
    public int Repetitions { get; init; } = 5;

    /// <summary>CPU threads for both tests; defaults to the engine's choice for this machine.</summary>
    public int Threads { get; init; } = EngineSettings.DefaultThreads(Environment.ProcessorCount);

    /// <summary>Most tokens per llama_decode call (llama-bench <c>-b</c>); a longer prompt is decoded in several calls.</summary>
    public int BatchSize { get; init; } = 2048;

    /// <summary>Tokens llama.cpp computes at once inside a call (llama-bench <c>-ub</c>).</summary>
    public int MicroBatchSize { get; init; } = 512;

    /// <summary>Flash attention on or off; null = the engine's choice for this model (<see cref="EngineSettings.FlashAttentionFor"/>).</summary>
    public bool? FlashAttention { get; init; }

    /// <summary>Where llama.cpp's log lines go (through <see cref="LlamaRuntime"/>).</summary>
    public ILogger? Logger { get; init; }

    /// <summary>Layers on the GPU (llama-bench <c>-ngl</c>); null = auto, the fit planner's placement on <see cref="Hardware"/>.</summary>
    public int? GpuLayers { get; init; }

    /// <summary>The machine auto GPU layers are planned for; null plans for no GPU.</summary>
    public ModelScout.Core.Machines.Machine? Hardware { get; init; }

    /// <summary>A llama.cpp library to load instead of the bundled CPU build (SCOUT_LLAMA_LIBRARY); null = bundled.</summary>
    public string? LlamaLibrary { get; init; }
}

/// <summary>The two llama-bench tests.</summary>
public enum LocalBenchTestKind
{
    /// <summary>Prompt processing: a batch of tokens decoded into an empty context.</summary>
    PromptProcessing,

    /// <summary>Text generation: one token per decode.</summary>
    TextGeneration,
}

/// <summary>Progress: <paramref name="Completed"/> of <paramref name="Total"/> timed runs of <paramref name="Test"/> are done.</summary>
/// <param name="LastTokensPerSecond">The speed of the run just finished; null before the first.</param>
public sealed record LocalBenchProgress(string Test, int Completed, int Total, double? LastTokensPerSecond);

/// <summary>One test's timed runs and their tokens/s, mean ± sample standard deviation as llama-bench reports them.</summary>
public sealed record LocalBenchTest(LocalBenchTestKind Kind, int Tokens, IReadOnlyList<TimeSpan> Runs)
{
    /// <summary>llama-bench's name: <c>pp512</c>, <c>tg128</c>.</summary>
    public string Name => (Kind == LocalBenchTestKind.PromptProcessing ? "pp" : "tg") + Tokens.ToString(CultureInfo.InvariantCulture);

    /// <summary>Tokens per second of each run.</summary>
    public IReadOnlyList<double> TokensPerSecond => Runs.Select(r => Tokens / r.TotalSeconds).ToArray();

    /// <summary>Mean of <see cref="TokensPerSecond"/>.</summary>
    public double Mean => RunStatistics.Mean(TokensPerSecond);

    /// <summary>Sample standard deviation (n − 1) of <see cref="TokensPerSecond"/>; 0 for one run.</summary>
    public double StandardDeviation => RunStatistics.SampleStandardDeviation(TokensPerSecond);

    /// <summary>As llama-bench prints it: <c>pp512 1234.56 ± 12.34</c>.</summary>
    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"{Name} {Mean:0.00} ± {StandardDeviation:0.00}");
}

/// <summary>A whole local run: the model, the settings used, the load time, and each test.</summary>
/// <param name="LoadDuration">Validating the file, loading the weights and creating the context; not part of any test.</param>
public sealed record LocalBenchResult(
    string ModelPath,
    long FileBytes,
    string? Architecture,
    int Threads,
    int BatchSize,
    int MicroBatchSize,
    int Repetitions,
    bool? FlashAttention,
    TimeSpan LoadDuration,
    IReadOnlyList<LocalBenchTest> Tests)
{
    /// <summary>The llama.cpp library that ran the tests.</summary>
    public LlamaLibraryInfo? Library { get; init; }

    /// <summary>Layers on the GPU, where the number came from, and the estimated VRAM.</summary>
    public GpuOffloadPlan? Offload { get; init; }
}

/// <summary>Mean and sample standard deviation, as llama-bench computes them over per-run tokens/s.</summary>
public static class RunStatistics
{
    /// <summary>The arithmetic mean; 0 for no values.</summary>
    public static double Mean(IReadOnlyList<double> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (values.Count == 0) return 0;
        double sum = 0;
        foreach (var v in values) sum += v;
        return sum / values.Count;
    }

    /// <summary>sqrt(Σ(x − mean)² / (n − 1)); 0 for fewer than two values.</summary>
    public static double SampleStandardDeviation(IReadOnlyList<double> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (values.Count < 2) return 0;
        var mean = Mean(values);
        double squares = 0;
        foreach (var v in values) squares += (v - mean) * (v - mean);
        return Math.Sqrt(squares / (values.Count - 1));
    }
}

/// <summary>
/// llama-bench's two measurements in-process, so the engine's ceiling can be read next to a server's figures. pp: a
/// batch of prompt tokens decoded into an emptied context (logits for the last token only), timed to the end of the
/// computation. tg: tokens decoded one per call with nothing sampled in between, so only llama.cpp is timed. Token ids
/// are a fixed pseudo-random sequence over the vocabulary, as llama-bench's are random. Each test runs once untimed,
/// then <see cref="LocalBenchOptions.Repetitions"/> times; the context is cleared before every run.
/// </summary>
public static class LocalBench
{
    private const int TokenSeed = 1234;

    /// <summary>Loads the model, runs the tests on a background thread, and disposes everything.</summary>
    /// <exception cref="ArgumentException">An option is out of range.</exception>
    /// <exception cref="InferenceException">The file is not a loadable GGUF, or llama.cpp failed a decode.</exception>
    public static Task<LocalBenchResult> RunAsync(LocalBenchOptions options, IProgress<LocalBenchProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        Validate(options);
        return Task.Factory.StartNew(() => Run(options, progress, cancellationToken), cancellationToken,
            TaskCreationOptions.LongRunning, TaskScheduler.Default);
    }

    private static void Validate(LocalBenchOptions o)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(o.ModelPath, nameof(o.ModelPath));
        if (o.PromptTokens < 0) throw new ArgumentException($"prompt tokens must be 0 or more, not {o.PromptTokens}", nameof(o));
        if (o.GenerateTokens < 0) throw new ArgumentException($"generated tokens must be 0 or more, not {o.GenerateTokens}", nameof(o));
        if (o.PromptTokens == 0 && o.GenerateTokens == 0) throw new ArgumentException("nothing to measure: set prompt tokens (pp), generated tokens (tg) or both", nameof(o));
        if (o.Repetitions < 1) throw new ArgumentException($"repetitions must be at least 1, not {o.Repetitions}", nameof(o));
        if (o.Threads < 1) throw new ArgumentException($"threads must be at least 1, not {o.Threads}", nameof(o));
        if (o.BatchSize < 1 || o.MicroBatchSize < 1) throw new ArgumentException("batch sizes must be at least 1", nameof(o));
    }

    private static LocalBenchResult Run(LocalBenchOptions o, IProgress<LocalBenchProgress>? progress, CancellationToken ct)
    {
        var library = LlamaRuntime.EnsureInitialized(o.Logger, o.LlamaLibrary);
        var started = Stopwatch.GetTimestamp();
        GgufModelInfo info;
        try
        {
            info = GgufModelInfo.From(GgufValidator.ValidateFile(o.ModelPath).File);
        }
        catch (GgufFormatException e)
        {
            throw new InferenceException(InferenceErrorKind.ModelLoadFailed, $"{o.ModelPath} is not a valid GGUF file ({e.Message}); pull or download it again");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InferenceException(InferenceErrorKind.ModelLoadFailed, $"cannot read {o.ModelPath}: {e.Message}");
        }
        var h = info.Hyper;
        var flash = EngineSettings.FlashAttentionFor(h.KeyLength ?? (h.HeadCount is > 0 ? h.EmbeddingLength / h.HeadCount : null), o.FlashAttention);
        // llama-bench sizes the context to the test; one context holds either test here.
        var contextSize = Math.Max(o.PromptTokens, o.GenerateTokens + 1);
        var batch = Math.Min(o.BatchSize, Math.Max(o.PromptTokens, 1));
        var offload = Offload(o, contextSize, library.GpuOffload);
        var p = new ModelParams(o.ModelPath)
        {
            ContextSize = (uint)Math.Max(contextSize, 16),
            BatchSize = (uint)batch,
            UBatchSize = (uint)Math.Min(o.MicroBatchSize, batch),
            SeqMax = 1,
            Threads = o.Threads,
            BatchThreads = o.Threads,
            GpuLayerCount = offload.GpuLayers,
        };
        if (flash is { } fa) p.FlashAttention = fa;
        LLamaWeights? weights = null;
        LLamaContext? context = null;
        try
        {
            try
            {
                weights = LLamaWeights.LoadFromFile(p);
                context = weights.CreateContext(p, o.Logger);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                throw new InferenceException(InferenceErrorKind.ModelLoadFailed, $"llama.cpp could not load {o.ModelPath}: {e.Message}", e);
            }
            var loadDuration = Stopwatch.GetElapsedTime(started);
            var vocabulary = weights.NativeHandle.Vocab.Count;
            var random = new Random(TokenSeed);
            var tokens = new LLamaToken[Math.Max(o.PromptTokens, o.GenerateTokens)];
            for (var i = 0; i < tokens.Length; i++) tokens[i] = random.Next(vocabulary);
            var ctx = context.NativeHandle;
            var llamaBatch = new LLamaBatch();
            var tests = new List<LocalBenchTest>();
            if (o.PromptTokens > 0)
                tests.Add(Measure(LocalBenchTestKind.PromptProcessing, o.PromptTokens, o.Repetitions, progress,
                    () => Prompt(ctx, llamaBatch, tokens.AsSpan(0, o.PromptTokens), batch, ct), ct));
            if (o.GenerateTokens > 0)
                tests.Add(Measure(LocalBenchTestKind.TextGeneration, o.GenerateTokens, o.Repetitions, progress,
                    () => Generate(ctx, llamaBatch, tokens.AsSpan(0, o.GenerateTokens), ct), ct));
            return new LocalBenchResult(Path.GetFullPath(o.ModelPath), new FileInfo(o.ModelPath).Length, info.Architecture,
                o.Threads, batch, (int)p.UBatchSize, o.Repetitions, flash, loadDuration, tests) { Library = library, Offload = offload };
        }
        finally
        {
            context?.Dispose();
            weights?.Dispose();
        }
    }

    private static GpuOffloadPlan Offload(LocalBenchOptions o, int contextSize, bool libraryOffloads)
    {
        try
        {
            var file = ModelScout.Core.Fit.FileModel.From(GgufReader.ReadFile(o.ModelPath), ModelScout.Core.Catalog.Catalog.Embedded, Path.GetFileName(o.ModelPath));
            if (file.Weights is not null) return GpuOffload.Plan(file, contextSize, 1, Math.Min(o.MicroBatchSize, Math.Max(contextSize, 1)), o.Hardware, o.GpuLayers, libraryOffloads);
        }
        catch (Exception e) when (e is GgufFormatException or IOException or ArgumentException or InvalidOperationException)
        {
        }
        var layers = libraryOffloads ? o.GpuLayers ?? 0 : 0;
        return new GpuOffloadPlan(layers, 0, 0, 0, "no memory plan for this file");
    }

    private static LocalBenchTest Measure(LocalBenchTestKind kind, int tokens, int repetitions, IProgress<LocalBenchProgress>? progress,
        Func<TimeSpan> run, CancellationToken ct)
    {
        var name = (kind == LocalBenchTestKind.PromptProcessing ? "pp" : "tg") + tokens.ToString(CultureInfo.InvariantCulture);
        progress?.Report(new LocalBenchProgress(name, 0, repetitions, null));
        run(); // warm-up: page in the weights, size llama.cpp's buffers
        var runs = new List<TimeSpan>(repetitions);
        for (var r = 0; r < repetitions; r++)
        {
            ct.ThrowIfCancellationRequested();
            var elapsed = run();
            runs.Add(elapsed);
            progress?.Report(new LocalBenchProgress(name, r + 1, repetitions, tokens / elapsed.TotalSeconds));
        }
        return new LocalBenchTest(kind, tokens, runs);
    }

    private static TimeSpan Prompt(SafeLLamaContextHandle ctx, LLamaBatch batch, ReadOnlySpan<LLamaToken> tokens, int batchSize, CancellationToken ct)
    {
        ctx.MemoryClear(true);
        var started = Stopwatch.GetTimestamp();
        for (var offset = 0; offset < tokens.Length; offset += batchSize)
        {
            ct.ThrowIfCancellationRequested();
            var count = Math.Min(batchSize, tokens.Length - offset);
            batch.Clear();
            for (var i = 0; i < count; i++) batch.Add(tokens[offset + i], offset + i, LLamaSeqId.Zero, i == count - 1);
            Check(ctx.Decode(batch));
        }
        ctx.Synchronize();
        return Stopwatch.GetElapsedTime(started);
    }

    private static TimeSpan Generate(SafeLLamaContextHandle ctx, LLamaBatch batch, ReadOnlySpan<LLamaToken> tokens, CancellationToken ct)
    {
        ctx.MemoryClear(true);
        var started = Stopwatch.GetTimestamp();
        for (var i = 0; i < tokens.Length; i++)
        {
            ct.ThrowIfCancellationRequested();
            batch.Clear();
            batch.Add(tokens[i], i, LLamaSeqId.Zero, true);
            Check(ctx.Decode(batch));
        }
        ctx.Synchronize();
        return Stopwatch.GetElapsedTime(started);
    }

    private static void Check(DecodeResult result)
    {
        if (result != DecodeResult.Ok) throw new InferenceException(InferenceErrorKind.Internal, $"llama_decode returned {result}");
    }
}
