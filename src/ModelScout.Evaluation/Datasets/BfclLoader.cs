using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using ModelScout.Evaluation.Scoring;

namespace ModelScout.Evaluation.Datasets;

/// <summary>The BFCL cases of every category found, in category then file order.</summary>
public sealed record BfclDataset(IReadOnlyList<BfclCase> Cases, IReadOnlyList<DatasetFile> Files);

/// <summary>
/// Loads the Berkeley Function Calling Leaderboard's files from <c>bfcl/</c>: <c>BFCL_v3_simple.json</c>,
/// <c>BFCL_v3_multiple.json</c>, <c>BFCL_v3_parallel.json</c>, <c>BFCL_v3_parallel_multiple.json</c> (JSON lines despite
/// the extension; any version number, the highest wins; v4's <c>simple_python</c> counts as simple) and their answers of
/// the same name under <c>bfcl/possible_answer/</c>.
/// </summary>
public static partial class BfclLoader
{
    public const string Folder = "bfcl";

    public const string AnswerFolder = "bfcl/possible_answer";

    /// <summary>The category as BFCL's file names and scout's breakdown spell it.</summary>
    public static string Name(BfclCategory category) => category switch
    {
        BfclCategory.Simple => "simple",
        BfclCategory.Multiple => "multiple",
        BfclCategory.Parallel => "parallel",
        _ => "parallel_multiple",
    };

    /// <summary>The category a name means (simple, multiple, parallel, parallel_multiple; simple_python too); null when none.</summary>
    public static BfclCategory? Parse(string name) => name.Trim().ToLowerInvariant().Replace('-', '_') switch
    {
        "simple" or "simple_python" => BfclCategory.Simple,
        "multiple" => BfclCategory.Multiple,
        "parallel" => BfclCategory.Parallel,
        "parallel_multiple" => BfclCategory.ParallelMultiple,
        _ => null,
    };

    [GeneratedRegex(@"^BFCL_v(\d+)_([a-z_]+)\.jsonl?$")]
    private static partial Regex FileName();

