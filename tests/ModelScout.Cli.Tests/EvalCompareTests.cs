using System.Text.Json;
using ModelScout.Evaluation.Statistics;
using ModelScout.Evaluation.Suites;

namespace ModelScout.Cli.Tests;

public sealed class EvalCompareTests : IDisposable
{
    private static readonly HashSet<string> None = [];
    private readonly EvalFixture fx = new();

    public void Dispose() => fx.Dispose();

    private static JsonElement Suite(JsonElement doc, string name) => doc.GetProperty("suites").EnumerateArray().Single(s => s.GetProperty("suite").GetString() == name);

    [Fact]
    public async Task Identical_answers_are_non_inferior_with_no_discordant_pairs_and_exit_zero()
    {
        await fx.RunAsync("a", new ScriptedEvalClient(None), ["mmlu", "gsm8k"]);
        await fx.RunAsync("b", new ScriptedEvalClient(None), ["mmlu", "gsm8k"]);

        var r = EvalFixture.Scout("compare", "a", "b", "--db", fx.Db, "--json");

        Assert.Equal(0, r.ExitCode);
        using var doc = JsonDocument.Parse(r.Stdout);
        var root = doc.RootElement;
        Assert.Equal("modelscout/eval-compare/v1", root.GetProperty("schema").GetString());
        Assert.Equal("non-inferior", root.GetProperty("verdict").GetString());
        var mmlu = Suite(root, "mmlu");
        Assert.Equal(20, mmlu.GetProperty("paired").GetInt32());
        Assert.Equal(100, mmlu.GetProperty("scoreA").GetDouble());
        Assert.Equal(0, mmlu.GetProperty("difference").GetDouble());
        Assert.Equal(0, mmlu.GetProperty("mcNemar").GetProperty("onlyA").GetInt32());
        Assert.Equal(1, mmlu.GetProperty("mcNemar").GetProperty("pValue").GetDouble());
        Assert.Equal("non-inferior", mmlu.GetProperty("verdict").GetString());
        Assert.Equal(4, mmlu.GetProperty("subjects").GetArrayLength());
        Assert.Equal(10, Suite(root, "gsm8k").GetProperty("paired").GetInt32());
    }

    [Fact]
    public async Task A_candidate_wrong_on_every_gsm8k_item_is_inferior_with_the_exact_mcnemar_p_and_exit_4()
    {
        var allGsm = ScriptedEvalClient.Gsm8kProblems.Select(p => "gsm8k:" + p.Id).ToHashSet();
        await fx.RunAsync("incumbent", new ScriptedEvalClient(None), ["gsm8k"]);
        await fx.RunAsync("candidate", new ScriptedEvalClient(allGsm), ["gsm8k"]);

        var r = EvalFixture.Scout("compare", "incumbent", "candidate", "--db", fx.Db, "--json");

        Assert.Equal(4, r.ExitCode);
        using var doc = JsonDocument.Parse(r.Stdout);
        var g = Suite(doc.RootElement, "gsm8k");
        Assert.Equal("inferior", g.GetProperty("verdict").GetString());
        Assert.Equal(-100, g.GetProperty("difference").GetDouble());
        Assert.Equal(-100, g.GetProperty("upper").GetDouble());
        var m = g.GetProperty("mcNemar");
        Assert.Equal(10, m.GetProperty("onlyA").GetInt32());
        Assert.Equal(0, m.GetProperty("onlyB").GetInt32());
        Assert.True(m.GetProperty("exact").GetBoolean());
        Assert.Equal(2.0 / 1024, m.GetProperty("pValue").GetDouble(), 6);
        Assert.Equal("inferior", doc.RootElement.GetProperty("verdict").GetString());
    }

