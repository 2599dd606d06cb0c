using System.Globalization;
using System.Text.Json;
using ModelScout.Core.Catalog;
using ModelScout.Core.Recommend;
using ModelScout.Evaluation.Suites;

namespace ModelScout.Cli.Tests;

public sealed class EvalReportTests : IDisposable
{
    private static readonly HashSet<string> None = [];
    private readonly EvalFixture fx = new();

    public void Dispose() => fx.Dispose();

    [Fact]
    public async Task A_catalog_model_is_reported_beside_its_published_scores()
    {
        var miss = ScriptedEvalClient.Gsm8kProblems.Take(1).Select(p => "gsm8k:" + p.Id).ToHashSet();
        await fx.RunAsync("llama", new ScriptedEvalClient(miss), ["mmlu", "gsm8k"], model: "llama3.1:8b", quant: "Q4_K_M", endpoint: "http://127.0.0.1:11434/v1");

        var r = EvalFixture.Scout("report", "llama", "--db", fx.Db, "--json");

        Assert.Equal(0, r.ExitCode);
        using var doc = JsonDocument.Parse(r.Stdout);
        var root = doc.RootElement;
        Assert.Equal("modelscout/eval-report/v2", root.GetProperty("schema").GetString());
        var model = Catalog.Embedded.FindModel("llama3.1:8b")!.Model;
        Assert.Equal(model.Id, root.GetProperty("catalogModel").GetProperty("id").GetString());
        Assert.Equal(7, root.GetProperty("record").GetProperty("seed").GetInt32());
        var suites = root.GetProperty("suites").EnumerateArray().ToDictionary(s => s.GetProperty("suite").GetString()!);

        var published = Recommender.ScoreOf(model, "mmlu")!.Value.Value;
        var mmlu = suites["mmlu"];
        Assert.Equal(published, mmlu.GetProperty("published").GetProperty("value").GetDouble());
        Assert.Equal(100, mmlu.GetProperty("score").GetDouble());
        Assert.Equal(20, mmlu.GetProperty("scored").GetInt32());
        Assert.Equal(4, mmlu.GetProperty("subjects").GetArrayLength());
        Assert.True(mmlu.GetProperty("groups").GetArrayLength() >= 2);
        var line = mmlu.GetProperty("line").GetString()!;
        Assert.StartsWith("published " + published.ToString("0.0", CultureInfo.InvariantCulture) + " (", line, StringComparison.Ordinal);
        Assert.Contains("measured 100.0", line, StringComparison.Ordinal);
        Assert.EndsWith("on Q4_K_M via http://127.0.0.1:11434/v1", line, StringComparison.Ordinal);

        // 9 of 10 right: Wilson's 95 % interval is 59.585 … 98.212 points; the scripted answers never fail extraction.
        var gsm = suites["gsm8k"];
        Assert.Equal(90, gsm.GetProperty("score").GetDouble());
        Assert.Equal(59.585, gsm.GetProperty("ci95").GetProperty("lower").GetDouble(), 2);
        Assert.Equal(98.212, gsm.GetProperty("ci95").GetProperty("upper").GetDouble(), 2);
        Assert.Equal("wilson", gsm.GetProperty("ci95").GetProperty("method").GetString());
        Assert.Equal(Recommender.ScoreOf(model, "gsm8k")!.Value.Value, gsm.GetProperty("published").GetProperty("value").GetDouble());
        Assert.Equal(0, gsm.GetProperty("extractionFailures").GetInt32());
        Assert.Equal(100, gsm.GetProperty("promptTokens").GetInt64());
        Assert.Equal(90, gsm.GetProperty("metrics").GetProperty("strict").GetDouble());
        Assert.Contains("measured 90.0 (95 % CI 59.6 … 98.2, n = 10)", gsm.GetProperty("line").GetString(), StringComparison.Ordinal);

        var human = EvalFixture.Scout("report", "llama", "--db", fx.Db);
        Assert.Equal(0, human.ExitCode);
        Assert.Contains("mmlu: published " + published.ToString("0.0", CultureInfo.InvariantCulture), human.Stdout, StringComparison.Ordinal);
        Assert.Contains(model.Name, human.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Five_shot_mmlu_on_five_items_reports_five_shots_and_an_honest_interval()
    {
        var mmlu = new MmluOptions(Mode: MmluMode.Generative, Shots: 5, Selection: new SampleSelection(Limit: 5));
        await fx.RunAsync("small", new ScriptedEvalClient(None), ["mmlu"], model: "llama3.1:8b", mmlu: mmlu);

        var r = EvalFixture.Scout("report", "small", "--db", fx.Db, "--json");

        Assert.Equal(0, r.ExitCode);
        using var doc = JsonDocument.Parse(r.Stdout);
        var suite = doc.RootElement.GetProperty("suites")[0];
        Assert.Equal(5, suite.GetProperty("scored").GetInt32());
        Assert.Equal(100, suite.GetProperty("score").GetDouble());
        // Shots is a count of dev examples, not a share to be shown in percentage points.
        Assert.Equal(5, suite.GetProperty("metrics").GetProperty("shots").GetDouble());
        // 5 of 5 right: Wilson gives 56.55 … 100, where the normal interval claimed 100 ± 0.
        var ci = suite.GetProperty("ci95");
        Assert.Equal(56.552, ci.GetProperty("lower").GetDouble(), 2);
        Assert.Equal(100, ci.GetProperty("upper").GetDouble());
        Assert.Contains("measured 100.0 (95 % CI 56.6 … 100.0, n = 5)", suite.GetProperty("line").GetString(), StringComparison.Ordinal);

        var human = EvalFixture.Scout("report", "small", "--db", fx.Db);
        Assert.Equal(0, human.ExitCode);
        Assert.Contains("shots 5", human.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("shots 500", human.Stdout, StringComparison.Ordinal);
        Assert.Contains("56.6 … 100.0", human.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("± ", human.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_runs_tokens_are_priced_at_each_hosted_api_and_the_measured_one_is_marked()
    {
        var api = Catalog.Embedded.Document.Cost.Api;
        var priced = api[0];
        await fx.RunAsync("hosted", new ScriptedEvalClient(None), ["gsm8k"], model: priced.Id, endpoint: "https://api.example.com/v1");

        var r = EvalFixture.Scout("report", "hosted", "--db", fx.Db, "--json");

        Assert.Equal(0, r.ExitCode);
        using var doc = JsonDocument.Parse(r.Stdout);
        var suite = doc.RootElement.GetProperty("suites")[0];
        var prompt = suite.GetProperty("promptTokens").GetInt64();
        var completion = suite.GetProperty("completionTokens").GetInt64();
        Assert.True(prompt > 0 && completion > 0);
        var cost = doc.RootElement.GetProperty("cost").EnumerateArray().ToList();
        Assert.Equal(api.Count, cost.Count);
        Assert.Equal(priced.Id, cost[0].GetProperty("api").GetString());
        Assert.True(cost[0].GetProperty("runModel").GetBoolean());
        Assert.All(cost.Skip(1), c => Assert.False(c.GetProperty("runModel").GetBoolean()));
        var expected = (prompt * priced.InputUsdPerMTok + completion * priced.OutputUsdPerMTok) / 1e6;
        Assert.Equal(expected, cost[0].GetProperty("usd").GetDouble(), 6);

        var human = EvalFixture.Scout("report", "hosted", "--db", fx.Db);
        Assert.Contains($"{priced.Id} $", human.Stdout, StringComparison.Ordinal);
        Assert.Contains("(this run's model)", human.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_model_the_catalog_does_not_know_is_reported_without_published_scores_and_says_so()
    {
        await fx.RunAsync("mine", new ScriptedEvalClient(None), ["gsm8k"], model: "my-finetune-v3");

        var r = EvalFixture.Scout("report", "mine", "--db", fx.Db, "--json");

        Assert.Equal(0, r.ExitCode);
        using var doc = JsonDocument.Parse(r.Stdout);
        Assert.False(doc.RootElement.TryGetProperty("catalogModel", out _));
        Assert.Contains("no model called 'my-finetune-v3'", doc.RootElement.GetProperty("catalogNote").GetString(), StringComparison.Ordinal);
        var gsm = doc.RootElement.GetProperty("suites")[0];
        Assert.False(gsm.TryGetProperty("published", out _));
        Assert.StartsWith("measured 100.0", gsm.GetProperty("line").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_gguf_file_name_with_a_quant_suffix_still_finds_the_catalog_model()
    {
        await fx.RunAsync("local", new ScriptedEvalClient(None), ["gsm8k"], model: "/models/qwen2.5-7b-Q4_K_M.gguf", endpoint: "local");

        var r = EvalFixture.Scout("report", "local", "--db", fx.Db, "--json");

        using var doc = JsonDocument.Parse(r.Stdout);
        Assert.Equal(Catalog.Embedded.FindModel("qwen2.5:7b")!.Model.Id, doc.RootElement.GetProperty("catalogModel").GetProperty("id").GetString());
    }

    [Fact]
    public async Task The_html_page_is_self_contained_and_escapes_a_hostile_model_name()
    {
        const string hostile = "<script>alert(\"pwned\")</script>&<img src=x onerror=1>";
        await fx.RunAsync("evil", new ScriptedEvalClient(None), ["mmlu"], model: hostile, endpoint: "http://x/?a=<b>");
        var file = Path.Combine(fx.Dir, "out", "report.html");

        var r = EvalFixture.Scout("report", "evil", "--html", file, "--db", fx.Db);

        Assert.Equal(0, r.ExitCode);
        var html = File.ReadAllText(file);
        Assert.StartsWith("<!DOCTYPE html>", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<img", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<b>", html, StringComparison.Ordinal);
        Assert.Contains("&lt;script&gt;alert(&quot;pwned&quot;)&lt;/script&gt;&amp;&lt;img", html, StringComparison.Ordinal);
        Assert.DoesNotContain("http://x/?a=<", html, StringComparison.Ordinal);
        Assert.DoesNotContain("src=\"http", html, StringComparison.Ordinal);
        Assert.Contains("high_school_geography", html, StringComparison.Ordinal);
        Assert.Contains("Wrote ", r.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unknown_run_lists_the_runs_there_are()
    {
        await fx.RunAsync("only-run", new ScriptedEvalClient(None), ["gsm8k"]);

        var r = EvalFixture.Scout("report", "other", "--db", fx.Db);

        Assert.Equal(3, r.ExitCode);
        Assert.Contains("Runs in ", r.Stderr, StringComparison.Ordinal);
        Assert.Contains("only-run", r.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task List_shows_every_run_newest_first_with_its_scores()
    {
        var miss = ScriptedEvalClient.Gsm8kProblems.Take(5).Select(p => "gsm8k:" + p.Id).ToHashSet();
        await fx.RunAsync("first", new ScriptedEvalClient(None), ["gsm8k"]);
        await fx.RunAsync("second", new ScriptedEvalClient(miss), ["gsm8k"], model: "other-model");

        var r = EvalFixture.Scout("list", "--db", fx.Db, "--json");

        Assert.Equal(0, r.ExitCode);
        using var doc = JsonDocument.Parse(r.Stdout);
        Assert.Equal("modelscout/eval-list/v1", doc.RootElement.GetProperty("schema").GetString());
        var runs = doc.RootElement.GetProperty("runs").EnumerateArray().ToList();
        Assert.Equal(["second", "first"], runs.Select(x => x.GetProperty("run").GetProperty("name").GetString()));
        Assert.Equal("complete", runs[0].GetProperty("run").GetProperty("status").GetString());
        Assert.Equal(50, runs[0].GetProperty("suites")[0].GetProperty("score").GetDouble());
        Assert.Equal(100, runs[1].GetProperty("suites")[0].GetProperty("score").GetDouble());

        var human = EvalFixture.Scout("list", "--db", fx.Db);
        Assert.Contains("gsm8k 50.0 (n=10)", human.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void List_on_a_missing_file_is_empty_and_creates_nothing()
    {
        var path = Path.Combine(fx.Dir, "absent.db");
        var r = EvalFixture.Scout("list", "--db", path, "--json");
        Assert.Equal(0, r.ExitCode);
        using var doc = JsonDocument.Parse(r.Stdout);
        Assert.Equal(0, doc.RootElement.GetProperty("runs").GetArrayLength());
        Assert.False(File.Exists(path));
    }
}
