using System.Diagnostics;
using ModelScout.Evaluation.Datasets;
using ModelScout.Evaluation.Sandbox;
using ModelScout.Evaluation.Scoring;
using ModelScout.Evaluation.Suites;

namespace ModelScout.Evaluation.Tests.Datasets;

public class SampleDataTests
{
    [Fact]
    public void Mmlu_samples_cover_every_category_with_five_dev_and_test_questions_per_subject()
    {
        var set = MmluLoader.Load(DatasetSource.Samples);
        var subjects = set.Test.Select(q => q.Subject).Distinct().ToList();
        Assert.Equal(4, subjects.Count);
        Assert.Equal(
            [MmluSubjects.Stem, MmluSubjects.Humanities, MmluSubjects.Other, MmluSubjects.SocialSciences],
            subjects.Select(MmluSubjects.CategoryOf).Order(StringComparer.Ordinal));
        Assert.All(subjects, s =>
        {
            Assert.Equal(5, set.Test.Count(q => q.Subject == s));
            Assert.Equal(5, set.Dev[s].Count);
        });
        Assert.All(set.Files, f => Assert.StartsWith("sample:mmlu/", f.Path, StringComparison.Ordinal));
        Assert.All(set.Files, f => Assert.Equal(64, f.Sha256.Length));
    }

    [Fact]
    public void Other_samples_load_with_the_same_loaders()
    {
        Assert.Equal(8, HumanEvalLoader.Load(DatasetSource.Samples).Items.Count);
        var gsm = Gsm8kLoader.Load(DatasetSource.Samples);
        Assert.Equal(10, gsm.Test.Count);
        Assert.Equal(8, gsm.Train.Count);
        var math = MathLoader.Load(DatasetSource.Samples);
        Assert.True(math.Items.Count >= 10);
        Assert.True(math.Items.Select(p => p.Level).Distinct().Count() >= 4);
        Assert.True(math.Items.Select(p => p.Type).Distinct().Count() >= 5);
        // Every reference answer is equivalent to the box in its own solution.
        Assert.All(math.Items, p => Assert.True(MathAnswer.IsEquivalent(MathAnswer.LastBoxed(p.Solution), p.Answer), p.Id));
        var mt = MtBenchLoader.Load(DatasetSource.Samples);
        Assert.Equal(6, mt.Items.Count);
        Assert.All(mt.Items.Where(q => q.Category is "math" or "reasoning" or "coding"), q => Assert.Equal(2, q.Reference?.Count));
    }

    [Fact]
    public void Sample_gsm8k_gold_answers_match_their_own_worked_solutions()
    {
        var gsm = Gsm8kLoader.Load(DatasetSource.Samples);
        // The number on the last working line before "####" is the gold answer: the samples are self-consistent.
        Assert.All(gsm.Test.Concat(gsm.Train), p =>
            Assert.Equal(p.Gold, Gsm8kAnswer.Flexible(p.Answer[..p.Answer.IndexOf("####", StringComparison.Ordinal)])));
    }

    [Fact]
    public async Task Every_sample_canonical_solution_passes_under_python3_and_a_stub_fails()
    {
        foreach (var problem in HumanEvalLoader.Load(DatasetSource.Samples).Items)
        {
            var good = HumanEvalCompletion.BuildProgram(problem, new HumanEvalCompletionText(problem.CanonicalSolution, false, false));
            Assert.Equal(0, await RunPython(good));
            var stub = HumanEvalCompletion.BuildProgram(problem, new HumanEvalCompletionText("    return None\n", false, false));
            Assert.NotEqual(0, await RunPython(stub));
        }
    }

    [Fact]
    public async Task Every_sample_canonical_solution_passes_inside_the_sandbox_and_a_stub_fails_there()
    {
        // The same programs as above, through the sandbox HumanEval really uses (namespaces, rlimits, python guards).
        var problems = HumanEvalLoader.Load(DatasetSource.Samples).Items;
        using var pool = new SandboxPool(new PythonSandbox());
        var good = await pool.RunAllAsync(problems.Select(p => HumanEvalCompletion.BuildProgram(p, new HumanEvalCompletionText(p.CanonicalSolution, false, false))), CancellationToken.None);
        var stubs = await pool.RunAllAsync(problems.Select(p => HumanEvalCompletion.BuildProgram(p, new HumanEvalCompletionText("    return None\n", false, false))), CancellationToken.None);
        for (var i = 0; i < problems.Count; i++)
        {
            Assert.True(good[i].Outcome == CodeRunOutcome.Passed, $"{problems[i].TaskId}: {good[i].Outcome} {good[i].Detail}");
            Assert.Equal(CodeRunOutcome.Failed, stubs[i].Outcome);
        }
    }

    [Fact]
    public async Task A_chat_reply_restating_the_whole_function_runs_and_passes_under_python3()
    {
        foreach (var problem in HumanEvalLoader.Load(DatasetSource.Samples).Items)
        {
            var reply = "Here is the function:\n```python\n" + problem.Prompt + problem.CanonicalSolution + "```\nIt handles the edge cases.";
            var completion = HumanEvalCompletion.Extract(reply, problem);
            Assert.True(completion.WholeFunction, problem.TaskId);
            Assert.Equal(0, await RunPython(HumanEvalCompletion.BuildProgram(problem, completion)));
        }
    }

    private static async Task<int> RunPython(string program)
    {
        var start = new ProcessStartInfo("python3", ["-"])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(start)!;
        await process.StandardInput.WriteAsync(program);
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await process.WaitForExitAsync(timeout.Token);
        await Task.WhenAll(stdout, stderr);
        return process.ExitCode;
    }
}
