using System.Text.Json;
using Microsoft.Extensions.Time.Testing;

namespace ModelScout.LoadTest.Tests;

/// <summary>BenchRunner against the scripted Kestrel server: counts, interleaving, faults, metrics, the JSON report.</summary>
public sealed class RunnerTests : IAsyncLifetime
{
    private static readonly HttpClient Http = new(new SocketsHttpHandler { MaxConnectionsPerServer = 256 }) { Timeout = Timeout.InfiniteTimeSpan };

    private ScriptedServer server = null!;

    public async Task InitializeAsync() => server = await ScriptedServer.StartAsync(extras: true);

    public async Task DisposeAsync() => await server.DisposeAsync();

    /// <summary>The scripted server reads the prompt as the request id.</summary>
    private sealed class Ids : IPromptSource
    {
        public string Description => "request ids";

        public BenchPrompt Prompt(string model, int index, int maxTokens) => new(model, index.ToString(System.Globalization.CultureInfo.InvariantCulture), maxTokens);
    }

    private BenchTarget Target(string model, StreamFormat format = StreamFormat.OpenAIChat) =>
        new($"{model}-{format}", server.BaseAddress, model, format);

    private sealed class Recorder : IProgress<BenchProgress>
    {
        public List<BenchProgress> Seen { get; } = [];

        public void Report(BenchProgress value)
        {
            lock (Seen) Seen.Add(value);
        }
    }

    /// <summary>Moves the clock on by <paramref name="by"/> once <paramref name="after"/> requests have finished.</summary>
    private sealed class ClockMover(FakeTimeProvider clock, int after, TimeSpan by) : IProgress<BenchProgress>
    {
        public void Report(BenchProgress value)
        {
            if (value.Done == after) clock.Advance(by);
        }
    }

    private static int TokensOf(IEnumerable<RequestSample> samples) => samples.Sum(s => s.OutputTokens);

    [Fact]
    public async Task Two_targets_at_two_levels_get_every_request_counted_and_a_ratio_per_metric()
    {
        var targets = new[] { Target("ok"), Target("ok", StreamFormat.OllamaChat) };
        var plan = new LoadPlan { Levels = [new LoadLevel(LoadKind.Concurrency, 1), new LoadLevel(LoadKind.Concurrency, 4)], Requests = 9, Rounds = 3, Warmup = 2 };
        var progress = new Recorder();
        var report = await new BenchRunner(Http, TimeSpan.FromSeconds(10)).RunAsync(targets, [new Ids(), new Ids()], plan, progress);

        Assert.False(report.Interrupted);
        Assert.Equal(4, report.Points.Count);
        foreach (var point in report.Points)
        {
            Assert.Equal(9, point.Summary.Completed);
            Assert.Equal(0, point.Summary.Failed);
            Assert.Equal(3, point.Rounds!.Count);
            Assert.All(point.Rounds, r => Assert.Equal(3, r.Completed));
            // Every sample's count came from the server's counter and matches what it scripted for that id.
            Assert.All(point.Samples, s => Assert.NotEqual(TokenCountSource.CountedChunks, s.OutputTokenSource));
            Assert.Equal(point.Summary.TotalOutputTokens, TokensOf(point.Samples));
            // Server view: the scripted counter rose by the measured requests (both targets share the server, so both see both).
            var served = point.ServerMetrics!.Single(m => m.Name == "scripted_requests_total{server=\"scripted\"}");
            Assert.Equal(18, served.Delta);
        }
        // Warmup (2) + measured (9) distinct prompt indices per level, counted on across levels: ids 0..21 in all.
        var ids = report.Points.Where(p => p.Target == targets[0]).SelectMany(p => p.Samples).Count();
        Assert.Equal(18, ids);
        Assert.Equal(BenchRunner.RatioMetrics.Count * 2, report.Ratios.Count);
        Assert.All(report.Ratios, r => Assert.True(r.Low <= r.Median && r.Median <= r.High && r.Median > 0));
        Assert.Contains(progress.Seen, p => p.TargetIndex == 1 && p.Done == 9 && p.Total == 9 && p.OutputTokensPerSecond > 0);
        Assert.Equal("request ids", report.Settings["prompts[ok-OpenAIChat]"]);
    }

