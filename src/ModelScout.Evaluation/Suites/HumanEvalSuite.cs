using System.Globalization;
using ModelScout.Evaluation.Datasets;
using ModelScout.Evaluation.Scoring;

namespace ModelScout.Evaluation.Suites;

/// <summary>HumanEval settings.</summary>
/// <param name="Samples">Completions per problem (n); pass@k is reported for k in 1, 10, 100 up to n.</param>
/// <param name="Temperature">Sampling temperature when n &gt; 1; a single sample is always greedy.</param>
/// <param name="Seed">Base seed; sample i is requested with Seed + i so the samples differ but a rerun repeats them.</param>
public sealed record HumanEvalOptions(
    int Samples = 1,
    double Temperature = 0.8,
    int MaxTokens = 768,
    int Seed = 0,
    SampleSelection? Selection = null);

/// <summary>HumanEval: complete a Python function; each completion runs against the problem's tests through an <see cref="ICodeRunner"/>.</summary>
public sealed class HumanEvalSuite : DatasetSuite<HumanEvalProblem>
{
    private readonly HumanEvalOptions _options;
    private readonly ICodeRunner _runner;

    public HumanEvalSuite(LoadedDataset<HumanEvalProblem> data, ICodeRunner runner, HumanEvalOptions? options = null)
        : base("humaneval")
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(runner);
        _options = options ?? new HumanEvalOptions();
        ArgumentOutOfRangeException.ThrowIfLessThan(_options.Samples, 1, nameof(options));
        _runner = runner;
        Choose(data.Files, data.Items, _options.Selection, p => p.TaskId);
        ScoringMode = _options.Samples == 1
            ? "humaneval:pass@1:greedy"
            : $"humaneval:pass@k:n={_options.Samples}:t={_options.Temperature.ToString("0.##", CultureInfo.InvariantCulture)}";
    }

    public override string ScoringMode { get; }

    public override ModelRequest? NextRequest(EvalItem item, IReadOnlyList<ModelReply> replies)
    {
        var problem = Problem(item);
        var step = replies.Count;
        if (step >= _options.Samples) return null;
        var greedy = _options.Samples == 1;
        return new ModelRequest(step, SuiteSupport.User(Prompt(problem)), _options.MaxTokens,
            greedy ? 0 : _options.Temperature, Seed: _options.Seed + step);
    }

    public override async Task<SampleScore> ScoreAsync(EvalItem item, IReadOnlyList<ModelReply> replies, CancellationToken cancellationToken)
    {
        var problem = Problem(item);
        SuiteSupport.RequireReplies(replies, _options.Samples, item);
        var n = _options.Samples;
        var passed = 0;
        var empty = 0;
        var outcomes = new List<string>(n);
        string? firstFailure = null;
        // One at a time: the run loop already scores items in parallel, and the sandbox bounds its own concurrency.
        for (var i = 0; i < n; i++)
        {
            var completion = HumanEvalCompletion.Extract(replies[i].Text, problem);
            if (string.IsNullOrWhiteSpace(completion.Code)) empty++;
            var result = await _runner.RunAsync(HumanEvalCompletion.BuildProgram(problem, completion), cancellationToken);
            if (result.Outcome == CodeRunOutcome.Passed) passed++;
            else firstFailure ??= $"{result.Outcome}: {Tail(result.Detail)}";
            outcomes.Add(result.Outcome.ToString());
        }
        var metrics = PassAtK.ReportedKs(n).ToDictionary(k => $"pass@{k}", k => PassAtK.Estimate(n, passed, k));
        var detail = n == 1 ? outcomes[0] : string.Join(',', outcomes.GroupBy(o => o).Select(g => $"{g.Key}={g.Count()}"));
        if (firstFailure is not null) detail += "; first failure " + firstFailure;
        return new SampleScore((double)passed / n, $"{passed}/{n} passed", empty == n, metrics, detail);
    }

    /// <summary>The chat prompt: the stub in a fence and a request for the whole function back in one.</summary>
    internal static string Prompt(HumanEvalProblem problem) =>
        "Finish the Python function below so that it behaves as its docstring says. Reply with the whole function, "
        + "including its signature and any imports it needs, in a single ```python code block.\n\n```python\n"
        + problem.Prompt.TrimEnd() + "\n```";

    private static string Tail(string text)
    {
        var trimmed = text.Trim();
        return trimmed.Length <= 200 ? trimmed : "…" + trimmed[^200..];
    }
}
