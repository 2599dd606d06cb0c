using System.Diagnostics;
using System.Text;
using System.Threading.Channels;
using LLama;
using LLama.Native;
using Microsoft.Extensions.Logging;
using ModelScout.Prompting.Text;

namespace ModelScout.Engine;

/// <summary>A request accepted by a <see cref="Scheduler"/>: tokens in, updates out through <see cref="Output"/>.</summary>
internal sealed class ScheduledRequest(int[] prompt, SafeLLamaSamplerChainHandle sampler, int maxTokens,
    IReadOnlyList<string> stops, int topLogprobs, bool logprobs, bool argMax = false)
{
    /// <summary>Plain greedy (no grammar, no penalties): the arg-max of the logits, without a trip through the sampler chain.</summary>
    public bool ArgMax { get; } = argMax;
    public int[] Prompt { get; } = prompt;
    public SafeLLamaSamplerChainHandle Sampler { get; } = sampler;
    public int MaxTokens { get; } = maxTokens;
    public IReadOnlyList<string> Stops { get; } = stops;
    public int TopLogprobs { get; } = topLogprobs;
    public bool Logprobs { get; } = logprobs || topLogprobs > 0;
    public Channel<GenerationUpdate> Output { get; } = Channel.CreateUnbounded<GenerationUpdate>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
    public long EnqueuedAt { get; } = Stopwatch.GetTimestamp();
    private int cancelled;
    public bool IsCancelled => Volatile.Read(ref cancelled) != 0;
    public void Cancel() => Interlocked.Exchange(ref cancelled, 1);

    /// <summary>Tokens at the front of the slot a context shift keeps (<see cref="ContextWindow.Keep"/>).</summary>
    public int NumKeep { get; init; }

    /// <summary>Shift the context when the reply fills it (else end with Length).</summary>
    public bool ContextShift { get; init; }

    /// <summary>Collect the prompt and sampled ids for <see cref="GenerationStats.Context"/>.</summary>
    public bool ReturnContext { get; init; }

    /// <summary>The prompt's length before it was cut to fit the context; 0 when it was not cut.</summary>
    public int PromptTokensBeforeTruncation { get; init; }

    /// <summary>Called on the scheduler's thread after each context shift of this request (tests).</summary>
    internal Action<ContextShiftRecord>? Shifted { get; init; }

    // Filled by the scheduler for the final stats.
    public int ContextShifts { get; set; }
    public List<int>? Sampled { get; set; }
    public int CachedPromptTokens { get; set; }
    public long PromptStart { get; set; }
    public long FirstToken { get; set; }
    public int Generated { get; set; }
}

/// <summary>
/// Continuous batching over one llama.cpp context: every step packs the next token of each generating sequence plus
/// as many pending prompt tokens as fit into one <c>llama_decode</c>, so a new request starts on the next step
/// instead of waiting for the others to finish. Each slot is one KV sequence; a slot remembers the tokens it holds,
/// and a new request takes the free slot whose cache shares the longest prefix with its prompt (multi-turn chats
/// skip re-reading the history). All native calls on the context happen on the scheduler's own thread.
/// </summary>
internal sealed class Scheduler : IDisposable
{
    private readonly LLamaWeights weights;
    private readonly LLamaContext context;
    private readonly Slot[] slots;
    private readonly int contextPerSlot;
    private readonly int batchSize;
    private readonly int maxQueue;
    private readonly ILogger logger;
    private readonly Queue<ScheduledRequest> waiting = new();
    private readonly Lock gate = new();
    private readonly SemaphoreSlim wake = new(0);
    private readonly LLamaTokenData[] candidates;
    private readonly Thread thread;
    private volatile bool stopping;
    private long promptTokensTotal, generatedTokensTotal, requestsTotal;

