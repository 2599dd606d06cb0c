using Microsoft.Extensions.AI;

namespace ModelScout.Evaluation.Tests.Suites;

/// <summary>Plays a model: answers each request with a scripted reply and records what was asked.</summary>
internal sealed class ScriptedModel(Func<EvalItem, ModelRequest, ModelReply> answer)
{
    public List<(EvalItem Item, ModelRequest Request)> Requests { get; } = [];

    public static ModelReply Text(string text) => new(text, "stop", 10, 5, null, TimeSpan.FromMilliseconds(1));

    public static ModelReply Logprobs(params (string Token, double Logprob)[] top) =>
        new(top[0].Token, "stop", 10, 1, [[.. top.Select(t => new TokenChoice(t.Token, t.Logprob))]], TimeSpan.FromMilliseconds(1));

    /// <summary>Drives a suite the way the run loop does: requests until the suite says done, then scores.</summary>
    public async Task<List<SampleScore>> RunAsync(IEvalSuite suite)
    {
        var scores = new List<SampleScore>();
        foreach (var item in suite.Items)
        {
            var replies = new List<ModelReply>();
            while (suite.NextRequest(item, replies) is { } request)
            {
                Assert.Equal(replies.Count, request.Step);
                Requests.Add((item, request));
                replies.Add(answer(item, request));
            }
            scores.Add(await suite.ScoreAsync(item, replies, CancellationToken.None));
        }
        return scores;
    }
}

internal sealed class FakeRunner(Func<string, CodeRunOutcome> decide) : ICodeRunner
{
    public List<string> Programs { get; } = [];

    public bool NetworkIsolated => true;

    public Task<CodeRunResult> RunAsync(string program, CancellationToken cancellationToken)
    {
        lock (Programs) Programs.Add(program);
        var outcome = decide(program);
        return Task.FromResult(new CodeRunResult(outcome, outcome == CodeRunOutcome.Passed ? "" : "AssertionError", TimeSpan.FromMilliseconds(5)));
    }
}

internal sealed class FakeLogLikelihood(Func<string, IReadOnlyList<string>, IReadOnlyList<double>> score) : ILogLikelihoodModel
{
    public int Calls { get; private set; }

    public Task<IReadOnlyList<double>> ScoreContinuationsAsync(string context, IReadOnlyList<string> continuations, CancellationToken cancellationToken)
    {
        Calls++;
        return Task.FromResult(score(context, continuations));
    }
}

/// <summary>A judge that answers each grading prompt with a scripted text.</summary>
internal sealed class FakeJudge(Func<string, int, string> reply) : IChatClient
{
    public List<(IReadOnlyList<ChatMessage> Messages, ChatOptions? Options)> Calls { get; } = [];

    public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        var list = messages.ToList();
        Calls.Add((list, options));
        var prompt = list[^1].Text;
        var attempt = Calls.Count(c => c.Messages[^1].Text == prompt);
        return Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, reply(prompt, attempt))));
    }

    public IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException("the suites ask the judge for whole replies");

    public object? GetService(Type serviceType, object? serviceKey = null) => null;

    public void Dispose()
    {
    }
}
