using System.Diagnostics;
using LLama;
using LLama.Common;
using LLama.Native;
using Microsoft.Extensions.Logging;
using ModelScout.Gguf;

namespace ModelScout.Engine.Quantization;

/// <summary>What <see cref="PerplexityRunner.RunAsync"/> measures; the defaults are llama-perplexity's.</summary>
public sealed record PerplexityOptions
{
    /// <summary>The GGUF file to score.</summary>
    public required string ModelPath { get; init; }

    /// <summary>The text, tokenized by the model (with its start token) and cut into chunks of <see cref="Context"/> tokens.</summary>
    public required string Text { get; init; }

    /// <summary>Tokens per chunk (llama-perplexity <c>-c</c>); each chunk starts from an empty context and its second half is scored.</summary>
    public int Context { get; init; } = 512;

    /// <summary>At most this many chunks (llama-perplexity <c>--chunks</c>); null = all.</summary>
    public int? MaxChunks { get; init; }

    /// <summary>CPU threads.</summary>
    public int Threads { get; init; } = EngineSettings.DefaultThreads(Environment.ProcessorCount);

    /// <summary>Tokens per llama_decode call; several chunks share a call when it holds them.</summary>
    public int BatchSize { get; init; } = 2048;

    /// <summary>Write this model's scored-token distributions here for later KL divergence (the base model's run).</summary>
    public string? WriteBaseCache { get; init; }

    /// <summary>Compare against the distributions cached here by the base model's run: adds <see cref="PerplexityResult.Divergence"/>.</summary>
    public string? BaseCache { get; init; }

    /// <summary>Where llama.cpp's log lines go.</summary>
    public ILogger? Logger { get; init; }

    /// <summary>Layers on the GPU; null = none here (CPU build).</summary>
    public int? GpuLayers { get; init; }

    /// <summary>A llama.cpp library to load instead of the bundled CPU build; null = bundled.</summary>
    public string? LlamaLibrary { get; init; }

    /// <summary>
    /// Most tokens the base cache keeps per scored position (it stops earlier once the rest of the vocabulary holds at
    /// most 1e-5 of the base's probability); 0 = the whole vocabulary (exact, large). See docs/perplexity.md.
    /// </summary>
    public int CacheTokens { get; init; } = BaseLogitCache.MaxTokens;
}

/// <summary>A measured mean with its standard error.</summary>
public readonly record struct Estimate(double Value, double StandardError);

/// <summary>Chunks done of the total, with the running perplexity.</summary>
public sealed record PerplexityProgress(int Chunk, int Chunks, double RunningPerplexity);

/// <summary>A model's divergence from the base, over the same scored tokens.</summary>
/// <param name="KlDivergence">Mean KL(base ‖ model) in nats per token.</param>
/// <param name="DeltaP">Mean of p_model(correct) − p_base(correct).</param>
/// <param name="SameTop">Share of tokens where both put the same token first (0–1).</param>
/// <param name="PerplexityRatio">PPL(model) / PPL(base), with its uncertainty from the paired log-probabilities.</param>
/// <param name="CacheError">
/// The most the cache's compact storage can move the mean KLD: the cache lumps the base's least likely tokens into one
/// bin, which can only lower a KLD, so the full-distribution KLD lies in [KlDivergence, KlDivergence + CacheError]. An
/// upper bound computed per token from the lumped mass and the model's least likely token (0 when the whole vocabulary is stored).
/// </param>
public sealed record DivergenceResult(
    Estimate KlDivergence, double KlMedian, double KlP99, double KlMax,
    Estimate DeltaP, Estimate SameTop, Estimate PerplexityRatio, double BasePerplexity, double CacheError);

