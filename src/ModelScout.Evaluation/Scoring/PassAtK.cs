namespace ModelScout.Evaluation.Scoring;

/// <summary>The unbiased pass@k estimator of Chen et al. (2021): 1 − C(n−c, k) / C(n, k) for n samples of which c passed.</summary>
public static class PassAtK
{
    /// <summary>pass@k for one problem; computed as 1 − ∏_{i=n−c+1..n} (1 − k/i), which never forms a binomial coefficient and so cannot overflow.</summary>
    public static double Estimate(int n, int c, int k)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(n, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(c);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(c, n);
        ArgumentOutOfRangeException.ThrowIfLessThan(k, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(k, n);
        // Every draw of k from n contains a passing sample when fewer than k samples failed.
        if (n - c < k) return 1.0;
        var product = 1.0;
        for (var i = n - c + 1; i <= n; i++) product *= 1.0 - (double)k / i;
        return 1.0 - product;
    }

    /// <summary>The k values worth reporting for n samples: 1, 10, 100 where k ≤ n.</summary>
    public static IReadOnlyList<int> ReportedKs(int n) => [.. Ks.Where(k => k <= n)];

    private static readonly int[] Ks = [1, 10, 100];
}
