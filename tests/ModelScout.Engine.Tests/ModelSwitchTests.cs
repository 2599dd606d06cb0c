using System.Diagnostics;
using ModelScout.Prompting;
using ModelScout.Testing;

namespace ModelScout.Engine.Tests;

/// <summary>
/// A request for another model while the only one the budget holds is answering waits for it, as Ollama does, instead of
/// failing; past <see cref="EngineSettings.RoomWait"/> it fails with InsufficientMemory.
/// </summary>
public sealed class ModelSwitchTests
{
    private static ModelHost Host(TimeSpan roomWait) => ModelHostTests.Host(
        new EngineSettings { Threads = 1, Parallel = 2, MaxLoadedModels = 1, KeepAlive = TimeSpan.FromMinutes(5), RoomWait = roomWait },
        null, ("tiny", RepoPaths.Model("llama-2-tiny-random.gguf")));

    private static GenerationRequest Long(string model, int tokens) => new()
    {
        Model = model,
        Prompt = "Once upon a time",
        Raw = true,
        Options = new ModelOptions { Temperature = 0, NumPredict = tokens, NumCtx = 512 },
        ContextShift = false,
    };

    [Fact]
    public async Task A_request_for_another_model_waits_for_the_busy_one_and_then_runs()
    {
        await using var host = Host(TimeSpan.FromMinutes(1));
        var first = new TaskCompletionSource();
        var order = new List<string>();
        var busy = Task.Run(async () =>
        {
            await foreach (var u in host.GenerateAsync(Long("stories", 400)))
            {
                first.TrySetResult();
                // A slow reader keeps the slot busy long enough for the second request to arrive.
                if (u is GenerationToken) await Task.Delay(2);
            }
            lock (order) order.Add("stories");
        });
        await first.Task;
        var (_, _, stats) = await ModelHostTests.Run(host, Long("tiny", 8));
        lock (order) order.Add("tiny");
        await busy;
        Assert.Equal(["stories", "tiny"], order);
        Assert.Equal(8, stats.CompletionTokens);
        Assert.Equal("tiny", Assert.Single(host.Loaded).Name);
    }

    [Fact]
    public async Task Past_the_room_wait_the_other_model_is_refused_with_insufficient_memory()
    {
        await using var host = Host(TimeSpan.FromMilliseconds(200));
        using var stop = new CancellationTokenSource();
        var first = new TaskCompletionSource();
        var busy = Task.Run(async () =>
        {
            try
            {
                await foreach (var u in host.GenerateAsync(Long("stories", 2000), stop.Token))
                {
                    first.TrySetResult();
                    await Task.Delay(5, stop.Token);
                }
            }
            catch (OperationCanceledException)
            {
                // Stopped once the refusal is seen.
            }
        });
        await first.Task;
        var watch = Stopwatch.StartNew();
        var e = await Assert.ThrowsAsync<InferenceException>(() => ModelHostTests.Run(host, Long("tiny", 8)));
        Assert.Equal(InferenceErrorKind.InsufficientMemory, e.Kind);
        Assert.Contains("still answering after", e.Message, StringComparison.Ordinal);
        Assert.True(watch.Elapsed >= TimeSpan.FromMilliseconds(150), $"refused after {watch.Elapsed.TotalMilliseconds:F0} ms, before the wait");
        await stop.CancelAsync();
        await busy;
    }
}
