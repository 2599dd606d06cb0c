using Microsoft.Extensions.AI;

namespace ModelScout.Evaluation.Suites;

/// <summary>Bits every suite shares: item lookup and one-message requests.</summary>
internal static class SuiteSupport
{
    public static Dictionary<string, T> Index<T>(IEnumerable<T> items, Func<T, string> id) => items.ToDictionary(id, StringComparer.Ordinal);

    public static T Find<T>(Dictionary<string, T> index, EvalItem item, string suite)
    {
        if (item.Suite != suite || !index.TryGetValue(item.Id, out var found))
            throw new ArgumentException($"{item.Suite}/{item.Id} is not an item of this {suite} suite", nameof(item));
        return found;
    }

    public static IReadOnlyList<ChatMessage> User(string text) => [new ChatMessage(ChatRole.User, text)];

    public static void RequireReplies(IReadOnlyList<ModelReply> replies, int count, EvalItem item)
    {
        if (replies.Count < count)
            throw new ArgumentException($"{item.Suite}/{item.Id} needs {count} replies before scoring, has {replies.Count}", nameof(replies));
    }

    public static string Number(double value) => value.ToString("0.###", System.Globalization.CultureInfo.InvariantCulture);
}
