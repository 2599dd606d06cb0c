using ModelScout.Server.Ui.Arena;

namespace ModelScout.Server.Tests;

/// <summary>The arena's statistics against values worked out by hand.</summary>
public sealed class ArenaStatisticsTests
{
    [Fact]
    public void Wilson_interval_of_three_in_four_is_the_textbook_one()
    {
        // p = 0.75, n = 4, z = 1.96: centre (0.75 + 0.4802)/1.9604 = 0.6275, half-width 0.3269.
        var (low, high) = ArenaStatistics.Wilson(0.75, 4);
        Assert.Equal(0.3006, low, 4);
        Assert.Equal(0.9544, high, 4);
        // Symmetric around a half at p = 0.5, n = 10.
        var (l2, h2) = ArenaStatistics.Wilson(0.5, 10);
        Assert.Equal(0.2366, l2, 4);
        Assert.Equal(1, l2 + h2, 10);
    }

    [Fact]
    public void Votes_to_separate_follow_the_one_sample_proportion_formula()
    {
        // ((1.96*0.5 + 0.8416*sqrt(0.24)) / 0.1)^2 = 193.8: the classic 194 for 60 % against 50 % at 80 % power.
        Assert.Equal(194, ArenaStatistics.VotesToSeparate(0.6));
        Assert.Equal(29, ArenaStatistics.VotesToSeparate(0.75));
        Assert.Equal(194, ArenaStatistics.VotesToSeparate(0.4));
        Assert.Null(ArenaStatistics.VotesToSeparate(0.5));
    }

    [Fact]
    public void Two_models_three_to_one_give_log_odds_ln3_and_its_fisher_error()
    {
        var votes = Votes(("x", "y", ArenaOutcome.A, 3), ("x", "y", ArenaOutcome.B, 1));
        var board = ArenaStatistics.Leaderboard(votes);
        Assert.False(board.Regularized);
        var x = board.Models.Single(m => m.Model == "x");
        var y = board.Models.Single(m => m.Model == "y");
        // p_x/p_y = 3; centred: θx = ln3/2. Fisher: n·π(1−π) = 4·0.75·0.25 = 0.75, so Var(θx − θy) = 1/0.75 and each θ
        // (half the difference) has SE sqrt(1/3).
        Assert.Equal(Math.Log(3) / 2, x.Strength!.Value, 9);
        Assert.Equal(-Math.Log(3) / 2, y.Strength!.Value, 9);
        Assert.Equal(Math.Sqrt(1.0 / 3), x.StrengthSe!.Value, 6);
        Assert.Equal(1000 + 400 * Math.Log10(3) / 2, x.Rating!.Value, 6);
        Assert.Equal("x", board.Models[0].Model);
        var pair = Assert.Single(board.Pairs);
        Assert.Equal(0.75, pair.ScoreA, 9);
        Assert.False(pair.Separated);
        Assert.Equal(29, pair.VotesNeeded);
        Assert.Equal(25, pair.MoreVotesNeeded);
    }

    [Fact]
    public void Three_models_whose_results_fit_the_model_exactly_get_those_strengths()
    {
        // a beats b 2:1, b beats c 2:1, a beats c 4:1: exactly p = (4, 2, 1), which is then the MLE.
        var votes = Votes(("a", "b", ArenaOutcome.A, 2), ("a", "b", ArenaOutcome.B, 1), ("b", "c", ArenaOutcome.A, 2), ("b", "c", ArenaOutcome.B, 1),
            ("c", "a", ArenaOutcome.B, 4), ("c", "a", ArenaOutcome.A, 1));
        var board = ArenaStatistics.Leaderboard(votes);
        double T(string m) => board.Models.Single(s => s.Model == m).Strength!.Value;
        Assert.Equal(Math.Log(2), T("a") - T("b"), 8);
        Assert.Equal(Math.Log(2), T("b") - T("c"), 8);
        Assert.Equal(0, T("a") + T("b") + T("c"), 9);
        Assert.Equal(new[] { "a", "b", "c" }, board.Models.Select(m => m.Model));
    }

    [Fact]
    public void Ties_and_both_bad_count_half_and_the_score_equations_hold()
    {
        var votes = Votes(("a", "b", ArenaOutcome.A, 5), ("a", "b", ArenaOutcome.Tie, 2), ("b", "a", ArenaOutcome.A, 3), ("b", "c", ArenaOutcome.BothBad, 4),
            ("c", "b", ArenaOutcome.A, 1), ("a", "c", ArenaOutcome.B, 2), ("a", "c", ArenaOutcome.A, 3));
        var board = ArenaStatistics.Leaderboard(votes);
        var a = board.Models.Single(m => m.Model == "a");
        Assert.Equal(8, a.Wins);
        Assert.Equal(5, a.Losses);
        Assert.Equal(2, a.Ties);
        Assert.Equal((8 + 1.0) / 15, a.Score, 9);
        var b = board.Models.Single(m => m.Model == "b");
        Assert.Equal(4, b.BothBad);
        // At the MLE each model's expected score equals its observed score: Σⱼ nᵢⱼ πᵢⱼ = Wᵢ.
        var theta = board.Models.ToDictionary(m => m.Model, m => m.Strength!.Value);
        foreach (var m in board.Models)
        {
            var expected = votes.Where(v => v.ModelA == m.Model || v.ModelB == m.Model)
                .Sum(v => 1 / (1 + Math.Exp(theta[v.ModelA == m.Model ? v.ModelB : v.ModelA] - theta[m.Model])));
            Assert.Equal(m.Score * m.Votes, expected, 6);
        }
    }

    [Fact]
    public void A_model_that_won_every_vote_gets_a_finite_regularized_rating()
    {
        var board = ArenaStatistics.Leaderboard(Votes(("a", "b", ArenaOutcome.A, 4)));
        Assert.True(board.Regularized);
        var a = board.Models[0];
        Assert.Equal("a", a.Model);
        Assert.True(double.IsFinite(a.Rating!.Value) && a.Rating > 1000);
        Assert.Equal(1, a.Score);
        Assert.Equal(0, Assert.Single(board.Pairs).MoreVotesNeeded is { } more ? more : -1);
    }

    [Fact]
    public void Two_separate_groups_have_no_common_scale()
    {
        var board = ArenaStatistics.Leaderboard(Votes(("a", "b", ArenaOutcome.A, 2), ("a", "b", ArenaOutcome.B, 1), ("c", "d", ArenaOutcome.Tie, 1)));
        Assert.All(board.Models, m => Assert.Null(m.Rating));
        Assert.Equal(2, board.Pairs.Count);
    }

    private static List<ArenaPairVote> Votes(params (string A, string B, ArenaOutcome Outcome, int Times)[] groups) =>
        [.. groups.SelectMany(g => Enumerable.Repeat(new ArenaPairVote(g.A, g.B, g.Outcome), g.Times))];
}
