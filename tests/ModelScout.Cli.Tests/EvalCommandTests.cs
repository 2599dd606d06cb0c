using System.Text.Json;
using ModelScout.Cli.Framework;
using ModelScout.Evaluation.Results;

namespace ModelScout.Cli.Tests;

/// <summary>scout eval against a scripted endpoint whose answers give exactly known scores; resume after Ctrl-C.</summary>
public sealed class EvalCommandTests : IAsyncLifetime
{
    private readonly string dir = Directory.CreateTempSubdirectory("scout-eval-").FullName;
    private EvalScriptedEndpoint server = null!;

    public async Task InitializeAsync() => server = await EvalScriptedEndpoint.StartAsync();

    public async Task DisposeAsync()
    {
        await server.DisposeAsync();
        Directory.Delete(dir, true);
    }

    private string[] Args(string db, params string[] extra) =>
        ["eval", "--suite", "mmlu,gsm8k,math", "--endpoint", server.BaseUri.ToString(), "--model", EvalScriptedEndpoint.Model, "--db", Path.Combine(dir, db), .. extra];

    private static JsonElement Suite(JsonElement root, string name) =>
        root.GetProperty("suites").EnumerateArray().Single(s => s.GetProperty("suite").GetString() == name);

    [Fact]
    public void Scores_are_exactly_what_the_scripted_answers_earn()
    {
        var run = Scout.Run([.. Args("a.db", "--json")]);
        Assert.True(run.ExitCode == 0, run.Stderr);
        var root = JsonDocument.Parse(run.Stdout).RootElement;
        Assert.Equal("modelscout/eval/v1", root.GetProperty("schema").GetString());
        Assert.Equal("generative", root.GetProperty("mmluMode").GetString());
        Assert.Equal("complete", root.GetProperty("status").GetString());
        foreach (var name in new[] { "mmlu", "gsm8k", "math" })
        {
            var s = Suite(root, name);
            Assert.Equal(s.GetProperty("total").GetInt32(), s.GetProperty("n").GetInt32());
            Assert.Equal(server.ExpectedScore(name), s.GetProperty("score").GetDouble(), 4);
            Assert.Equal(0, s.GetProperty("errors").GetInt32());
            Assert.Equal(0, s.GetProperty("extractionFailures").GetInt32());
        }
        var gsm = Suite(root, "gsm8k").GetProperty("metrics");
        Assert.Equal(server.ExpectedScore("gsm8k"), gsm.GetProperty("strict").GetDouble(), 4);
        Assert.Equal(server.ExpectedScore("gsm8k"), gsm.GetProperty("flexible").GetDouble(), 4);
        Assert.Equal(4, Suite(root, "mmlu").GetProperty("groups").GetArrayLength());
        Assert.Equal(20 + 10 + 12, server.Answered);
        Assert.Equal("mmlu:generative:0-shot", root.GetProperty("record").GetProperty("scoring_modes").GetProperty("mmlu").GetString());
    }

