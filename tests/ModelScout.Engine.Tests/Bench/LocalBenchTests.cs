using ModelScout.Engine.Bench;
using ModelScout.Testing;

namespace ModelScout.Engine.Tests.Bench;

public sealed class LocalBenchTests
{
    private static LocalBenchOptions Stories(int pp, int tg, int repetitions, int batch = 2048) => new()
    {
        ModelPath = RepoPaths.Model("stories260K.gguf"),
        PromptTokens = pp,
        GenerateTokens = tg,
        Repetitions = repetitions,
        Threads = 1,
        BatchSize = batch,
    };

    [Fact]
    public void Sample_standard_deviation_divides_by_n_minus_one()
    {
        double[] values = [2, 4, 4, 4, 5, 5, 7, 9];

        Assert.Equal(5, RunStatistics.Mean(values), 12);
        Assert.Equal(Math.Sqrt(32.0 / 7), RunStatistics.SampleStandardDeviation(values), 12);
        Assert.Equal(0, RunStatistics.SampleStandardDeviation([3.5]));
        Assert.Equal(0, RunStatistics.Mean([]));
    }

    [Fact]
    public void A_test_reports_tokens_per_second_like_llama_bench()
    {
        var test = new LocalBenchTest(LocalBenchTestKind.PromptProcessing, 100, [TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(0.5)]);

        Assert.Equal("pp100", test.Name);
        Assert.Equal([100.0, 200.0], test.TokensPerSecond);
        Assert.Equal(150, test.Mean, 9);
        Assert.Equal(Math.Sqrt(5000), test.StandardDeviation, 9);
        Assert.Equal("pp100 150.00 ± 70.71", test.ToString());
        Assert.Equal("tg7", new LocalBenchTest(LocalBenchTestKind.TextGeneration, 7, [TimeSpan.FromSeconds(1)]).Name);
    }

    [Fact]
    public async Task Stories260K_runs_both_tests_with_every_repetition()
    {
        LlamaTestRuntime.EnsureConfigured();
        var reports = new List<LocalBenchProgress>();
        var progress = new SynchronousProgress(reports);

        var result = await LocalBench.RunAsync(Stories(pp: 48, tg: 12, repetitions: 3), progress);

        Assert.Equal(["pp48", "tg12"], result.Tests.Select(t => t.Name));
        Assert.All(result.Tests, t => Assert.Equal(3, t.Runs.Count));
        Assert.All(result.Tests, t => Assert.All(t.TokensPerSecond, v => Assert.True(v > 0 && double.IsFinite(v))));
        Assert.Equal(48, result.Tests[0].Tokens);
        Assert.Equal(12, result.Tests[1].Tokens);
        Assert.Equal(1, result.Threads);
        Assert.Equal(48, result.BatchSize); // never more than the prompt
        Assert.Equal("llama", result.Architecture);
        Assert.True(result.LoadDuration > TimeSpan.Zero);
        Assert.Equal(new FileInfo(RepoPaths.Model("stories260K.gguf")).Length, result.FileBytes);
        // One report before each test and one after each timed run.
        Assert.Equal(["pp48 0/3", "pp48 1/3", "pp48 2/3", "pp48 3/3", "tg12 0/3", "tg12 1/3", "tg12 2/3", "tg12 3/3"],
            reports.Select(r => $"{r.Test} {r.Completed}/{r.Total}"));
    }

    [Fact]
    public async Task A_prompt_longer_than_the_batch_is_decoded_in_consecutive_chunks()
    {
        LlamaTestRuntime.EnsureConfigured();

        // 40 tokens in batches of 16: three decodes at positions 0-15, 16-31, 32-39; a wrong position makes llama.cpp refuse.
        var result = await LocalBench.RunAsync(Stories(pp: 40, tg: 0, repetitions: 2, batch: 16));

        var pp = Assert.Single(result.Tests);
        Assert.Equal("pp40", pp.Name);
        Assert.Equal(16, result.BatchSize);
        Assert.Equal(2, pp.Runs.Count);
    }

    [Fact]
    public async Task Bad_options_and_bad_files_are_refused_with_a_reason()
    {
        await Assert.ThrowsAsync<ArgumentException>(() => LocalBench.RunAsync(Stories(pp: 0, tg: 0, repetitions: 1)));
        await Assert.ThrowsAsync<ArgumentException>(() => LocalBench.RunAsync(Stories(pp: 8, tg: 8, repetitions: 0)));
        await Assert.ThrowsAsync<ArgumentException>(() => LocalBench.RunAsync(Stories(pp: 8, tg: 8, repetitions: 1) with { Threads = 0 }));

        var path = Path.Combine(Path.GetTempPath(), $"scout-not-gguf-{Guid.NewGuid():N}.gguf");
        await File.WriteAllTextAsync(path, "this is not a model");
        try
        {
            var e = await Assert.ThrowsAsync<InferenceException>(() => LocalBench.RunAsync(Stories(8, 8, 1) with { ModelPath = path }));
            Assert.Equal(InferenceErrorKind.ModelLoadFailed, e.Kind);
            Assert.Contains(path, e.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }

    // Progress<T> posts to the thread pool; this one records in order on the reporting thread.
    private sealed class SynchronousProgress(List<LocalBenchProgress> reports) : IProgress<LocalBenchProgress>
    {
        public void Report(LocalBenchProgress value)
        {
            lock (reports) reports.Add(value);
        }
    }
}