/// <summary>One model's perplexity over a text, as llama-perplexity computes it.</summary>
/// <param name="Perplexity">exp(mean negative log-likelihood of the scored tokens), with its standard error.</param>
/// <param name="ScoringTokensPerSecond">Tokens decoded (all chunk tokens, not only scored ones) per second of the scoring loop: decoding, log-softmax and the cache together (loading and tokenizing excluded).</param>
public sealed record PerplexityResult(
    string ModelPath, int Context, int Chunks, int TextTokens, int ScoredTokens, Estimate Perplexity,
    double ScoringTokensPerSecond, TimeSpan Elapsed, DivergenceResult? Divergence)
{
    /// <summary>Bytes of the base cache written by this run (when <see cref="PerplexityOptions.WriteBaseCache"/> was set).</summary>
    public long? BaseCacheBytes { get; init; }
}

/// <summary>llama-perplexity's measurement (and its KL-divergence mode) through our own loop over llama_decode.</summary>
public static class PerplexityRunner
{
    /// <exception cref="InferenceException">Unloadable model, a text shorter than two chunks, or a base cache from another tokenizer/text/context.</exception>
    public static Task<PerplexityResult> RunAsync(PerplexityOptions options, IProgress<PerplexityProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Context < 8 || options.Context % 2 != 0)
            throw new InferenceException(InferenceErrorKind.InvalidRequest, $"the context must be an even number of tokens, at least 8 (got {options.Context})") { Param = "ctx" };
        if (options.MaxChunks is < 1)
            throw new InferenceException(InferenceErrorKind.InvalidRequest, $"--chunks must be at least 1 (got {options.MaxChunks})") { Param = "chunks" };
        if (options.BatchSize < 1 || options.Threads < 1)
            throw new InferenceException(InferenceErrorKind.InvalidRequest, "batch size and threads must be at least 1") { Param = options.Threads < 1 ? "threads" : "batch" };
        if (options.WriteBaseCache is not null && options.BaseCache is not null)
            throw new InferenceException(InferenceErrorKind.InvalidRequest, "a run either writes the base cache or compares against one, not both") { Param = "base" };
        return Task.Run(() => Run(options, progress, cancellationToken), cancellationToken);
    }

    private static PerplexityResult Run(PerplexityOptions o, IProgress<PerplexityProgress>? progress, CancellationToken ct)
    {
        var started = Stopwatch.GetTimestamp();
        LlamaRuntime.EnsureInitialized(o.Logger, o.LlamaLibrary);
        if (!File.Exists(o.ModelPath))
            throw new InferenceException(InferenceErrorKind.ModelNotFound, $"no model file at {o.ModelPath}") { Param = "model" };
        GgufFile header;
        try
        {
            header = GgufValidator.ValidateFile(o.ModelPath).File;
        }
        catch (GgufFormatException e)
        {
            throw new InferenceException(InferenceErrorKind.ModelLoadFailed, $"{o.ModelPath} is not a valid GGUF file ({e.Message}); download or convert it again", e);
        }
        var vocabularyHash = BaseLogitCache.HashVocabulary(header["tokenizer.ggml.tokens"]?.AsStrings() ?? []);
        var info = GgufModelInfo.From(header);
        var h = info.Hyper;
        var flash = EngineSettings.FlashAttentionFor(h.KeyLength ?? (h.HeadCount is > 0 ? h.EmbeddingLength / h.HeadCount : null), null);

        // Tokenize once with the model's own vocabulary before sizing the context: a vocabulary-only load is cheap.
        var load = new ModelParams(o.ModelPath) { GpuLayerCount = o.GpuLayers ?? 0 };
        LLamaWeights weights;
        try
        {
            weights = LLamaWeights.LoadFromFile(load);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw new InferenceException(InferenceErrorKind.ModelLoadFailed, $"llama.cpp could not load {o.ModelPath}: {e.Message}", e);
        }
        using var _ = weights;
        var vocab = weights.NativeHandle.Vocab;
        var vocabulary = vocab.Count;
        var tokens = Array.ConvertAll(weights.Tokenize(o.Text, true, false, System.Text.Encoding.UTF8), t => (int)t);
        var n = o.Context;
        if (tokens.Length < 2 * n)
            throw new InferenceException(InferenceErrorKind.InvalidRequest,
                $"the text is {tokens.Length} tokens for this model; perplexity with a context of {n} needs at least {2 * n} (two chunks, as llama-perplexity requires): give a longer text or a smaller --ctx") { Param = "text" };
        var chunks = Math.Min(tokens.Length / n, o.MaxChunks ?? int.MaxValue);
        var first = n / 2;
        var perChunk = n - 1 - first;
        var scoredTotal = chunks * perChunk;
        var tokensHash = BaseLogitCache.HashTokens(tokens);
        var bos = vocab.ShouldAddBOS && vocab.BOS is { } b ? (int?)(int)b : null;

        BaseLogitCache.Reader? reader = null;
        BaseLogitCache.Writer? writer = null;
        try
        {
            if (o.BaseCache is { } basePath)
            {
                reader = new BaseLogitCache.Reader(basePath);
                var hd = reader.Header;
                if (!hd.VocabularyHash.AsSpan().SequenceEqual(vocabularyHash) || hd.Vocabulary != vocabulary)
                    throw new InferenceException(InferenceErrorKind.InvalidRequest, $"the base cache {basePath} was made by a model with another tokenizer; KL divergence compares models that share one (quantizations of the same model)") { Param = "base" };
                if (!hd.TokensHash.AsSpan().SequenceEqual(tokensHash))
                    throw new InferenceException(InferenceErrorKind.InvalidRequest, $"the base cache {basePath} was made over another text; run the base again over this text") { Param = "base" };
                if (hd.Context != n || hd.Chunks != chunks || hd.ScoredTokens != scoredTotal)
                    throw new InferenceException(InferenceErrorKind.InvalidRequest, $"the base cache {basePath} was made with a context of {hd.Context} and {hd.Chunks} chunks; this run uses {n} and {chunks}: use the same --ctx and --chunks") { Param = "base" };
            }
            if (o.WriteBaseCache is { } cachePath)
                writer = new BaseLogitCache.Writer(cachePath, new BaseLogitCache.Header(vocabulary, vocabularyHash, tokensHash, n, chunks, scoredTotal, o.CacheTokens, BaseLogitCache.TailTarget));

            // Several chunks share a decode call (one sequence each) when the batch holds them, as llama-perplexity does.
            var seqs = Math.Max(1, Math.Min(o.BatchSize / n, chunks));
            var batchSize = o.BatchSize >= n ? seqs * n : o.BatchSize;
            var p = new ModelParams(o.ModelPath)
            {
                ContextSize = (uint)(seqs * n),
                BatchSize = (uint)batchSize,
                UBatchSize = (uint)Math.Min(512, batchSize),
                SeqMax = (uint)seqs,
                Threads = o.Threads,
                BatchThreads = o.Threads,
                GpuLayerCount = o.GpuLayers ?? 0,
            };
            if (flash is { } fa) p.FlashAttention = fa;
            LLamaContext context;
            try
            {
                context = weights.CreateContext(p, o.Logger);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                throw new InferenceException(InferenceErrorKind.ModelLoadFailed, $"llama.cpp could not make a context of {seqs} × {n} tokens for {o.ModelPath}: {e.Message}", e);
            }
            using var __ = context;
            var scorer = new Scorer(vocabulary, scoredTotal, reader, writer);
            var batch = new LLamaBatch();
            var rows = new List<(int Index, int Target)>(batchSize);
            var loopStart = Stopwatch.GetTimestamp();
            for (var c0 = 0; c0 < chunks; c0 += seqs)
            {
                ct.ThrowIfCancellationRequested();
                var inBatch = Math.Min(seqs, chunks - c0);
                context.NativeHandle.MemoryClear(true);
                // Fill the batch sequence by sequence, position by position; decode whenever it is full.
                batch.Clear();
                rows.Clear();
                for (var s = 0; s < inBatch; s++)
                {
                    var start = (c0 + s) * n;
                    for (var i = 0; i < n; i++)
                    {
                        var token = i == 0 && bos is { } bosToken ? bosToken : tokens[start + i];
                        var wanted = i >= first && i < n - 1;
                        var index = batch.Add((LLamaToken)token, (LLamaPos)i, (LLamaSeqId)s, wanted);
                        if (wanted) rows.Add((index, tokens[start + i + 1]));
                        if (batch.TokenCount == batchSize)
                        {
                            Decode(context, batch, o.ModelPath);
                            scorer.Score(context, rows);
                            batch.Clear();
                            rows.Clear();
                        }
                    }
                }
                if (batch.TokenCount > 0)
                {
                    Decode(context, batch, o.ModelPath);
                    scorer.Score(context, rows);
                }
                progress?.Report(new PerplexityProgress(Math.Min(c0 + inBatch, chunks), chunks, scorer.RunningPerplexity));
            }
            var decodeSeconds = Stopwatch.GetElapsedTime(loopStart).TotalSeconds;
            writer?.Commit();
            return new PerplexityResult(Path.GetFullPath(o.ModelPath), n, chunks, tokens.Length, scoredTotal, scorer.Perplexity(),
                decodeSeconds > 0 ? chunks * (double)n / decodeSeconds : 0, Stopwatch.GetElapsedTime(started), scorer.Divergence())
            {
                BaseCacheBytes = writer?.Bytes,
            };
        }
        finally
        {
            writer?.Dispose();
            reader?.Dispose();
        }
    }

    private static void Decode(LLamaContext context, LLamaBatch batch, string model)
    {
        var r = context.NativeHandle.Decode(batch);
        if (r != DecodeResult.Ok)
            throw new InferenceException(InferenceErrorKind.Internal, $"llama.cpp could not evaluate a chunk of {model} ({r})");
    }

    /// <summary>log Σ exp(logits), in double.</summary>
    internal static double LogSumExp(ReadOnlySpan<float> logits, out int argmax)
    {
        double max = double.NegativeInfinity;
        argmax = 0;
        for (var i = 0; i < logits.Length; i++)
        {
            if (logits[i] > max)
            {
                max = logits[i];
                argmax = i;
            }
        }
        double sum = 0;
        foreach (var l in logits) sum += Math.Exp(l - max);
        return max + Math.Log(sum);
    }

    // Per scored token: the NLL, and against a base cache KL(base ‖ model), Δp, same top, paired NLL difference.
    private sealed class Scorer(int vocabulary, int expected, BaseLogitCache.Reader? reader, BaseLogitCache.Writer? writer)
    {
        private readonly List<double> nll = new(expected);
        private readonly List<double> kl = reader is null ? [] : new(expected);
        private readonly List<double> deltaP = reader is null ? [] : new(expected);
        private readonly List<double> sameTop = reader is null ? [] : new(expected);
        private readonly List<double> pairedDiff = reader is null ? [] : new(expected);
        private readonly List<double> baseNll = reader is null ? [] : new(expected);
        private readonly int[] ids = new int[Math.Min(vocabulary, ushort.MaxValue)];
        private readonly float[] probs = new float[Math.Min(vocabulary, ushort.MaxValue)];
        private readonly bool[] stored = new bool[vocabulary];
        private double nllSum;
        private double boundSum;

        public double RunningPerplexity => nll.Count == 0 ? double.NaN : Math.Exp(nllSum / nll.Count);

        public void Score(LLamaContext context, List<(int Index, int Target)> rows)
        {
            foreach (var (index, target) in rows)
            {
                var logits = context.NativeHandle.GetLogitsIth(index);
                var logZ = LogSumExp(logits, out var top);
                var logp = logits[target] - logZ;
                nll.Add(-logp);
                nllSum -= logp;
                writer?.Add(logits, logZ, logp);
                if (reader is not null) Compare(logits, logZ, top, logp);
            }
        }

        private void Compare(ReadOnlySpan<float> logits, double logZ, int top, double logp)
        {
            var count = reader!.Next(ids, probs, out var baseLogp);
            // The stored probabilities, renormalised with the lumped rest so that they sum to 1 exactly: then KL(base ‖ base)
            // from a cache is 0 to second order in float32 rounding (about 1e-15), not first.
            double storedSum = 0;
            for (var i = 0; i < count; i++) storedSum += probs[i];
            var whole = count == vocabulary;
            var rest = whole || storedSum >= 1 ? 0 : 1 - storedSum;
            var scale = rest == 0 ? 1 / storedSum : 1;
            double klSum = 0, modelStored = 0;
            for (var i = 0; i < count; i++)
            {
                var pb = probs[i] * scale;
                var lq = logits[ids[i]] - logZ;
                modelStored += Math.Exp(lq);
                if (pb > 0) klSum += pb * (Math.Log(pb) - lq);
            }
            if (rest > 0)
            {
                var restModel = Math.Max(1 - modelStored, 1e-300);
                klSum += rest * Math.Log(rest / restModel);
                // Bound on what lumping hid: every unstored base token has p ≤ the last stored one, so the tail's true
                // contribution is at most rest · ln(p_last / q_min) over the unstored tokens.
                for (var i = 0; i < count; i++) stored[ids[i]] = true;
                double minUnstored = double.PositiveInfinity;
                for (var i = 0; i < logits.Length; i++) if (!stored[i] && logits[i] < minUnstored) minUnstored = logits[i];
                for (var i = 0; i < count; i++) stored[ids[i]] = false;
                var bound = rest * (Math.Log(probs[count - 1] * scale) - (minUnstored - logZ)) - rest * Math.Log(rest / restModel);
                boundSum += Math.Max(0, bound);
            }
            kl.Add(klSum);
            deltaP.Add(Math.Exp(logp) - Math.Exp(baseLogp));
            sameTop.Add(count > 0 && ids[0] == top ? 1 : 0);
            pairedDiff.Add(baseLogp - logp);
            baseNll.Add(-baseLogp);
        }

        public Estimate Perplexity()
        {
            var m = Mean(nll);
            var ppl = Math.Exp(m.Value);
            return new Estimate(ppl, ppl * m.StandardError);
        }

        public DivergenceResult? Divergence()
        {
            if (reader is null || kl.Count == 0) return null;
            var sorted = kl.ToArray();
            Array.Sort(sorted);
            var d = Mean(pairedDiff);
            var ratio = Math.Exp(d.Value);
            return new DivergenceResult(Mean(kl), Percentile(sorted, 0.5), Percentile(sorted, 0.99), sorted[^1],
                Mean(deltaP), Mean(sameTop), new Estimate(ratio, ratio * d.StandardError), Math.Exp(Mean(baseNll).Value), boundSum / kl.Count);
        }
    }

    /// <summary>Mean and its standard error (sample standard deviation / √n).</summary>
    internal static Estimate Mean(IReadOnlyList<double> values)
    {
        var n = values.Count;
        if (n == 0) return new Estimate(double.NaN, double.NaN);
        double sum = 0;
        foreach (var v in values) sum += v;
        var mean = sum / n;
        if (n == 1) return new Estimate(mean, double.NaN);
        double squares = 0;
        foreach (var v in values) squares += (v - mean) * (v - mean);
        return new Estimate(mean, Math.Sqrt(squares / (n - 1) / n));
    }

    /// <summary>The value at fraction <paramref name="q"/> of sorted values, linearly interpolated.</summary>
    internal static double Percentile(double[] sorted, double q)
    {
        var pos = q * (sorted.Length - 1);
        var lo = (int)Math.Floor(pos);
        var hi = Math.Min(lo + 1, sorted.Length - 1);
        return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
    }
}
