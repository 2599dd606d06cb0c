using ModelScout.Evaluation.Datasets;
using ModelScout.Evaluation.Scoring;

namespace ModelScout.Evaluation.Tests.Datasets;

public class BfclLoaderTests
{
    private const string Question = """
        {"id": "simple_0", "question": [[{"role": "user", "content": "Area of a circle of radius 3?"}]], "function": [{"name": "math.circle_area", "description": "Area.", "parameters": {"type": "dict", "properties": {"radius": {"type": "float", "description": "r"}}, "required": ["radius"]}}]}
        """;

    private const string Answer = """{"id": "simple_0", "ground_truth": [{"math.circle_area": {"radius": [3.0]}}]}""";

    [Fact]
    public void Reads_bfcl_v3_question_and_possible_answer_files()
    {
        using var data = new TempData();
        data.Write("bfcl/BFCL_v3_simple.json", Question + "\n");
        data.Write("bfcl/possible_answer/BFCL_v3_simple.json", Answer + "\n");
        data.Write("bfcl/BFCL_v3_irrelevance.json", "not read: a category scout does not run\n");

        var set = BfclLoader.Load(DatasetSource.FromDirectory(data.Root));

        var c = Assert.Single(set.Cases);
        Assert.Equal("simple_0", c.Id);
        Assert.Equal(BfclCategory.Simple, c.Category);
        Assert.Equal([("user", "Area of a circle of radius 3?")], c.Messages);
        Assert.Equal("math.circle_area", Assert.Single(c.Functions).Name);
        Assert.Equal(3.0, Assert.Single(c.Expected).Allowed["radius"][0].GetDouble());
        Assert.Equal(2, set.Files.Count);
        Assert.All(set.Files, f => Assert.Equal(1, f.Rows));
    }

    [Theory]
    [InlineData("{\"id\": \"simple_0\", \"question\": [[{\"role\": \"user\"}]], \"function\": [{\"name\": \"math.circle_area\", \"parameters\": {}}]}", "each message of \"question\" should be {\"role\": string, \"content\": string}")]
    [InlineData("{\"id\": \"simple_0\", \"question\": \"q\"}", "missing field \"function\"")]
    [InlineData("{\"id\": \"simple_0\", \"question\": \"q\", \"function\": []}", "\"function\" is empty")]
    [InlineData("{\"id\": \"simple_0\", \"question\": \"q\", \"function\": [{\"name\": \"f\"}]}", "function \"f\" needs a \"parameters\" object")]
    [InlineData("{\"id\": \"simple_9\", \"question\": \"q\", \"function\": [{\"name\": \"f\", \"parameters\": {}}]}", "no possible answer with id \"simple_9\"")]
    [InlineData("{\"id\": \"simple_0\", \"question\": \"q\", \"function\": [{\"name\": \"g\", \"parameters\": {}}]}", "calls \"math.circle_area\", which is not among this question's functions")]
    [InlineData("{\"id\": \"simple_0\", \"question\": [1", "not valid JSON")]
    public void A_malformed_question_line_names_the_file_the_line_and_the_problem(string line, string problem)
    {
        using var data = new TempData();
        var path = data.Write("bfcl/BFCL_v3_simple.json", "\n" + line + "\n");
        data.Write("bfcl/possible_answer/BFCL_v3_simple.json", Answer + "\n");
        var e = Assert.Throws<DatasetFormatException>(() => BfclLoader.Load(DatasetSource.FromDirectory(data.Root)));
        Assert.Equal(path, e.File);
        Assert.Equal(2, e.Line);
        Assert.Contains(problem, e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{\"id\": \"simple_0\", \"ground_truth\": [{\"math.circle_area\": {\"radius\": 3.0}}]}", "\"math.circle_area\".\"radius\" should be a list of accepted values")]
    [InlineData("{\"id\": \"simple_0\", \"ground_truth\": [{\"a\": {}}, {\"b\": {}}]}", "a simple answer is exactly one call, found 2")]
    [InlineData("{\"id\": \"simple_0\"}", "missing field \"ground_truth\"")]
    public void A_malformed_answer_line_is_refused(string line, string problem)
    {
        using var data = new TempData();
        data.Write("bfcl/BFCL_v3_simple.json", Question + "\n");
        var path = data.Write("bfcl/possible_answer/BFCL_v3_simple.json", line + "\n");
        var e = Assert.Throws<DatasetFormatException>(() => BfclLoader.Load(DatasetSource.FromDirectory(data.Root)));
        Assert.Equal(path, e.File);
        Assert.Equal(1, e.Line);
        Assert.Contains(problem, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_question_file_without_its_answers_or_a_folder_without_question_files_says_what_to_add()
    {
        using var data = new TempData();
        data.Write("bfcl/BFCL_v3_parallel.json", Question.Replace("simple_0", "parallel_0", StringComparison.Ordinal) + "\n");
        var e = Assert.Throws<DatasetFormatException>(() => BfclLoader.Load(DatasetSource.FromDirectory(data.Root)));
        Assert.Contains("possible_answer/BFCL_v3_parallel.json", e.Message, StringComparison.Ordinal);

        using var empty = new TempData();
        empty.Write("bfcl/notes.txt", "");
        var none = Assert.Throws<DatasetFormatException>(() => BfclLoader.Load(DatasetSource.FromDirectory(empty.Root)));
        Assert.Contains("BFCL_v3_simple.json", none.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_samples_have_eight_cases_per_category_and_their_own_answers_score_1()
    {
        var set = BfclLoader.Load(DatasetSource.Samples);
        Assert.Equal(32, set.Cases.Count);
        foreach (var category in Enum.GetValues<BfclCategory>())
            Assert.Equal(8, set.Cases.Count(c => c.Category == category));
        Assert.All(set.Cases, c => Assert.StartsWith("scout_", c.Id, StringComparison.Ordinal));
        Assert.All(set.Cases.Where(c => c.Category is BfclCategory.Parallel or BfclCategory.ParallelMultiple), c => Assert.True(c.Expected.Count >= 2, c.Id));
        Assert.All(set.Cases.Where(c => c.Category == BfclCategory.Multiple || c.Category == BfclCategory.ParallelMultiple),
            c => Assert.True(c.Functions.Count >= 2, c.Id));
        Assert.Equal(8, set.Files.Count);
        // Self-consistent: the reference answer built from each possible answer passes the checker, reversed too.
        foreach (var c in set.Cases)
        {
            var (_, back) = BfclSchema.Tools(c.Functions);
            var (calls, failure) = BfclChecker.Parse(BfclChecker.ReferenceCalls(c), back);
            Assert.Null(failure);
            var verdict = BfclChecker.Check(c, calls);
            Assert.True(verdict.Correct, $"{c.Id}: {verdict.Detail}");
            Assert.True(BfclChecker.Check(c, [.. calls.Reverse()]).Correct, c.Id);
        }
    }
}
