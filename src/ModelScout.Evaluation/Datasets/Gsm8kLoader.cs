using ModelScout.Evaluation.Scoring;

namespace ModelScout.Evaluation.Datasets;

/// <summary>One GSM8K problem; <see cref="Gold"/> is the number after <c>####</c> in the answer.</summary>
/// <param name="Id">The record's own id when it has one, else <c>test/N</c> (0-based row).</param>
public sealed record Gsm8kProblem(string Id, string Question, string Answer, string Gold);

/// <summary>GSM8K test problems and the worked examples used for few-shot prompts.</summary>
public sealed record Gsm8kDataset(IReadOnlyList<Gsm8kProblem> Test, IReadOnlyList<Gsm8kProblem> Train, IReadOnlyList<DatasetFile> Files);

/// <summary>Loads GSM8K JSONL: <c>gsm8k/test.jsonl</c> (else the other .jsonl files but train), plus <c>train.jsonl</c> when present.</summary>
public static class Gsm8kLoader
{
    public const string Folder = "gsm8k";

    public static Gsm8kDataset Load(DatasetSource source)
    {
        var all = source.ListFiles(Folder).Where(p => p.EndsWith(".jsonl", StringComparison.Ordinal)).ToList();
        var trainPath = all.FirstOrDefault(p => p.EndsWith("/train.jsonl", StringComparison.Ordinal));
        var testPath = all.FirstOrDefault(p => p.EndsWith("/test.jsonl", StringComparison.Ordinal));
        List<string> testPaths = testPath is not null ? [testPath] : [.. all.Where(p => p != trainPath)];
        if (testPaths.Count == 0)
            throw new DatasetFormatException(source.Describe(Folder), 0, "no test.jsonl (or other .jsonl besides train.jsonl) found");
        var files = new List<DatasetFile>();
        var test = new List<Gsm8kProblem>();
        foreach (var path in testPaths) test.AddRange(ReadFile(source, path, "test", files));
        var train = trainPath is null ? [] : ReadFile(source, trainPath, "train", files);
        return new Gsm8kDataset(test, train, files);
    }

    internal static List<Gsm8kProblem> ReadFile(DatasetSource source, string path, string split, List<DatasetFile> files)
    {
        var (records, file) = JsonLines.Read(source, path);
        var items = new List<Gsm8kProblem>(records.Count);
        foreach (var r in records)
        {
            var answer = r.RequiredString("answer");
            var gold = Gsm8kAnswer.Strict(answer) ?? throw r.Fail("answer does not end with \"#### <number>\"");
            var id = r.OptionalScalar("id") ?? $"{split}/{items.Count}";
            items.Add(new Gsm8kProblem(id, r.RequiredString("question"), answer, gold));
        }
        files.Add(file);
        return items;
    }
}
