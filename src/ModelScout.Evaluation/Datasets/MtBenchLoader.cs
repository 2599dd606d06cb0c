using System.Text.Json;

namespace ModelScout.Evaluation.Datasets;

/// <summary>One MT-Bench question: two user turns and, for some categories, reference answers per turn.</summary>
public sealed record MtBenchQuestion(string QuestionId, string Category, IReadOnlyList<string> Turns, IReadOnlyList<string>? Reference);

/// <summary>
/// Loads <c>mtbench/question.jsonl</c> (question_id, category, turns, optional inline reference) and reference answers from
/// <c>mtbench/reference_answer/*.jsonl</c> (question_id, choices[0].turns) or <c>mtbench/reference.jsonl</c> (question_id, reference).
/// </summary>
public static class MtBenchLoader
{
    public const string Folder = "mtbench";

    public static LoadedDataset<MtBenchQuestion> Load(DatasetSource source)
    {
        var questionPath = $"{Folder}/question.jsonl";
        if (!source.ListFiles(Folder).Contains(questionPath))
            throw new DatasetFormatException(source.Describe(questionPath), 0, "not found");
        var files = new List<DatasetFile>();
        var (records, file) = JsonLines.Read(source, questionPath);
        files.Add(file);
        var references = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
        foreach (var path in source.ListFiles($"{Folder}/reference_answer").Where(p => p.EndsWith(".jsonl", StringComparison.Ordinal)))
        {
            var (refs, refFile) = JsonLines.Read(source, path);
            foreach (var r in refs) references[Id(r)] = ChoiceTurns(r);
            files.Add(refFile);
        }
        var simplePath = $"{Folder}/reference.jsonl";
        if (source.ListFiles(Folder).Contains(simplePath))
        {
            var (refs, refFile) = JsonLines.Read(source, simplePath);
            foreach (var r in refs) references[Id(r)] = r.RequiredStringArray("reference");
            files.Add(refFile);
        }
        var items = new List<MtBenchQuestion>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var r in records)
        {
            var id = Id(r);
            if (!seen.Add(id)) throw r.Fail($"question_id {id} appears twice");
            var turns = r.RequiredStringArray("turns");
            if (turns.Count is < 1 or > 2) throw r.Fail($"expected 1 or 2 turns, found {turns.Count}");
            var inline = r.Root.TryGetProperty("reference", out var inl) && inl.ValueKind == JsonValueKind.Array ? r.StringArray(inl, "reference") : null;
            items.Add(new MtBenchQuestion(id, r.RequiredString("category"), turns, references.GetValueOrDefault(id) ?? inline));
        }
        return new LoadedDataset<MtBenchQuestion>(items, files);
    }

    private static string Id(JsonRecord r) => r.OptionalScalar("question_id") ?? throw r.Fail("missing field \"question_id\"");

    private static IReadOnlyList<string> ChoiceTurns(JsonRecord r)
    {
        if (r.Root.TryGetProperty("choices", out var choices) && choices.ValueKind == JsonValueKind.Array && choices.GetArrayLength() > 0
            && choices[0].ValueKind == JsonValueKind.Object && choices[0].TryGetProperty("turns", out var turns))
            return r.StringArray(turns, "choices[0].turns");
        throw r.Fail("expected choices[0].turns");
    }
}