    public Scheduler(LLamaWeights weights, LLamaContext context, int parallel, int contextPerSlot, int batchSize, int maxQueue, ILogger logger, string name)
    {
        this.weights = weights;
        this.context = context;
        this.contextPerSlot = contextPerSlot;
        this.batchSize = batchSize;
        this.maxQueue = maxQueue;
        this.logger = logger;
        candidates = new LLamaTokenData[weights.NativeHandle.Vocab.Count];
        // Recurrent and hybrid memories (Mamba, RWKV...) and M-RoPE positions cannot be moved: llama.cpp says so here.
        CanShift = context.NativeHandle.MemoryCanShift;
        slots = Enumerable.Range(0, parallel).Select(i => new Slot((LLamaSeqId)i)).ToArray();
        thread = new Thread(Run) { IsBackground = true, Name = "scout-scheduler " + name };
        thread.Start();
    }

    /// <summary>Whether llama.cpp can move this context's memory (tests set false to stand in for a recurrent model).</summary>
    internal bool CanShift { get; init; }

    public int Running
    {
        get
        {
            var n = 0;
            foreach (var s in slots) if (s.Request is not null) n++;
            return n;
        }
    }

    public int Waiting
    {
        get
        {
            lock (gate) return waiting.Count;
        }
    }

    public (long Prompt, long Generated, long Requests) Totals => (Interlocked.Read(ref promptTokensTotal), Interlocked.Read(ref generatedTokensTotal), Interlocked.Read(ref requestsTotal));

    /// <summary>Tokens held in the KV cache across slots.</summary>
    public int CachedTokens => slots.Sum(s => s.Cached.Count);

    /// <summary>Queues a request; throws <see cref="InferenceErrorKind.Busy"/> when the queue is full.</summary>
    public void Enqueue(ScheduledRequest request)
    {
        lock (gate)
        {
            if (stopping) throw new InferenceException(InferenceErrorKind.Busy, "the model is being unloaded; retry the request");
            if (waiting.Count >= maxQueue && Running >= slots.Length)
                throw new InferenceException(InferenceErrorKind.Busy, $"server busy: {waiting.Count} requests already wait for this model; retry later or raise the queue (SCOUT_MAX_QUEUE)");
            waiting.Enqueue(request);
        }
        if (request.PromptTokensBeforeTruncation > 0)
            logger.LogWarning("prompt of {Tokens} tokens does not fit the context of {NumCtx}: cut to {Kept} (its first tokens, num_keep {Keep}, and its end), {Dropped} dropped; raise num_ctx to keep it all",
                request.PromptTokensBeforeTruncation, contextPerSlot, request.Prompt.Length, request.NumKeep, request.PromptTokensBeforeTruncation - request.Prompt.Length);
        Interlocked.Increment(ref requestsTotal);
        wake.Release();
    }

    /// <summary>Wakes the loop so it notices a cancellation at once.</summary>
    public void Poke() => wake.Release();

    private void Run()
    {
        var batch = new LLamaBatch();
        var active = new List<Slot>(slots.Length);
        while (true)
        {
            Admit();
            active.Clear();
            foreach (var s in slots)
            {
                if (s.Request is null) continue;
                if (s.Request.IsCancelled) Finish(s, DoneReason.Cancelled);
                else active.Add(s);
            }
            if (active.Count == 0)
            {
                if (stopping) break;
                wake.Wait(TimeSpan.FromSeconds(1));
                continue;
            }
            Step(active, batch);
        }
        lock (gate)
        {
            while (waiting.TryDequeue(out var r)) Fail(r, new InferenceException(InferenceErrorKind.Busy, "the model was unloaded before this request started; retry it"));
        }
        foreach (var s in slots) if (s.Request is not null) Finish(s, DoneReason.Cancelled);
    }

    private void Admit()
    {
        lock (gate)
        {
            while (waiting.Count > 0)
            {
                var r = waiting.Peek();
                if (r.IsCancelled)
                {
                    waiting.Dequeue();
                    r.Sampler.Dispose();
                    r.Output.Writer.TryComplete(new OperationCanceledException());
                    continue;
                }
                var slot = BestSlot(r.Prompt);
                if (slot is null) return;
                waiting.Dequeue();
                Start(slot, r);
            }
        }
    }

