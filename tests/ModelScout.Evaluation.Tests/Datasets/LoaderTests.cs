using System.Security.Cryptography;
using ModelScout.Evaluation.Datasets;

namespace ModelScout.Evaluation.Tests.Datasets;

public class LoaderTests
{
    [Fact]
    public void Mmlu_reads_quoted_fields_with_commas_newlines_and_doubled_quotes()
    {
        using var data = new TempData();
        var path = data.Write("mmlu/test/college_physics_test.csv",
            "Plain question,a,b,c,d,A\n\"Multi\nline, with \"\"quotes\"\"\",\"x, y\",b,c,d,D\r\nThird,1,2,3,4,C\n");
        data.Write("mmlu/dev/college_physics_dev.csv", "Dev q,a,b,c,d,B\n");

        var set = MmluLoader.Load(DatasetSource.FromDirectory(data.Root));

        Assert.Equal(3, set.Test.Count);
        Assert.Equal("Multi\nline, with \"quotes\"", set.Test[1].Question);
        Assert.Equal(["x, y", "b", "c", "d"], set.Test[1].Choices);
        Assert.Equal('D', set.Test[1].Answer);
        Assert.Equal("college_physics/2", set.Test[2].Id);
        Assert.Equal("college_physics", set.Test[0].Subject);
        Assert.Single(set.Dev["college_physics"]);
        var file = set.Files.Single(f => f.Path.EndsWith("_test.csv", StringComparison.Ordinal));
        Assert.Equal(3, file.Rows);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(path))), file.Sha256);
    }

    [Fact]
    public void Mmlu_accepts_csvs_directly_in_the_mmlu_folder()
    {
        using var data = new TempData();
        data.Write("mmlu/anatomy_test.csv", "Q,a,b,c,d,A\n");
        var set = MmluLoader.Load(DatasetSource.FromDirectory(data.Root));
        Assert.Equal("anatomy", Assert.Single(set.Test).Subject);
    }

    [Theory]
    [InlineData("Q1,a,b,c,d,A\nQ2,a,b,c,d\n", 2, "expected 6 columns")]
    [InlineData("Q1,a,b,c,d,A\n\"Q2\nspans\",a,b,c,d,A\nQ3,a,b,c,d,E\n", 4, "answer should be one of A, B, C, D")]
    [InlineData("Q1,a,b,c,d,A\n\"never closed,a,b,c,d,A\n", 2, "never closed")]
    [InlineData("\"Q1\"x,a,b,c,d,A\n", 1, "after a closing quote")]
    public void Mmlu_malformed_rows_name_file_and_line(string csv, int line, string problem)
    {
        using var data = new TempData();
        data.Write("mmlu/test/astronomy_test.csv", csv);
        var ex = Assert.Throws<DatasetFormatException>(() => MmluLoader.Load(DatasetSource.FromDirectory(data.Root)));
        Assert.Equal(line, ex.Line);
        Assert.EndsWith("astronomy_test.csv", ex.File, StringComparison.Ordinal);
        Assert.Contains(problem, ex.Message, StringComparison.Ordinal);
        Assert.Contains($"astronomy_test.csv:{line}:", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Mmlu_without_test_files_says_what_is_expected()
    {
        using var data = new TempData();
        data.Write("mmlu/dev/anatomy_dev.csv", "Q,a,b,c,d,A\n");
        var ex = Assert.Throws<DatasetFormatException>(() => MmluLoader.Load(DatasetSource.FromDirectory(data.Root)));
        Assert.Contains("_test.csv", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void HumanEval_reads_gzip_and_rejects_a_missing_field_with_its_line()
    {
        using var data = new TempData();
        const string Good = """{"task_id":"T/0","prompt":"def f():\n","canonical_solution":"    return 1\n","test":"def check(c):\n    assert c() == 1\n","entry_point":"f"}""";
        data.WriteGzip("humaneval/HumanEval.jsonl.gz", Good + "\n");
        var set = HumanEvalLoader.Load(DatasetSource.FromDirectory(data.Root));
        Assert.Equal("f", Assert.Single(set.Items).EntryPoint);
        Assert.Equal(1, set.Files[0].Rows);

        data.Write("humaneval/more.jsonl", "\n" + Good.Replace("T/0", "T/1", StringComparison.Ordinal) + "\n{\"task_id\":\"T/2\",\"prompt\":\"x\"}\n");
        var ex = Assert.Throws<DatasetFormatException>(() => HumanEvalLoader.Load(DatasetSource.FromDirectory(data.Root)));
        Assert.Equal(3, ex.Line);
        Assert.Contains("missing field \"test\"", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Jsonl_that_is_not_json_names_the_line()
    {
        using var data = new TempData();
        data.Write("gsm8k/test.jsonl", "{\"question\":\"q\",\"answer\":\"#### 1\"}\n{oops\n");
        var ex = Assert.Throws<DatasetFormatException>(() => Gsm8kLoader.Load(DatasetSource.FromDirectory(data.Root)));
        Assert.Equal(2, ex.Line);
        Assert.Contains("not valid JSON", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Gsm8k_prefers_test_jsonl_reads_gold_and_train()
    {
        using var data = new TempData();
        data.Write("gsm8k/test.jsonl", "{\"question\":\"q1\",\"answer\":\"2 * 3 = <<2*3=6>>6\\n#### 1,234\"}\n");
        data.Write("gsm8k/other.jsonl", "{\"question\":\"ignored\",\"answer\":\"#### 9\"}\n");
        data.Write("gsm8k/train.jsonl", "{\"question\":\"t\",\"answer\":\"#### 5\"}\n");
        var set = Gsm8kLoader.Load(DatasetSource.FromDirectory(data.Root));
        var item = Assert.Single(set.Test);
        Assert.Equal("1234", item.Gold);
        Assert.Equal("test/0", item.Id);
        Assert.Single(set.Train);
        Assert.Equal(2, set.Files.Count);
    }

    [Fact]
    public void Gsm8k_answer_without_hashes_is_rejected()
    {
        using var data = new TempData();
        data.Write("gsm8k/test.jsonl", "{\"question\":\"q\",\"answer\":\"#### 3\"}\n{\"question\":\"q\",\"answer\":\"it is 3\"}\n");
        var ex = Assert.Throws<DatasetFormatException>(() => Gsm8kLoader.Load(DatasetSource.FromDirectory(data.Root)));
        Assert.Equal(2, ex.Line);
        Assert.Contains("####", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Math_takes_answer_from_last_boxed_when_missing_and_reads_both_level_styles()
    {
        using var data = new TempData();
        data.Write("math/test.jsonl",
            "{\"problem\":\"p\",\"solution\":\"first \\\\boxed{1} then \\\\boxed{\\\\frac{a}{b}}\",\"level\":\"Level 4\",\"type\":\"Algebra\"}\n"
            + "{\"problem\":\"p2\",\"solution\":\"s\",\"answer\":\"7\",\"level\":2,\"subject\":\"Geometry\",\"unique_id\":\"g/1\"}\n");
        var set = MathLoader.Load(DatasetSource.FromDirectory(data.Root));
        Assert.Equal("\\frac{a}{b}", set.Items[0].Answer);
        Assert.Equal(4, set.Items[0].Level);
        Assert.Equal("Algebra", set.Items[0].Type);
        Assert.Equal("test/0", set.Items[0].Id);
        Assert.Equal(("g/1", 2, "Geometry"), (set.Items[1].Id, set.Items[1].Level, set.Items[1].Type));
    }

    [Fact]
    public void Math_without_answer_or_boxed_is_rejected()
    {
        using var data = new TempData();
        data.Write("math/test.jsonl", "{\"problem\":\"p\",\"solution\":\"no box\"}\n");
        var ex = Assert.Throws<DatasetFormatException>(() => MathLoader.Load(DatasetSource.FromDirectory(data.Root)));
        Assert.Equal(1, ex.Line);
    }

    [Fact]
    public void MtBench_reads_both_reference_layouts()
    {
        using var data = new TempData();
        data.Write("mtbench/question.jsonl",
            "{\"question_id\":101,\"category\":\"reasoning\",\"turns\":[\"a\",\"b\"]}\n{\"question_id\":102,\"category\":\"math\",\"turns\":[\"c\",\"d\"]}\n{\"question_id\":103,\"category\":\"writing\",\"turns\":[\"e\",\"f\"]}\n");
        data.Write("mtbench/reference_answer/gpt-4.jsonl", "{\"question_id\":101,\"choices\":[{\"index\":0,\"turns\":[\"r1\",\"r2\"]}]}\n");
        data.Write("mtbench/reference.jsonl", "{\"question_id\":102,\"reference\":[\"m1\",\"m2\"]}\n");
        var set = MtBenchLoader.Load(DatasetSource.FromDirectory(data.Root));
        Assert.Equal(["r1", "r2"], set.Items[0].Reference);
        Assert.Equal(["m1", "m2"], set.Items[1].Reference);
        Assert.Null(set.Items[2].Reference);
        Assert.Equal("101", set.Items[0].QuestionId);
        Assert.Equal(3, set.Files.Count);
    }

    [Fact]
    public void MtBench_turns_must_be_strings()
    {
        using var data = new TempData();
        data.Write("mtbench/question.jsonl", "{\"question_id\":1,\"category\":\"x\",\"turns\":[\"a\",2]}\n");
        var ex = Assert.Throws<DatasetFormatException>(() => MtBenchLoader.Load(DatasetSource.FromDirectory(data.Root)));
        Assert.Equal(1, ex.Line);
        Assert.Contains("turns", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Subject_table_has_57_subjects_in_four_categories()
    {
        Assert.Equal(57, MmluSubjects.All.Count);
        var counts = MmluSubjects.All.GroupBy(MmluSubjects.CategoryOf).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(4, counts.Count);
        Assert.Equal(57, counts.Values.Sum());
        Assert.Equal(MmluSubjects.Stem, MmluSubjects.CategoryOf("abstract_algebra"));
        Assert.Equal(MmluSubjects.Humanities, MmluSubjects.CategoryOf("world_religions"));
        Assert.Equal(MmluSubjects.SocialSciences, MmluSubjects.CategoryOf("econometrics"));
        Assert.Equal(MmluSubjects.Other, MmluSubjects.CategoryOf("virology"));
        Assert.Equal(MmluSubjects.Uncategorised, MmluSubjects.CategoryOf("my_subject"));
    }
}
