namespace ModelScout.Server.Ui.Arena;

/// <summary>One vote between two models, as the statistics read it.</summary>
/// <param name="Outcome">What the voter chose; <see cref="ArenaOutcome.Tie"/> and <see cref="ArenaOutcome.BothBad"/> both count as half a win each.</param>
public sealed record ArenaPairVote(string ModelA, string ModelB, ArenaOutcome Outcome)
{
    /// <summary>Model A's score in this vote: 1 win, 0 loss, 0.5 tie or both bad.</summary>
    public double ScoreA => Outcome switch
    {
        ArenaOutcome.A => 1,
        ArenaOutcome.B => 0,
        _ => 0.5,
    };
}

/// <summary>The four answers a voter can give.</summary>
public enum ArenaOutcome
{
    A,
    B,
    Tie,
    BothBad,
}

/// <summary>One model's line of the leaderboard.</summary>
/// <param name="Score">(wins + ties/2) / votes: the win rate with ties (and both-bad) as half a win.</param>
/// <param name="ScoreLow">Lower end of the 95 % Wilson interval of <paramref name="Score"/>.</param>
/// <param name="Strength">Bradley–Terry log-strength θ (the θ of all rated models sum to zero); null when not estimable.</param>
/// <param name="StrengthSe">Standard error of θ from the inverse Fisher information (pseudo-inverse under Σθ = 0).</param>
/// <param name="Rating">θ on the Elo scale: 1000 + 400·θ/ln 10.</param>
public sealed record ArenaModelStanding(string Model, int Votes, int Wins, int Losses, int Ties, int BothBad, double Score, double ScoreLow, double ScoreHigh,
    double? Strength, double? StrengthSe, double? Rating, double? RatingLow, double? RatingHigh);

/// <summary>Two models against each other.</summary>
/// <param name="ScoreA">A's score against B (ties as half).</param>
/// <param name="MoreVotesNeeded">
/// Votes to add before a two-sided 5 % test tells the two apart with 80 % power if A's true score is the one seen now;
/// 0 when they are already apart; null when the score is exactly even (no difference to detect).
/// </param>
public sealed record ArenaPairStanding(string ModelA, string ModelB, int Votes, int WinsA, int WinsB, int Ties, double ScoreA, double ScoreLow, double ScoreHigh,
    bool Separated, int? VotesNeeded, int? MoreVotesNeeded);

/// <summary>The leaderboard: per model and per pair.</summary>
/// <param name="Regularized">
/// True when the plain maximum-likelihood rating does not exist (a model won, or lost, every vote it took part in) and every
/// pair that met got one extra virtual tie, which keeps the estimate finite.
/// </param>
public sealed record ArenaLeaderboard(int Votes, IReadOnlyList<ArenaModelStanding> Models, IReadOnlyList<ArenaPairStanding> Pairs, string Method, bool Regularized);

/// <summary>
/// Win rates with Wilson intervals, a Bradley–Terry rating by maximum likelihood (ties as half a win to each side),
/// its standard errors from the Fisher information, and the sample size that would separate two models.
/// </summary>
public static class ArenaStatistics
{
    /// <summary>z for a two-sided 95 % interval.</summary>
    public const double Z95 = 1.959963984540054;

    /// <summary>z for 80 % power (one-sided 0.2 quantile).</summary>
    public const double Z80 = 0.8416212335729143;

    private const double EloScale = 400 / 2.302585092994046;

    public const string MethodText =
        "Bradley-Terry by maximum likelihood (Hunter's MM algorithm); ties and both-bad votes count as half a win to each side; " +
        "standard errors from the inverse Fisher information under sum(theta)=0; rating = 1000 + 400*theta/ln(10); win rates with 95% Wilson intervals; " +
        "votes to separate a pair: two-sided 5% test, 80% power, at the pair's current score";

    /// <summary>The 95 % Wilson score interval of a proportion <paramref name="p"/> seen over <paramref name="n"/> trials.</summary>
    public static (double Low, double High) Wilson(double p, double n, double z = Z95)
    {
        if (n <= 0) return (0, 1);
        var z2 = z * z;
        var denominator = 1 + z2 / n;
        var center = (p + z2 / (2 * n)) / denominator;
        var half = z / denominator * Math.Sqrt(p * (1 - p) / n + z2 / (4 * n * n));
        return (Math.Max(0, center - half), Math.Min(1, center + half));
    }

