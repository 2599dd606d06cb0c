using System.Runtime.CompilerServices;
using ModelScout.Engine;
using ModelScout.Prompting;

namespace ModelScout.Cli.Tests;

/// <summary>
/// A hand-written engine: answers every request with <see cref="Reply"/>'s text, one word per token, and records what
/// it was asked. With <see cref="HoldAfterFirstToken"/> it sends one token and then waits until cancelled, as a long
/// answer would.
/// </summary>
internal sealed class ScriptedEngine : IInferenceService
{
    private readonly List<GenerationRequest> requests = [];

    public Func<GenerationRequest, string> Reply { get; init; } = r => "ok";

    public bool HoldAfterFirstToken { get; init; }

    /// <summary>Completes once a held answer has sent its first token.</summary>
    public TaskCompletionSource FirstTokenSent { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public IReadOnlyList<GenerationRequest> Requests
    {
        get
        {
            lock (requests) return [.. requests];
        }
    }

    public int Loads { get; private set; }

    public async IAsyncEnumerable<GenerationUpdate> GenerateAsync(GenerationRequest request, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        lock (requests) requests.Add(request);
        await Task.Yield();
        var words = Reply(request).Split(' ');
        var sent = 0;
        var cancelled = false;
        for (var i = 0; i < words.Length; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return new GenerationToken(i == 0 ? words[i] : " " + words[i], 100 + i, null, null);
            sent++;
            if (HoldAfterFirstToken)
            {
                FirstTokenSent.TrySetResult();
                try
                {
                    await Task.Delay(Timeout.Infinite, cancellationToken);
                }
                catch (OperationCanceledException)
                {
                    cancelled = true;
                    break;
                }
            }
        }
        yield return new GenerationCompleted(new GenerationStats
        {
            Model = request.Model,
            DoneReason = cancelled ? DoneReason.Cancelled : DoneReason.Stop,
            PromptTokens = 10,
            CompletionTokens = sent,
            TotalDuration = TimeSpan.FromMilliseconds(1500),
            LoadDuration = TimeSpan.FromMilliseconds(12.5),
            PromptEvalDuration = TimeSpan.FromMilliseconds(5),
            EvalDuration = TimeSpan.FromMilliseconds(sent * 250),
        });
    }

    public Task<LoadedModelInfo> LoadAsync(string model, ModelOptions? options = null, TimeSpan? keepAlive = null, CancellationToken cancellationToken = default)
    {
        Loads++;
        return Task.FromResult(new LoadedModelInfo { Name = model, GgufPath = model, LoadDuration = TimeSpan.FromMilliseconds(3) });
    }

    public Task<EmbeddingResult> EmbedAsync(EmbeddingRequest request, CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public Task<IReadOnlyList<int>> TokenizeAsync(string model, string text, bool addSpecial, bool parseSpecial, CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public Task<string> DetokenizeAsync(string model, IReadOnlyList<int> tokens, CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public Task<bool> UnloadAsync(string model) => Task.FromResult(false);

    public IReadOnlyList<LoadedModelInfo> Loaded => [];

    public InferenceSnapshot Snapshot() => new();
}