    private Slot? BestSlot(int[] prompt)
    {
        Slot? best = null;
        var bestShared = -1;
        foreach (var s in slots)
        {
            if (s.Request is not null) continue;
            var shared = SharedPrefix(s.Cached, prompt);
            if (shared > bestShared)
            {
                best = s;
                bestShared = shared;
            }
        }
        return best;
    }

    private static int SharedPrefix(List<int> cached, int[] prompt)
    {
        var n = Math.Min(cached.Count, prompt.Length);
        var i = 0;
        while (i < n && cached[i] == prompt[i]) i++;
        return i;
    }

    private void Start(Slot slot, ScheduledRequest r)
    {
        var shared = SharedPrefix(slot.Cached, r.Prompt);
        // The last prompt token is always evaluated again: its logits choose the first new token.
        if (shared == r.Prompt.Length) shared--;
        if (shared < slot.Cached.Count)
        {
            context.NativeHandle.MemorySequenceRemove(slot.Seq, (LLamaPos)shared, (LLamaPos)(-1));
            slot.Cached.RemoveRange(shared, slot.Cached.Count - shared);
        }
        r.CachedPromptTokens = shared;
        r.PromptStart = Stopwatch.GetTimestamp();
        slot.Request = r;
        slot.Decoder = new StreamingTokenDecoder(Encoding.UTF8, weights);
        slot.Stop = new StopMatcher(r.Stops);
        slot.Pending = -1;
        if (r.ReturnContext) r.Sampled = [];
        Interlocked.Add(ref promptTokensTotal, r.Prompt.Length);
    }

    private void Step(List<Slot> active, LLamaBatch batch)
    {
        batch.Clear();
        var budget = batchSize;
        foreach (var s in active)
        {
            s.Logits = -1;
            s.Added = 0;
            if (s.Pending < 0) continue;
            s.Logits = batch.Add((LLamaToken)s.Pending, (LLamaPos)s.Cached.Count, s.Seq, true);
            s.Added = 1;
            budget--;
        }
        foreach (var s in active)
        {
            if (s.Pending >= 0 || budget <= 0) continue;
            var prompt = s.Request!.Prompt;
            var from = s.Cached.Count;
            var n = Math.Min(prompt.Length - from, budget);
            for (var i = 0; i < n; i++)
            {
                var last = from + i == prompt.Length - 1;
                var index = batch.Add((LLamaToken)prompt[from + i], (LLamaPos)(from + i), s.Seq, last);
                if (last) s.Logits = index;
            }
            s.Added = n;
            budget -= n;
        }
        if (batch.TokenCount == 0) return;

        var result = context.NativeHandle.Decode(batch);
        if (result != DecodeResult.Ok)
        {
            logger.LogError("llama_decode failed with {Result} for a batch of {Tokens} tokens", result, batch.TokenCount);
            foreach (var s in active)
            {
                if (s.Added == 0) continue;
                var r = s.Request!;
                ClearSlot(s);
                Fail(r, new InferenceException(InferenceErrorKind.Internal, $"llama.cpp could not evaluate the batch ({result}); the request was dropped, retry it"));
            }
            return;
        }

        foreach (var s in active)
        {
            if (s.Added == 0) continue;
            var r = s.Request!;
            if (s.Pending >= 0)
            {
                s.Cached.Add(s.Pending);
                s.Pending = -1;
            }
            else
            {
                var from = s.Cached.Count;
                for (var i = 0; i < s.Added; i++) s.Cached.Add(r.Prompt[from + i]);
            }
            if (s.Logits >= 0) Sample(s, r);
        }
    }