    [Fact]
    public void Bfcl_against_an_endpoint_scores_exactly_per_category_and_keeps_the_reasons_in_the_store()
    {
        var db = Path.Combine(dir, "bfcl.db");
        var run = Scout.Run("eval", "--suite", "bfcl", "--endpoint", server.BaseUri.ToString(), "--model", EvalScriptedEndpoint.Model, "--db", db, "--json");
        Assert.True(run.ExitCode == 0, run.Stderr);
        var root = JsonDocument.Parse(run.Stdout).RootElement;
        var s = Suite(root, "bfcl");
        Assert.Equal((32, 32), (s.GetProperty("total").GetInt32(), s.GetProperty("n").GetInt32()));
        Assert.Equal(server.ExpectedScore("bfcl"), s.GetProperty("score").GetDouble(), 4);
        Assert.InRange(server.ExpectedScore("bfcl"), 0.1, 0.9);
        Assert.Equal(0, s.GetProperty("extractionFailures").GetInt32());
        Assert.Equal("bfcl:ast", root.GetProperty("record").GetProperty("scoring_modes").GetProperty("bfcl").GetString());
        Assert.Equal(["multiple", "parallel", "parallel_multiple", "simple"],
            s.GetProperty("subjects").EnumerateArray().Select(x => x.GetProperty("key").GetString()).Order(StringComparer.Ordinal));
        Assert.Equal(32, server.Answered);
        using var store = EvalStore.Open(db);
        var scores = store.Scores(store.FindRun(root.GetProperty("run").GetString()!)!, "bfcl");
        Assert.All(scores, x => Assert.Equal(EvalScriptedEndpoint.AnswersRight(x.Item.Id) ? 1.0 : 0.0, x.Score.Score));
        Assert.All(scores.Where(x => x.Score.Score == 0), x => Assert.StartsWith("missing_param: ", x.Score.Detail, StringComparison.Ordinal));

        // The same command again resumes: nothing is sent.
        server.ResetCount();
        var again = Scout.Run("eval", "--suite", "bfcl", "--endpoint", server.BaseUri.ToString(), "--model", EvalScriptedEndpoint.Model, "--db", db, "--json");
        Assert.True(again.ExitCode == 0, again.Stderr);
        Assert.Equal(0, server.Answered);
    }

    [Fact]
    public void Bfcl_categories_choose_the_cases_and_name_a_different_run()
    {
        var db = Path.Combine(dir, "cats.db");
        var run = Scout.Run("eval", "--suite", "bfcl", "--bfcl-categories", "parallel_multiple,simple", "--endpoint", server.BaseUri.ToString(), "--model", EvalScriptedEndpoint.Model, "--db", db, "--json");
        Assert.True(run.ExitCode == 0, run.Stderr);
        var root = JsonDocument.Parse(run.Stdout).RootElement;
        var s = Suite(root, "bfcl");
        Assert.Equal(16, s.GetProperty("total").GetInt32());
        Assert.Equal(["parallel_multiple", "simple"], s.GetProperty("subjects").EnumerateArray().Select(x => x.GetProperty("key").GetString()).Order(StringComparer.Ordinal));
        Assert.Equal("simple,parallel_multiple", root.GetProperty("record").GetProperty("sampling").GetProperty("bfcl").GetString());
        var all = Scout.Run("eval", "--suite", "bfcl", "--endpoint", server.BaseUri.ToString(), "--model", EvalScriptedEndpoint.Model, "--db", db, "--json");
        Assert.NotEqual(root.GetProperty("run").GetString(), JsonDocument.Parse(all.Stdout).RootElement.GetProperty("run").GetString());

        var bad = Scout.Run("eval", "--suite", "bfcl", "--bfcl-categories", "live_simple", "--endpoint", server.BaseUri.ToString(), "--model", EvalScriptedEndpoint.Model, "--db", db);
        Assert.Equal(2, bad.ExitCode);
        Assert.Contains("unknown category 'live_simple'; choose from simple, multiple, parallel, parallel_multiple", bad.Stderr, StringComparison.Ordinal);
        var alone = Scout.Run("eval", "--suite", "gsm8k", "--bfcl-categories", "simple", "--endpoint", server.BaseUri.ToString(), "--model", EvalScriptedEndpoint.Model, "--db", db);
        Assert.Equal((2, true), (alone.ExitCode, alone.Stderr.Contains("--bfcl-categories goes with --suite bfcl", StringComparison.Ordinal)));
    }