    /// <summary>
    /// Votes in all that a two-sided test of p = ½ at 5 % needs for 80 % power when the true score is <paramref name="p"/>:
    /// n = ((z₀.₉₇₅·√¼ + z₀.₈·√(p(1−p))) / (p − ½))². Null when p is ½ (no difference to find).
    /// </summary>
    public static int? VotesToSeparate(double p)
    {
        var effect = Math.Abs(p - 0.5);
        if (effect < 1e-12) return null;
        var root = (Z95 * 0.5 + Z80 * Math.Sqrt(p * (1 - p))) / effect;
        return (int)Math.Ceiling(root * root - 1e-9);
    }

    /// <summary>The whole leaderboard from the votes.</summary>
    public static ArenaLeaderboard Leaderboard(IReadOnlyList<ArenaPairVote> votes)
    {
        ArgumentNullException.ThrowIfNull(votes);
        var models = votes.SelectMany(v => new[] { v.ModelA, v.ModelB }).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        var index = models.Select((m, i) => (m, i)).ToDictionary(x => x.m, x => x.i, StringComparer.Ordinal);
        var k = models.Count;
        var games = new double[k, k];
        var wins = new double[k, k];
        foreach (var v in votes)
        {
            if (v.ModelA == v.ModelB) continue;
            int a = index[v.ModelA], b = index[v.ModelB];
            games[a, b]++;
            games[b, a]++;
            wins[a, b] += v.ScoreA;
            wins[b, a] += 1 - v.ScoreA;
        }
        var regularized = !StronglyConnected(wins, k);
        if (regularized)
        {
            for (var i = 0; i < k; i++)
                for (var j = 0; j < k; j++)
                    if (i != j && games[i, j] > 0)
                    {
                        games[i, j] += 1;
                        wins[i, j] += 0.5;
                    }
        }
        var (theta, se) = k >= 2 && StronglyConnected(wins, k) ? BradleyTerry(games, wins, k) : (null, null);

        var standings = models.Select((m, i) =>
        {
            var mine = votes.Where(v => v.ModelA != v.ModelB && (v.ModelA == m || v.ModelB == m)).ToList();
            var won = mine.Count(v => v.ModelA == m ? v.Outcome == ArenaOutcome.A : v.Outcome == ArenaOutcome.B);
            var lost = mine.Count(v => v.ModelA == m ? v.Outcome == ArenaOutcome.B : v.Outcome == ArenaOutcome.A);
            var ties = mine.Count(v => v.Outcome == ArenaOutcome.Tie);
            var bad = mine.Count(v => v.Outcome == ArenaOutcome.BothBad);
            var score = mine.Count == 0 ? 0 : (won + 0.5 * (ties + bad)) / mine.Count;
            var (low, high) = Wilson(score, mine.Count);
            double? t = theta?[i], s = se?[i];
            return new ArenaModelStanding(m, mine.Count, won, lost, ties, bad, score, low, high, t, s,
                t is { } x ? 1000 + EloScale * x : null,
                t is { } y && s is { } e ? 1000 + EloScale * (y - Z95 * e) : null,
                t is { } z && s is { } f ? 1000 + EloScale * (z + Z95 * f) : null);
        }).OrderByDescending(s => s.Rating ?? double.NegativeInfinity).ThenByDescending(s => s.Score).ToList();

        var pairs = new List<ArenaPairStanding>();
        for (var i = 0; i < k; i++)
        {
            for (var j = i + 1; j < k; j++)
            {
                string a = models[i], b = models[j];
                var between = votes.Where(v => v.ModelA == a && v.ModelB == b || v.ModelA == b && v.ModelB == a).ToList();
                if (between.Count == 0) continue;
                var winsA = between.Count(v => v.ModelA == a ? v.Outcome == ArenaOutcome.A : v.Outcome == ArenaOutcome.B);
                var winsB = between.Count(v => v.ModelA == b ? v.Outcome == ArenaOutcome.A : v.Outcome == ArenaOutcome.B);
                var ties = between.Count - winsA - winsB;
                var score = (winsA + 0.5 * ties) / between.Count;
                var (low, high) = Wilson(score, between.Count);
                var separated = low > 0.5 || high < 0.5;
                var needed = VotesToSeparate(score);
                pairs.Add(new ArenaPairStanding(a, b, between.Count, winsA, winsB, ties, score, low, high, separated, needed,
                    separated ? 0 : needed is { } n ? Math.Max(0, n - between.Count) : null));
            }
        }
        return new ArenaLeaderboard(votes.Count, standings, pairs, MethodText, regularized);
    }