    [Fact]
    public async Task Two_misses_out_of_twenty_are_inconclusive_and_say_how_many_more_samples()
    {
        // Both misses in one subject, so the per-subject delta shows where the gap is.
        var nutrition = ScriptedEvalClient.MmluQuestions.Where(q => q.Subject == "nutrition").Take(2).Select(q => "mmlu:" + q.Id).ToHashSet();
        var perSubject = ScriptedEvalClient.MmluQuestions.Count(q => q.Subject == "nutrition");
        await fx.RunAsync("a", new ScriptedEvalClient(None), ["mmlu"]);
        await fx.RunAsync("b", new ScriptedEvalClient(nutrition), ["mmlu"]);

        var r = EvalFixture.Scout("compare", "a", "b", "--margin", "2", "--db", fx.Db, "--json");

        Assert.Equal(4, r.ExitCode);
        using var doc = JsonDocument.Parse(r.Stdout);
        var s = Suite(doc.RootElement, "mmlu");
        Assert.Equal("inconclusive", s.GetProperty("verdict").GetString());
        Assert.Equal(-10, s.GetProperty("difference").GetDouble());
        Assert.True(s.GetProperty("lower").GetDouble() < -2);
        Assert.True(s.GetProperty("upper").GetDouble() > -2);
        // s = sd of 18 zeros and two −1s = 0.30779; n = ⌈(1.96·s / |−0.10 + 0.02|)²⌉ = 57; 57 − 20 = 37.
        Assert.Equal(37, s.GetProperty("additionalSamples").GetInt32());
        Assert.StartsWith("inconclusive: need ≈ 37 more samples", s.GetProperty("summary").GetString());
        Assert.Equal(2, s.GetProperty("mcNemar").GetProperty("onlyA").GetInt32());
        Assert.Equal(0.5, s.GetProperty("mcNemar").GetProperty("pValue").GetDouble(), 6);
        var subjects = s.GetProperty("subjects").EnumerateArray().ToDictionary(x => x.GetProperty("subject").GetString()!, x => x.GetProperty("difference").GetDouble());
        Assert.Equal(-200.0 / perSubject, subjects["nutrition"], 3);
        Assert.Equal(0, subjects["philosophy"]);

        // A wide margin turns the same data non-inferior.
        var wide = EvalFixture.Scout("compare", "a", "b", "--margin", "50", "--db", fx.Db, "--json");
        Assert.Equal(0, wide.ExitCode);
        Assert.Contains("\"verdict\": \"non-inferior\"", wide.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_human_table_names_the_verdict_and_the_samples_needed()
    {
        var miss = ScriptedEvalClient.MmluQuestions.Take(2).Select(q => "mmlu:" + q.Id).ToHashSet();
        await fx.RunAsync("a", new ScriptedEvalClient(None), ["mmlu"]);
        await fx.RunAsync("b", new ScriptedEvalClient(miss), ["mmlu"]);

        var r = EvalFixture.Scout("compare", "a", "b", "--db", fx.Db);

        Assert.Equal(4, r.ExitCode);
        Assert.Contains("inconclusive: need ≈ 37 more", r.Stdout, StringComparison.Ordinal);
        Assert.Contains("b=2 c=0 p=0.5", r.Stdout, StringComparison.Ordinal);
        Assert.Contains("Verdict: inconclusive", r.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Different_scoring_modes_are_refused_unless_allowed()
    {
        await fx.RunAsync("gen", new ScriptedEvalClient(None), ["mmlu"], MmluMode.Generative);
        await fx.RunAsync("lp", new ScriptedEvalClient(None), ["mmlu"], MmluMode.Logprob);

        var refused = EvalFixture.Scout("compare", "gen", "lp", "--db", fx.Db);
        Assert.Equal(1, refused.ExitCode);
        Assert.Contains("mmlu:generative:0-shot", refused.Stderr, StringComparison.Ordinal);
        Assert.Contains("mmlu:logprob:5-shot", refused.Stderr, StringComparison.Ordinal);
        Assert.Contains("--allow-mixed-scoring", refused.Stderr, StringComparison.Ordinal);
        Assert.Equal("", refused.Stdout);

        var allowed = EvalFixture.Scout("compare", "gen", "lp", "--allow-mixed-scoring", "--db", fx.Db, "--json");
        Assert.Equal(0, allowed.ExitCode);
        using var doc = JsonDocument.Parse(allowed.Stdout);
        var s = Suite(doc.RootElement, "mmlu");
        Assert.True(s.GetProperty("mixedScoring").GetBoolean());
        Assert.Equal(20, s.GetProperty("paired").GetInt32());
    }

    [Fact]
    public async Task Items_scored_in_one_run_only_are_reported_and_left_out()
    {
        var failing = ScriptedEvalClient.Gsm8kProblems.Take(2).Select(p => "gsm8k:" + p.Id).ToHashSet();
        await fx.RunAsync("a", new ScriptedEvalClient(None), ["gsm8k"]);
        await fx.RunAsync("b", new ScriptedEvalClient(None, failing), ["gsm8k"]);

        var r = EvalFixture.Scout("compare", "a", "b", "--db", fx.Db, "--json");

        using var doc = JsonDocument.Parse(r.Stdout);
        var g = Suite(doc.RootElement, "gsm8k");
        Assert.Equal(8, g.GetProperty("paired").GetInt32());
        Assert.Equal(2, g.GetProperty("onlyInA").GetInt32());
        Assert.Equal(0, g.GetProperty("onlyInB").GetInt32());
        var ids = g.GetProperty("onlyInAIds").EnumerateArray().Select(x => "gsm8k:" + x.GetString()).ToHashSet();
        Assert.Equal(failing, ids);
        Assert.Equal(0, g.GetProperty("difference").GetDouble());

        var human = EvalFixture.Scout("compare", "a", "b", "--db", fx.Db);
        Assert.Contains("left out 2 item(s) scored only in A and 0 only in B", human.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_suite_in_one_run_only_is_skipped_with_the_reason()
    {
        await fx.RunAsync("a", new ScriptedEvalClient(None), ["mmlu", "gsm8k"]);
        await fx.RunAsync("b", new ScriptedEvalClient(None), ["gsm8k"]);

        var r = EvalFixture.Scout("compare", "a", "b", "--db", fx.Db, "--json");

        Assert.Equal(0, r.ExitCode);
        using var doc = JsonDocument.Parse(r.Stdout);
        var skipped = doc.RootElement.GetProperty("skipped").EnumerateArray().Single();
        Assert.Equal("mmlu", skipped.GetProperty("suite").GetString());
        Assert.Equal("no scores in b", skipped.GetProperty("reason").GetString());
        Assert.Single(doc.RootElement.GetProperty("suites").EnumerateArray());
    }

    [Fact]
    public async Task An_unknown_run_is_not_found_and_the_error_lists_the_runs()
    {
        await fx.RunAsync("llama-q4", new ScriptedEvalClient(None), ["gsm8k"]);
        await fx.RunAsync("gpt-incumbent", new ScriptedEvalClient(None), ["gsm8k"]);

        var r = EvalFixture.Scout("compare", "llama-q4", "nope", "--db", fx.Db, "--json");

        Assert.Equal(3, r.ExitCode);
        Assert.Contains("no eval run named 'nope'", r.Stderr, StringComparison.Ordinal);
        Assert.Contains("gpt-incumbent", r.Stderr, StringComparison.Ordinal);
        Assert.Contains("llama-q4", r.Stderr, StringComparison.Ordinal);
        using var doc = JsonDocument.Parse(r.Stdout);
        Assert.Equal("modelscout/error/v1", doc.RootElement.GetProperty("schema").GetString());
        Assert.Equal(2, doc.RootElement.GetProperty("suggestions").GetArrayLength());
    }

    [Fact]
    public void A_missing_results_file_is_not_found_and_says_how_to_make_one()
    {
        var r = EvalFixture.Scout("compare", "a", "b", "--db", Path.Combine(fx.Dir, "none.db"));
        Assert.Equal(3, r.ExitCode);
        Assert.Contains("scout eval --suite", r.Stderr, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(fx.Dir, "none.db")));
    }

    [Fact]
    public void The_expected_sample_count_in_the_inconclusive_test_follows_the_documented_formula()
    {
        // Guards the hand-computed 37 above against the library's own formula.
        var diffs = Enumerable.Repeat(0.0, 18).Concat([-1.0, -1.0]).ToList();
        var mean = diffs.Average();
        var sd = Math.Sqrt(diffs.Sum(d => (d - mean) * (d - mean)) / (diffs.Count - 1));
        Assert.Equal(57, NonInferiority.SamplesNeeded(mean, 0.02, sd));
    }
}
