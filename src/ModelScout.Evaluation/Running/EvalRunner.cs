using Microsoft.Extensions.AI;
using ModelScout.Evaluation.Clients;
using ModelScout.Evaluation.Results;

namespace ModelScout.Evaluation.Running;

/// <summary>Where a suite stands, for progress bars.</summary>
/// <param name="Done">Items finished (scored or errored), including those a previous invocation finished.</param>
/// <param name="Errors">Items that failed in this invocation.</param>
/// <param name="Eta">Time left at the recent pace; null until a few items have finished.</param>
/// <param name="Shortened">Items answered in this invocation only after the suite shortened a prompt that did not fit.</param>
public sealed record EvalProgress(string Suite, int Done, int Total, int Errors, int Truncated, TimeSpan? Eta, int Shortened = 0);

/// <summary>How <see cref="EvalRunner"/> runs.</summary>
public sealed record EvalRunnerOptions
{
    /// <summary>Items in flight at once; the steps of one item always run in order.</summary>
    public int Concurrency { get; init; } = 1;
}

/// <summary>The outcome of one <see cref="EvalRunner.RunAsync"/> call.</summary>
/// <param name="Suites">Per suite, read back from the store (so a resumed run counts what earlier invocations did).</param>
/// <param name="Sent">Requests sent in this invocation (a resumed run sends only the unanswered ones).</param>
/// <param name="Reused">Replies taken from the store instead of sent.</param>
/// <param name="Cancelled">Stopped by the token before every item finished; what was stored stays.</param>
public sealed record EvalRunResult(IReadOnlyList<SuiteSummary> Suites, int Sent, int Reused, bool Cancelled);

/// <summary>
/// Runs suites against a chat client, storing every reply as it arrives and every score. Rerunning resumes: a step
/// whose reply is stored (for the same request, by prompt hash) is read back instead of sent, and scored items are
/// skipped. A request refused because its prompt does not fit the context is replaced by the suite's shorter version
/// (<see cref="IEvalSuite.Shorten"/>) until one fits or the suite has none; a stored reply to a shortened request is
/// recognised on resume by walking the same chain. A request that fails after the client's retries is stored as an error and its item reported as errored;
/// the next run tries it again. So is an item whose scorer fails (<see cref="ScoringException"/> or any other error).
/// </summary>
/// <param name="time">The clock for each reply's latency, the time it is stored and the progress estimate;
/// <see cref="TimeProvider.System"/> unless given.</param>
public sealed class EvalRunner(IChatClient client, EvalStore store, EvalRunnerOptions? options = null, TimeProvider? time = null)
{
    private readonly EvalRunnerOptions options = options ?? new EvalRunnerOptions();
    private readonly TimeProvider time = time ?? TimeProvider.System;

