using System.Diagnostics;
using ModelScout.Gguf.Fuzzing;
using Xunit.Abstractions;

namespace ModelScout.Gguf.Tests;

/// <summary>
/// Runs seeded variants through <see cref="FuzzTarget"/> on a worker thread while the test thread watches for a hang,
/// then fails with every failure's seed file, base seed and variant index (replay with <see cref="FuzzRunner.Replay"/>)
/// and its bytes saved under the temp folder.
/// </summary>
internal static class FuzzHarness
{
    /// <summary>The base seed of the CI fuzz tests: fixed, so that CI runs the same variants every time.</summary>
    public const ulong BaseSeed = 0x6775_6666_2026UL;

    // Variants per run, sized to keep the fuzz tests near 15 s of CPU on the 2-core development machine in a Debug build
    // (docs/gguf-fuzzing.md): a variant of a writer-made file takes ~50 µs, of stories260K ~1.3 ms (a few that decode a
    // megabyte of weights as one string take 50-200 ms), of llama-2-tiny-random (a 724 KB header) ~8 ms.
    public const int WriterVariantsPerSeed = 12_200;
    public const int Stories260KVariants = 3_000;
    public const int Llama2TinyVariants = 600;

    public static int TotalVariants => WriterVariantsPerSeed * FuzzSeeds.WriterMade().Count + Stories260KVariants + Llama2TinyVariants;

    private static string FailureFolder => Path.Combine(Path.GetTempPath(), "gguf-fuzz-failures");

    public static void Fuzz(ITestOutputHelper output, IEnumerable<(FuzzSeed Seed, int Count)> plan)
    {
        var jobs = plan.ToList();
        var total = new FuzzStats();
        var failures = new List<FuzzFailure>();
        var watchdog = new FuzzWatchdog();
        var clock = Stopwatch.StartNew();
        Exception? fault = null;
        var worker = new Thread(() =>
        {
            try
            {
                foreach (var (seed, count) in jobs)
                {
                    var started = Stopwatch.GetTimestamp();
                    var stats = FuzzRunner.Run(seed, BaseSeed, 0, count, watchdog, f => { lock (failures) failures.Add(f); });
                    lock (total) total.Add(stats);
                    output.WriteLine($"{seed.Name} ({seed.Bytes.Length:N0} B, header {seed.HeaderBytes:N0} B): {stats} in {Stopwatch.GetElapsedTime(started).TotalSeconds:F1} s");
                }
            }
#pragma warning disable CA1031 // reported below
            catch (Exception e)
#pragma warning restore CA1031
            {
                fault = e;
            }
        })
        { IsBackground = true, Name = "gguf-fuzz" };
        worker.Start();
        while (!worker.Join(250))
        {
            // Nothing in these files takes more than a fraction of a second to parse: 10 s is a hang.
            if (watchdog.Stuck(TimeSpan.FromSeconds(10)) is { } stuck)
            {
                var (bytes, known, log) = FuzzRunner.Replay(stuck.Seed, stuck.BaseSeed, stuck.Index);
                var hang = new FuzzFailure(stuck.Seed.Name, stuck.BaseSeed, stuck.Index, known, new FuzzVerdict(FuzzOutcome.Crash, 0, "hang", "hang"), bytes, log);
                Assert.Fail($"hang: variant still parsing after {stuck.Elapsed.TotalSeconds:F0} s: {hang.Describe()}\n  saved: {hang.Save(FailureFolder)}");
            }
        }
        if (fault is not null) throw new InvalidOperationException("the fuzz loop itself failed", fault);
        output.WriteLine($"total: {total} in {clock.Elapsed.TotalSeconds:F1} s");
        Assert.Equal(jobs.Sum(j => (long)j.Count), total.Variants);
        if (failures.Count == 0) return;
        var report = string.Join("\n", failures.Take(10).Select(f => f.Describe() + $"\n  saved: {f.Save(FailureFolder)}"));
        Assert.Fail($"{failures.Count} of {total.Variants:N0} variants failed:\n{report}");
    }
}
