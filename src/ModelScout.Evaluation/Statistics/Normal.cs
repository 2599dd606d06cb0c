namespace ModelScout.Evaluation.Statistics;

/// <summary>The few normal and chi-square facts the comparisons need.</summary>
public static class Normal
{
    /// <summary>The two-sided 95 % quantile of the standard normal.</summary>
    public const double Z95 = 1.959963984540054;

    /// <summary>erfc(x) for x ≥ 0: the power series below 2, a continued fraction above (relative error about 1e-13 or better).</summary>
    public static double Erfc(double x)
    {
        if (x < 0) return 2 - Erfc(-x);
        if (x < 2)
        {
            // erf(x) = 2/√π Σ (−1)^n x^(2n+1) / (n! (2n+1))
            double term = x, sum = x;
            for (var n = 1; n < 200; n++)
            {
                term *= -x * x / n;
                var add = term / (2 * n + 1);
                sum += add;
                if (Math.Abs(add) < 1e-17 * Math.Abs(sum)) break;
            }
            return 1 - 2 / Math.Sqrt(Math.PI) * sum;
        }

        // erfc(x) = e^(−x²)/√π · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + 2/(x + ...))))), evaluated by modified Lentz.
        const double Tiny = 1e-300;
        var f = x;
        var c = x;
        var d = 0.0;
        for (var k = 1; k < 5000; k++)
        {
            var a = k / 2.0;
            d = x + a * d;
            d = Math.Abs(d) < Tiny ? 1 / Tiny : 1 / d;
            c = x + a / c;
            if (Math.Abs(c) < Tiny) c = Tiny;
            var delta = c * d;
            f *= delta;
            if (Math.Abs(delta - 1) < 1e-16) break;
        }
        return Math.Exp(-x * x) / Math.Sqrt(Math.PI) / f;
    }

    /// <summary>Upper tail P(X ≥ <paramref name="statistic"/>) of a chi-square with one degree of freedom: erfc(√(x/2)).</summary>
    public static double ChiSquare1UpperTail(double statistic) => statistic <= 0 ? 1 : Erfc(Math.Sqrt(statistic / 2));
}
