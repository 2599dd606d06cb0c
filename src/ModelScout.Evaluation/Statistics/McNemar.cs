namespace ModelScout.Evaluation.Statistics;

/// <summary>
/// McNemar's test for two models' right/wrong on the same items, and the paired difference in accuracy (B − A) with a
/// Wald 95 % interval for paired proportions: SE = √((b + c) − (c − b)²/n) / n.
/// </summary>
/// <param name="Count">Items compared (n).</param>
/// <param name="OnlyA">b: items A got right and B got wrong.</param>
/// <param name="OnlyB">c: items B got right and A got wrong.</param>
/// <param name="Exact">True when the p-value is the exact binomial one (b + c below <see cref="ExactBelow"/>).</param>
/// <param name="Statistic">The continuity-corrected chi-square (|b − c| − 1)²/(b + c); reported in both cases.</param>
public sealed record McNemarResult(
    int Count,
    int OnlyA,
    int OnlyB,
    double PValue,
    bool Exact,
    double Statistic,
    double Difference,
    double Lower,
    double Upper)
{
    /// <summary>Discordant pairs below this count get the exact binomial test.</summary>
    public const int ExactBelow = 25;
}

/// <summary>McNemar's test for paired binary outcomes.</summary>
public static class McNemar
{
    /// <summary>From the per-item outcomes of A and B, in the same item order.</summary>
    public static McNemarResult Test(IReadOnlyList<bool> a, IReadOnlyList<bool> b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        if (a.Count != b.Count) throw new ArgumentException($"paired outcomes need the same items: A has {a.Count}, B has {b.Count}", nameof(b));
        int onlyA = 0, onlyB = 0;
        for (var i = 0; i < a.Count; i++)
        {
            if (a[i] && !b[i]) onlyA++;
            else if (!a[i] && b[i]) onlyB++;
        }
        return Test(a.Count, onlyA, onlyB);
    }

    /// <summary>From the counts: n items, b = right only in A, c = right only in B.</summary>
    public static McNemarResult Test(int count, int onlyA, int onlyB)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(onlyA);
        ArgumentOutOfRangeException.ThrowIfNegative(onlyB);
        ArgumentOutOfRangeException.ThrowIfLessThan(count, onlyA + onlyB);
        var discordant = onlyA + onlyB;
        var statistic = discordant == 0 ? 0 : Math.Pow(Math.Max(0, Math.Abs(onlyA - onlyB) - 1), 2) / discordant;
        var exact = discordant < McNemarResult.ExactBelow;
        var p = exact ? ExactTwoSided(onlyA, onlyB) : Normal.ChiSquare1UpperTail(statistic);

        double diff = 0, lower = 0, upper = 0;
        if (count > 0)
        {
            diff = (double)(onlyB - onlyA) / count;
            var variance = discordant - (double)(onlyB - onlyA) * (onlyB - onlyA) / count;
            var se = Math.Sqrt(Math.Max(0, variance)) / count;
            lower = diff - Normal.Z95 * se;
            upper = diff + Normal.Z95 * se;
        }
        return new McNemarResult(count, onlyA, onlyB, p, exact, statistic, diff, lower, upper);
    }

    /// <summary>2 · P(X ≤ min(b, c)) for X ~ Binomial(b + c, 1/2), capped at 1.</summary>
    internal static double ExactTwoSided(int onlyA, int onlyB)
    {
        var n = onlyA + onlyB;
        if (n == 0) return 1;
        var k = Math.Min(onlyA, onlyB);
        // Terms C(n, i)/2^n built up multiplicatively so that nothing overflows for any n.
        var term = Math.Pow(0.5, n);
        var tail = term;
        for (var i = 1; i <= k; i++)
        {
            term *= (double)(n - i + 1) / i;
            tail += term;
        }
        return Math.Min(1, 2 * tail);
    }
}
