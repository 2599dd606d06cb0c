using LLama;
using LLama.Common;
using LLama.Native;

namespace ModelScout.Engine;

// Exact log-likelihood of continuations (MMLU's in-process scoring mode). It runs on its own single-sequence context,
// as embeddings do, rather than through the scheduler: the scheduler's context and KV cells stay the generation slots'
// alone, the scheduler loop needs no new request kind, and llama.cpp allows several contexts over one set of weights.
// The cost is one more KV cache of num_ctx cells, made on first use.
internal sealed partial class LoadedModel
{
    private readonly SemaphoreSlim scoreGate = new(1, 1);
    private LLamaContext? scoreContext;
    private int[] scoreCached = [];

    /// <summary>
    /// Per continuation, the sum of log P(token | everything before it) over the continuation's tokens after
    /// <paramref name="context"/>. Context and continuation are tokenized together when the context's tokens stay a
    /// prefix of the whole (the usual case); otherwise apart and joined, so the boundary never moves into the context.
    /// </summary>
    public async Task<double[]> LogLikelihoodAsync(string context, IReadOnlyList<string> continuations, CancellationToken ct)
    {
        await scoreGate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            return await Task.Run(() => Score(context, continuations, ct), ct).ConfigureAwait(false);
        }
        finally
        {
            scoreGate.Release();
        }
    }

    private double[] Score(string context, IReadOnlyList<string> continuations, CancellationToken ct)
    {
        var prefix = Tokenize(context, addSpecial: true, parseSpecial: false);
        if (prefix.Length == 0)
            throw new InferenceException(InferenceErrorKind.InvalidRequest, "the context is empty and the model adds no start token, so the first continuation token has nothing to be predicted from; give a context") { Param = "context" };
        var results = new double[continuations.Count];
        for (var c = 0; c < continuations.Count; c++)
        {
            ct.ThrowIfCancellationRequested();
            var whole = Tokenize(context + continuations[c], addSpecial: true, parseSpecial: false);
            var tokens = whole.Length >= prefix.Length && whole.AsSpan(0, prefix.Length).SequenceEqual(prefix)
                ? whole
                : [.. prefix, .. Tokenize(continuations[c], addSpecial: false, parseSpecial: false)];
            if (tokens.Length == prefix.Length) continue;
            if (tokens.Length > NumCtx)
                throw new InferenceException(InferenceErrorKind.InvalidRequest,
                    $"context and continuation {c} are {tokens.Length} tokens, more than the context window of {NumCtx}; shorten the context (fewer shots) or raise num_ctx") { Param = "context", ContextOverflow = true };
            results[c] = Evaluate(tokens, prefix.Length);
        }
        return results;
    }

    // Decodes tokens[..^1] (reusing the KV cells shared with the previous call up to the context's last token) and sums
    // the log-softmax, in double, of each continuation token at the position before it.
    private double Evaluate(int[] tokens, int start)
    {
        var ctx = scoreContext ??= CreateScoreContext();
        var keep = 0;
        while (keep < scoreCached.Length && keep < tokens.Length && scoreCached[keep] == tokens[keep]) keep++;
        keep = Math.Min(keep, start - 1);
        ctx.NativeHandle.MemorySequenceRemove(LLamaSeqId.Zero, (LLamaPos)keep, (LLamaPos)(-1));
        scoreCached = tokens[..keep];

        var batch = new LLamaBatch();
        var targets = new List<(int Index, int Token)>(tokens.Length - start);
        for (var i = keep; i < tokens.Length - 1; i++)
        {
            var wanted = i >= start - 1;
            var index = batch.Add((LLamaToken)tokens[i], (LLamaPos)i, LLamaSeqId.Zero, wanted);
            if (wanted) targets.Add((index, tokens[i + 1]));
        }
        var result = ctx.NativeHandle.Decode(batch);
        if (result != DecodeResult.Ok)
        {
            ctx.NativeHandle.MemoryClear(true);
            scoreCached = [];
            throw new InferenceException(InferenceErrorKind.Internal, $"llama.cpp could not evaluate the continuation ({result})");
        }
        scoreCached = tokens[..^1];
        double total = 0;
        foreach (var (index, token) in targets) total += LogSoftmaxAt(ctx.NativeHandle.GetLogitsIth(index), token);
        return total;
    }

    internal static double LogSoftmaxAt(ReadOnlySpan<float> logits, int token)
    {
        double max = double.NegativeInfinity;
        foreach (var l in logits) if (l > max) max = l;
        double sum = 0;
        foreach (var l in logits) sum += Math.Exp(l - max);
        return logits[token] - max - Math.Log(sum);
    }

    private LLamaContext CreateScoreContext()
    {
        var p = new ModelParams(Model.GgufPath)
        {
            ContextSize = (uint)NumCtx,
            BatchSize = (uint)NumCtx,
            UBatchSize = (uint)Math.Min(NumCtx, Math.Max(1, settings.BatchSize)),
            SeqMax = 1,
            Threads = settings.Threads,
            BatchThreads = settings.Threads,
            GpuLayerCount = GpuLayers,
        };
        return Weights.CreateContext(p, logger);
    }
}