    [Fact]
    public void A_cancelled_run_resumes_sending_only_the_unanswered_requests_and_ends_with_the_same_scores()
    {
        // The uninterrupted reference.
        var reference = Scout.Run([.. Args("ref.db", "--json")]);
        Assert.True(reference.ExitCode == 0, reference.Stderr);
        var total = server.Answered;
        server.ResetCount();

        Action? interrupt = null;
        var env = new RunEnvironment(new StringReader(""), false, (_, _) => throw new InvalidOperationException("no engine here"), action =>
        {
            interrupt = action;
            return new Unsubscribe();
        });
        server.OnAnswered = n =>
        {
            if (n == 17) interrupt?.Invoke();
        };
        var first = Scout.RunWith(env, [.. Args("resume.db", "--json")]);
        server.OnAnswered = null;
        Assert.Equal(130, first.ExitCode);
        Assert.Contains("Resume with:", first.Stderr, StringComparison.Ordinal);
        Assert.Equal("interrupted", JsonDocument.Parse(first.Stdout).RootElement.GetProperty("status").GetString());

        var runName = JsonDocument.Parse(first.Stdout).RootElement.GetProperty("run").GetString()!;
        int stored;
        using (var store = EvalStore.Open(Path.Combine(dir, "resume.db")))
        {
            var info = store.FindRun(runName)!;
            stored = new[] { "mmlu", "gsm8k", "math" }.Sum(s => store.Replies(info, s).Count(r => r.Error is null));
        }
        Assert.InRange(stored, 1, total - 1);

        server.ResetCount();
        var second = Scout.Run([.. Args("resume.db", "--json")]);
        Assert.True(second.ExitCode == 0, second.Stderr);
        Assert.Equal(total - stored, server.Answered);
        var resumed = JsonDocument.Parse(second.Stdout).RootElement;
        var full = JsonDocument.Parse(reference.Stdout).RootElement;
        Assert.Equal(runName, resumed.GetProperty("run").GetString());
        Assert.Equal(total - stored, resumed.GetProperty("sent").GetInt32());
        foreach (var name in new[] { "mmlu", "gsm8k", "math" })
        {
            Assert.Equal(Suite(full, name).GetProperty("score").GetDouble(), Suite(resumed, name).GetProperty("score").GetDouble());
            Assert.Equal(Suite(full, name).GetProperty("n").GetInt32(), Suite(resumed, name).GetProperty("n").GetInt32());
            Assert.Equal(Suite(full, name).GetProperty("metrics").GetRawText(), Suite(resumed, name).GetProperty("metrics").GetRawText());
        }
    }

    [Fact]
    public void An_unknown_model_is_refused_listing_what_the_endpoint_serves()
    {
        var run = Scout.Run("eval", "--suite", "gsm8k", "--endpoint", server.BaseUri.ToString(), "--model", "gpt-9", "--db", Path.Combine(dir, "x.db"));
        Assert.Equal(3, run.ExitCode);
        Assert.Contains(EvalScriptedEndpoint.Model, run.Stderr, StringComparison.Ordinal);
        Assert.Contains("--model", run.Stderr, StringComparison.Ordinal);
        Assert.Equal(0, server.Answered);
    }

