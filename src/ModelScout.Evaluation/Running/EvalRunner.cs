using System.Diagnostics;
using Microsoft.Extensions.AI;
using ModelScout.Evaluation.Clients;
using ModelScout.Evaluation.Results;

namespace ModelScout.Evaluation.Running;

/// <summary>Where a suite stands, for progress bars.</summary>
/// <param name="Done">Items finished (scored or errored), including those a previous invocation finished.</param>
/// <param name="Errors">Items that failed in this invocation.</param>
/// <param name="Eta">Time left at the recent pace; null until a few items have finished.</param>
public sealed record EvalProgress(string Suite, int Done, int Total, int Errors, int Truncated, TimeSpan? Eta);

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
/// skipped. A request that fails after the client's retries is stored as an error and its item reported as errored;
/// the next run tries it again. So is an item whose scorer fails (<see cref="ScoringException"/> or any other error).
/// </summary>
public sealed class EvalRunner(IChatClient client, EvalStore store, EvalRunnerOptions? options = null)
{
    private readonly EvalRunnerOptions options = options ?? new EvalRunnerOptions();

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
        var summaries = suites.Select(s => store.Summarize(run, s.Name)).ToList();
        return new EvalRunResult(summaries, counters.Sent, counters.Reused, cancelled);
    }

    private async Task RunSuiteAsync(EvalRunInfo run, IEvalSuite suite, Counters counters, IProgress<EvalProgress>? progress, CancellationToken ct)
    {
        var scored = store.Scores(run, suite.Name).Select(s => s.Item.Id).ToHashSet(StringComparer.Ordinal);
        var cached = new Dictionary<(string, int), StoredReply>();
        foreach (var r in store.Replies(run, suite.Name))
            if (r.Error is null && r.Reply is not null) cached[(r.ItemId, r.Step)] = r;
        var pending = suite.Items.Where(i => !scored.Contains(i.Id)).ToList();
        var tracker = new SuiteTracker(suite.Name, suite.Items.Count, suite.Items.Count - pending.Count, progress);
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
        while (suite.NextRequest(item, replies) is { } request)
        {
            var json = RequestHash.CanonicalJson(request);
            var hash = RequestHash.Of(json);
            if (cached.TryGetValue((item.Id, request.Step), out var stored) && stored.PromptHash == hash)
            {
                replies.Add(stored.Reply!);
                Interlocked.Increment(ref counters.Reused);
                continue;
            }
            ct.ThrowIfCancellationRequested();
            var started = Stopwatch.GetTimestamp();
            Interlocked.Increment(ref counters.Sent);
            try
            {
                var response = await client.GetResponseAsync(request.Messages, ModelReplies.Options(request), ct).ConfigureAwait(false);
                var reply = ModelReplies.From(response, Stopwatch.GetElapsedTime(started));
                // A one-token request (MMLU's logprob mode reads the first position only) ends at its limit by design.
                var truncated = request.MaxTokens > 1 && string.Equals(reply.FinishReason, "length", StringComparison.Ordinal);
                if (truncated) tracker.Truncation();
                store.SaveReply(run, new StoredReply(suite.Name, item.Id, request.Step, hash, json, reply, null, ModelReplies.Attempts(response), truncated, DateTimeOffset.UtcNow));
                replies.Add(reply);
            }
            catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
            {
                var attempts = e is EndpointException ee ? ee.Attempts : 1;
                var tooLong = e is EndpointException { PromptTooLong: true };
                if (tooLong) tracker.Truncation();
                store.SaveReply(run, new StoredReply(suite.Name, item.Id, request.Step, hash, json, null, e.Message, attempts, tooLong, DateTimeOffset.UtcNow));
                return false;
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

    private sealed class Counters
    {
        public int Sent;
        public int Reused;
    }

    private sealed class SuiteTracker(string suite, int total, int alreadyDone, IProgress<EvalProgress>? progress)
    {
        // Exponential moving average of the time between finished items: follows a server that speeds up or slows down.
        private const double Smoothing = 0.1;
        private readonly Lock gate = new();
        private int done = alreadyDone;
        private int errors;
        private int truncated;
        private long last = Stopwatch.GetTimestamp();
        private double? interval;
        private int samples;

        public void Truncation() => Interlocked.Increment(ref truncated);

        public void Finished(bool failed)
        {
            lock (gate)
            {
                done++;
                if (failed) errors++;
                var now = Stopwatch.GetTimestamp();
                var seconds = Stopwatch.GetElapsedTime(last, now).TotalSeconds;
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
                p = new EvalProgress(suite, done, total, errors, Volatile.Read(ref truncated), eta);
            }
            progress.Report(p);
        }
    }
}
