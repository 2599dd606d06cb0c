using ModelScout.Evaluation.Statistics;

namespace ModelScout.Evaluation.Tests.Statistics;

public sealed class McNemarTests
{
    [Theory]
    // b=1, c=9: 2·(C(10,0) + C(10,1))/2^10 = 22/1024.
    [InlineData(1, 9, 22.0 / 1024)]
    [InlineData(9, 1, 22.0 / 1024)]
    // b=2, c=6: 2·(1 + 8 + 28)/2^8 = 74/256.
    [InlineData(2, 6, 74.0 / 256)]
    // b=0, c=5: 2/32.
    [InlineData(0, 5, 2.0 / 32)]
    // Balanced tables reach 1 (capped), and no discordant pair at all is p = 1.
    [InlineData(5, 5, 1.0)]
    [InlineData(0, 0, 1.0)]
    public void Exact_p_values_match_the_binomial_sums(int onlyA, int onlyB, double expected)
    {
        var result = McNemar.Test(100, onlyA, onlyB);

        Assert.True(result.Exact);
        Assert.Equal(expected, result.PValue, 12);
    }

    [Fact]
    public void Twenty_five_or_more_discordant_pairs_use_the_corrected_chi_square()
    {
        // (|10 − 25| − 1)²/35 = 5.6; P(χ²₁ ≥ 5.6) = erfc(√2.8) = 0.0179604775...
        var result = McNemar.Test(100, 10, 25);

        Assert.False(result.Exact);
        Assert.Equal(5.6, result.Statistic, 12);
        Assert.Equal(0.017960477526078766, result.PValue, 10);
    }

    [Fact]
    public void The_accuracy_difference_has_the_paired_wald_interval()
    {
        // d = (25 − 10)/100; SE = √(35 − 15²/100)/100.
        var result = McNemar.Test(100, 10, 25);

        Assert.Equal(0.15, result.Difference, 12);
        Assert.Equal(0.0378359342847574, result.Lower, 10);
        Assert.Equal(0.2621640657152426, result.Upper, 10);
    }

    [Fact]
    public void Counts_come_from_the_paired_outcomes()
    {
        bool[] a = [true, true, false, false, true, false];
        bool[] b = [true, false, true, true, true, false];

        var result = McNemar.Test(a, b);

        Assert.Equal((6, 1, 2), (result.Count, result.OnlyA, result.OnlyB));
        Assert.Equal(1.0 / 6, result.Difference, 12);
        Assert.Throws<ArgumentException>(() => McNemar.Test(a, b[..5]));
    }

    [Theory]
    [InlineData(0.0, 1.0)]
    [InlineData(0.5, 0.4795001221869535)]
    [InlineData(1.0, 0.15729920705028513)]
    [InlineData(2.0, 0.004677734981047265)]
    [InlineData(2.9, 4.109787809945886e-05)]
    [InlineData(3.0, 2.2090496998585438e-05)]
    [InlineData(3.5, 7.430983723414128e-07)]
    [InlineData(5.0, 1.5374597944280351e-12)]
    [InlineData(8.0, 1.1224297172982928e-29)]
    public void Erfc_matches_reference_values_to_1e_10_relative(double x, double expected)
    {
        Assert.True(Math.Abs(Normal.Erfc(x) - expected) <= 1e-10 * expected, Normal.Erfc(x).ToString("R", System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public void The_chi_square_tail_at_the_95_percent_critical_value_is_five_percent()
    {
        Assert.Equal(0.05, Normal.ChiSquare1UpperTail(3.841458820694124), 10);
    }
}
