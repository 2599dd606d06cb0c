namespace ModelScout.Evaluation.Datasets;

/// <summary>One file a loader read, for the run's reproducibility record.</summary>
/// <param name="Path">The file's path (a directory path, or <c>sample:</c> followed by the embedded name for the shipped samples).</param>
/// <param name="Sha256">Lower-case hex SHA-256 of the bytes as stored (before any gunzip).</param>
/// <param name="Rows">Records read from the file.</param>
public sealed record DatasetFile(string Path, string Sha256, int Rows);

/// <summary>What a loader returns: the records and every file they came from.</summary>
public sealed record LoadedDataset<T>(IReadOnlyList<T> Items, IReadOnlyList<DatasetFile> Files);

/// <summary>A dataset file that is not in the format its suite expects; says which file, which line and what is wrong.</summary>
public sealed class DatasetFormatException : EvalException
{
    private const string Layout = "docs/eval-datasets.md describes the layout and formats";

    public DatasetFormatException() => Hint = Layout;

    public DatasetFormatException(string message) : base(message) => Hint = Layout;

    public DatasetFormatException(string message, Exception innerException) : base(message, innerException) => Hint = Layout;

    public DatasetFormatException(string file, int line, string problem)
        : base(line > 0 ? $"{file}:{line}: {problem}" : $"{file}: {problem}")
    {
        File = file;
        Line = line;
        Hint = Layout;
    }

    /// <summary>The file at fault, as the loader names it.</summary>
    public string? File { get; }

    /// <summary>1-based line of the bad record; 0 when the problem is the file as a whole.</summary>
    public int Line { get; }
}
