using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;

namespace ModelScout.LoadTest;

/// <summary>Where a run stands, reported after every finished request.</summary>
/// <param name="LevelIndex">Index of <paramref name="Level"/> in the plan.</param>
/// <param name="TargetIndex">Index of <paramref name="Target"/>; 0 is the baseline.</param>
/// <param name="Round">The round (0-based) the request belonged to; -1 during warmup.</param>
/// <param name="Done">Requests this target has finished at this level (warmup excluded).</param>
/// <param name="Total">Requests this target will send at this level; null when a duration bounds the level.</param>
/// <param name="Failed">Of <paramref name="Done"/>, how many failed.</param>
/// <param name="OutputTokensPerSecond">This target's output tokens so far at this level over its time under load.</param>
public sealed record BenchProgress(LoadLevel Level, int LevelIndex, BenchTarget Target, int TargetIndex, int Round, int Rounds,
    int Done, int? Total, int Failed, double OutputTokensPerSecond)
{
    /// <summary>The request that just finished (its TTFT, TPOT, tokens, failure); null only where a caller builds progress without one.</summary>
    public RequestSample? Sample { get; init; }
}

/// <summary>
/// Runs a <see cref="LoadPlan"/> against several targets and returns the <see cref="BenchReport"/>. Each level is cut
/// into rounds; in every round each target gets its slice in turn (<see cref="Interleaving.Order"/>), so the ratios
/// between targets are taken round by round and drift of the machine hits all targets alike.
/// </summary>
/// <remarks>
/// The run's start, its slices' lengths, duration bounds and the open-loop arrival schedule are read from the
/// <see cref="TimeProvider"/>. The requests themselves are timed by <see cref="StreamingClient"/> on
/// <see cref="Stopwatch"/> ticks, per chunk, as <see cref="RequestSample"/> documents; the report's
/// <see cref="BenchReport.OriginTimestamp"/> is on that clock too, since the raw samples are placed against it.
/// </remarks>
public sealed class BenchRunner
{
    private readonly HttpClient http;
    private readonly TimeSpan timeout;
    private readonly TimeProvider time;

    /// <param name="http">Shared client; its own Timeout should be infinite (the per-request <paramref name="timeout"/> applies).</param>
    /// <param name="time">The clock for the run's start, slice lengths and the arrival schedule; <see cref="TimeProvider.System"/> unless given.</param>
    public BenchRunner(HttpClient http, TimeSpan timeout, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(http);
        if (timeout <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(timeout), "the timeout must be positive");
        this.http = http;
        this.timeout = timeout;
        this.time = time ?? TimeProvider.System;
    }

    /// <summary>The metrics compared round by round between each target and the baseline.</summary>
    public static IReadOnlyList<string> RatioMetrics { get; } = ["output_throughput", "request_throughput", "ttft_median", "tpot_median", "e2e_median"];

