namespace ModelScout.LoadTest.Tests;

public sealed class PlanTests
{
    private static (double Mean, double Cv) Stats(double rate, double burstiness, int seed, int n = 20_000)
    {
        var gaps = ArrivalSchedule.Intervals(rate, burstiness, new Random(seed)).Take(n).Select(t => t.TotalSeconds).ToArray();
        var mean = gaps.Average();
        var sd = Math.Sqrt(gaps.Sum(g => (g - mean) * (g - mean)) / (n - 1));
        return (mean, sd / mean);
    }

    [Theory]
    [InlineData(2.0, 1.0, 1)]
    [InlineData(2.0, 1.0, 7)]
    [InlineData(0.5, 0.25, 3)]
    [InlineData(10.0, 0.5, 11)]
    [InlineData(4.0, 4.0, 5)]
    public void Gaps_have_mean_one_over_rate_and_cv_one_over_root_burstiness(double rate, double burstiness, int seed)
    {
        var (mean, cv) = Stats(rate, burstiness, seed);
        // 20,000 draws: the mean's standard error is cv/141 of the mean; 4 % is over five standard errors at cv 2.
        Assert.InRange(mean, 0.96 / rate, 1.04 / rate);
        var expectedCv = 1 / Math.Sqrt(burstiness);
        Assert.InRange(cv, expectedCv * 0.93, expectedCv * 1.07);
    }

    [Fact]
    public void The_same_seed_gives_the_same_schedule_and_another_seed_another()
    {
        var a = ArrivalSchedule.Offsets(3, 1, new Random(42)).Take(50).ToArray();
        var b = ArrivalSchedule.Offsets(3, 1, new Random(42)).Take(50).ToArray();
        var c = ArrivalSchedule.Offsets(3, 1, new Random(43)).Take(50).ToArray();
        Assert.Equal(a, b);
        Assert.NotEqual(a, c);
        Assert.True(a.Zip(a.Skip(1)).All(p => p.First <= p.Second), "offsets never go back");
    }

    [Fact]
    public void An_infinite_rate_sends_everything_at_once()
    {
        Assert.All(ArrivalSchedule.Offsets(double.PositiveInfinity, 1, new Random(1)).Take(10), o => Assert.Equal(TimeSpan.Zero, o));
    }

    [Fact]
    public void Targets_alternate_forward_and_back_round_by_round()
    {
        var order = Interleaving.Order(3, 4);
        Assert.Equal([[0, 1, 2], [2, 1, 0], [0, 1, 2], [2, 1, 0]], order.Select(r => r.ToArray()).ToArray());
        Assert.Equal([[0]], Interleaving.Order(1, 1).Select(r => r.ToArray()).ToArray());
    }

    [Fact]
    public void Requests_split_across_rounds_as_evenly_as_they_go()
    {
        var plan = new LoadPlan { Levels = [new LoadLevel(LoadKind.Concurrency, 1)], Requests = 10, Rounds = 3 };
        Assert.Equal([4, 3, 3], Enumerable.Range(0, 3).Select(plan.RequestsInRound));
    }

    [Theory]
    [InlineData(0, null, "--requests must be at least 1")]
    [InlineData(null, null, "exactly one of --requests")]
    [InlineData(2, 3, "exactly one of --requests")]
    public void Plans_that_cannot_run_say_which_flag_to_fix(int? requests, int? seconds, string message)
    {
        var plan = new LoadPlan
        {
            Levels = [new LoadLevel(LoadKind.Concurrency, 1)], Requests = requests, Rounds = 1,
            Duration = seconds is { } s ? TimeSpan.FromSeconds(s) : null,
        };
        Assert.Contains(message, Assert.Throws<ArgumentException>(plan.Validate).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_ratio_is_the_median_and_quartiles_of_the_per_round_ratios()
    {
        var level = new LoadLevel(LoadKind.Concurrency, 2);
        var ratio = BenchRunner.RoundRatio("output_throughput", level, "a", "b", [4.0, 1.0, 3.0, 2.0])!;
        Assert.Equal(2.5, ratio.Median, 12);
        Assert.Equal(1.75, ratio.Low, 12);
        Assert.Equal(3.25, ratio.High, 12);
        Assert.Null(BenchRunner.RoundRatio("output_throughput", level, "a", "b", [double.NaN]));
    }
}
