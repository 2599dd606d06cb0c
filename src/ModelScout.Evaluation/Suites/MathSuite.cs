using System.Globalization;
using ModelScout.Evaluation.Datasets;
using ModelScout.Evaluation.Scoring;

namespace ModelScout.Evaluation.Suites;

/// <summary>MATH settings.</summary>
public sealed record MathOptions(int MaxTokens = 1024, double Temperature = 0, SampleSelection? Selection = null);

/// <summary>MATH (or MATH-500): competition problems; the last <c>\boxed{}</c> of the reply is compared with the reference answer. Subject is the type, Group the level.</summary>
public sealed class MathSuite : DatasetSuite<MathProblem>
{
    private readonly MathOptions _options;

    public MathSuite(LoadedDataset<MathProblem> data, MathOptions? options = null)
        : base("math")
    {
        ArgumentNullException.ThrowIfNull(data);
        _options = options ?? new MathOptions();
        Choose(data.Files, data.Items, _options.Selection, p => p.Id,
            p => new EvalItem(Name, p.Id, p.Type, p.Level > 0 ? "Level " + p.Level.ToString(CultureInfo.InvariantCulture) : ""));
    }

    public override string ScoringMode => "math:boxed:0-shot";

    public override ModelRequest? NextRequest(EvalItem item, IReadOnlyList<ModelReply> replies)
    {
        var problem = Problem(item);
        if (replies.Count > 0) return null;
        return new ModelRequest(0, SuiteSupport.User(
            "Solve the following problem. Work through it step by step, and put the final answer in \\boxed{}.\n\n" + problem.Problem),
            _options.MaxTokens, _options.Temperature);
    }

    public override Task<SampleScore> ScoreAsync(EvalItem item, IReadOnlyList<ModelReply> replies, CancellationToken cancellationToken)
    {
        var problem = Problem(item);
        SuiteSupport.RequireReplies(replies, 1, item);
        var boxed = MathAnswer.LastBoxed(replies[0].Text);
        var correct = MathAnswer.IsEquivalent(boxed, problem.Answer);
        return Task.FromResult(new SampleScore(correct ? 1 : 0, boxed, boxed is null,
            Detail: boxed is null ? "no \\boxed{} answer in the reply" : null));
    }
}
