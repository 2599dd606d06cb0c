using ModelScout.Evaluation.Results;

namespace ModelScout.Evaluation.Suites;

/// <summary>A suite limited to one <see cref="Shard"/> of its items; prompts and scoring are the suite's own.</summary>
public sealed class ShardedSuite(IEvalSuite inner, Shard shard) : IEvalSuite
{
    /// <summary>The whole suite.</summary>
    public IEvalSuite Inner { get; } = inner;

    public string Name => Inner.Name;

    public string ScoringMode => Inner.ScoringMode;

    public IReadOnlyList<EvalItem> Items { get; } = shard.Apply(inner.Items);

    public ModelRequest? NextRequest(EvalItem item, IReadOnlyList<ModelReply> replies) => Inner.NextRequest(item, replies);

    public Task<SampleScore> ScoreAsync(EvalItem item, IReadOnlyList<ModelReply> replies, CancellationToken cancellationToken) =>
        Inner.ScoreAsync(item, replies, cancellationToken);

    public ModelRequest? Shorten(EvalItem item, ModelRequest tooLong) => Inner.Shorten(item, tooLong);
}
