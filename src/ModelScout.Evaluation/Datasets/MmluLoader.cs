namespace ModelScout.Evaluation.Datasets;

/// <summary>One MMLU question.</summary>
/// <param name="Index">0-based row within its subject's file; with the subject it makes the item id.</param>
/// <param name="Answer">'A'..'D'.</param>
public sealed record MmluQuestion(string Subject, int Index, string Question, IReadOnlyList<string> Choices, char Answer)
{
    public string Id => $"{Subject}/{Index}";
}

/// <summary>MMLU test questions plus the dev questions used as few-shot examples, per subject.</summary>
public sealed record MmluDataset(
    IReadOnlyList<MmluQuestion> Test,
    IReadOnlyDictionary<string, IReadOnlyList<MmluQuestion>> Dev,
    IReadOnlyList<DatasetFile> Files);

/// <summary>
/// Loads Hendrycks' MMLU CSVs from <c>mmlu/test/*_test.csv</c> and <c>mmlu/dev/*_dev.csv</c> (or those files directly in <c>mmlu/</c>):
/// no header, six columns (question, A, B, C, D, answer letter), the subject taken from the file name.
/// </summary>
public static class MmluLoader
{
    public const string Folder = "mmlu";

    public static MmluDataset Load(DatasetSource source)
    {
        var files = new List<DatasetFile>();
        var test = new List<MmluQuestion>();
        var dev = new Dictionary<string, IReadOnlyList<MmluQuestion>>(StringComparer.Ordinal);
        foreach (var path in Find(source, "test"))
        {
            test.AddRange(ReadFile(source, path, "_test.csv", files));
        }
        foreach (var path in Find(source, "dev"))
        {
            var questions = ReadFile(source, path, "_dev.csv", files);
            if (questions.Count > 0) dev[questions[0].Subject] = questions;
        }
        if (test.Count == 0)
            throw new DatasetFormatException(source.Describe(Folder), 0, "no *_test.csv files found (expected mmlu/test/<subject>_test.csv)");
        return new MmluDataset(test, dev, files);
    }

    private static IEnumerable<string> Find(DatasetSource source, string split)
    {
        var suffix = $"_{split}.csv";
        return source.ListFiles($"{Folder}/{split}").Concat(source.ListFiles(Folder))
            .Where(p => p.EndsWith(suffix, StringComparison.Ordinal));
    }

    private static List<MmluQuestion> ReadFile(DatasetSource source, string path, string suffix, List<DatasetFile> files)
    {
        var fileName = path[(path.LastIndexOf('/') + 1)..];
        var subject = fileName[..^suffix.Length];
        var (bytes, sha) = source.ReadWithDigest(path);
        var name = source.Describe(path);
        var rows = CsvRows.Parse(JsonLines.Decode(bytes, path, name), name);
        var questions = new List<MmluQuestion>(rows.Count);
        foreach (var row in rows)
        {
            if (row.Fields.Count != 6)
                throw new DatasetFormatException(name, row.Line, $"expected 6 columns (question, A, B, C, D, answer), found {row.Fields.Count}");
            var letter = row.Fields[5].Trim();
            if (letter.Length != 1 || letter[0] is < 'A' or > 'D')
                throw new DatasetFormatException(name, row.Line, $"answer should be one of A, B, C, D, found \"{letter}\"");
            if (string.IsNullOrWhiteSpace(row.Fields[0]))
                throw new DatasetFormatException(name, row.Line, "the question is empty");
            questions.Add(new MmluQuestion(subject, questions.Count, row.Fields[0], [.. row.Fields.Skip(1).Take(4)], letter[0]));
        }
        files.Add(new DatasetFile(name, sha, questions.Count));
        return questions;
    }
}