    /// <summary>
    /// Maximum-likelihood Bradley–Terry strengths by Hunter's MM iteration, pᵢ ← Wᵢ / Σⱼ nᵢⱼ/(pᵢ+pⱼ), then θ = ln p
    /// centred to sum zero, and standard errors from the pseudo-inverse of the Fisher information
    /// Iᵢᵢ = Σⱼ nᵢⱼπᵢⱼ(1−πᵢⱼ), Iᵢⱼ = −nᵢⱼπᵢⱼ(1−πᵢⱼ).
    /// </summary>
    /// <param name="games">Votes between i and j (symmetric).</param>
    /// <param name="wins">wins[i, j]: i's score against j, ties as half.</param>
    public static (double[] Theta, double[] StandardError) BradleyTerry(double[,] games, double[,] wins, int k)
    {
        ArgumentNullException.ThrowIfNull(games);
        ArgumentNullException.ThrowIfNull(wins);
        var p = Enumerable.Repeat(1.0, k).ToArray();
        var total = new double[k];
        for (var i = 0; i < k; i++)
            for (var j = 0; j < k; j++)
                total[i] += wins[i, j];
        for (var iteration = 0; iteration < 10_000; iteration++)
        {
            var next = new double[k];
            for (var i = 0; i < k; i++)
            {
                var denominator = 0.0;
                for (var j = 0; j < k; j++)
                    if (j != i && games[i, j] > 0) denominator += games[i, j] / (p[i] + p[j]);
                next[i] = denominator > 0 ? total[i] / denominator : p[i];
            }
            var g = Math.Exp(next.Average(x => Math.Log(x)));
            var change = 0.0;
            for (var i = 0; i < k; i++)
            {
                next[i] /= g;
                change = Math.Max(change, Math.Abs(Math.Log(next[i]) - Math.Log(p[i])));
            }
            p = next;
            if (change < 1e-12) break;
        }
        var theta = p.Select(x => Math.Log(x)).ToArray();
        var mean = theta.Average();
        for (var i = 0; i < k; i++) theta[i] -= mean;

        // Fisher information is a graph Laplacian: its pseudo-inverse is (I + J/k)⁻¹ − J/k for a connected graph.
        var info = new double[k, k];
        for (var i = 0; i < k; i++)
        {
            for (var j = 0; j < k; j++)
            {
                if (i == j || games[i, j] <= 0) continue;
                var pi = 1 / (1 + Math.Exp(theta[j] - theta[i]));
                var w = games[i, j] * pi * (1 - pi);
                info[i, j] -= w;
                info[i, i] += w;
            }
        }
        var shifted = new double[k, k];
        for (var i = 0; i < k; i++)
            for (var j = 0; j < k; j++)
                shifted[i, j] = info[i, j] + 1.0 / k;
        var inverse = Invert(shifted, k);
        var se = new double[k];
        for (var i = 0; i < k; i++) se[i] = Math.Sqrt(Math.Max(0, inverse[i, i] - 1.0 / k));
        return (theta, se);
    }

    /// <summary>True when every model can be reached from every other along "scored against" edges (the MLE then exists).</summary>
    private static bool StronglyConnected(double[,] wins, int k)
    {
        if (k == 0) return false;
        return Reach(wins, k, forward: true) && Reach(wins, k, forward: false);

        static bool Reach(double[,] w, int n, bool forward)
        {
            var seen = new bool[n];
            var stack = new Stack<int>();
            stack.Push(0);
            seen[0] = true;
            while (stack.Count > 0)
            {
                var i = stack.Pop();
                for (var j = 0; j < n; j++)
                {
                    if (seen[j] || (forward ? w[i, j] : w[j, i]) <= 0) continue;
                    seen[j] = true;
                    stack.Push(j);
                }
            }
            return seen.All(s => s);
        }
    }

    /// <summary>Gauss–Jordan inverse with partial pivoting of a small symmetric positive-definite matrix.</summary>
    private static double[,] Invert(double[,] m, int n)
    {
        var a = (double[,])m.Clone();
        var inv = new double[n, n];
        for (var i = 0; i < n; i++) inv[i, i] = 1;
        for (var c = 0; c < n; c++)
        {
            var pivot = c;
            for (var r = c + 1; r < n; r++)
                if (Math.Abs(a[r, c]) > Math.Abs(a[pivot, c])) pivot = r;
            if (pivot != c)
            {
                for (var j = 0; j < n; j++)
                {
                    (a[c, j], a[pivot, j]) = (a[pivot, j], a[c, j]);
                    (inv[c, j], inv[pivot, j]) = (inv[pivot, j], inv[c, j]);
                }
            }
            var d = a[c, c];
            for (var j = 0; j < n; j++)
            {
                a[c, j] /= d;
                inv[c, j] /= d;
            }
            for (var r = 0; r < n; r++)
            {
                if (r == c) continue;
                var f = a[r, c];
                if (f == 0) continue;
                for (var j = 0; j < n; j++)
                {
                    a[r, j] -= f * a[c, j];
                    inv[r, j] -= f * inv[c, j];
                }
            }
        }
        return inv;
    }
}
