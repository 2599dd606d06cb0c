using Microsoft.Extensions.AI;
using ModelScout.Evaluation.Clients;
using ModelScout.Evaluation.Datasets;
using ModelScout.Evaluation.Suites;

namespace ModelScout.Evaluation.Tests.Suites;

public class MmluSuiteTests
{
    private static readonly MmluDataset Data = MmluLoader.Load(DatasetSource.Samples);

    private static char Gold(EvalItem item) => Data.Test.Single(q => q.Id == item.Id).Answer;

    private static char Wrong(char gold) => gold == 'A' ? 'B' : 'A';

    [Fact]
    public async Task Logprob_mode_scores_the_top_letter_and_asks_for_one_token()
    {
        var suite = new MmluSuite(Data);
        // Right on philosophy and nutrition (10 of 20), wrong elsewhere; a non-letter token is the most probable every time.
        var model = new ScriptedModel((item, _) =>
        {
            var letter = item.Subject is "philosophy" or "nutrition" ? Gold(item) : Wrong(Gold(item));
            return ScriptedModel.Logprobs(("The", -0.1), (" " + letter, -0.5), ("(" + Wrong(letter), -2.5));
        });

        var scores = await model.RunAsync(suite);

        Assert.Equal("mmlu:logprob:5-shot", suite.ScoringMode);
        Assert.Equal(20, scores.Count);
        Assert.Equal(10, scores.Sum(s => s.Score));
        Assert.DoesNotContain(scores, s => s.ExtractionFailed);
        var request = model.Requests[0].Request;
        Assert.Equal((1, 20, 0.0), (request.MaxTokens, request.TopLogprobs, request.Temperature));
        var prompt = Assert.Single(request.Messages).Text;
        Assert.EndsWith("\nAnswer:", prompt, StringComparison.Ordinal);
        // Five dev examples, each closed by its answer letter, then the question.
        Assert.Equal(6, prompt.Split("\nAnswer:").Length - 1);
        Assert.Contains("\nA. ", prompt, StringComparison.Ordinal);
        Assert.Equal(MmluSubjects.CategoryOf(model.Requests[0].Item.Subject), model.Requests[0].Item.Group);
    }

    [Fact]
    public async Task Logprob_reply_without_letters_is_an_extraction_failure()
    {
        var suite = new MmluSuite(Data, new MmluOptions(Shots: 0, Selection: new SampleSelection(Limit: 3)));
        var scores = await new ScriptedModel((_, _) => ScriptedModel.Logprobs(("The", -0.1), ("It", -1.0))).RunAsync(suite);
        Assert.Equal("mmlu:logprob:0-shot", suite.ScoringMode);
        Assert.All(scores, s => Assert.True(s.ExtractionFailed && s.Score == 0));
    }

