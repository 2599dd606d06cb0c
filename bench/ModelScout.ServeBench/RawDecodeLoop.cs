using System.Diagnostics;
using LLama;
using LLama.Common;
using LLama.Native;

namespace ModelScout.ServeBench;

/// <summary>
/// (a) The floor everything else is compared with: LLamaSharp with nothing of ours on top. One sequence, greedy
/// (arg-max over the logits), 1 thread for generation and for batches, tokens fed one llama_decode at a time.
/// </summary>
internal static class RawDecodeLoop
{
    public static void Measure(string model, BenchSettings s, BenchResults results)
    {
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
        using var weights = LLamaWeights.LoadFromFile(p);
        using var context = weights.CreateContext(p);
        var ctx = context.NativeHandle;
        var batch = new LLamaBatch();

        // Correctness first: the same greedy ids as llama.cpp in node-llama-cpp.
        var first = Generate(ctx, batch, BenchSettings.GreedyPrompt, 10, out _);
        results.Facts["raw.greedyIds"] = string.Join(",", first);

        var generation = results.Get("raw.generation", "tok/s");
        var prompt = results.Get("raw.prompt128", "tok/s");
        for (var run = 0; run < s.Runs + 1; run++)
        {
            Generate(ctx, batch, BenchSettings.GreedyPrompt, s.GenerateTokens, out var seconds);
            if (run > 0) generation.Add(s.GenerateTokens / seconds); // the first run warms caches and pages
        }
        var long128 = BenchSettings.PromptOf(128);
        for (var run = 0; run < s.Runs + 1; run++)
        {
            ctx.MemoryClear(true);
            batch.Clear();
            for (var i = 0; i < long128.Length; i++) batch.Add(long128[i], i, LLamaSeqId.Zero, i == long128.Length - 1);
            var sw = Stopwatch.StartNew();
            Check(ctx.Decode(batch));
            ctx.Synchronize();
            sw.Stop();
            if (run > 0) prompt.Add(long128.Length / sw.Elapsed.TotalSeconds);
        }
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
