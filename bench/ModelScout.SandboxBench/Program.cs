using System.Diagnostics;
using System.Globalization;
using ModelScout.Evaluation;
using ModelScout.Evaluation.Sandbox;

// Usage: ModelScout.SandboxBench [programs=20] [concurrency=cores] [rounds=3]
// Each program is a HumanEval-shaped candidate plus its check (a few ms of python work); most of the time per
// program is starting python inside the sandbox, which is what the pool spreads over the cores.
var count = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 20;
var concurrency = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : Environment.ProcessorCount;
var rounds = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 3;

var programs = Enumerable.Range(0, count).Select(i => $$"""
    def running_max(numbers):
        best, out = None, []
        for n in numbers:
            best = n if best is None or n > best else best
            out.append(best)
        return out


    def check(candidate):
        assert candidate([]) == []
        assert candidate([1, 3, 2, {{i}}]) == [1, 3, 3, max(3, {{i}})]
        assert candidate(list(range(2000)))[-1] == 1999


    check(running_max)
    """).ToArray();

var sandbox = new PythonSandbox();
Console.WriteLine($"isolation: {sandbox.Isolation.Description}; programs: {count}; pool concurrency: {concurrency}; cores: {Environment.ProcessorCount}");
using var pool = new SandboxPool(sandbox, concurrency);

// One untimed warm-up each so the probe and the first python start are not in the figures.
await sandbox.RunAsync(programs[0], CancellationToken.None);

var serial = new List<double>();
var parallel = new List<double>();
for (var round = 0; round < rounds; round++)
{
    var clock = Stopwatch.StartNew();
    foreach (var program in programs)
    {
        var result = await sandbox.RunAsync(program, CancellationToken.None);
        if (result.Outcome != CodeRunOutcome.Passed) throw new InvalidOperationException("serial run failed: " + result.Detail);
    }
    serial.Add(clock.Elapsed.TotalSeconds);

    clock.Restart();
    var results = await pool.RunAllAsync(programs, CancellationToken.None);
    parallel.Add(clock.Elapsed.TotalSeconds);
    if (results.Any(r => r.Outcome != CodeRunOutcome.Passed)) throw new InvalidOperationException("pool run failed");
}

static double Median(List<double> values)
{
    var sorted = values.Order().ToArray();
    return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
}

var s = Median(serial);
var p = Median(parallel);
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"serial: median {s:0.000} s ({s / count * 1000:0.0} ms/program); pool: median {p:0.000} s ({p / count * 1000:0.0} ms/program); speed-up {s / p:0.00}x over {rounds} rounds"));