    private void Sample(Slot s, ScheduledRequest r)
    {
        TokenLogprob? chosen = null;
        IReadOnlyList<TokenLogprob>? top = null;
        float[]? logprobs = null;
        var logits = context.NativeHandle.GetLogitsIth(s.Logits);
        if (r.Logprobs) logprobs = LogSoftmax(logits);
        var token = r.ArgMax ? (LLamaToken)ArgMax(logits) : Draw(r.Sampler, logits);
        var id = (int)token;
        if (r.Generated == 0) r.FirstToken = Stopwatch.GetTimestamp();
        r.Generated++;
        Interlocked.Increment(ref generatedTokensTotal);

        var vocab = weights.NativeHandle.Vocab;
        if (token.IsEndOfGeneration(vocab))
        {
            Finish(s, DoneReason.Stop);
            return;
        }
        r.Sampled?.Add(id);
        if (logprobs is not null)
        {
            chosen = new TokenLogprob(id, Piece(token), logprobs[id]);
            if (r.TopLogprobs > 0) top = Top(logprobs, r.TopLogprobs);
        }
        s.Decoder!.Add(token);
        var text = s.Decoder.Read();
        var (emit, stopped) = s.Stop!.Push(text);
        if (emit.Length > 0 || chosen is not null || !stopped)
            r.Output.Writer.TryWrite(new GenerationToken(emit, id, chosen, top));
        if (stopped)
        {
            Finish(s, DoneReason.Stop, flush: false);
            return;
        }
        if (r.MaxTokens >= 0 && r.Generated >= r.MaxTokens)
        {
            Finish(s, DoneReason.Length);
            return;
        }
        if (s.Cached.Count + 1 >= contextPerSlot && !Shift(s, r))
        {
            Finish(s, DoneReason.Length);
            return;
        }
        s.Pending = id;
    }

    /// <summary>
    /// Makes room in a full slot as llama.cpp and Ollama do: keeps its first <see cref="ScheduledRequest.NumKeep"/>
    /// tokens, drops half of the rest from the KV cache, moves the tokens after them back by as many positions, and
    /// mirrors that in the slot's cached-token list so prefix reuse still compares like with like. False when the
    /// request or the model does not allow it (the caller ends the reply with Length).
    /// </summary>
    private bool Shift(Slot s, ScheduledRequest r)
    {
        if (!r.ContextShift) return false;
        var past = s.Cached.Count;
        if (!CanShift)
        {
            logger.LogInformation("the context of {NumCtx} tokens is full and this model's memory cannot be shifted (recurrent state or M-RoPE positions); ending the reply with length", contextPerSlot);
            return false;
        }
        var keep = Math.Min(r.NumKeep, past);
        var discard = ContextWindow.Discard(past, keep);
        if (discard == 0)
        {
            logger.LogInformation("the context of {NumCtx} tokens is full and num_keep {Keep} leaves nothing to drop; ending the reply with length", contextPerSlot, keep);
            return false;
        }
        var handle = context.NativeHandle;
        // LLamaSharp drops llama_memory_seq_rm's result; it fails only for memories that cannot shift, ruled out above.
        handle.MemorySequenceRemove(s.Seq, (LLamaPos)keep, (LLamaPos)(keep + discard));
        handle.MemorySequenceAdd(s.Seq, (LLamaPos)(keep + discard), (LLamaPos)past, -discard);
        s.Cached.RemoveRange(keep, discard);
        r.ContextShifts++;
        logger.LogDebug("context shift in slot {Slot}: {Past} tokens, kept {Keep}, dropped {Discard}", (int)s.Seq, past, keep, discard);
        r.Shifted?.Invoke(new ContextShiftRecord(s.Cached.GetRange(0, keep), discard, past, s.Cached.Count, (int)handle.MemorySequenceMaxPosition(s.Seq)));
        return true;
    }

    // The sampler chain over a candidate buffer reused for every token (LLamaSharp's Sample allocates one per call).
    private LLamaToken Draw(SafeLLamaSamplerChainHandle sampler, Span<float> logits)
    {
        var array = LLamaTokenDataArray.Create(logits, candidates);
        LLamaToken token;
        using (LLamaTokenDataArrayNative.Create(array, out var native))
        {
            sampler.Apply(ref native);
            token = native.Data[(int)native.Selected].ID;
        }
        sampler.Accept(token);
        return token;
    }

    private static int ArgMax(Span<float> logits)
    {
        var best = 0;
        var max = float.NegativeInfinity;
        for (var i = 0; i < logits.Length; i++)
        {
            if (logits[i] > max)
            {
                max = logits[i];
                best = i;
            }
        }
        return best;
    }

