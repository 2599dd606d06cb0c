using ModelScout.Evaluation.Datasets;

namespace ModelScout.Evaluation.Suites;

/// <summary>
/// What the built-in suites share: the problems of a dataset that a <see cref="SampleSelection"/> picks become the
/// items, each item finds its problem again, and the dataset files are kept for the reproducibility record. Subclasses
/// choose their problems in their constructor, then prompt and score.
/// </summary>
public abstract class DatasetSuite<TProblem> : IEvalSuite
{
    private Dictionary<string, TProblem> _byId = [];

    /// <param name="name">The suite's name, the first part of every item's key.</param>
    protected DatasetSuite(string name) => Name = name;

    /// <inheritdoc/>
    public string Name { get; }

    /// <inheritdoc/>
    public abstract string ScoringMode { get; }

    /// <inheritdoc/>
    public IReadOnlyList<EvalItem> Items { get; private set; } = [];

    /// <summary>The dataset files behind this suite.</summary>
    public IReadOnlyList<DatasetFile> Files { get; private set; } = [];

    /// <inheritdoc/>
    public abstract ModelRequest? NextRequest(EvalItem item, IReadOnlyList<ModelReply> replies);

    /// <inheritdoc/>
    public abstract Task<SampleScore> ScoreAsync(EvalItem item, IReadOnlyList<ModelReply> replies, CancellationToken cancellationToken);

    /// <inheritdoc/>
    public virtual ModelRequest? Shorten(EvalItem item, ModelRequest tooLong) => null;

    /// <summary>Takes the problems <paramref name="selection"/> picks (all when null), in dataset order, as this suite's items.</summary>
    /// <param name="item">The item a problem becomes; by default one with the problem's id and no subject or group.</param>
    protected void Choose(IReadOnlyList<DatasetFile> files, IReadOnlyList<TProblem> problems, SampleSelection? selection, Func<TProblem, string> id,
        Func<TProblem, EvalItem>? item = null)
    {
        Files = files;
        var chosen = (selection ?? SampleSelection.All).Apply(problems, id);
        _byId = SuiteSupport.Index(chosen, id);
        Items = [.. chosen.Select(item ?? (p => new EvalItem(Name, id(p))))];
    }

    /// <summary>The problem behind <paramref name="item"/>; an item of another suite, or one not chosen, is an <see cref="ArgumentException"/>.</summary>
    protected TProblem Problem(EvalItem item) => SuiteSupport.Find(_byId, item, Name);
}