    [Fact]
    public async Task A_duration_bounded_level_lasts_as_long_as_the_runner_s_clock_says()
    {
        var start = new DateTimeOffset(2026, 7, 8, 9, 10, 11, TimeSpan.Zero);
        var clock = new FakeTimeProvider(start);
        var plan = new LoadPlan { Levels = [new LoadLevel(LoadKind.Concurrency, 1)], Duration = TimeSpan.FromSeconds(30), Rounds = 1 };
        // The clock moves only when told: the 30 s are up once three requests have finished, however long they really took.
        var report = await new BenchRunner(Http, TimeSpan.FromSeconds(10), clock).RunAsync([Target("ok")], [new Ids()], plan, new ClockMover(clock, 3, TimeSpan.FromSeconds(30)));

        Assert.Equal(start, report.StartedAt);
        var point = Assert.Single(report.Points);
        Assert.Equal(3, point.Summary.Completed);
        Assert.Equal(TimeSpan.FromSeconds(30), point.Summary.Duration);
        Assert.Equal(0.1, point.Summary.RequestThroughput, 12);
        Assert.Equal(TimeSpan.FromSeconds(30), Assert.Single(point.Rounds!).Duration);
    }

    [Fact]
    public async Task Rounds_run_targets_in_turn()
    {
        var targets = new[] { Target("ok"), Target("ok", StreamFormat.OllamaChat) };
        var plan = new LoadPlan { Levels = [new LoadLevel(LoadKind.Concurrency, 2)], Requests = 4, Rounds = 2 };
        var progress = new Recorder();
        await new BenchRunner(Http, TimeSpan.FromSeconds(10)).RunAsync(targets, [new Ids(), new Ids()], plan, progress);
        // Collapse consecutive reports of the same target: A B then B A.
        var turns = progress.Seen.Select(p => (p.Round, p.TargetIndex)).Distinct().ToList();
        Assert.Equal([(0, 0), (0, 1), (1, 1), (1, 0)], turns);
    }

    [Fact]
    public async Task Faulty_targets_fail_with_reasons_and_the_run_completes_with_the_good_one_intact()
    {
        var models = new[] { "ok", "500", "503", "reset", "stall", "malformed" };
        var targets = models.Select(m => Target(m)).ToArray();
        var plan = new LoadPlan { Levels = [new LoadLevel(LoadKind.Concurrency, 2)], Requests = 4, Rounds = 2 };
        // The timeout only has to catch the stall; healthy requests on a loaded 2-core machine must never reach it.
        var report = await new BenchRunner(Http, TimeSpan.FromSeconds(3)).RunAsync(targets, targets.Select(_ => (IPromptSource)new Ids()).ToArray(), plan);

        var byModel = report.Points.ToDictionary(p => p.Target.Model);
        Assert.Equal(4, byModel["ok"].Summary.Completed);
        Assert.Equal(Enumerable.Range(0, 4).Sum(ScriptedServer.Tokens), byModel["ok"].Summary.TotalOutputTokens);
        foreach (var (model, kind) in new[] { ("500", FailureKind.HttpStatus), ("503", FailureKind.HttpStatus), ("reset", FailureKind.ConnectionReset), ("stall", FailureKind.Timeout), ("malformed", FailureKind.MalformedChunk) })
        {
            var summary = byModel[model].Summary;
            Assert.Equal(0, summary.Completed);
            Assert.Equal(4, summary.Failed);
            Assert.Equal(4, summary.FailureReasons[kind]);
        }
        // Nothing to divide by for the failing targets, so only the good one has ratios (none: it is the baseline).
        Assert.Empty(report.Ratios);
    }

    [Fact]
    public async Task Open_loop_levels_send_the_planned_requests_under_the_cap()
    {
        var plan = new LoadPlan
        {
            Levels = [new LoadLevel(LoadKind.Rate, 200), new LoadLevel(LoadKind.Rate, double.PositiveInfinity)],
            Requests = 6, Rounds = 2, MaxConcurrency = 2, Burstiness = 0.5, Seed = 9,
        };
        var report = await new BenchRunner(Http, TimeSpan.FromSeconds(10)).RunAsync([Target("ok")], [new Ids()], plan);
        Assert.Equal(2, report.Points.Count);
        Assert.All(report.Points, p => Assert.Equal(6, p.Summary.Completed));
        Assert.Equal("gamma", report.Settings["arrivals"]);
        // With the cap at 2, no three requests were ever in flight together.
        foreach (var point in report.Points)
        {
            var spans = point.Samples.Select(s => (s.StartTimestamp, s.EndTimestamp)).ToList();
            Assert.All(spans, a => Assert.True(spans.Count(b => b.StartTimestamp <= a.StartTimestamp && a.StartTimestamp < b.EndTimestamp) <= 2));
        }
    }

    [Fact]
    public async Task A_duration_bounds_each_level_instead_of_a_count()
    {
        var plan = new LoadPlan { Levels = [new LoadLevel(LoadKind.Concurrency, 2)], Duration = TimeSpan.FromMilliseconds(400), Rounds = 2 };
        var report = await new BenchRunner(Http, TimeSpan.FromSeconds(10)).RunAsync([Target("ok")], [new Ids()], plan);
        var point = Assert.Single(report.Points);
        Assert.True(point.Summary.Completed >= 4, $"completed {point.Summary.Completed}");
        Assert.True(point.Summary.Duration >= TimeSpan.FromMilliseconds(400));
    }

