using System.Text.Json;
using Microsoft.Extensions.AI;
using ModelScout.Evaluation.Datasets;
using ModelScout.Evaluation.Results;
using ModelScout.Evaluation.Running;
using ModelScout.Evaluation.Scoring;
using ModelScout.Evaluation.Suites;
using ModelScout.Evaluation.Tests.Fakes;

namespace ModelScout.Evaluation.Tests.Suites;

public class BfclSuiteTests
{
    private static readonly BfclDataset Data = BfclLoader.Load(DatasetSource.Samples);

    private static BfclCase ByPrompt(string prompt) => Data.Cases.Single(c => c.Messages[^1].Content == prompt);

    // Right on every sample case (parallel answers in reverse order) except the last of each category, each wrong its own way.
    private static List<(string Name, string ArgumentsJson)>? Answer(string prompt, ChatOptions? options)
    {
        var c = ByPrompt(prompt);
        var right = BfclChecker.ReferenceCalls(c).Select(x => (x.Name, x.ArgumentsJson)).Reverse().ToList();
        if (!c.Id.EndsWith("_7", StringComparison.Ordinal)) return right;
        return c.Category switch
        {
            BfclCategory.Simple => [(right[0].Name, right[0].ArgumentsJson.Replace("true", "false", StringComparison.Ordinal))],
            BfclCategory.Multiple => [(options!.Tools!.Select(t => t.Name).First(n => n != right[0].Name), right[0].ArgumentsJson)],
            BfclCategory.Parallel => right.Skip(1).ToList(),
            _ => null,
        };
    }

    [Fact]
    public async Task A_whole_run_of_the_samples_scores_exactly_and_keeps_each_reason()
    {
        using var db = new TempDb();
        using var store = EvalStore.Open(db.Path);
        var run = store.OpenRun("bfcl", new RunKey("scripted", "scripted"), new ReproducibilityRecord());
        var model = new ScriptedToolModel(Answer);
        var suite = SuiteCatalog.Build("bfcl", null).Suite;

        var result = await new EvalRunner(model, store).RunAsync(run, [suite]);

        var summary = Assert.Single(result.Suites);
        Assert.Equal("bfcl:ast", summary.ScoringMode);
        Assert.Equal(32, summary.Scored);
        Assert.Equal(28.0 / 32, summary.Mean, 6);
        Assert.Equal(1, summary.ExtractionFailures);
        Assert.Equal(["multiple", "parallel", "parallel_multiple", "simple"], summary.Subjects.Select(s => s.Key).Order(StringComparer.Ordinal));
        Assert.All(summary.Subjects, s => Assert.Equal((8, 7.0 / 8), (s.Count, s.Mean)));
        var details = store.Scores(run, "bfcl").Where(s => s.Score.Score == 0).ToDictionary(s => s.Item.Id, s => s.Score.Detail!);
        Assert.Equal(4, details.Count);
        Assert.StartsWith("wrong_value: route.plan: \"avoid_tolls\"", details["scout_simple_7"], StringComparison.Ordinal);
        Assert.StartsWith("wrong_name: called currency.rates, expected currency.convert", details["scout_multiple_7"], StringComparison.Ordinal);
        Assert.StartsWith("wrong_count: 1 call(s), the answer has 2", details["scout_parallel_7"], StringComparison.Ordinal);
        Assert.StartsWith("no_call: the reply made no function call: I cannot help", details["scout_parallel_multiple_7"], StringComparison.Ordinal);

        // Every request offered the case's functions under underscored names, as JSON Schema, with tool choice auto.
        Assert.Equal(32, model.Options.Count);
        Assert.All(model.Options, o => Assert.Equal(ChatToolMode.Auto, o!.ToolMode));
        var circle = model.Options.First(o => o!.Tools!.Count == 1 && o.Tools[0].Name == "geometry_circle_area")!;
        var schema = ((AIFunctionDeclaration)circle.Tools![0]).JsonSchema;
        Assert.Equal("object", schema.GetProperty("type").GetString());
        Assert.Equal("number", schema.GetProperty("properties").GetProperty("radius").GetProperty("type").GetString());

        // The calls are stored with the reply, so scoring again from the store gives the same verdicts.
        var stored = store.Replies(run, "bfcl");
        Assert.Equal(32, stored.Count);
        var item = suite.Items.Single(i => i.Id == "scout_parallel_0");
        var reply = stored.Single(r => r.ItemId == item.Id).Reply!;
        Assert.Equal(3, reply.ToolCalls!.Count);
        Assert.Equal("weather_current", reply.ToolCalls[0].Name);
        Assert.Equal(1.0, (await suite.ScoreAsync(item, [reply], CancellationToken.None)).Score);
        Assert.Contains("\"tools\":", stored[0].RequestJson, StringComparison.Ordinal);

        // Rerunning resumes: nothing is sent again.
        var again = await new EvalRunner(model, store).RunAsync(run, [SuiteCatalog.Build("bfcl", null).Suite]);
        Assert.Equal(0, again.Sent);
        Assert.Equal(32, model.Options.Count);
    }

    [Fact]
    public async Task A_reply_whose_scores_were_lost_is_rescored_from_the_stored_calls_without_sending()
    {
        using var db = new TempDb();
        using var store = EvalStore.Open(db.Path);
        var run = store.OpenRun("bfcl", new RunKey("scripted", "scripted"), new ReproducibilityRecord());
        var suite = new BfclSuite(Data, new BfclOptions(Categories: [BfclCategory.Parallel]));
        Assert.Equal(8, suite.Items.Count);
        Assert.All(suite.Items, i => Assert.Equal("parallel", i.Subject));
        var first = new ScriptedToolModel(Answer);
        await new EvalRunner(first, store).RunAsync(run, [suite]);

        // A second store file with only the replies (no scores), as after a crash between reply and score.
        using var db2 = new TempDb();
        using var store2 = EvalStore.Open(db2.Path);
        var run2 = store2.OpenRun("bfcl", new RunKey("scripted", "scripted"), new ReproducibilityRecord());
        foreach (var r in store.Replies(run, "bfcl")) store2.SaveReply(run2, r);
        var never = new ScriptedToolModel((_, _) => throw new InvalidOperationException("must not be asked"));
        var result = await new EvalRunner(never, store2).RunAsync(run2, [suite]);
        Assert.Equal((0, 8), (result.Sent, result.Reused));
        Assert.Equal(7.0 / 8, Assert.Single(result.Suites).Mean, 6);
    }

    [Fact]
    public void Requests_carry_the_question_turns_and_tools_and_hash_differently_from_the_same_text_without_tools()
    {
        var suite = new BfclSuite(Data);
        var item = suite.Items[0];
        var request = suite.NextRequest(item, [])!;
        Assert.Null(suite.NextRequest(item, [new ModelReply("", "stop", 0, 0, null, TimeSpan.Zero)]));
        Assert.Equal(ChatRole.User, Assert.Single(request.Messages).Role);
        Assert.Equal("convert_temperature", Assert.Single(request.Tools!).Name);
        var withTools = RequestHash.CanonicalJson(request);
        var without = RequestHash.CanonicalJson(request with { Tools = null });
        Assert.NotEqual(RequestHash.Of(withTools), RequestHash.Of(without));
        // A request without tools hashes as it did before tools existed: no "tools" field at all.
        Assert.DoesNotContain("tools", without, StringComparison.Ordinal);
        using var doc = JsonDocument.Parse(withTools);
        Assert.Equal("convert_temperature", doc.RootElement.GetProperty("tools")[0].GetProperty("name").GetString());
    }
}