    /// <summary>Runs every suite in order; each suite's items run <see cref="EvalRunnerOptions.Concurrency"/> at a time.</summary>
    public async Task<EvalRunResult> RunAsync(EvalRunInfo run, IReadOnlyList<IEvalSuite> suites, IProgress<EvalProgress>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(suites);
        var counters = new Counters();
        var cancelled = false;
        foreach (var suite in suites)
        {
            if (cancellationToken.IsCancellationRequested)
            {
                cancelled = true;
                break;
            }
            try
            {
                await RunSuiteAsync(run, suite, counters, progress, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                cancelled = true;
                break;
            }
        }
        store.SetStatus(run, cancelled ? RunStatus.Interrupted : RunStatus.Complete);
        var summaries = suites.Select(s => store.Summarize(run, s.Name) with { Shortened = CountShortened(s, store.Replies(run, s.Name)) }).ToList();
        return new EvalRunResult(summaries, counters.Sent, counters.Reused, cancelled);
    }

    private async Task RunSuiteAsync(EvalRunInfo run, IEvalSuite suite, Counters counters, IProgress<EvalProgress>? progress, CancellationToken ct)
    {
        var scored = store.Scores(run, suite.Name).Select(s => s.Item.Id).ToHashSet(StringComparer.Ordinal);
        var cached = Answered(store.Replies(run, suite.Name));
        var pending = suite.Items.Where(i => !scored.Contains(i.Id)).ToList();
        var tracker = new SuiteTracker(suite.Name, suite.Items.Count, suite.Items.Count - pending.Count, progress, time);
        tracker.Report();
        await Parallel.ForEachAsync(pending, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, options.Concurrency), CancellationToken = ct },
            async (item, token) =>
            {
                var ok = await RunItemAsync(run, suite, item, cached, counters, tracker, token).ConfigureAwait(false);
                tracker.Finished(!ok);
            }).ConfigureAwait(false);
    }

    // False when a request failed; the item then has an error row and no score.
    private async Task<bool> RunItemAsync(EvalRunInfo run, IEvalSuite suite, EvalItem item, Dictionary<(string, int), StoredReply> cached,
        Counters counters, SuiteTracker tracker, CancellationToken ct)
    {
        var replies = new List<ModelReply>();
        var shortenedItem = false;
        while (suite.NextRequest(item, replies) is { } full)
        {
            if (cached.TryGetValue((item.Id, full.Step), out var stored) && StoredDepth(suite, item, full, stored.PromptHash) is { } depth)
            {
                replies.Add(stored.Reply! with { Shortened = depth });
                Interlocked.Increment(ref counters.Reused);
                continue;
            }
            var request = full;
            var json = RequestHash.CanonicalJson(request);
            var hash = RequestHash.Of(json);
            for (var shortened = 0; ; shortened++)
            {
                ct.ThrowIfCancellationRequested();
                var started = time.GetTimestamp();
                Interlocked.Increment(ref counters.Sent);
                try
                {
                    var response = await client.GetResponseAsync(request.Messages, ModelReplies.Options(request), ct).ConfigureAwait(false);
                    var reply = ModelReplies.From(response, time.GetElapsedTime(started)) with { Shortened = shortened };
                    // A one-token request (MMLU's logprob mode reads the first position only) ends at its limit by design.
                    var truncated = request.MaxTokens > 1 && string.Equals(reply.FinishReason, "length", StringComparison.Ordinal);
                    if (truncated) tracker.Truncation();
                    store.SaveReply(run, new StoredReply(suite.Name, item.Id, request.Step, hash, json, reply, null, ModelReplies.Attempts(response), truncated, time.GetUtcNow(),
                        ModelReplies.Endpoint(response)));
                    replies.Add(reply);
                    if (shortened > 0 && !shortenedItem)
                    {
                        shortenedItem = true;
                        tracker.Shortening();
                    }
                    break;
                }
                catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
                {
                    var tooLong = e is EndpointException { PromptTooLong: true };
                    // Hendrycks' rule: while the prompt does not fit, ask the suite for a shorter one (fewer shots) and
                    // send that for the same step. The refusals are not stored: the step's row holds what finally happened.
                    if (tooLong && shortened < MaxShortenings && Shorter(suite, item, request, hash) is { } shorter)
                    {
                        request = shorter;
                        json = RequestHash.CanonicalJson(request);
                        hash = RequestHash.Of(json);
                        continue;
                    }
                    var attempts = e is EndpointException ee ? ee.Attempts : 1;
                    if (tooLong) tracker.Truncation();
                    store.SaveReply(run, new StoredReply(suite.Name, item.Id, request.Step, hash, json, null, e.Message, attempts, tooLong, time.GetUtcNow(),
                        ModelReplies.Endpoint(e)));
                    return false;
                }
            }
        }
        SampleScore score;
        try
        {
            score = await suite.ScoreAsync(item, replies, ct).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            // One item that cannot be scored (a judge that never rates, a judge endpoint that is down, a scorer bug) must not
            // end a long run or pass for a zero: it is stored as an error and scored again, from the stored replies, next run.
            store.SaveScoringError(run, item, e is ScoringException ? e.Message : $"scoring failed: {e.GetType().Name}: {e.Message}");
            return false;
        }
        store.SaveScore(run, item, score, suite.ScoringMode);
        return true;
    }

    // A guard against a suite whose Shorten never runs out; MMLU needs at most five.
    private const int MaxShortenings = 32;

    // The suite's shorter version of a refused request, or null when it has none (or returns the same request again).
    private static ModelRequest? Shorter(IEvalSuite suite, EvalItem item, ModelRequest tooLong, string tooLongHash)
    {
        if (suite.Shorten(item, tooLong) is not { } shorter) return null;
        if (shorter.Step != tooLong.Step)
            throw new InvalidOperationException($"suite {suite.Name} shortened step {tooLong.Step} of {item.Id} into step {shorter.Step}; Shorten must keep the step");
        return RequestHash.Of(RequestHash.CanonicalJson(shorter)) == tooLongHash ? null : shorter;
    }

    /// <summary>
    /// Which request of a step a stored reply answered: 0 for <paramref name="full"/>, n for the n-th shorter version
    /// <see cref="IEvalSuite.Shorten"/> gives (a run whose longer prompts were refused); null when it answered none of them
    /// (the prompt changed since), so the step must be sent again. Pure computation: nothing is sent.
    /// </summary>
    public static int? StoredDepth(IEvalSuite suite, EvalItem item, ModelRequest full, string storedHash)
    {
        ArgumentNullException.ThrowIfNull(suite);
        ArgumentNullException.ThrowIfNull(full);
        var request = full;
        var hash = RequestHash.Of(RequestHash.CanonicalJson(request));
        for (var depth = 0; ; depth++)
        {
            if (hash == storedHash) return depth;
            if (depth >= MaxShortenings || Shorter(suite, item, request, hash) is not { } shorter) return null;
            request = shorter;
            hash = RequestHash.Of(RequestHash.CanonicalJson(request));
        }
    }

    // The stored replies a run can reuse, by item and step (error rows are retried, not reused).
    private static Dictionary<(string, int), StoredReply> Answered(IEnumerable<StoredReply> stored)
    {
        var answered = new Dictionary<(string, int), StoredReply>();
        foreach (var r in stored)
            if (r.Error is null && r.Reply is not null) answered[(r.ItemId, r.Step)] = r;
        return answered;
    }

    /// <summary>
    /// Items of <paramref name="suite"/> whose stored replies answer a shortened request for some step, found by replaying
    /// each item's steps over the stored replies (so items finished by earlier invocations count too).
    /// </summary>
    public static int CountShortened(IEvalSuite suite, IReadOnlyList<StoredReply> stored)
    {
        ArgumentNullException.ThrowIfNull(suite);
        ArgumentNullException.ThrowIfNull(stored);
        var answered = Answered(stored);
        if (answered.Count == 0) return 0;
        var count = 0;
        foreach (var item in suite.Items)
        {
            var replies = new List<ModelReply>();
            var shortened = false;
            while (suite.NextRequest(item, replies) is { } full && answered.TryGetValue((item.Id, full.Step), out var r)
                && StoredDepth(suite, item, full, r.PromptHash) is { } depth)
            {
                shortened |= depth > 0;
                replies.Add(r.Reply! with { Shortened = depth });
            }
            if (shortened) count++;
        }
        return count;
    }

    private sealed class Counters
    {
        public int Sent;
        public int Reused;
    }

    private sealed class SuiteTracker(string suite, int total, int alreadyDone, IProgress<EvalProgress>? progress, TimeProvider time)
    {
        // Exponential moving average of the time between finished items: follows a server that speeds up or slows down.
        private const double Smoothing = 0.1;
        private readonly Lock gate = new();
        private int done = alreadyDone;
        private int errors;
        private int truncated;
        private int shortened;
        private long last = time.GetTimestamp();
        private double? interval;
        private int samples;

        public void Truncation() => Interlocked.Increment(ref truncated);

        public void Shortening() => Interlocked.Increment(ref shortened);

        public void Finished(bool failed)
        {
            lock (gate)
            {
                done++;
                if (failed) errors++;
                var now = time.GetTimestamp();
                var seconds = time.GetElapsedTime(last, now).TotalSeconds;
                last = now;
                interval = interval is { } i ? i + Smoothing * (seconds - i) : seconds;
                samples++;
            }
            Report();
        }

        public void Report()
        {
            if (progress is null) return;
            EvalProgress p;
            lock (gate)
            {
                TimeSpan? eta = samples >= 3 && interval is { } i ? TimeSpan.FromSeconds(i * (total - done)) : null;
                p = new EvalProgress(suite, done, total, errors, Volatile.Read(ref truncated), eta, Volatile.Read(ref shortened));
            }
            progress.Report(p);
        }
    }
}
