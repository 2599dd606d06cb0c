using System.Diagnostics;
using ModelScout.Inference.Engine;

namespace ModelScout.ServeBench;

/// <summary>(b) ModelHost in-process through IInferenceService: single-stream generation and time to first token.</summary>
internal static class HostMeasure
{
    public static async Task MeasureAsync(string model, BenchSettings s, BenchResults results)
    {
        var host = new ModelHost(new PathResolver(), new EngineSettings { Threads = s.Threads, Parallel = s.Streams });
        await using (host.ConfigureAwait(false))
        {
            IInferenceService engine = host; // measured through the interface the server uses

            var generation = results.Get("host.generation", "tok/s");
            for (var run = 0; run < s.Runs + 1; run++)
            {
                var t = await TimeAsync(engine, Request(model, s, s.GenerateTokens, chat: false), CancellationToken.None);
                if (run > 0 && t.Tokens > 1) generation.Add((t.Tokens - 1) / (t.Last - t.First).TotalSeconds);
            }
            // Time to first token for the same chat request the HTTP part sends, so the difference is the server's.
            var ttft = results.Get("host.ttft", "ms");
            for (var run = 0; run < s.TtftRuns + 1; run++)
            {
                var t = await TimeAsync(engine, Request(model, s, 8, chat: true), CancellationToken.None);
                if (run > 0) ttft.Add(t.First.TotalMilliseconds);
            }
        }
    }

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
