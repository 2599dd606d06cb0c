using System.Text.Json;
using Microsoft.Extensions.AI;
using ModelScout.Evaluation.Datasets;
using ModelScout.Evaluation.Scoring;

namespace ModelScout.Cli.Tests;

/// <summary>A model that calls its tools: the right calls for every BFCL sample case except the ids in <paramref name="wrong"/>, which get a call with no arguments.</summary>
internal sealed class ScriptedBfclClient(IReadOnlySet<string> wrong) : IChatClient
{
    public static IReadOnlyList<BfclCase> Cases { get; } = BfclLoader.Load(DatasetSource.Samples).Cases;

    public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        var prompt = messages.Last(m => m.Role == ChatRole.User).Text;
        var c = Cases.Single(x => x.Messages[^1].Content == prompt);
        var message = new ChatMessage(ChatRole.Assistant, "");
        var n = 0;
        foreach (var call in BfclChecker.ReferenceCalls(c))
        {
            using var doc = JsonDocument.Parse(wrong.Contains(c.Id) ? "{}" : call.ArgumentsJson);
            message.Contents.Add(new FunctionCallContent("c" + n++, call.Name, doc.RootElement.EnumerateObject().ToDictionary(p => p.Name, p => (object?)p.Value.Clone())));
        }
        return Task.FromResult(new ChatResponse(message) { FinishReason = ChatFinishReason.ToolCalls });
    }

    public IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException();

    public object? GetService(Type serviceType, object? serviceKey = null) => null;

    public void Dispose()
    {
    }
}

/// <summary>scout eval report and compare on bfcl runs, the same as on the other suites.</summary>
public sealed class EvalBfclReportTests : IDisposable
{
    private readonly EvalFixture fx = new();

    public void Dispose() => fx.Dispose();

    [Fact]
    public async Task Report_gives_accuracy_with_its_interval_and_per_category_rows_and_compare_pairs_the_cases()
    {
        // The incumbent is right on all 32; the candidate misses every parallel case (8).
        var parallel = ScriptedBfclClient.Cases.Where(c => c.Category == BfclCategory.Parallel).Select(c => c.Id).ToHashSet();
        await fx.RunAsync("incumbent", new ScriptedBfclClient(new HashSet<string>()), ["bfcl"]);
        await fx.RunAsync("candidate", new ScriptedBfclClient(parallel), ["bfcl"]);

        var report = EvalFixture.Scout("report", "candidate", "--db", fx.Db, "--json");
        Assert.True(report.ExitCode == 0, report.Stderr);
        using (var doc = JsonDocument.Parse(report.Stdout))
        {
            var bfcl = doc.RootElement.GetProperty("suites").EnumerateArray().Single(s => s.GetProperty("suite").GetString() == "bfcl");
            Assert.Equal(75, bfcl.GetProperty("score").GetDouble(), 6);
            Assert.Equal(32, bfcl.GetProperty("scored").GetInt32());
            Assert.Equal("wilson", bfcl.GetProperty("ci95").GetProperty("method").GetString());
            Assert.InRange(bfcl.GetProperty("ci95").GetProperty("lower").GetDouble(), 50, 75);
            var subjects = bfcl.GetProperty("subjects").EnumerateArray().ToDictionary(s => s.GetProperty("key").GetString()!, s => s.GetProperty("score").GetDouble());
            Assert.Equal(4, subjects.Count);
            Assert.Equal(0, subjects["parallel"]);
            Assert.Equal(100, subjects["simple"]);
        }

        var compare = EvalFixture.Scout("compare", "incumbent", "candidate", "--db", fx.Db, "--json");
        Assert.Equal(4, compare.ExitCode);
        using var cmp = JsonDocument.Parse(compare.Stdout);
        var suite = cmp.RootElement.GetProperty("suites").EnumerateArray().Single(s => s.GetProperty("suite").GetString() == "bfcl");
        Assert.Equal(32, suite.GetProperty("paired").GetInt32());
        Assert.Equal(-25, suite.GetProperty("difference").GetDouble(), 6);
        Assert.Equal((8, 0), (suite.GetProperty("mcNemar").GetProperty("onlyA").GetInt32(), suite.GetProperty("mcNemar").GetProperty("onlyB").GetInt32()));
        Assert.Equal("inferior", suite.GetProperty("verdict").GetString());
    }
}
