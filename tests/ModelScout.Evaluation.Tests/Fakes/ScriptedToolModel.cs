using System.Text.Json;
using Microsoft.Extensions.AI;

namespace ModelScout.Evaluation.Tests.Fakes;

/// <summary>
/// A chat client that answers with function calls: <see cref="Answer"/> gets the last user message and the options
/// (tools included) and returns the calls as (name, arguments JSON), or null to answer with text only. Every call's
/// options are kept, so a test can see exactly which tools were offered.
/// </summary>
internal sealed class ScriptedToolModel(Func<string, ChatOptions?, IReadOnlyList<(string Name, string Arguments)>?> answer) : IChatClient
{
    public Func<string, ChatOptions?, IReadOnlyList<(string Name, string Arguments)>?> Answer { get; } = answer;

    public List<ChatOptions?> Options { get; } = [];

    public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        var prompt = messages.Last(m => m.Role == ChatRole.User).Text;
        lock (Options) Options.Add(options);
        var calls = Answer(prompt, options);
        var message = new ChatMessage(ChatRole.Assistant, calls is null ? "I cannot help with that." : "");
        var n = 0;
        foreach (var (name, arguments) in calls ?? [])
        {
            // Parsed, as a client that reads tool calls hands them over: a dictionary of JSON values, no raw text kept.
            using var doc = JsonDocument.Parse(arguments);
            var args = doc.RootElement.EnumerateObject().ToDictionary(p => p.Name, p => (object?)p.Value.Clone());
            message.Contents.Add(new FunctionCallContent("call_" + n++, name, args));
        }
        return Task.FromResult(new ChatResponse(message)
        {
            FinishReason = calls is null ? ChatFinishReason.Stop : ChatFinishReason.ToolCalls,
            Usage = new UsageDetails { InputTokenCount = 20, OutputTokenCount = 8 },
        });
    }

    public IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException("the suites ask for whole replies");

    public object? GetService(Type serviceType, object? serviceKey = null) => null;

    public void Dispose()
    {
    }
}
