using System.Globalization;
using Microsoft.Extensions.AI;

namespace ModelScout.Evaluation.Tests.Fakes;

/// <summary>
/// One request per item: "q{i}"; even items expect "A", odd ones "B". Subject "even"/"odd", group "g{i % 3}".
/// A reply that is not a single letter is an extraction failure.
/// </summary>
internal sealed class LetterSuite(int count, string name = "letters") : IEvalSuite
{
    public string Name => name;

    public string ScoringMode => "letters:exact";

    public IReadOnlyList<EvalItem> Items { get; } = [.. Enumerable.Range(0, count).Select(i =>
        new EvalItem(name, "q" + i.ToString("D3", CultureInfo.InvariantCulture), i % 2 == 0 ? "even" : "odd", "g" + (i % 3).ToString(CultureInfo.InvariantCulture)))];

    public static string Expected(EvalItem item) => item.Subject == "even" ? "A" : "B";

    public ModelRequest? NextRequest(EvalItem item, IReadOnlyList<ModelReply> replies) =>
        replies.Count == 0 ? new ModelRequest(0, [new ChatMessage(ChatRole.User, item.Id)], MaxTokens: 4) : null;

    public Task<SampleScore> ScoreAsync(EvalItem item, IReadOnlyList<ModelReply> replies, CancellationToken cancellationToken)
    {
        var text = replies[0].Text.Trim();
        var isLetter = text.Length == 1 && char.IsAsciiLetterUpper(text[0]);
        return Task.FromResult(new SampleScore(isLetter && text == Expected(item) ? 1 : 0, isLetter ? text : null, !isLetter,
            new Dictionary<string, double> { ["len"] = text.Length }));
    }
}

/// <summary>
/// Two turns per item: "t1 {id}", then the whole conversation plus "t2 {id}". Scores the fraction of turns whose reply
/// echoes the turn ("r1 {id}", "r2 {id}").
/// </summary>
internal sealed class TwoTurnSuite(int count) : IEvalSuite
{
    public string Name => "turns";

    public string ScoringMode => "turns:echo";

    public IReadOnlyList<EvalItem> Items { get; } = [.. Enumerable.Range(0, count).Select(i => new EvalItem("turns", "i" + i.ToString("D3", CultureInfo.InvariantCulture)))];

    public ModelRequest? NextRequest(EvalItem item, IReadOnlyList<ModelReply> replies) => replies.Count switch
    {
        0 => new ModelRequest(0, [new ChatMessage(ChatRole.User, "t1 " + item.Id)], MaxTokens: 8),
        1 => new ModelRequest(1, [new ChatMessage(ChatRole.User, "t1 " + item.Id), new ChatMessage(ChatRole.Assistant, replies[0].Text),
            new ChatMessage(ChatRole.User, "t2 " + item.Id)], MaxTokens: 8),
        _ => null,
    };

    public Task<SampleScore> ScoreAsync(EvalItem item, IReadOnlyList<ModelReply> replies, CancellationToken cancellationToken)
    {
        var hits = (replies[0].Text == "r1 " + item.Id ? 1 : 0) + (replies[1].Text == "r2 " + item.Id ? 1 : 0);
        return Task.FromResult(new SampleScore(hits / 2.0, replies[1].Text, false));
    }
}

/// <summary>A temp directory with an eval.db path, deleted afterwards.</summary>
internal sealed class TempDb : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("scout-eval-").FullName;

    public string Path => System.IO.Path.Combine(dir, "eval.db");

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

/// <summary><see cref="LetterSuite"/> whose scorer fails for the items <paramref name="failing"/> names: a
/// <see cref="ScoringException"/> for "q003", any other exception for the rest.</summary>
internal sealed class FailingScorerSuite(int count, params string[] failing) : IEvalSuite
{
    private readonly LetterSuite inner = new(count);

    public string Name => inner.Name;

    public string ScoringMode => inner.ScoringMode;

    public IReadOnlyList<EvalItem> Items => inner.Items;

    public ModelRequest? NextRequest(EvalItem item, IReadOnlyList<ModelReply> replies) => inner.NextRequest(item, replies);

    public Task<SampleScore> ScoreAsync(EvalItem item, IReadOnlyList<ModelReply> replies, CancellationToken cancellationToken) =>
        !failing.Contains(item.Id) ? inner.ScoreAsync(item, replies, cancellationToken)
        : item.Id == "q003" ? throw new ScoringException("the judge gave no rating")
        : throw new InvalidOperationException("scorer bug");
}