    [Theory]
    [InlineData("mtbench", "--judge-endpoint")]
    [InlineData("nope", "unknown suite 'nope'")]
    public void Bad_command_lines_say_what_to_add(string suite, string message)
    {
        var run = Scout.Run("eval", "--suite", suite, "--endpoint", server.BaseUri.ToString(), "--model", EvalScriptedEndpoint.Model, "--db", Path.Combine(dir, "y.db"));
        Assert.Equal(2, run.ExitCode);
        Assert.Contains(message, run.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Without_a_target_it_asks_for_an_endpoint_or_a_local_model()
    {
        var run = Scout.Run("eval", "--suite", "gsm8k");
        Assert.Equal(2, run.ExitCode);
        Assert.Contains("--endpoint URL --model NAME", run.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void The_same_command_derives_the_same_run_name_and_other_options_another()
    {
        var a = Scout.Run([.. Args("n.db", "--json", "--limit", "2")]);
        var b = Scout.Run([.. Args("n.db", "--json", "--limit", "2")]);
        var c = Scout.Run([.. Args("n.db", "--json", "--limit", "3")]);
        string Name(CliRun r) => JsonDocument.Parse(r.Stdout).RootElement.GetProperty("run").GetString()!;
        Assert.Equal(Name(a), Name(b));
        Assert.NotEqual(Name(a), Name(c));
        Assert.Equal(0, JsonDocument.Parse(b.Stdout).RootElement.GetProperty("sent").GetInt32());
    }

    [Fact]
    public void A_new_model_file_behind_the_same_name_never_resumes_the_old_models_run()
    {
        string[] Gsm8k(params string[] extra) =>
            ["eval", "--suite", "gsm8k", "--limit", "2", "--endpoint", server.BaseUri.ToString(), "--model", EvalScriptedEndpoint.Model, "--db", Path.Combine(dir, "d.db"), "--json", .. extra];
        var first = new string('a', 64);
        server.TagsDigest = first;
        var derived = Scout.Run(Gsm8k());
        Assert.True(derived.ExitCode == 0, derived.Stderr);
        var root = JsonDocument.Parse(derived.Stdout).RootElement;
        Assert.Equal("sha256:" + first, root.GetProperty("modelDigest").GetString());
        Assert.Equal("Q4_K_M", root.GetProperty("quantization").GetString());
        Assert.Equal(0, root.GetProperty("record").GetProperty("max_top_logprobs").GetInt32());
        Assert.Contains($"{EvalScriptedEndpoint.Model} (Q4_K_M) via", derived.Stderr, StringComparison.Ordinal);
        var named = Scout.Run(Gsm8k("--run", "mine"));
        Assert.True(named.ExitCode == 0, named.Stderr);

        // The same endpoint and name now serve another file.
        server.TagsDigest = new string('b', 64);
        var refused = Scout.Run(Gsm8k("--run", "mine"));
        Assert.Equal(ExitCodes.Error, refused.ExitCode);
        Assert.Contains($"model digest: stored 'sha256:{first}', asked 'sha256:{server.TagsDigest}'", refused.Stderr, StringComparison.Ordinal);

        // The derived name includes the digest: the same command starts a fresh run and reuses nothing.
        server.ResetCount();
        var fresh = Scout.Run(Gsm8k());
        Assert.True(fresh.ExitCode == 0, fresh.Stderr);
        var freshRoot = JsonDocument.Parse(fresh.Stdout).RootElement;
        Assert.NotEqual(root.GetProperty("run").GetString(), freshRoot.GetProperty("run").GetString());
        Assert.Equal(2, freshRoot.GetProperty("sent").GetInt32());
        Assert.Equal(2, server.Answered);
    }

    [Fact]
    public void Mmlu_logprob_mode_asks_for_as_many_alternatives_as_the_endpoint_accepted()
    {
        server.MaxTopLogprobs = 5;
        var run = Scout.Run("eval", "--suite", "mmlu", "--endpoint", server.BaseUri.ToString(), "--model", EvalScriptedEndpoint.Model,
            "--db", Path.Combine(dir, "lp.db"), "--json");
        Assert.True(run.ExitCode == 0, run.Stderr);
        var root = JsonDocument.Parse(run.Stdout).RootElement;
        Assert.Equal("logprob", root.GetProperty("mmluMode").GetString());
        Assert.Equal(5, root.GetProperty("record").GetProperty("max_top_logprobs").GetInt32());
        var asked = server.TopLogprobsAsked.ToList();
        // The probe: 20 refused, 5 accepted; then every question with 5.
        Assert.Equal([20, 5], asked.Take(2));
        Assert.Equal(Suite(root, "mmlu").GetProperty("n").GetInt32(), asked.Skip(2).Count());
        Assert.All(asked.Skip(2), n => Assert.Equal(5, n));
        Assert.Equal(server.ExpectedScore("mmlu"), Suite(root, "mmlu").GetProperty("score").GetDouble(), 4);
        Assert.Equal(0, Suite(root, "mmlu").GetProperty("extractionFailures").GetInt32());
    }

    private sealed class Unsubscribe : IDisposable
    {
        public void Dispose()
        {
        }
    }
}
