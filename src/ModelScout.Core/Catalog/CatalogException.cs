namespace ModelScout.Core.Catalog;

/// <summary>A catalog file that cannot be used, with every problem found.</summary>
public sealed class CatalogException : Exception
{
    public CatalogException() : this("invalid catalog", []) { }

    public CatalogException(string message) : this(message, []) { }

    public CatalogException(string message, Exception inner) : base(message, inner) => Problems = [];

    public CatalogException(string message, IReadOnlyList<string> problems)
        : base(problems.Count == 0 ? message : message + ":" + Environment.NewLine + string.Join(Environment.NewLine, problems.Select(p => "  - " + p)))
        => Problems = problems;

    /// <summary>Each problem, one per line.</summary>
    public IReadOnlyList<string> Problems { get; }
}
