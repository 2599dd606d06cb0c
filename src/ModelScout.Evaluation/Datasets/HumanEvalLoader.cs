namespace ModelScout.Evaluation.Datasets;

/// <summary>One HumanEval problem: the prompt to complete, a reference solution and a test defining <c>check(candidate)</c>.</summary>
public sealed record HumanEvalProblem(string TaskId, string Prompt, string CanonicalSolution, string Test, string EntryPoint);

/// <summary>Loads HumanEval JSONL (<c>humaneval/*.jsonl</c> or <c>*.jsonl.gz</c>).</summary>
public static class HumanEvalLoader
{
    public const string Folder = "humaneval";

    public static LoadedDataset<HumanEvalProblem> Load(DatasetSource source)
    {
        var paths = source.ListFiles(Folder)
            .Where(p => p.EndsWith(".jsonl", StringComparison.Ordinal) || p.EndsWith(".jsonl.gz", StringComparison.Ordinal))
            .ToList();
        if (paths.Count == 0)
            throw new DatasetFormatException(source.Describe(Folder), 0, "no .jsonl or .jsonl.gz file found");
        var items = new List<HumanEvalProblem>();
        var files = new List<DatasetFile>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var path in paths)
        {
            var (records, file) = JsonLines.Read(source, path);
            foreach (var r in records)
            {
                var problem = new HumanEvalProblem(
                    r.RequiredString("task_id"), r.RequiredString("prompt"), r.OptionalString("canonical_solution") ?? "",
                    r.RequiredString("test"), r.RequiredString("entry_point"));
                if (!seen.Add(problem.TaskId)) throw r.Fail($"task_id \"{problem.TaskId}\" appears twice");
                if (problem.EntryPoint.Length == 0) throw r.Fail("entry_point is empty");
                items.Add(problem);
            }
            files.Add(file);
        }
        return new LoadedDataset<HumanEvalProblem>(items, files);
    }
}
