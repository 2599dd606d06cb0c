using System.Diagnostics;
using ModelScout.Engine;
using ModelScout.Prompting;
using ModelScout.Store;

namespace ModelScout.ServeBench;

/// <summary>(b) ModelHost in-process through IInferenceService: single-stream generation and time to first token.</summary>
internal sealed class HostMeasure(string model, BenchSettings s) : IAsyncDisposable
{
    private readonly ModelHost host = new(new PathResolver(), EngineSettings.FromEnvironment() with { Threads = s.Threads, Parallel = s.Streams });

    // Measured through the interface the server uses.
    private IInferenceService Engine => host;

    /// <summary>One single-stream run through the interface the server uses, tokens/s between the first and last token.</summary>
    public async Task<double> GenerationAsync()
    {
        var t = await TimeAsync(Engine, Request(model, s, s.GenerateTokens, chat: false), CancellationToken.None);
        return (t.Tokens - 1) / (t.Last - t.First).TotalSeconds;
    }

    /// <summary>Time to first token for the same chat request the HTTP part sends, so the difference is the server's.</summary>
    public async Task<double> TtftAsync() => (await TimeAsync(Engine, Request(model, s, 8, chat: true), CancellationToken.None)).First.TotalMilliseconds;

    /// <summary><paramref name="streams"/> concurrent generations in-process; all their tokens over the wall-clock time.</summary>
    public async Task<double> AggregateAsync(int streams)
    {
        var sw = Stopwatch.StartNew();
        var all = await Task.WhenAll(Enumerable.Range(0, streams).Select(_ => TimeAsync(Engine, Request(model, s, s.GenerateTokens, chat: true), CancellationToken.None)));
        return all.Sum(r => r.Tokens) / sw.Elapsed.TotalSeconds;
    }

    public ValueTask DisposeAsync() => host.DisposeAsync();

    public static GenerationRequest Request(string model, BenchSettings s, int tokens, bool chat) => new()
    {
        Model = model,
        Prompt = chat ? null : "Once upon a time",
        Messages = chat ? [new ChatTurn("user", "Once upon a time")] : null,
        Options = new ModelOptions { Temperature = 0, Seed = 42, NumPredict = tokens, NumCtx = s.Context, NumThread = s.Threads },
    };

    private static async Task<(int Tokens, TimeSpan First, TimeSpan Last)> TimeAsync(IInferenceService host, GenerationRequest request, CancellationToken ct)
    {
        var sw = Stopwatch.StartNew();
        TimeSpan first = default, last = default;
        var tokens = 0;
        await foreach (var u in host.GenerateAsync(request, ct))
        {
            if (u is not GenerationToken) continue;
            last = sw.Elapsed;
            if (tokens++ == 0) first = last;
        }
        return (tokens, first, last);
    }

    /// <summary>Paths are the names: the bench runs a file, not a store entry.</summary>
    private sealed class PathResolver : IModelResolver
    {
        public ResolvedModel Resolve(string name) => File.Exists(name)
            ? new ResolvedModel { Name = name, GgufPath = Path.GetFullPath(name) }
            : throw new InferenceException(InferenceErrorKind.ModelNotFound, $"no file {name}");
    }
}
