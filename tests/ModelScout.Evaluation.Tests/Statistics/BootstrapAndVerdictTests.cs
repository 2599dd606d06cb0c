using ModelScout.Evaluation.Statistics;

namespace ModelScout.Evaluation.Tests.Statistics;

public sealed class BootstrapAndVerdictTests
{
    // 200 items: A gets none right, B gets 20 right, so every difference is 0 or 1 and the true mean difference is 0.1.
    private static (double[] A, double[] B) TenPercentBetter()
    {
        var a = new double[200];
        var b = new double[200];
        for (var i = 0; i < 200; i += 10) b[i] = 1;
        return (a, b);
    }

    [Fact]
    public void The_bootstrap_interval_contains_the_true_difference_and_matches_the_normal_width()
    {
        var (a, b) = TenPercentBetter();

        var interval = PairedBootstrap.MeanDifference(a, b, seed: 7);

        Assert.Equal(0.1, interval.Difference, 12);
        Assert.InRange(0.1, interval.Lower, interval.Upper);
        // Normal approximation: 0.1 ± 1.96·s/√n with s = √(0.1·0.9·200/199) = 0.30075...: [0.0583, 0.1417].
        var se = Math.Sqrt(0.1 * 0.9 * 200 / 199) / Math.Sqrt(200);
        Assert.Equal(0.1 - 1.96 * se, interval.Lower, 1.5e-2);
        Assert.Equal(0.1 + 1.96 * se, interval.Upper, 1.5e-2);
        Assert.Equal(Math.Sqrt(0.1 * 0.9 * 200 / 199), interval.StandardDeviation, 12);
        Assert.Equal(10_000, interval.Resamples);
    }

    [Fact]
    public void The_same_seed_gives_the_same_interval_and_another_seed_moves_it()
    {
        var (a, b) = TenPercentBetter();

        var first = PairedBootstrap.MeanDifference(a, b, resamples: 2000, seed: 42);
        var again = PairedBootstrap.MeanDifference(a, b, resamples: 2000, seed: 42);
        var other = PairedBootstrap.MeanDifference(a, b, resamples: 2000, seed: 43);

        Assert.Equal(first, again);
        Assert.NotEqual((first.Lower, first.Upper), (other.Lower, other.Upper));
    }

    [Fact]
    public void Constant_differences_give_a_zero_width_interval_on_any_scale()
    {
        double[] a = [7, 8, 6, 9, 5];
        double[] b = [6.5, 7.5, 5.5, 8.5, 4.5];

        var interval = PairedBootstrap.MeanDifference(a, b, resamples: 500);

        Assert.Equal((-0.5, -0.5, -0.5), (interval.Difference, interval.Lower, interval.Upper));
        Assert.Equal(0, interval.StandardDeviation);
    }

    [Fact]
    public void Quantiles_interpolate_between_order_statistics()
    {
        double[] sorted = [1, 2, 3, 4, 5];

        Assert.Equal(1, PairedBootstrap.Quantile(sorted, 0));
        Assert.Equal(1.1, PairedBootstrap.Quantile(sorted, 0.025), 12);
        Assert.Equal(3, PairedBootstrap.Quantile(sorted, 0.5));
        Assert.Equal(5, PairedBootstrap.Quantile(sorted, 1));
    }

    [Fact]
    public void Unpaired_lengths_are_refused()
    {
        Assert.Throws<ArgumentException>(() => PairedBootstrap.MeanDifference([1.0, 0.0], [1.0]));
    }

    [Theory]
    // Margin 2 points of accuracy = 0.02.
    [InlineData(0.01, 0.002, 0.018, ComparisonVerdict.Superior)]
    [InlineData(-0.005, -0.015, 0.005, ComparisonVerdict.NonInferior)]
    [InlineData(-0.05, -0.07, -0.03, ComparisonVerdict.Inferior)]
    [InlineData(-0.01, -0.03, 0.01, ComparisonVerdict.Inconclusive)]
    // Exactly on the margin is not clear of it either way.
    [InlineData(-0.01, -0.02, 0.0, ComparisonVerdict.Inconclusive)]
    public void Verdicts_follow_the_interval_against_minus_the_margin(double diff, double lower, double upper, ComparisonVerdict expected)
    {
        var result = NonInferiority.Decide(diff, lower, upper, 0.02, ScoreScale.Fraction, 0.3, 500);

        Assert.Equal(expected, result.Verdict);
        Assert.Equal(expected == ComparisonVerdict.Inconclusive, result.AdditionalSamples is not null);
    }