    /// <summary>
    /// Measures every target at every level. Cancelling <paramref name="cancellationToken"/> stops sending, drops the
    /// requests in flight, and returns what was measured with <see cref="BenchReport.Interrupted"/> set.
    /// </summary>
    /// <param name="prompts">One prompt source per target, in the targets' order.</param>
    /// <param name="settings">Extra settings to record (the runner adds the plan's own).</param>
    public async Task<BenchReport> RunAsync(IReadOnlyList<BenchTarget> targets, IReadOnlyList<IPromptSource> prompts, LoadPlan plan,
        IProgress<BenchProgress>? progress = null, IReadOnlyDictionary<string, string>? settings = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(targets);
        ArgumentNullException.ThrowIfNull(prompts);
        ArgumentNullException.ThrowIfNull(plan);
        if (targets.Count == 0) throw new ArgumentException("give at least one target", nameof(targets));
        if (prompts.Count != targets.Count) throw new ArgumentException("give one prompt source per target", nameof(prompts));
        plan.Validate();

        var startedAt = time.GetUtcNow();
        // The raw samples' clock, not the provider's: exporters place each sample's Stopwatch ticks against it.
        var origin = Stopwatch.GetTimestamp();
        var clients = targets.Select(t => new StreamingClient(http, t.Endpoint, t.Format, timeout)).ToArray();
        var scraper = new MetricsScraper(http);
        var nextIndex = new int[targets.Count];
        var points = new List<BenchPoint>();
        var ratios = new List<BenchRatio>();
        var interrupted = false;

        for (var levelIndex = 0; levelIndex < plan.Levels.Count && !interrupted; levelIndex++)
        {
            var level = plan.Levels[levelIndex];
            var runs = targets.Select(_ => new TargetRun(plan.Rounds, time)).ToArray();
            try
            {
                if (plan.Warmup > 0)
                {
                    for (var t = 0; t < targets.Count; t++)
                    {
                        var width = level.Kind == LoadKind.Concurrency ? (int)level.Value : plan.MaxConcurrency ?? plan.Warmup;
                        var first = nextIndex[t];
                        nextIndex[t] += plan.Warmup;
                        await ClosedLoopAsync(clients[t], prompts[t], targets[t], plan, Math.Min(width, plan.Warmup), plan.Warmup, null, first, null, cancellationToken);
                    }
                }
                var before = await ScrapeAllAsync(scraper, targets, cancellationToken);
                foreach (var (round, order) in Interleaving.Order(targets.Count, plan.Rounds).Select((o, r) => (r, o)))
                {
                    foreach (var t in order)
                    {
                        var run = runs[t];
                        var count = plan.Requests is null ? (int?)null : plan.RequestsInRound(round);
                        var slice = plan.Duration is { } d ? d / plan.Rounds : (TimeSpan?)null;
                        var target = targets[t];
                        var targetIndex = t;
                        void Report(RequestSample s)
                        {
                            var (done, failed, tps) = run.Add(s);
                            progress?.Report(new BenchProgress(level, levelIndex, target, targetIndex, round, plan.Rounds, done, plan.Requests, failed, tps) { Sample = s });
                        }
                        run.SliceStarted(time.GetTimestamp());
                        var first = nextIndex[t];
                        try
                        {
                            var sent = level.Kind == LoadKind.Concurrency
                                ? await ClosedLoopAsync(clients[t], prompts[t], target, plan, (int)level.Value, count, slice, first, Report, cancellationToken)
                                : await OpenLoopAsync(clients[t], prompts[t], target, plan, level.Value, RoundSeed(plan.Seed, levelIndex, round), count, slice, first, Report, cancellationToken);
                            nextIndex[t] += sent;
                        }
                        finally
                        {
                            run.SliceEnded(round, time.GetTimestamp(), plan.Slo);
                        }
                    }
                }
                var after = await ScrapeAllAsync(scraper, targets, cancellationToken);
                for (var t = 0; t < targets.Count; t++)
                {
                    runs[t].Metrics = before[t] is { } b && after[t] is { } a ? PrometheusText.Deltas(b, a) : null;
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                interrupted = true;
            }
            for (var t = 0; t < targets.Count; t++)
            {
                if (runs[t].Point(targets[t], level, plan.Slo) is { } point) points.Add(point);
            }
            ratios.AddRange(Ratios(targets, level, runs));
        }

        var recorded = new Dictionary<string, string>(settings ?? new Dictionary<string, string>(), StringComparer.Ordinal);
        foreach (var (key, value) in Settings(plan, targets, prompts)) recorded.TryAdd(key, value);
        return new BenchReport(startedAt, targets, plan.Levels, recorded, points, ratios) { OriginTimestamp = origin, Interrupted = interrupted };
    }

    private static int RoundSeed(int seed, int level, int round) => unchecked(seed * 1_000_003 + level * 7919 + round);

    private static async Task<IReadOnlyList<PrometheusSample>?[]> ScrapeAllAsync(MetricsScraper scraper, IReadOnlyList<BenchTarget> targets, CancellationToken cancellationToken)
    {
        var byRoot = new Dictionary<Uri, IReadOnlyList<PrometheusSample>?>();
        var result = new IReadOnlyList<PrometheusSample>?[targets.Count];
        for (var t = 0; t < targets.Count; t++)
        {
            var root = targets[t].Endpoint;
            if (!byRoot.TryGetValue(root, out var samples)) byRoot[root] = samples = await scraper.ScrapeAsync(root, cancellationToken);
            result[t] = samples;
        }
        return result;
    }

    // Closed loop: `width` workers, each sending its next request as soon as its last one finished.
    private async Task<int> ClosedLoopAsync(StreamingClient client, IPromptSource prompts, BenchTarget target, LoadPlan plan, int width, int? count, TimeSpan? duration,
        int firstIndex, Action<RequestSample>? report, CancellationToken cancellationToken)
    {
        var next = -1;
        var start = time.GetTimestamp();
        var workers = Enumerable.Range(0, Math.Max(1, width)).Select(async _ =>
        {
            while (true)
            {
                if (duration is { } d && time.GetElapsedTime(start) >= d) return;
                var i = Interlocked.Increment(ref next);
                if (count is { } n && i >= n) return;
                var sample = await client.SendAsync(Prompt(prompts, target, plan, firstIndex + i), cancellationToken);
                report?.Invoke(sample);
            }
        }).ToArray();
        await Task.WhenAll(workers);
        return Math.Min(next + 1, count ?? int.MaxValue);
    }

    // Open loop: requests start on the seeded arrival schedule whether or not earlier ones finished; the cap makes
    // late arrivals wait for a free slot, and latency is measured from when a request is actually sent.
    private async Task<int> OpenLoopAsync(StreamingClient client, IPromptSource prompts, BenchTarget target, LoadPlan plan, double rate, int seed, int? count, TimeSpan? duration,
        int firstIndex, Action<RequestSample>? report, CancellationToken cancellationToken)
    {
        using var cap = plan.MaxConcurrency is { } m ? new SemaphoreSlim(m) : null;
        var start = time.GetTimestamp();
        var inFlight = new List<Task>();
        var sent = 0;
        foreach (var offset in ArrivalSchedule.Offsets(rate, plan.Burstiness, new Random(seed)))
        {
            if (count is { } n && sent >= n) break;
            if (duration is { } d && offset >= d) break;
            var wait = offset - time.GetElapsedTime(start);
            if (wait > TimeSpan.Zero) await Task.Delay(wait, time, cancellationToken);
            cancellationToken.ThrowIfCancellationRequested();
            var prompt = Prompt(prompts, target, plan, firstIndex + sent);
            sent++;
            inFlight.Add(SendAsync());

            async Task SendAsync()
            {
                if (cap is not null) await cap.WaitAsync(cancellationToken);
                try
                {
                    var sample = await client.SendAsync(prompt, cancellationToken);
                    report?.Invoke(sample);
                }
                finally
                {
                    cap?.Release();
                }
            }
        }
        await Task.WhenAll(inFlight);
        return sent;
    }

    private static BenchPrompt Prompt(IPromptSource prompts, BenchTarget target, LoadPlan plan, int index) =>
        prompts.Prompt(target.Model, index, plan.OutputTokens) with { IgnoreEos = plan.IgnoreEos };

    /// <summary>Per-round ratios of every target to target 0 at one level: median and interquartile range.</summary>
    private static IEnumerable<BenchRatio> Ratios(IReadOnlyList<BenchTarget> targets, LoadLevel level, TargetRun[] runs)
    {
        for (var t = 1; t < targets.Count; t++)
        {
            foreach (var metric in RatioMetrics)
            {
                var perRound = new List<double>();
                for (var r = 0; r < runs[0].Rounds.Length; r++)
                {
                    if (runs[0].Rounds[r] is { } baseline && runs[t].Rounds[r] is { } other && Metric(baseline, metric) is { } b && Metric(other, metric) is { } o)
                        perRound.Add(o / b);
                }
                if (RoundRatio(metric, level, targets[0].Label, targets[t].Label, perRound) is { } ratio) yield return ratio;
            }
        }
    }

    /// <summary>The ratio record of per-round ratios: their median, 25th and 75th percentiles; null without any round.</summary>
    public static BenchRatio? RoundRatio(string metric, LoadLevel level, string baseline, string other, IEnumerable<double> perRound)
    {
        ArgumentNullException.ThrowIfNull(perRound);
        var sorted = perRound.Where(double.IsFinite).Order().ToArray();
        if (sorted.Length == 0) return null;
        return new BenchRatio(metric, level, baseline, other,
            LatencyStats.Percentile(sorted, 50), LatencyStats.Percentile(sorted, 25), LatencyStats.Percentile(sorted, 75));
    }

    /// <summary>One ratio metric of a summary; null where it is undefined (nothing completed, or a zero to divide by).</summary>
    public static double? Metric(SampleSummary summary, string metric)
    {
        ArgumentNullException.ThrowIfNull(summary);
        double? value = metric switch
        {
            "output_throughput" => summary.OutputTokenThroughput,
            "request_throughput" => summary.RequestThroughput,
            "ttft_median" => summary.Ttft.Count > 0 ? summary.Ttft.Median : null,
            "tpot_median" => summary.Tpot.Count > 0 ? summary.Tpot.Median : null,
            "e2e_median" => summary.E2E.Count > 0 ? summary.E2E.Median : null,
            _ => throw new ArgumentOutOfRangeException(nameof(metric), metric, "not a ratio metric"),
        };
        return value is > 0 ? value : null;
    }

    private static IEnumerable<KeyValuePair<string, string>> Settings(LoadPlan plan, IReadOnlyList<BenchTarget> targets, IReadOnlyList<IPromptSource> prompts)
    {
        static string N(double v) => v.ToString(CultureInfo.InvariantCulture);
        yield return new("levels", string.Join(",", plan.Levels.Select(l => l.Label)));
        yield return new(plan.Requests is { } n ? "requests" : "duration_s", plan.Requests is { } r ? r.ToString(CultureInfo.InvariantCulture) : N(plan.Duration!.Value.TotalSeconds));
        yield return new("rounds", plan.Rounds.ToString(CultureInfo.InvariantCulture));
        yield return new("warmup", plan.Warmup.ToString(CultureInfo.InvariantCulture));
        yield return new("seed", plan.Seed.ToString(CultureInfo.InvariantCulture));
        yield return new("output_tokens", plan.OutputTokens.ToString(CultureInfo.InvariantCulture));
        yield return new("ignore_eos", plan.IgnoreEos ? "true" : "false");
        if (plan.Levels.Any(l => l.Kind == LoadKind.Rate))
        {
            yield return new("burstiness", N(plan.Burstiness));
            yield return new("arrivals", plan.Burstiness == 1 ? "poisson" : "gamma");
            yield return new("max_concurrency", plan.MaxConcurrency is { } m ? m.ToString(CultureInfo.InvariantCulture) : "none");
        }
        if (plan.Slo?.Ttft is { } ttft) yield return new("slo_ttft_ms", N(ttft.TotalMilliseconds));
        if (plan.Slo?.Tpot is { } tpot) yield return new("slo_tpot_ms", N(tpot.TotalMilliseconds));
        for (var t = 0; t < targets.Count; t++) yield return new($"prompts[{targets[t].Label}]", prompts[t].Description);
    }

    /// <summary>What one target collected at one level: its samples, and a summary per round.</summary>
    private sealed class TargetRun(int rounds, TimeProvider time)
    {
        private readonly ConcurrentQueue<RequestSample> samples = new();
        private readonly Lock gate = new();
        private int done;
        private int failed;
        private long outputTokens;
        private TimeSpan loaded;
        private long sliceStart;
        private int sliceFirst;

        public SampleSummary?[] Rounds { get; } = new SampleSummary?[rounds];

        public IReadOnlyList<ServerMetricDelta>? Metrics { get; set; }

        public (int Done, int Failed, double OutputTokensPerSecond) Add(RequestSample sample)
        {
            lock (gate)
            {
                samples.Enqueue(sample);
                done++;
                if (!sample.Succeeded || sample.ContentTimestamps.Count == 0) failed++;
                else outputTokens += sample.OutputTokens;
                var seconds = (loaded + time.GetElapsedTime(sliceStart)).TotalSeconds;
                return (done, failed, seconds > 0 ? outputTokens / seconds : 0);
            }
        }

        public void SliceStarted(long timestamp)
        {
            lock (gate)
            {
                sliceStart = timestamp;
                sliceFirst = samples.Count;
            }
        }

        public void SliceEnded(int round, long timestamp, ServiceLevelObjectives? slo)
        {
            lock (gate)
            {
                var length = time.GetElapsedTime(sliceStart, timestamp);
                loaded += length;
                var slice = samples.Skip(sliceFirst).ToList();
                if (slice.Count > 0 && length > TimeSpan.Zero) Rounds[round] = SampleSummary.From(slice, length, slo);
            }
        }

        public BenchPoint? Point(BenchTarget target, LoadLevel level, ServiceLevelObjectives? slo)
        {
            lock (gate)
            {
                if (samples.IsEmpty || loaded <= TimeSpan.Zero) return null;
                var all = samples.ToList();
                var summary = SampleSummary.From(all, loaded, slo);
                return new BenchPoint(target, level, summary, all, Metrics, Rounds.Where(r => r is not null).Select(r => r!).ToList());
            }
        }
    }
}