    [Fact]
    public async Task Generative_mode_reads_answer_lines()
    {
        var suite = new MmluSuite(Data, new MmluOptions(MmluMode.Generative));
        var n = 0;
        var model = new ScriptedModel((item, _) => (n++ % 4) switch
        {
            0 => ScriptedModel.Text($"Reasoning...\nAnswer: {Gold(item)}"),
            1 => ScriptedModel.Text($"The answer is ({Wrong(Gold(item))})"),
            2 => ScriptedModel.Text($"**Answer:** {char.ToLowerInvariant(Gold(item))}"),
            _ => ScriptedModel.Text("I cannot decide."),
        });

        var scores = await model.RunAsync(suite);

        Assert.Equal("mmlu:generative:0-shot", suite.ScoringMode);
        Assert.Equal(10, scores.Sum(s => s.Score));
        Assert.Equal(5, scores.Count(s => s.ExtractionFailed));
        Assert.Equal(512, model.Requests[0].Request.MaxTokens);
        Assert.Contains("Answer: X", model.Requests[0].Request.Messages[0].Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task LogLikelihood_mode_sends_nothing_and_scores_four_continuations()
    {
        IReadOnlyList<string>? seen = null;
        var ll = new FakeLogLikelihood((context, continuations) =>
        {
            seen = continuations;
            var question = Data.Test.Single(q => context.EndsWith(q.Question + "\nA. " + q.Choices[0] + "\nB. " + q.Choices[1] + "\nC. " + q.Choices[2] + "\nD. " + q.Choices[3] + "\nAnswer:", StringComparison.Ordinal));
            // Right for elementary mathematics only.
            var pick = question.Subject == "elementary_mathematics" ? question.Answer : Wrong(question.Answer);
            return [.. Enumerable.Range(0, 4).Select(i => (char)('A' + i) == pick ? -0.5 : -4.0 - i)];
        });
        var suite = new MmluSuite(Data, new MmluOptions(MmluMode.LogLikelihood), ll);
        var model = new ScriptedModel((_, _) => throw new InvalidOperationException("no requests expected"));

        var scores = await model.RunAsync(suite);

        Assert.Empty(model.Requests);
        Assert.Equal(20, ll.Calls);
        Assert.Equal([" A", " B", " C", " D"], seen);
        Assert.Equal(5, scores.Sum(s => s.Score));
        Assert.Equal("mmlu:loglikelihood:5-shot", suite.ScoringMode);
    }

    // Dev examples in a prompt: every example closes with "Answer: X"; the logprob prompt's question with a bare "Answer:" too.
    private static int ShotsIn(string prompt, MmluMode mode = MmluMode.Logprob) => prompt.Split("\nAnswer:").Length - (mode == MmluMode.Generative ? 1 : 2);

    [Theory]
    [InlineData(MmluMode.Logprob)]
    [InlineData(MmluMode.Generative)]
    public void Shorten_drops_one_dev_example_at_a_time_down_to_zero_shots_then_has_none(MmluMode mode)
    {
        var suite = new MmluSuite(Data, new MmluOptions(mode, Shots: 5, Selection: new SampleSelection(Limit: 2)));
        foreach (var item in suite.Items)
        {
            var request = suite.NextRequest(item, [])!;
            var shots = new List<int> { ShotsIn(request.Messages[^1].Text, mode) };
            while (suite.Shorten(item, request) is { } shorter)
            {
                Assert.Equal(request.Step, shorter.Step);
                Assert.True(shorter.Messages[^1].Text.Length < request.Messages[^1].Text.Length);
                // Everything but the examples stays: the same question and the same sampling settings.
                Assert.Equal((request.MaxTokens, request.TopLogprobs, request.Temperature), (shorter.MaxTokens, shorter.TopLogprobs, shorter.Temperature));
                request = shorter;
                shots.Add(ShotsIn(request.Messages[^1].Text, mode));
            }
            Assert.Equal([5, 4, 3, 2, 1, 0], shots);
        }
        // A request that is not one of the item's prompts has no shorter form.
        Assert.Null(suite.Shorten(suite.Items[0], suite.NextRequest(suite.Items[1], [])!));
    }

    [Fact]
    public async Task Scores_record_the_shots_of_the_prompt_that_was_answered()
    {
        var suite = new MmluSuite(Data, new MmluOptions(Shots: 3, Selection: new SampleSelection(Limit: 3)));
        var scores = new List<SampleScore>();
        for (var i = 0; i < 3; i++)
        {
            // The run loop says how many times it shortened the request before this reply.
            var reply = ScriptedModel.Logprobs((" A", -0.1)) with { Shortened = i };
            scores.Add(await suite.ScoreAsync(suite.Items[i], [reply], CancellationToken.None));
        }
        Assert.Equal([3.0, 2.0, 1.0], scores.Select(s => s.Metrics!["shots"]));
    }

    [Fact]
    public async Task LogLikelihood_mode_drops_shots_while_the_model_says_the_context_does_not_fit()
    {
        // A model whose context holds one character less than the shortest 5-shot prompt (logprob mode builds the same
        // prompts): the in-process engine's refusal, as the CLI maps it.
        var prompts = new MmluSuite(Data);
        var window = prompts.Items.Min(i => prompts.NextRequest(i, [])!.Messages[0].Text.Length) - 1;
        var contexts = new List<string>();
        var ll = new FakeLogLikelihood((context, _) =>
        {
            contexts.Add(context);
            if (context.Length > window)
                throw EndpointException.ContextOverflow($"context and continuation 0 are {context.Length} tokens, more than the context window of {window}");
            return [-0.5, -1, -2, -3];
        });
        var suite = new MmluSuite(Data, new MmluOptions(MmluMode.LogLikelihood), ll);

        var scores = await new ScriptedModel((_, _) => throw new InvalidOperationException("no requests expected")).RunAsync(suite);

        // Each item used the most shots whose prompt fits, and tried every larger count first, one at a time.
        var fitted = contexts.Where(c => c.Length <= window).ToList();
        Assert.Equal(20, fitted.Count);
        Assert.Equal(fitted.Select(c => (double)ShotsIn(c)), scores.Select(s => s.Metrics!["shots"]));
        Assert.Contains(scores, s => s.Metrics!["shots"] < 5);
        Assert.Equal(20 * 5 - scores.Sum(s => s.Metrics!["shots"]), contexts.Count - 20);
        Assert.All(scores, s => Assert.Equal("A", s.Extracted));
    }

    [Fact]
    public async Task LogLikelihood_mode_with_no_room_even_for_the_question_is_a_scoring_error()
    {
        var ll = new FakeLogLikelihood((context, _) => throw EndpointException.ContextOverflow("the context window is 16"));
        var suite = new MmluSuite(Data, new MmluOptions(MmluMode.LogLikelihood, Selection: new SampleSelection(Limit: 1)), ll);
        var e = await Assert.ThrowsAsync<ScoringException>(() => suite.ScoreAsync(suite.Items[0], [], CancellationToken.None));
        Assert.Contains("even with no examples", e.Message, StringComparison.Ordinal);
        Assert.Equal(6, ll.Calls);
    }

    [Fact]
    public void LogLikelihood_mode_without_a_model_is_refused() =>
        Assert.Throws<ArgumentException>(() => new MmluSuite(Data, new MmluOptions(MmluMode.LogLikelihood)));
}

public class HumanEvalSuiteTests
{
    private static readonly LoadedDataset<HumanEvalProblem> Data = HumanEvalLoader.Load(DatasetSource.Samples);

    private static HumanEvalProblem Problem(EvalItem item) => Data.Items.Single(p => p.TaskId == item.Id);

    [Fact]
    public async Task Samples_pass_by_the_runner_and_report_pass_at_k()
    {
        // The runner passes a program only when it holds the canonical body; samples 0 and 2 are canonical, 1 is not.
        var runner = new FakeRunner(program => Data.Items.Any(p => program.Contains(p.CanonicalSolution, StringComparison.Ordinal))
            ? CodeRunOutcome.Passed : CodeRunOutcome.Failed);
        var suite = new HumanEvalSuite(Data, runner, new HumanEvalOptions(Samples: 3, Seed: 40, Selection: new SampleSelection(Limit: 2)));
        var model = new ScriptedModel((item, request) => ScriptedModel.Text(request.Step == 1
            ? "```python\n    return None\n```"
            : "Sure:\n```python\n" + Problem(item).CanonicalSolution + "```"));

        var scores = await model.RunAsync(suite);

        Assert.Equal(2, scores.Count);
        Assert.All(scores, s =>
        {
            Assert.Equal(2.0 / 3, s.Score, 12);
            Assert.Equal(2.0 / 3, s.Metrics!["pass@1"], 12);
            Assert.Equal("2/3 passed", s.Extracted);
            Assert.Contains("Failed=1", s.Detail, StringComparison.Ordinal);
        });
        Assert.Equal(6, runner.Programs.Count);
        Assert.Equal([40, 41, 42], model.Requests.Take(3).Select(r => r.Request.Seed ?? -1));
        Assert.All(model.Requests, r => Assert.Equal(0.8, r.Request.Temperature));
        Assert.EndsWith($"\ncheck({Problem(suite.Items[0]).EntryPoint})\n", runner.Programs[0], StringComparison.Ordinal);
        Assert.Contains("```python\n" + Problem(suite.Items[0]).Prompt.TrimEnd(), model.Requests[0].Request.Messages[0].Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task One_sample_is_greedy()
    {
        var suite = new HumanEvalSuite(Data, new FakeRunner(_ => CodeRunOutcome.TimedOut));
        var model = new ScriptedModel((_, _) => ScriptedModel.Text("```python\n    while True: pass\n```"));
        var scores = await model.RunAsync(suite);
        Assert.Equal("humaneval:pass@1:greedy", suite.ScoringMode);
        Assert.Equal(8, model.Requests.Count);
        Assert.All(model.Requests, r => Assert.Equal(0, r.Request.Temperature));
        Assert.All(scores, s => Assert.StartsWith("TimedOut", s.Detail, StringComparison.Ordinal));
        Assert.Equal(0, scores.Sum(s => s.Score));
        Assert.Single(scores[0].Metrics!);
    }
}

public class Gsm8kSuiteTests
{
    private static readonly Gsm8kDataset Data = Gsm8kLoader.Load(DatasetSource.Samples);

    [Fact]
    public async Task Strict_is_the_score_and_flexible_rides_along()
    {
        var suite = new Gsm8kSuite(Data);
        var i = 0;
        var model = new ScriptedModel((item, _) =>
        {
            var gold = Data.Test.Single(p => p.Id == item.Id).Gold;
            return ScriptedModel.Text((i++ % 3) switch
            {
                0 => $"Working...\n#### {gold}",        // strict and flexible right
                1 => $"So the answer is {gold}.",       // flexible only
                _ => "#### 99999",                       // both wrong
            });
        });

        var scores = await model.RunAsync(suite);

        Assert.Equal("gsm8k:chat-0shot", suite.ScoringMode);
        Assert.Equal(4, scores.Sum(s => s.Score));           // items 0, 3, 6, 9
        Assert.Equal(4, scores.Sum(s => s.Metrics!["strict"]));
        Assert.Equal(7, scores.Sum(s => s.Metrics!["flexible"]));
        Assert.Equal(3, scores.Count(s => s.ExtractionFailed));
        Assert.Contains("#### N", model.Requests[0].Request.Messages.Single().Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Eight_shot_prompt_uses_worked_examples_as_chat_turns()
    {
        // A data set without train.jsonl falls back to our exemplars.
        var noTrain = Data with { Train = [] };
        var suite = new Gsm8kSuite(noTrain, new Gsm8kOptions(Gsm8kPrompt.EightShotCot), SuiteCatalog.SampleExemplars());
        var model = new ScriptedModel((_, _) => ScriptedModel.Text("#### 1"));
        await model.RunAsync(suite);
        var messages = model.Requests[0].Request.Messages;
        Assert.Equal("gsm8k:cot-8shot", suite.ScoringMode);
        Assert.Equal(17, messages.Count);
        Assert.Equal(8, messages.Count(m => m.Role == ChatRole.Assistant));
        Assert.DoesNotContain(messages, m => m.Text.Contains("<<", StringComparison.Ordinal));
        Assert.Contains("####", messages[1].Text, StringComparison.Ordinal);
        Assert.StartsWith("Question: ", messages[^1].Text, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => new Gsm8kSuite(noTrain, new Gsm8kOptions(Gsm8kPrompt.EightShotCot)));
    }
}

public class MathSuiteTests
{
    [Fact]
    public async Task Boxed_answers_are_compared_by_equivalence()
    {
        var data = MathLoader.Load(DatasetSource.Samples);
        var suite = new MathSuite(data);
        var model = new ScriptedModel((item, _) =>
        {
            var p = data.Items.Single(x => x.Id == item.Id);
            return ScriptedModel.Text(p.Id switch
            {
                "sample/prealgebra/0" => "It is $\\boxed{0.5}$.",           // equivalent to \frac{1}{2}
                "sample/algebra/0" => "x = \\boxed{x = 6}",                   // leading x= dropped
                "sample/geometry/1" => "\\boxed{540}",                        // gold has ^\circ
                "sample/algebra/2" => "\\boxed{(2, \\infty)}",
                "sample/counting/1" => "I think it is 24.",                   // no box: extraction failure
                _ => "\\boxed{-1}",
            });
        });

        var scores = await model.RunAsync(suite);

        Assert.Equal(4, scores.Sum(s => s.Score));
        Assert.Equal(1, scores.Count(s => s.ExtractionFailed));
        Assert.Contains(suite.Items, i => i.Subject == "Geometry" && i.Group == "Level 3");
        Assert.Contains("\\boxed{}", model.Requests[0].Request.Messages[0].Text, StringComparison.Ordinal);
    }
}

public class MtBenchSuiteTests
{
    private static readonly LoadedDataset<MtBenchQuestion> Data = MtBenchLoader.Load(DatasetSource.Samples);

    [Fact]
    public async Task Two_turns_graded_by_the_judge_with_one_retry()
    {
        // The judge rates turn 1 with 8 and turn 2 with 6; for the coding question it forgets the format once, then complies.
        var judge = new FakeJudge((prompt, attempt) =>
        {
            var isTurn2 = prompt.Contains("[End of conversation]", StringComparison.Ordinal);
            if (prompt.Contains("k-th largest", StringComparison.Ordinal) && attempt == 1) return "Decent, I'd say seven.";
            return isTurn2 ? "Fine. Rating: [[6]]" : "Good. [[8]]";
        });
        var suite = new MtBenchSuite(Data, judge, new MtBenchOptions(JudgeModel: "judge-1"));
        var model = new ScriptedModel((item, request) => ScriptedModel.Text($"reply {item.Id}.{request.Step}"));

        var scores = await model.RunAsync(suite);

        Assert.Equal(12, model.Requests.Count);
        var second = model.Requests.First(r => r.Request.Step == 1);
        Assert.Equal(3, second.Request.Messages.Count);
        Assert.Equal($"reply {second.Item.Id}.0", second.Request.Messages[1].Text);
        Assert.Equal(ChatRole.Assistant, second.Request.Messages[1].Role);
        Assert.All(scores, s =>
        {
            Assert.Equal(7, s.Score);
            Assert.Equal(8, s.Metrics!["turn1"]);
            Assert.Equal(6, s.Metrics["turn2"]);
            Assert.False(s.ExtractionFailed);
        });
        Assert.Equal(13, judge.Calls.Count);
        Assert.All(judge.Calls, c => Assert.Equal((0f, "judge-1"), (c.Options!.Temperature ?? -1, c.Options.ModelId)));
        // Writing samples warm, math is greedy.
        Assert.Equal(0.7, model.Requests.First(r => r.Item.Subject == "writing").Request.Temperature);
        Assert.Equal(0.0, model.Requests.First(r => r.Item.Subject == "math").Request.Temperature);
    }

    [Fact]
    public async Task Reference_answers_reach_the_judge_for_math_only_where_given()
    {
        var judge = new FakeJudge((_, _) => "[[5]]");
        var suite = new MtBenchSuite(Data, judge);
        await new ScriptedModel((_, _) => ScriptedModel.Text("answer")).RunAsync(suite);
        var mathTurn1 = judge.Calls.Select(c => c.Messages[^1].Text).First(t => t.Contains("pencils at 3 for $1", StringComparison.Ordinal));
        Assert.Contains("[Reference answer]\n18 pencils are", mathTurn1, StringComparison.Ordinal);
        var writing = judge.Calls.Select(c => c.Messages[^1].Text).First(t => t.Contains("street clean-up", StringComparison.Ordinal));
        Assert.DoesNotContain("[Reference answer]", writing, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_judge_that_never_rates_marks_the_turn_failed()
    {
        var judge = new FakeJudge((prompt, _) => prompt.Contains("[End of conversation]", StringComparison.Ordinal) ? "no idea" : "[[9]]");
        var suite = new MtBenchSuite(Data, judge, new MtBenchOptions(Selection: new SampleSelection(Limit: 1)));
        var scores = await new ScriptedModel((_, _) => ScriptedModel.Text("answer")).RunAsync(suite);
        var score = Assert.Single(scores);
        Assert.True(score.ExtractionFailed);
        Assert.Equal(9, score.Score);
        Assert.False(score.Metrics!.ContainsKey("turn2"));
        Assert.Contains("turn 2", score.Detail, StringComparison.Ordinal);
        Assert.Equal(3, judge.Calls.Count);
    }

    [Fact]
    public async Task A_judge_that_rates_no_turn_leaves_the_item_unscored_rather_than_zero()
    {
        var judge = new FakeJudge((_, _) => "It is fine, I suppose.");
        var suite = new MtBenchSuite(Data, judge, new MtBenchOptions(Selection: new SampleSelection(Limit: 1)));
        var e = await Assert.ThrowsAsync<ScoringException>(() => new ScriptedModel((_, _) => ScriptedModel.Text("answer")).RunAsync(suite));
        Assert.Contains("turn 1", e.Message, StringComparison.Ordinal);
        Assert.Contains("turn 2", e.Message, StringComparison.Ordinal);
        Assert.Equal(4, judge.Calls.Count);
    }
}

public class SuiteCatalogTests
{
    private static readonly SuiteServices Services = new(
        new FakeRunner(_ => CodeRunOutcome.Passed),
        new FakeJudge((_, _) => "[[5]]"),
        new FakeLogLikelihood((_, c) => [.. c.Select(_ => 0.0)]));

    [Fact]
    public void Builds_every_suite_from_the_samples()
    {
        foreach (var name in SuiteCatalog.Names)
        {
            var built = SuiteCatalog.Build(name, null, null, Services);
            Assert.Equal(name, built.Suite.Name);
            Assert.True(built.FromSamples);
            Assert.NotEmpty(built.Suite.Items);
            Assert.NotEmpty(built.Files);
            Assert.All(built.Suite.Items, i => Assert.Equal(name, i.Suite));
        }
    }

    [Fact]
    public void Unknown_names_missing_folders_and_missing_services_say_what_to_do()
    {
        Assert.Contains("choose from", Assert.Throws<ArgumentException>(() => SuiteCatalog.Build("hellaswag", null)).Message, StringComparison.Ordinal);
        Assert.Contains("code runner", Assert.Throws<ArgumentException>(() => SuiteCatalog.Build("humaneval", null)).Message, StringComparison.Ordinal);
        Assert.Contains("judge", Assert.Throws<ArgumentException>(() => SuiteCatalog.Build("mtbench", null)).Message, StringComparison.Ordinal);
        using var data = new Datasets.TempData();
        var ex = Assert.Throws<DatasetFormatException>(() => SuiteCatalog.Build("math", data.Root));
        Assert.Contains("leave out --data", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Builds_from_a_data_directory()
    {
        using var data = new Datasets.TempData();
        data.Write("gsm8k/test.jsonl", "{\"question\":\"q\",\"answer\":\"#### 4\"}\n");
        var built = SuiteCatalog.Build("GSM8K", data.Root, new SuiteSettings(Gsm8k: new Gsm8kOptions(Gsm8kPrompt.EightShotCot)));
        Assert.False(built.FromSamples);
        Assert.Single(built.Suite.Items);
        Assert.StartsWith(data.Root, Assert.Single(built.Files).Path, StringComparison.Ordinal);
    }

    [Fact]
    public void Selection_is_seeded_deterministic_and_keeps_dataset_order()
    {
        var ids = Enumerable.Range(0, 200).Select(i => $"item/{i}").ToList();
        var a = new SampleSelection(Limit: 20, Seed: 1).Apply(ids, x => x);
        var again = new SampleSelection(Limit: 20, Seed: 1).Apply(ids, x => x);
        var other = new SampleSelection(Limit: 20, Seed: 2).Apply(ids, x => x);
        Assert.Equal(a, again);
        Assert.NotEqual(a, other);
        Assert.Equal(20, a.Count);
        Assert.Equal(a.OrderBy(ids.IndexOf), a);
        Assert.NotEqual(ids.Take(20), a);
        Assert.Equal(50, new SampleSelection(Fraction: 0.246).Apply(ids, x => x).Count);
        Assert.Equal(10, new SampleSelection(Limit: 10, Fraction: 0.5).Apply(ids, x => x).Count);
        Assert.Same(ids, SampleSelection.All.Apply(ids, x => x));
        Assert.Throws<InvalidOperationException>(() => new SampleSelection(Fraction: 0).Apply(ids, x => x));
    }
}
