using ModelScout.Evaluation.Scoring;

namespace ModelScout.Evaluation.Tests.Scoring;

public class PassAtKTests
{
    [Theory]
    // Worked by hand: 1 − C(n−c,k)/C(n,k).
    [InlineData(1, 1, 1, 1.0)]
    [InlineData(1, 0, 1, 0.0)]
    [InlineData(5, 2, 1, 0.4)]               // c/n
    [InlineData(5, 2, 2, 0.7)]               // 1 − C(3,2)/C(5,2) = 1 − 3/10
    [InlineData(10, 3, 5, 11.0 / 12.0)]      // 1 − C(7,5)/C(10,5) = 1 − 21/252
    [InlineData(4, 1, 3, 0.75)]              // 1 − C(3,3)/C(4,3) = 1 − 1/4
    [InlineData(10, 8, 5, 1.0)]              // fewer than k failures: always a pass
    [InlineData(10, 0, 10, 0.0)]
    public void Matches_hand_computed_values(int n, int c, int k, double expected) =>
        Assert.Equal(expected, PassAtK.Estimate(n, c, k), 12);

    [Fact]
    public void Large_n_does_not_overflow()
    {
        // C(200,100) is about 9e58, beyond long; the product form stays finite. 1 − C(190,100)/C(200,100) by the product.
        var value = PassAtK.Estimate(200, 10, 100);
        Assert.InRange(value, 0.999, 1.0);
        Assert.Equal(1 - Enumerable.Range(191, 10).Aggregate(1.0, (p, i) => p * (1 - 100.0 / i)), value, 12);
    }

    [Theory]
    [InlineData(0, 0, 1)]
    [InlineData(5, 6, 1)]
    [InlineData(5, 1, 6)]
    [InlineData(5, 1, 0)]
    public void Rejects_impossible_counts(int n, int c, int k) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => PassAtK.Estimate(n, c, k));

    [Fact]
    public void Reported_ks_stop_at_n()
    {
        Assert.Equal([1], PassAtK.ReportedKs(5));
        Assert.Equal([1, 10], PassAtK.ReportedKs(20));
        Assert.Equal([1, 10, 100], PassAtK.ReportedKs(100));
    }
}
