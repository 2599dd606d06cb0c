using Microsoft.Extensions.AI;
using ModelScout.Evaluation.Datasets;
using ModelScout.Evaluation.Scoring;

namespace ModelScout.Evaluation.Suites;

/// <summary>BFCL settings.</summary>
/// <param name="Categories">The categories to run; null or empty for all that the data has.</param>
public sealed record BfclOptions(
    int MaxTokens = 512,
    double Temperature = 0,
    SampleSelection? Selection = null,
    IReadOnlyList<BfclCategory>? Categories = null);

/// <summary>
/// BFCL: the question is sent with the case's functions as tools (tool choice auto) and the reply's function calls are
/// scored by BFCL's AST rules (<see cref="BfclChecker"/>), 1 or 0 per case. Subject is the category; the reason of a 0
/// is the score's detail.
/// </summary>
public sealed class BfclSuite : DatasetSuite<BfclCase>
{
    private readonly BfclOptions _options;

    public BfclSuite(BfclDataset data, BfclOptions? options = null)
        : base("bfcl")
    {
        ArgumentNullException.ThrowIfNull(data);
        _options = options ?? new BfclOptions();
        var wanted = _options.Categories is { Count: > 0 } c ? c : null;
        var cases = wanted is null ? data.Cases : [.. data.Cases.Where(x => wanted.Contains(x.Category))];
        Choose(data.Files, cases, _options.Selection, x => x.Id, x => new EvalItem(Name, x.Id, BfclLoader.Name(x.Category)));
    }

    public override string ScoringMode => "bfcl:ast";

    public override ModelRequest? NextRequest(EvalItem item, IReadOnlyList<ModelReply> replies)
    {
        var @case = Problem(item);
        if (replies.Count > 0) return null;
        var (tools, _) = BfclSchema.Tools(@case.Functions);
        IReadOnlyList<ChatMessage> messages = [.. @case.Messages.Select(m => new ChatMessage(new ChatRole(m.Role), m.Content))];
        return new ModelRequest(0, messages, _options.MaxTokens, _options.Temperature, Tools: tools);
    }

    public override Task<SampleScore> ScoreAsync(EvalItem item, IReadOnlyList<ModelReply> replies, CancellationToken cancellationToken)
    {
        var @case = Problem(item);
        SuiteSupport.RequireReplies(replies, 1, item);
        var (_, originalName) = BfclSchema.Tools(@case.Functions);
        var (calls, failure) = BfclChecker.Parse(replies[0].ToolCalls, originalName);
        var verdict = failure ?? BfclChecker.Check(@case, calls);
        var extracted = calls.Count > 0 ? BfclChecker.Show(calls) : null;
        // No call, or calls that cannot be read, is an extraction failure (as a reply with no answer line is elsewhere).
        var failed = verdict.Error is BfclError.NoCall or BfclError.Unparseable;
        var detail = verdict.Detail;
        if (verdict.Error == BfclError.NoCall && replies[0].Text.Trim() is { Length: > 0 } text)
            detail += ": " + (text.Length > 160 ? text[..157] + "..." : text);
        return Task.FromResult(new SampleScore(verdict.Correct ? 1 : 0, extracted, failed, Detail: detail));
    }
}