    [Fact]
    public async Task Cancelling_keeps_what_was_measured_and_marks_the_report()
    {
        using var cancel = new CancellationTokenSource();
        var progress = new CancelAfter(3, cancel);
        var plan = new LoadPlan { Levels = [new LoadLevel(LoadKind.Concurrency, 1), new LoadLevel(LoadKind.Concurrency, 2)], Requests = 50, Rounds = 1 };
        var report = await new BenchRunner(Http, TimeSpan.FromSeconds(10)).RunAsync([Target("ok")], [new Ids()], plan, progress, cancellationToken: cancel.Token);
        Assert.True(report.Interrupted);
        var point = Assert.Single(report.Points);
        Assert.InRange(point.Summary.Completed, 3, 4);
    }

    private sealed class CancelAfter(int count, CancellationTokenSource cancel) : IProgress<BenchProgress>
    {
        public void Report(BenchProgress value)
        {
            if (value.Done >= count) cancel.Cancel();
        }
    }

    [Fact]
    public async Task Synthetic_prompts_are_fitted_to_the_token_count_with_tokenize()
    {
        var prompts = await SyntheticPrompts.CreateAsync(Http, server.BaseAddress, "ok", 40, seed: 1);
        Assert.True(prompts.Tokenized);
        Assert.Equal([40, 40, 40], prompts.MeasuredTokens);
        var a = prompts.Prompt("ok", 1, 8).Prompt;
        var b = prompts.Prompt("ok", 2, 8).Prompt;
        Assert.Equal(40, a.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length);
        Assert.NotEqual(a[..20], b[..20]);
        Assert.Contains("/tokenize", prompts.Description, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_tokenize_prompts_fall_back_to_four_characters_a_token()
    {
        await using var bare = await ScriptedServer.StartAsync();
        var prompts = await SyntheticPrompts.CreateAsync(Http, bare.BaseAddress, "ok", 100, seed: 1);
        Assert.False(prompts.Tokenized);
        Assert.Equal(400, prompts.Prompt("ok", 5, 8).Prompt.Length);
        Assert.Contains("4 characters per token", prompts.Description, StringComparison.Ordinal);
        // And no /metrics there: no server view, not an error.
        Assert.Null(await new MetricsScraper(Http).ScrapeAsync(bare.BaseAddress));
    }

    [Fact]
    public async Task The_json_report_holds_settings_summaries_raw_samples_and_ratios()
    {
        var targets = new[] { Target("ok"), Target("500") };
        var plan = new LoadPlan { Levels = [new LoadLevel(LoadKind.Concurrency, 2)], Requests = 4, Rounds = 2, Slo = new ServiceLevelObjectives(TimeSpan.FromSeconds(5)) };
        var report = await new BenchRunner(Http, TimeSpan.FromSeconds(10)).RunAsync(targets, [new Ids(), new Ids()], plan);
        using var json = JsonDocument.Parse(BenchJsonExporter.ToJson(report));
        var root = json.RootElement;
        Assert.Equal("modelscout/bench/v1", root.GetProperty("schema").GetString());
        Assert.Equal("4", root.GetProperty("settings").GetProperty("requests").GetString());
        var points = root.GetProperty("points");
        Assert.Equal(2, points.GetArrayLength());
        var ok = points[0];
        Assert.Equal(4, ok.GetProperty("summary").GetProperty("completed").GetInt32());
        Assert.Equal(4.0 / report.Points[0].Summary.Duration.TotalSeconds, ok.GetProperty("summary").GetProperty("goodput").GetDouble(), 0.0006); // the report keeps 3 decimals
        var samples = ok.GetProperty("samples");
        Assert.Equal(4, samples.GetArrayLength());
        foreach (var s in samples.EnumerateArray())
        {
            var content = s.GetProperty("contentMs").EnumerateArray().Select(c => c.GetDouble()).ToArray();
            Assert.True(content.Length >= 2 && content[0] > 0 && content.Zip(content.Skip(1)).All(p => p.First <= p.Second));
            Assert.True(s.GetProperty("endMs").GetDouble() >= content[^1]);
            Assert.Equal("usage", s.GetProperty("outputTokenSource").GetString());
        }
        var failed = points[1];
        Assert.Equal(4, failed.GetProperty("summary").GetProperty("failureReasons").GetProperty("http_status").GetInt32());
        Assert.Equal(500, failed.GetProperty("samples")[0].GetProperty("failure").GetProperty("status").GetInt32());
        Assert.Equal(2, points[0].GetProperty("rounds").GetArrayLength());
    }
}