    public static BfclDataset Load(DatasetSource source)
    {
        ArgumentNullException.ThrowIfNull(source);
        // Per category, the question file of the highest BFCL version present.
        var chosen = new SortedDictionary<BfclCategory, (int Version, string Path)>();
        foreach (var path in source.ListFiles(Folder))
        {
            var m = FileName().Match(Path.GetFileName(path));
            if (!m.Success || Parse(m.Groups[2].Value) is not { } category) continue;
            var version = int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
            if (!chosen.TryGetValue(category, out var have) || have.Version < version) chosen[category] = (version, path);
        }
        if (chosen.Count == 0)
            throw new DatasetFormatException(source.Describe(Folder), 0,
                "no BFCL question files found; expected BFCL_v3_simple.json, BFCL_v3_multiple.json, BFCL_v3_parallel.json or BFCL_v3_parallel_multiple.json");
        var files = new List<DatasetFile>();
        var cases = new List<BfclCase>();
        var ids = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (category, (_, path)) in chosen)
        {
            var answerPath = AnswerFolder + "/" + Path.GetFileName(path);
            if (!source.ListFiles(AnswerFolder).Contains(answerPath, StringComparer.Ordinal))
                throw new DatasetFormatException(source.Describe(path), 0,
                    $"no possible answers for it: put BFCL's possible_answer/{Path.GetFileName(path)} at {source.Describe(answerPath)}");
            var answers = ReadAnswers(source, answerPath, category, files);
            var (records, file) = JsonLines.Read(source, path);
            foreach (var r in records)
            {
                var id = r.OptionalScalar("id") ?? throw r.Fail("missing field \"id\"");
                if (!ids.Add(id)) throw r.Fail($"id \"{id}\" appears twice");
                if (!answers.Remove(id, out var expected))
                    throw r.Fail($"no possible answer with id \"{id}\" in {source.Describe(answerPath)}");
                var functions = Functions(r);
                foreach (var call in expected)
                {
                    if (!functions.Any(f => f.Name == call.Name))
                        throw r.Fail($"the possible answer calls \"{call.Name}\", which is not among this question's functions");
                }
                cases.Add(new BfclCase(id, category, Messages(r), functions, expected));
            }
            files.Add(file);
            if (answers.Count > 0)
                throw new DatasetFormatException(source.Describe(answerPath), 0, $"answers for ids with no question: {string.Join(", ", answers.Keys.Take(5))}");
        }
        return new BfclDataset(cases, files);
    }

    private static Dictionary<string, IReadOnlyList<BfclExpectedCall>> ReadAnswers(DatasetSource source, string path, BfclCategory category, List<DatasetFile> files)
    {
        var (records, file) = JsonLines.Read(source, path);
        var answers = new Dictionary<string, IReadOnlyList<BfclExpectedCall>>(StringComparer.Ordinal);
        foreach (var r in records)
        {
            var id = r.OptionalScalar("id") ?? throw r.Fail("missing field \"id\"");
            if (!r.Root.TryGetProperty("ground_truth", out var truth)) throw r.Fail("missing field \"ground_truth\"");
            // A list of calls; BFCL's first release wrote a lone call as one object.
            var entries = truth.ValueKind switch
            {
                JsonValueKind.Array => [.. truth.EnumerateArray()],
                JsonValueKind.Object => new List<JsonElement> { truth },
                _ => throw r.Fail("\"ground_truth\" should be a list of {\"function\": {\"param\": [values]}}"),
            };
            var calls = new List<BfclExpectedCall>();
            foreach (var entry in entries)
            {
                if (entry.ValueKind != JsonValueKind.Object || entry.EnumerateObject().Count() != 1)
                    throw r.Fail("each ground_truth entry should be an object with exactly one function name");
                var call = entry.EnumerateObject().Single();
                if (call.Value.ValueKind != JsonValueKind.Object) throw r.Fail($"the parameters of \"{call.Name}\" should be an object");
                var allowed = new Dictionary<string, IReadOnlyList<JsonElement>>(StringComparer.Ordinal);
                foreach (var p in call.Value.EnumerateObject())
                {
                    if (p.Value.ValueKind != JsonValueKind.Array)
                        throw r.Fail($"\"{call.Name}\".\"{p.Name}\" should be a list of accepted values, found {p.Value.ValueKind.ToString().ToLowerInvariant()}");
                    allowed[p.Name] = [.. p.Value.EnumerateArray().Select(v => v.Clone())];
                }
                calls.Add(new BfclExpectedCall(call.Name, allowed));
            }
            if (calls.Count == 0) throw r.Fail("\"ground_truth\" is empty");
            if (category is BfclCategory.Simple or BfclCategory.Multiple && calls.Count != 1)
                throw r.Fail($"a {Name(category)} answer is exactly one call, found {calls.Count}");
            if (!answers.TryAdd(id, calls)) throw r.Fail($"id \"{id}\" appears twice");
        }
        files.Add(file);
        return answers;
    }

    private static List<BfclFunction> Functions(JsonRecord r)
    {
        if (!r.Root.TryGetProperty("function", out var value)) throw r.Fail("missing field \"function\"");
        var list = value.ValueKind switch
        {
            JsonValueKind.Array => [.. value.EnumerateArray()],
            JsonValueKind.Object => new List<JsonElement> { value },
            _ => throw r.Fail("\"function\" should be a list of function documents"),
        };
        var functions = new List<BfclFunction>();
        foreach (var f in list)
        {
            if (f.ValueKind != JsonValueKind.Object || !f.TryGetProperty("name", out var name) || name.ValueKind != JsonValueKind.String || name.GetString()!.Length == 0)
                throw r.Fail("each function needs a \"name\" string");
            var description = f.TryGetProperty("description", out var d) && d.ValueKind == JsonValueKind.String ? d.GetString()! : "";
            if (!f.TryGetProperty("parameters", out var parameters) || parameters.ValueKind != JsonValueKind.Object)
                throw r.Fail($"function \"{name.GetString()}\" needs a \"parameters\" object");
            if (parameters.TryGetProperty("properties", out var props) && props.ValueKind != JsonValueKind.Object)
                throw r.Fail($"\"properties\" of \"{name.GetString()}\" should be an object");
            functions.Add(new BfclFunction(name.GetString()!, description, parameters.Clone()));
        }
        if (functions.Count == 0) throw r.Fail("\"function\" is empty");
        if (functions.Select(f => f.Name).Distinct(StringComparer.Ordinal).Count() != functions.Count) throw r.Fail("two functions share a name");
        return functions;
    }

    // "question": BFCL v3 writes a list of turns, each a list of {role, content}; earlier files a flat list or a string.
    private static List<(string Role, string Content)> Messages(JsonRecord r)
    {
        if (!r.Root.TryGetProperty("question", out var question)) throw r.Fail("missing field \"question\"");
        var messages = new List<(string, string)>();
        if (question.ValueKind == JsonValueKind.String)
        {
            messages.Add(("user", question.GetString()!));
            return messages;
        }
        if (question.ValueKind != JsonValueKind.Array) throw r.Fail("\"question\" should be a list of turns of {\"role\", \"content\"}");
        foreach (var element in question.EnumerateArray())
        {
            if (element.ValueKind == JsonValueKind.Array)
            {
                foreach (var inner in element.EnumerateArray()) messages.Add(Message(r, inner));
            }
            else
            {
                messages.Add(Message(r, element));
            }
        }
        if (messages.Count == 0) throw r.Fail("\"question\" has no messages");
        return messages;
    }

    private static (string, string) Message(JsonRecord r, JsonElement m)
    {
        if (m.ValueKind != JsonValueKind.Object
            || !m.TryGetProperty("role", out var role) || role.ValueKind != JsonValueKind.String
            || !m.TryGetProperty("content", out var content) || content.ValueKind != JsonValueKind.String)
            throw r.Fail("each message of \"question\" should be {\"role\": string, \"content\": string}");
        return (role.GetString()!, content.GetString()!);
    }
}
