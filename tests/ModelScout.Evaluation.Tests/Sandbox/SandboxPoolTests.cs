using ModelScout.Evaluation.Sandbox;
using ModelScout.Testing;

namespace ModelScout.Evaluation.Tests.Sandbox;

public sealed class SandboxPoolTests
{
    // Holds every run until `release` is set, and records how many were inside at once.
    private sealed class GatedRunner : ICodeRunner
    {
        private readonly TaskCompletionSource release = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int inside;
        private int maxInside;

        public bool NetworkIsolated => true;

        public int Inside => Volatile.Read(ref inside);

        public int MaxInside => Volatile.Read(ref maxInside);

        public void Release() => release.TrySetResult();

        public async Task<CodeRunResult> RunAsync(string program, CancellationToken cancellationToken)
        {
            var now = Interlocked.Increment(ref inside);
            int seen;
            while (now > (seen = Volatile.Read(ref maxInside)) && Interlocked.CompareExchange(ref maxInside, now, seen) != seen)
            {
            }
            await release.Task.WaitAsync(cancellationToken);
            Interlocked.Decrement(ref inside);
            return new CodeRunResult(CodeRunOutcome.Passed, program, TimeSpan.Zero);
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(8)]
    public async Task Runs_exactly_up_to_the_limit_at_once(int limit)
    {
        var runner = new GatedRunner();
        using var pool = new SandboxPool(runner, limit);
        var programs = Enumerable.Range(0, 20).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray();

        var all = pool.RunAllAsync(programs, CancellationToken.None);
        await Eventually.WaitUntilAsync(() => runner.Inside >= limit, TimeSpan.FromSeconds(10), $"{limit} runs are inside at once", () => $"{runner.Inside} are");
        Assert.Equal(limit, runner.Inside);
        runner.Release();
        var results = await all;

        Assert.Equal(limit, runner.MaxInside);
        Assert.Equal(programs, results.Select(r => r.Detail).ToArray());
    }

    [Fact]
    public void Defaults_to_one_per_core_and_passes_on_network_isolation()
    {
        using var pool = new SandboxPool(new GatedRunner());

        Assert.Equal(Environment.ProcessorCount, pool.MaxConcurrency);
        Assert.True(pool.NetworkIsolated);
        Assert.Throws<ArgumentOutOfRangeException>(() => new SandboxPool(new GatedRunner(), 0));
    }

    [Fact]
    public void Output_tail_keeps_the_last_bytes_in_order()
    {
        var tail = new PythonSandbox.OutputTail(8);
        tail.Append("abcdef"u8);
        Assert.Equal("abcdef", tail.Text);
        Assert.False(tail.Truncated);
        tail.Append("ghij"u8);
        Assert.Equal("cdefghij", tail.Text);
        Assert.True(tail.Truncated);
        tail.Append("0123456789XY"u8);
        Assert.Equal("456789XY", tail.Text);
        tail.Append("z"u8);
        Assert.Equal("56789XYz", tail.Text);
    }
}
