using ModelScout.Evaluation.Statistics;

namespace ModelScout.Evaluation.Tests.Statistics;

public sealed class ScoreIntervalTests
{
    // Hand-computed from (p + z²/2n ± z·√(p(1−p)/n + z²/4n²)) / (1 + z²/n), z = 1.959964:
    // 5/5: centre 1.384146/1.768291 = 0.782759, half 1.108390·0.195996 = 0.217241.
    [Theory]
    [InlineData(5, 5, 0.565518, 1.0)]
    [InlineData(0, 5, 0.0, 0.434482)]
    [InlineData(3, 5, 0.230724, 0.882379)]
    [InlineData(9, 10, 0.595850, 0.982124)]
    [InlineData(712, 1000, 0.683164, 0.739213)]
    public void Wilson_matches_the_hand_computed_interval(int right, int n, double lower, double upper)
    {
        var (l, u) = ScoreIntervals.Wilson(right, n);
        Assert.Equal(lower, l, 5);
        Assert.Equal(upper, u, 5);
    }

    [Fact]
    public void All_right_at_small_n_is_not_a_zero_width_interval()
    {
        var ci = ScoreIntervals.ForMean([1, 1, 1, 1, 1], 0, 1)!;
        Assert.Equal(IntervalMethod.Wilson, ci.Method);
        Assert.Equal(1.0, ci.Upper);
        Assert.Equal(0.5655, ci.Lower, 4);
    }

    [Fact]
    public void Few_ratings_get_the_wilson_bound_on_the_rating_scale()
    {
        // Mean 7.6 on 1..10 is m = 6.6/9 = 0.7333; Wilson at p = m, n = 5 is [0.3233, 0.9406] → 3.910 … 9.465.
        var ci = ScoreIntervals.ForMean([7, 8, 8, 9, 6], 1, 10)!;
        Assert.Equal(IntervalMethod.WilsonBound, ci.Method);
        Assert.Equal(3.9101, ci.Lower, 3);
        Assert.Equal(9.4651, ci.Upper, 3);
    }

    [Fact]
    public void Identical_scores_say_nothing_about_the_spread_and_keep_the_bound()
    {
        var ci = ScoreIntervals.ForMean(Enumerable.Repeat(0.5, 40).ToList(), 0, 1)!;
        Assert.Equal(IntervalMethod.WilsonBound, ci.Method);
        Assert.True(ci.Upper - ci.Lower > 0.25, $"{ci.Lower} … {ci.Upper}");
    }

    [Fact]
    public void Many_varied_scores_get_students_t_cut_to_the_scale()
    {
        // 40 pass fractions, half 0.25 and half 0.75: mean 0.5, s = 0.25·√(40/39) = 0.253185, t(39) = 2.022691.
        var scores = Enumerable.Range(0, 40).Select(i => i % 2 == 0 ? 0.25 : 0.75).ToList();
        var ci = ScoreIntervals.ForMean(scores, 0, 1)!;
        Assert.Equal(IntervalMethod.Student, ci.Method);
        var half = 2.022691 * 0.253185 / Math.Sqrt(40);
        Assert.Equal(0.5 - half, ci.Lower, 4);
        Assert.Equal(0.5 + half, ci.Upper, 4);
    }

    [Theory]
    [InlineData(10, 2.228139)]
    [InlineData(29, 2.045230)]
    [InlineData(100, 1.983972)]
    public void Students_quantile_matches_the_tables(int degrees, double table) =>
        Assert.Equal(table, ScoreIntervals.StudentQuantile975(degrees), 3);

    [Fact]
    public void No_scores_have_no_interval() => Assert.Null(ScoreIntervals.ForMean([], 0, 1));
}
