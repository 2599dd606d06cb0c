using System.Text.Json;
using ModelScout.Evaluation.Scoring;

namespace ModelScout.Evaluation.Datasets;

/// <summary>One MATH problem.</summary>
/// <param name="Answer">The reference answer: the record's <c>answer</c>, else the last <c>\boxed{}</c> of the solution.</param>
/// <param name="Level">1..5; 0 when the record does not say.</param>
/// <param name="Type">Subject (MATH's "type", MATH-500's "subject").</param>
public sealed record MathProblem(string Id, string Problem, string Solution, string Answer, int Level, string Type);

/// <summary>Loads MATH-style JSONL (<c>math/*.jsonl</c>): problem, solution, optional answer, level, subject or type.</summary>
public static class MathLoader
{
    public const string Folder = "math";

    public static LoadedDataset<MathProblem> Load(DatasetSource source)
    {
        var paths = source.ListFiles(Folder).Where(p => p.EndsWith(".jsonl", StringComparison.Ordinal)).ToList();
        if (paths.Count == 0) throw new DatasetFormatException(source.Describe(Folder), 0, "no .jsonl file found");
        var items = new List<MathProblem>();
        var files = new List<DatasetFile>();
        foreach (var path in paths)
        {
            var (records, file) = JsonLines.Read(source, path);
            var stem = path[(path.LastIndexOf('/') + 1)..^".jsonl".Length];
            var row = 0;
            foreach (var r in records)
            {
                var solution = r.OptionalString("solution") ?? "";
                var answer = r.OptionalString("answer") ?? MathAnswer.LastBoxed(solution)
                    ?? throw r.Fail("no \"answer\" field and no \\boxed{} in the solution");
                var id = r.OptionalScalar("unique_id") ?? r.OptionalScalar("id") ?? $"{stem}/{row}";
                items.Add(new MathProblem(id, r.RequiredString("problem"), solution, answer, Level(r),
                    r.OptionalString("subject") ?? r.OptionalString("type") ?? ""));
                row++;
            }
            files.Add(file);
        }
        return new LoadedDataset<MathProblem>(items, files);
    }

    // MATH writes "Level 3", MATH-500 writes 3; "Level ?" occurs in the original data.
    private static int Level(JsonRecord r)
    {
        if (!r.Root.TryGetProperty("level", out var value) || value.ValueKind == JsonValueKind.Null) return 0;
        if (value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var n) && n is >= 0 and <= 9) return n;
        if (value.ValueKind == JsonValueKind.String)
        {
            var text = value.GetString()!.Replace("Level", "", StringComparison.OrdinalIgnoreCase).Trim();
            if (text == "?") return 0;
            if (int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out n)) return n;
        }
        throw r.Fail("level should be a number or \"Level N\"");
    }
}