    private string Piece(LLamaToken token) => weights.NativeHandle.Vocab.LLamaTokenToString(token, true) ?? "";

    private List<TokenLogprob> Top(float[] logprobs, int k)
    {
        k = Math.Min(k, logprobs.Length);
        var best = new List<(int Id, float Lp)>(k + 1);
        for (var i = 0; i < logprobs.Length; i++)
        {
            var lp = logprobs[i];
            if (best.Count == k && lp <= best[^1].Lp) continue;
            var at = best.Count;
            while (at > 0 && best[at - 1].Lp < lp) at--;
            best.Insert(at, (i, lp));
            if (best.Count > k) best.RemoveAt(best.Count - 1);
        }
        return best.Select(b => new TokenLogprob(b.Id, Piece((LLamaToken)b.Id), b.Lp)).ToList();
    }

    private static float[] LogSoftmax(ReadOnlySpan<float> logits)
    {
        var max = float.NegativeInfinity;
        foreach (var l in logits) if (l > max) max = l;
        double sum = 0;
        foreach (var l in logits) sum += Math.Exp(l - max);
        var logSum = max + (float)Math.Log(sum);
        var result = new float[logits.Length];
        for (var i = 0; i < logits.Length; i++) result[i] = logits[i] - logSum;
        return result;
    }

    private static void Finish(Slot s, DoneReason reason, bool flush = true)
    {
        var r = s.Request!;
        if (flush && reason != DoneReason.Cancelled && s.Stop is not null)
        {
            var rest = s.Stop.Flush();
            if (rest.Length > 0) r.Output.Writer.TryWrite(new GenerationToken(rest, -1, null, null));
        }
        var now = Stopwatch.GetTimestamp();
        var firstToken = r.FirstToken == 0 ? now : r.FirstToken;
        r.Output.Writer.TryWrite(new GenerationCompleted(new GenerationStats
        {
            Model = "",
            DoneReason = reason,
            PromptTokens = r.Prompt.Length,
            CachedPromptTokens = r.CachedPromptTokens,
            CompletionTokens = r.Generated,
            ContextShifts = r.ContextShifts,
            Context = r.Sampled is { } sampled ? [.. r.Prompt, .. sampled] : null,
            PromptEvalDuration = Stopwatch.GetElapsedTime(r.PromptStart == 0 ? now : r.PromptStart, firstToken),
            EvalDuration = Stopwatch.GetElapsedTime(firstToken, now),
        }));
        r.Output.Writer.TryComplete();
        r.Sampler.Dispose();
        s.Request = null;
        s.Decoder = null;
        s.Stop = null;
        s.Pending = -1;
    }

    private void ClearSlot(Slot s)
    {
        context.NativeHandle.MemorySequenceRemove(s.Seq, (LLamaPos)0, (LLamaPos)(-1));
        s.Cached.Clear();
        s.Request?.Sampler.Dispose();
        s.Request = null;
        s.Decoder = null;
        s.Stop = null;
        s.Pending = -1;
    }

    private static void Fail(ScheduledRequest r, Exception e) => r.Output.Writer.TryComplete(e);

    /// <summary>Stops after the running requests are cancelled; waits for the thread.</summary>
    public void Dispose()
    {
        lock (gate) stopping = true;
        foreach (var s in slots) s.Request?.Cancel();
        wake.Release();
        thread.Join();
        wake.Dispose();
    }

    private sealed class Slot(LLamaSeqId seq)
    {
        public LLamaSeqId Seq { get; } = seq;
        public List<int> Cached { get; } = [];
        public ScheduledRequest? Request { get; set; }
        public StreamingTokenDecoder? Decoder { get; set; }
        public StopMatcher? Stop { get; set; }
        /// <summary>Sampled but not yet in the KV cache; -1 while the prompt is being read.</summary>
        public int Pending { get; set; } = -1;
        public int Logits { get; set; } = -1;
        public int Added { get; set; }
    }
}
