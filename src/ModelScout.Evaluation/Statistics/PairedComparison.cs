namespace ModelScout.Evaluation.Statistics;

/// <summary>Everything `scout eval compare` reports for one suite or subject: both sides, the paired interval, McNemar where the scores are right/wrong, and the verdict.</summary>
/// <param name="McNemar">Present only when every score on both sides is 0 or 1.</param>
public sealed record PairedComparisonResult(
    Estimate A,
    Estimate B,
    BootstrapInterval Bootstrap,
    McNemarResult? McNemar,
    NonInferiorityResult Verdict);

/// <summary>Compares per-item scores of A (incumbent) and B (candidate) on the same items, in the same order.</summary>
public static class PairedComparison
{
    public static PairedComparisonResult Compare(
        IReadOnlyList<double> a,
        IReadOnlyList<double> b,
        double marginPoints,
        ScoreScale scale,
        int resamples = PairedBootstrap.DefaultResamples,
        int seed = 0)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        var bootstrap = PairedBootstrap.MeanDifference(a, b, resamples, seed);
        McNemarResult? mcNemar = null;
        if (a.All(IsBinary) && b.All(IsBinary))
        {
            mcNemar = Statistics.McNemar.Test(a.Select(x => x == 1).ToArray(), b.Select(x => x == 1).ToArray());
        }
        return new PairedComparisonResult(
            Estimate.Mean(a),
            Estimate.Mean(b),
            bootstrap,
            mcNemar,
            NonInferiority.Decide(bootstrap, marginPoints, scale));
    }

    private static bool IsBinary(double score) => score is 0 or 1;
}
