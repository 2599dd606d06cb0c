namespace ModelScout.LoadTest;

/// <summary>
/// How a bench run applies load: the levels of the sweep, how much each level sends per target (a request count or a
/// duration), warmup, the rounds that interleave targets, and the seed every arrival schedule comes from.
/// </summary>
public sealed record LoadPlan
{
    /// <summary>The sweep, in order: concurrency levels or rate levels.</summary>
    public required IReadOnlyList<LoadLevel> Levels { get; init; }

    /// <summary>Measured requests per target per level; null when <see cref="Duration"/> bounds a level instead.</summary>
    public int? Requests { get; init; }

    /// <summary>How long each target is loaded per level (split across rounds); null when <see cref="Requests"/> is set.</summary>
    public TimeSpan? Duration { get; init; }

    /// <summary>Requests sent to each target before each level's measurement and not measured.</summary>
    public int Warmup { get; init; }

    /// <summary>Slices each level is cut into; targets take turns slice by slice, so drift hits them alike.</summary>
    public int Rounds { get; init; } = 3;

    /// <summary>Gamma shape of open-loop inter-arrival times: 1 is Poisson, below 1 burstier, above 1 more even.</summary>
    public double Burstiness { get; init; } = 1.0;

    /// <summary>Client-side cap on requests in flight for rate levels; null for none.</summary>
    public int? MaxConcurrency { get; init; }

    /// <summary>Seed of every arrival schedule (and of synthetic prompt text).</summary>
    public int Seed { get; init; }

    /// <summary>Output tokens to ask for (max_tokens / num_predict).</summary>
    public int OutputTokens { get; init; } = 128;

    /// <summary>Send vLLM's min_tokens and ignore_eos so every answer is <see cref="OutputTokens"/> long.</summary>
    public bool IgnoreEos { get; init; }

    /// <summary>Service-level objectives for goodput.</summary>
    public ServiceLevelObjectives? Slo { get; init; }

    /// <summary>Throws <see cref="ArgumentException"/> naming the flag to fix when the plan cannot run.</summary>
    public void Validate()
    {
        if (Levels.Count == 0) throw new ArgumentException("give at least one level: --concurrency 1,2,4 or --rate 1,2,inf");
        foreach (var level in Levels)
        {
            if (level.Kind == LoadKind.Concurrency && (level.Value < 1 || level.Value != Math.Floor(level.Value)))
                throw new ArgumentException($"--concurrency: {level.Value} is not a whole number of at least 1");
            if (level.Kind == LoadKind.Rate && !(level.Value > 0))
                throw new ArgumentException($"--rate: {level.Value} is not a positive rate (requests per second, or inf)");
        }
        if (Requests is null == Duration is null) throw new ArgumentException("give exactly one of --requests N and --duration 60s");
        if (Requests is < 1) throw new ArgumentException("--requests must be at least 1");
        if (Duration is { } d && d <= TimeSpan.Zero) throw new ArgumentException("--duration must be positive");
        if (Rounds < 1) throw new ArgumentException("--rounds must be at least 1");
        if (Requests is { } n && Rounds > n) throw new ArgumentException($"--rounds {Rounds} is more than --requests {n}; each round needs a request");
        if (Warmup < 0) throw new ArgumentException("--warmup must be 0 or more");
        if (!(Burstiness > 0) || double.IsInfinity(Burstiness)) throw new ArgumentException("--burstiness must be a positive number (1 = Poisson)");
        if (MaxConcurrency is < 1) throw new ArgumentException("--max-concurrency must be at least 1");
        if (OutputTokens < 1) throw new ArgumentException("--output-tokens must be at least 1");
    }

    /// <summary>Requests of round <paramref name="round"/> when the plan counts requests: the count split as evenly as it goes.</summary>
    public int RequestsInRound(int round) => Requests is { } n ? n / Rounds + (round < n % Rounds ? 1 : 0) : 0;
}

/// <summary>Open-loop arrival times: gamma-distributed gaps (Poisson when the shape is 1), from a seeded generator.</summary>
public static class ArrivalSchedule
{
    /// <summary>
    /// Gaps between consecutive arrivals at <paramref name="rate"/> per second with gamma shape
    /// <paramref name="burstiness"/> and mean 1/rate (coefficient of variation 1/√shape); all zero for an infinite rate.
    /// </summary>
    public static IEnumerable<TimeSpan> Intervals(double rate, double burstiness, Random random)
    {
        ArgumentNullException.ThrowIfNull(random);
        if (!(rate > 0)) throw new ArgumentOutOfRangeException(nameof(rate), "the rate must be positive");
        if (!(burstiness > 0)) throw new ArgumentOutOfRangeException(nameof(burstiness), "the burstiness must be positive");
        var scale = 1.0 / (rate * burstiness);
        while (true)
        {
            yield return double.IsPositiveInfinity(rate) ? TimeSpan.Zero : TimeSpan.FromSeconds(Gamma(burstiness, random) * scale);
        }
    }

    /// <summary>Arrival offsets from the start: the running sum of <see cref="Intervals"/>, the first at its gap.</summary>
    public static IEnumerable<TimeSpan> Offsets(double rate, double burstiness, Random random)
    {
        var at = TimeSpan.Zero;
        foreach (var gap in Intervals(rate, burstiness, random))
        {
            at += gap;
            yield return at;
        }
    }

    /// <summary>A gamma(shape, 1) variate by Marsaglia and Tsang's method (with the shape &lt; 1 boost).</summary>
    public static double Gamma(double shape, Random random)
    {
        ArgumentNullException.ThrowIfNull(random);
        if (shape < 1)
        {
            // Gamma(a) = Gamma(a + 1) · U^(1/a).
            var u = 1.0 - random.NextDouble();
            return Gamma(shape + 1, random) * Math.Pow(u, 1.0 / shape);
        }
        var d = shape - 1.0 / 3;
        var c = 1 / Math.Sqrt(9 * d);
        while (true)
        {
            double x, v;
            do
            {
                x = Normal(random);
                v = 1 + c * x;
            }
            while (v <= 0);
            v = v * v * v;
            var u = 1.0 - random.NextDouble();
            if (u < 1 - 0.0331 * x * x * x * x || Math.Log(u) < 0.5 * x * x + d * (1 - v + Math.Log(v))) return d * v;
        }
    }

    private static double Normal(Random random)
    {
        // Box–Muller; 1 − NextDouble keeps the logarithm's argument in (0, 1].
        var u1 = 1.0 - random.NextDouble();
        var u2 = random.NextDouble();
        return Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
    }
}

/// <summary>The order targets take their turns in, round by round.</summary>
public static class Interleaving
{
    /// <summary>
    /// Target indices for each round: forward in even rounds, backward in odd ones (A B, B A, A B ...), so a steady drift
    /// favours no target and neither does going first after a level starts.
    /// </summary>
    public static IReadOnlyList<IReadOnlyList<int>> Order(int targets, int rounds)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(targets, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(rounds, 1);
        var order = new List<IReadOnlyList<int>>(rounds);
        for (var r = 0; r < rounds; r++)
        {
            var turn = Enumerable.Range(0, targets).ToArray();
            if (r % 2 == 1) Array.Reverse(turn);
            order.Add(turn);
        }
        return order;
    }
}
