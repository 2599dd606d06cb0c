using System.Text.RegularExpressions;
using Microsoft.Extensions.AI;
using ModelScout.Evaluation.Datasets;
using ModelScout.Evaluation.Scoring;

namespace ModelScout.Evaluation.Suites;

/// <summary>How GSM8K is prompted.</summary>
public enum Gsm8kPrompt
{
    /// <summary>One chat message asking for working and a last line "#### N".</summary>
    ZeroShot,

    /// <summary>Eight worked examples as earlier chat turns, then the question (chain of thought by example).</summary>
    EightShotCot,
}

/// <summary>GSM8K settings.</summary>
public sealed record Gsm8kOptions(
    Gsm8kPrompt Prompt = Gsm8kPrompt.ZeroShot,
    int MaxTokens = 512,
    double Temperature = 0,
    SampleSelection? Selection = null);

/// <summary>GSM8K: grade-school word problems; Score is the strict "#### N" match, Metrics carry strict and flexible side by side.</summary>
public sealed partial class Gsm8kSuite : DatasetSuite<Gsm8kProblem>
{
    /// <summary>Exemplars shown in 8-shot prompts.</summary>
    public const int ShotCount = 8;

    private readonly Gsm8kOptions _options;
    private readonly IReadOnlyList<ChatMessage> _shotMessages;

    /// <param name="fallbackExemplars">Worked examples for 8-shot prompts when <paramref name="data"/> has no train split (ours, from the samples).</param>
    public Gsm8kSuite(Gsm8kDataset data, Gsm8kOptions? options = null, IReadOnlyList<Gsm8kProblem>? fallbackExemplars = null)
        : base("gsm8k")
    {
        ArgumentNullException.ThrowIfNull(data);
        _options = options ?? new Gsm8kOptions();
        Choose(data.Files, data.Test, _options.Selection, p => p.Id);
        if (_options.Prompt == Gsm8kPrompt.EightShotCot)
        {
            var exemplars = data.Train.Count >= ShotCount ? data.Train : fallbackExemplars ?? [];
            if (exemplars.Count < ShotCount)
                throw new ArgumentException($"8-shot GSM8K needs {ShotCount} worked examples (train.jsonl); found {exemplars.Count}", nameof(fallbackExemplars));
            _shotMessages = [.. exemplars.Take(ShotCount).SelectMany(e => new[]
            {
                new ChatMessage(ChatRole.User, "Question: " + e.Question),
                new ChatMessage(ChatRole.Assistant, WithoutCalculatorNotes(e.Answer)),
            })];
            ScoringMode = "gsm8k:cot-8shot";
        }
        else
        {
            _shotMessages = [];
            ScoringMode = "gsm8k:chat-0shot";
        }
    }

    public override string ScoringMode { get; }

    public override ModelRequest? NextRequest(EvalItem item, IReadOnlyList<ModelReply> replies)
    {
        var problem = Problem(item);
        if (replies.Count > 0) return null;
        IReadOnlyList<ChatMessage> messages = _options.Prompt == Gsm8kPrompt.EightShotCot
            ? [.. _shotMessages, new ChatMessage(ChatRole.User, "Question: " + problem.Question)]
            : SuiteSupport.User(
                "Solve this math word problem. Show your working step by step, then give the final answer on its own last line "
                + "as \"#### N\", where N is only the number.\n\nQuestion: " + problem.Question);
        return new ModelRequest(0, messages, _options.MaxTokens, _options.Temperature);
    }

    public override Task<SampleScore> ScoreAsync(EvalItem item, IReadOnlyList<ModelReply> replies, CancellationToken cancellationToken)
    {
        var problem = Problem(item);
        SuiteSupport.RequireReplies(replies, 1, item);
        var text = replies[0].Text;
        var strict = Gsm8kAnswer.Strict(text);
        var flexible = Gsm8kAnswer.Flexible(text);
        var strictOk = Gsm8kAnswer.Same(strict, problem.Gold) ? 1.0 : 0.0;
        var flexibleOk = Gsm8kAnswer.Same(flexible, problem.Gold) ? 1.0 : 0.0;
        var metrics = new Dictionary<string, double> { ["strict"] = strictOk, ["flexible"] = flexibleOk };
        var detail = strict is null ? $"no \"#### N\" line; last number {flexible ?? "none"}" : null;
        return Task.FromResult(new SampleScore(strictOk, strict ?? flexible, strict is null, metrics, detail));
    }

    [GeneratedRegex(@"<<[^<>]*>>")]
    private static partial Regex CalculatorNote();

    // The dataset's "<<48/2=24>>" annotations were for a calculator tool; a prompt reads better without them.
    internal static string WithoutCalculatorNotes(string answer) => CalculatorNote().Replace(answer, "");
}