    [Fact]
    public void The_sample_size_is_the_normal_half_width_formula()
    {
        // n = ⌈(1.95996·0.5 / |−0.01 + 0.02|)²⌉ = ⌈9603.647⌉ = 9604.
        Assert.Equal(9604, NonInferiority.SamplesNeeded(-0.01, 0.02, 0.5));
        // Symmetric around −margin: d = −0.03 is as far away.
        Assert.Equal(9604, NonInferiority.SamplesNeeded(-0.03, 0.02, 0.5));
        Assert.Null(NonInferiority.SamplesNeeded(-0.02, 0.02, 0.5));

        var result = NonInferiority.Decide(-0.01, -0.04, 0.02, 0.02, ScoreScale.Fraction, 0.5, 1000);
        Assert.Equal(8604, result.AdditionalSamples);
        Assert.Equal("inconclusive: need ≈ 8604 more samples (B − A = -1.0 points, 95 % CI -4.0 … 2.0, margin 2)", result.Summary);
    }

    [Fact]
    public void Rating_margins_are_in_the_suites_own_points()
    {
        // MT-Bench: B rates 0.3 lower on 1–10 with a tight interval; a margin of 0.5 rating points makes it non-inferior,
        // a margin of 0.1 makes it inferior.
        var interval = new BootstrapInterval(-0.3, -0.4, -0.2, 0.95, 10_000, 160, 0.6);

        Assert.Equal(ComparisonVerdict.NonInferior, NonInferiority.Decide(interval, 0.5, ScoreScale.Rating).Verdict);
        Assert.Equal(ComparisonVerdict.Inferior, NonInferiority.Decide(interval, 0.1, ScoreScale.Rating).Verdict);
        // The same numbers read as accuracy fractions with a 2-point margin (0.02) are inferior too.
        Assert.Equal(0.02, NonInferiority.Decide(interval, 2, ScoreScale.Fraction).Margin, 12);
    }

    [Fact]
    public void Estimates_have_binomial_and_mean_standard_errors()
    {
        var accuracy = Estimate.Accuracy(30, 100);
        Assert.Equal(0.3, accuracy.Value, 12);
        Assert.Equal(Math.Sqrt(0.21 / 100), accuracy.StandardError, 12);

        var mean = Estimate.Mean([1, 2, 3, 4]);
        Assert.Equal(2.5, mean.Value, 12);
        // s = √(5/3); SE = s/2.
        Assert.Equal(Math.Sqrt(5.0 / 3) / 2, mean.StandardError, 12);
        Assert.Equal(0.3 - 1.959963984540054 * Math.Sqrt(0.0021), accuracy.Interval95.Lower, 12);
    }
}

public sealed class PairedComparisonTests
{
    [Fact]
    public void Binary_scores_get_mcnemar_and_ratings_do_not()
    {
        // 100 items: both right on 60, A only on 2, B only on 10, both wrong on 28.
        var a = new double[100];
        var b = new double[100];
        for (var i = 0; i < 60; i++) a[i] = b[i] = 1;
        for (var i = 60; i < 62; i++) a[i] = 1;
        for (var i = 62; i < 72; i++) b[i] = 1;

        var result = PairedComparison.Compare(a, b, marginPoints: 2, ScoreScale.Fraction, resamples: 4000, seed: 1);

        Assert.Equal(0.62, result.A.Value, 12);
        Assert.Equal(0.70, result.B.Value, 12);
        Assert.NotNull(result.McNemar);
        Assert.Equal((2, 10), (result.McNemar.OnlyA, result.McNemar.OnlyB));
        // Exact: 2·(1 + 12 + 66)/4096.
        Assert.Equal(158.0 / 4096, result.McNemar.PValue, 12);
        Assert.Equal(0.08, result.Bootstrap.Difference, 12);
        Assert.Equal(ComparisonVerdict.Superior, result.Verdict.Verdict);

        var ratings = PairedComparison.Compare([7.5, 8, 6], [7, 8, 6.5], marginPoints: 1, ScoreScale.Rating, resamples: 500);
        Assert.Null(ratings.McNemar);
        Assert.Equal(1, ratings.Verdict.Margin, 12);
    }
}
