using System.Diagnostics;
using LLama;
using LLama.Common;
using LLama.Native;
using ModelScout.Engine;

namespace ModelScout.ServeBench;

/// <summary>
/// (a) The floor everything else is compared with: LLamaSharp with nothing of ours on top. One sequence, greedy
/// (arg-max over the logits), 1 thread for generation and for batches, tokens fed one llama_decode at a time.
/// </summary>
internal sealed class RawDecodeLoop : IDisposable
{
    private readonly LLamaWeights weights;
    private readonly LLamaContext context;
    private readonly LLamaBatch batch = new();
    private readonly BenchSettings s;

    public RawDecodeLoop(string model, BenchSettings s)
    {
        this.s = s;
        var p = new ModelParams(model)
        {
            ContextSize = (uint)s.Context,
            BatchSize = 512,
            UBatchSize = 512,
            SeqMax = 1,
            GpuLayerCount = 0,
            Threads = s.Threads,
            BatchThreads = s.Threads,
        };
        // The same attention kernel the engine picks for this file, so the ratios compare like with like.
        var h = ModelScout.Gguf.GgufModelInfo.From(ModelScout.Gguf.GgufReader.ReadFile(model)).Hyper;
        if (EngineSettings.FlashAttentionFor(h.KeyLength ?? (h.EmbeddingLength / h.HeadCount), null) is { } fa) p.FlashAttention = fa;
        weights = LLamaWeights.LoadFromFile(p);
        context = weights.CreateContext(p);
    }

    /// <summary>Correctness first: the same greedy ids as llama.cpp in node-llama-cpp.</summary>
    public List<int> GreedyIds() => Generate(context.NativeHandle, batch, BenchSettings.GreedyPrompt, 10, out _);

    /// <summary>One single-stream generation run, tokens/s over the single-token decodes.</summary>
    public double Generation()
    {
        Generate(context.NativeHandle, batch, BenchSettings.GreedyPrompt, s.GenerateTokens, out var seconds);
        return s.GenerateTokens / seconds;
    }

    /// <summary>One 128-token prompt in one llama_decode, tokens/s.</summary>
    public double Prompt128()
    {
        var ctx = context.NativeHandle;
        var long128 = BenchSettings.PromptOf(128);
        ctx.MemoryClear(true);
        batch.Clear();
        for (var i = 0; i < long128.Length; i++) batch.Add(long128[i], i, LLamaSeqId.Zero, i == long128.Length - 1);
        var sw = Stopwatch.StartNew();
        Check(ctx.Decode(batch));
        ctx.Synchronize();
        return long128.Length / sw.Elapsed.TotalSeconds;
    }

    public void Dispose()
    {
        context.Dispose();
        weights.Dispose();
    }

    // Decodes the prompt, then `count` more tokens one at a time; seconds covers those single-token decodes only.
    private static List<int> Generate(SafeLLamaContextHandle ctx, LLamaBatch batch, int[] promptIds, int count, out double seconds)
    {
        ctx.MemoryClear(true);
        batch.Clear();
        for (var i = 0; i < promptIds.Length; i++) batch.Add(promptIds[i], i, LLamaSeqId.Zero, i == promptIds.Length - 1);
        Check(ctx.Decode(batch));
        var ids = new List<int>(count + 1);
        var next = ArgMax(ctx.GetLogitsIth(batch.TokenCount - 1));
        ids.Add(next);
        var pos = promptIds.Length;
        var sw = Stopwatch.StartNew();
        for (var n = 0; n < count; n++)
        {
            batch.Clear();
            batch.Add(next, pos++, LLamaSeqId.Zero, true);
            Check(ctx.Decode(batch));
            next = ArgMax(ctx.GetLogitsIth(0));
            ids.Add(next);
        }
        seconds = sw.Elapsed.TotalSeconds;
        return ids.Take(count).ToList();
    }

    private static int ArgMax(Span<float> logits)
    {
        var best = 0;
        for (var i = 1; i < logits.Length; i++)
            if (logits[i] > logits[best]) best = i;
        return best;
    }

    private static void Check(DecodeResult r)
    {
        if (r != DecodeResult.Ok) throw new InvalidOperationException($"llama_decode returned {r}");
    }
}
