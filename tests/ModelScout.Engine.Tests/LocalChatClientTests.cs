using System.Text;
using Microsoft.Extensions.AI;
using ModelScout.Engine.ChatClient;
using ModelScout.Prompting;

namespace ModelScout.Engine.Tests;

public sealed class LocalChatClientTests
{
    private static readonly ChatOptions Greedy = new() { Temperature = 0, MaxOutputTokens = 12, AdditionalProperties = new() { ["num_ctx"] = 256 } };

    [Fact]
    public async Task A_chat_without_a_template_reads_like_the_raw_prompt_and_streams_the_same_text()
    {
        await using var host = ModelHostTests.Host();
        using var client = new LocalChatClient(host, "stories");
        var whole = await client.GetResponseAsync([new ChatMessage(ChatRole.User, "Once upon a time")], Greedy);
        Assert.StartsWith(", there was a little girl named Lily", whole.Text, StringComparison.Ordinal);
        Assert.Equal(ChatFinishReason.Length, whole.FinishReason);
        Assert.Equal(5, whole.Usage!.InputTokenCount);
        Assert.Equal(12, whole.Usage.OutputTokenCount);

        var streamed = new StringBuilder();
        UsageDetails? usage = null;
        await foreach (var u in client.GetStreamingResponseAsync([new ChatMessage(ChatRole.User, "Once upon a time")], Greedy))
        {
            streamed.Append(u.Text);
            usage ??= u.Contents.OfType<UsageContent>().FirstOrDefault()?.Details;
        }
        Assert.Equal(whole.Text, streamed.ToString());
        Assert.Equal(12, usage!.OutputTokenCount);
    }

    [Fact]
    public async Task Top_logprobs_come_back_with_the_response()
    {
        await using var host = ModelHostTests.Host();
        using var client = new LocalChatClient(host, "stories");
        var options = Greedy.Clone();
        options.AdditionalProperties!["top_logprobs"] = 3;
        var response = await client.GetResponseAsync([new ChatMessage(ChatRole.User, "Once upon a time")], options);
        var logprobs = Assert.IsType<List<IReadOnlyList<TokenLogprob>>>(response.AdditionalProperties![LocalChatClient.LogprobsKey]);
        Assert.Equal(12, logprobs.Count);
        Assert.All(logprobs, l => Assert.Equal(4, l.Count));
        Assert.Equal(",", logprobs[0][0].Text);
    }

    [Fact]
    public void Options_map_onto_the_engine_request()
    {
        var client = new LocalChatClient(new NoEngine(), "m");
        var r = client.ToRequest([new ChatMessage(ChatRole.System, "Be brief."), new ChatMessage(ChatRole.User, "Hi")], new ChatOptions
        {
            ModelId = "other",
            Temperature = 0.2f,
            TopP = 0.5f,
            TopK = 7,
            MaxOutputTokens = 9,
            Seed = 42,
            StopSequences = ["\n"],
            ResponseFormat = ChatResponseFormat.Json,
            AdditionalProperties = new() { ["num_ctx"] = 4096, ["keep_alive"] = "10m" },
        });
        Assert.Equal("other", r.Model);
        Assert.Equal([new ChatTurn("system", "Be brief."), new ChatTurn("user", "Hi")], r.Messages);
        Assert.Equal(new ModelOptions { Temperature = 0.2f, TopP = 0.5f, TopK = 7, NumPredict = 9, Seed = 42, Stop = r.Options.Stop, NumCtx = 4096 }, r.Options);
        Assert.Equal(["\n"], r.Options.Stop!);
        Assert.IsType<OutputConstraint.AnyJson>(r.Format);
        Assert.Equal(TimeSpan.FromMinutes(10), r.KeepAlive);
    }

    internal sealed class NoEngine : IInferenceService
    {
        public IReadOnlyList<LoadedModelInfo> Loaded => [];
        public IAsyncEnumerable<GenerationUpdate> GenerateAsync(GenerationRequest request, CancellationToken cancellationToken = default) => throw new NotSupportedException();
        public Task<EmbeddingResult> EmbedAsync(EmbeddingRequest request, CancellationToken cancellationToken = default) => throw new NotSupportedException();
        public Task<IReadOnlyList<int>> TokenizeAsync(string model, string text, bool addSpecial, bool parseSpecial, CancellationToken cancellationToken = default) => throw new NotSupportedException();
        public Task<string> DetokenizeAsync(string model, IReadOnlyList<int> tokens, CancellationToken cancellationToken = default) => throw new NotSupportedException();
        public Task<LoadedModelInfo> LoadAsync(string model, ModelOptions? options = null, TimeSpan? keepAlive = null, CancellationToken cancellationToken = default) => throw new NotSupportedException();
        public Task<bool> UnloadAsync(string model) => throw new NotSupportedException();
        public InferenceSnapshot Snapshot() => new();
    }
}
