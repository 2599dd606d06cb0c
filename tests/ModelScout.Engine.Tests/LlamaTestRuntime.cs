using System.Text;
using LLama;
using LLama.Common;
using LLama.Native;
using Microsoft.Extensions.Logging;
using ModelScout.Testing;

namespace ModelScout.Engine.Tests;

/// <summary>
/// llama.cpp for tests: the log sink installed once per process before any native call (its lines are kept, not
/// printed), and stories260K loaded once and shared. Contexts are per test; Threads = 1 and BatchThreads = 1 because
/// llama.cpp's spinning workers collapse on a small shared machine.
/// </summary>
internal static class LlamaTestRuntime
{
    private static readonly Lock Gate = new();
    private static readonly Queue<string> Lines = new();
    private static readonly Lazy<LLamaWeights> StoriesValue = new(() => Load(RepoPaths.Model("stories260K.gguf")));
    private static bool configured;

    /// <summary>stories260K (vocabulary of 512 SentencePiece tokens, byte fallback for other characters).</summary>
    public static LLamaWeights Stories => StoriesValue.Value;

    /// <summary>
    /// Installs the log sink; call before the first native call (loading does). Goes through the engine's own
    /// <see cref="LlamaRuntime"/> because the callback can be set only once per process and engine tests may load first.
    /// </summary>
    public static void EnsureConfigured()
    {
        lock (Gate)
        {
            if (configured) return;
            LlamaRuntime.EnsureInitialized(new RecentLines());
            configured = true;
        }
    }

    // Keeps llama.cpp's lines (the engine's runtime logs them at trace, warning and information level) for failure messages.
    private sealed class RecentLines : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            lock (Gate)
            {
                Lines.Enqueue(formatter(state, exception));
                while (Lines.Count > 200) Lines.Dequeue();
            }
        }
    }

    /// <summary>The last lines llama.cpp logged, for failure messages.</summary>
    public static string RecentLog(int lines = 20)
    {
        lock (Gate) return string.Join("\n", Lines.TakeLast(lines));
    }

    /// <summary>Parameters for a small single-threaded CPU context on <paramref name="path"/>.</summary>
    public static ModelParams Parameters(string path, uint contextSize = 512) => new(path)
    {
        ContextSize = contextSize,
        GpuLayerCount = 0,
        Threads = 1,
        BatchThreads = 1,
        BatchSize = 512,
    };

    private static LLamaWeights Load(string path)
    {
        EnsureConfigured();
        return LLamaWeights.LoadFromFile(Parameters(path));
    }

    /// <summary>
    /// Decodes <paramref name="prompt"/> and samples up to <paramref name="maxTokens"/> tokens under <paramref name="gbnf"/>:
    /// greedy when <paramref name="seed"/> is null, temperature 1 with that seed otherwise. Returns the text and whether
    /// the model ended by itself (end-of-generation token) rather than by the token limit.
    /// </summary>
    public static (string Text, bool Ended) GenerateConstrained(string gbnf, string prompt, int maxTokens, uint? seed = null, uint contextSize = 512)
    {
        var weights = Stories;
        using var context = weights.CreateContext(Parameters(RepoPaths.Model("stories260K.gguf"), contextSize));
        using var chain = SafeLLamaSamplerChainHandle.Create(LLamaSamplerChainParams.Default());
        var before = chain.Count;
        chain.AddGrammar(weights.NativeHandle.Vocab, gbnf, "root");
        if (chain.Count != before + 1) throw new InvalidOperationException("llama.cpp refused the grammar:\n" + RecentLog());
        if (seed is { } s)
        {
            chain.AddTemperature(1.0f);
            chain.AddDistributionSampler(s);
        }
        else
        {
            chain.AddGreedySampler();
        }

        var tokens = weights.Tokenize(prompt, true, false, Encoding.UTF8);
        var batch = new LLamaBatch();
        for (var i = 0; i < tokens.Length; i++) batch.Add(tokens[i], i, LLamaSeqId.Zero, i == tokens.Length - 1);
        var decoder = new StreamingTokenDecoder(Encoding.UTF8, weights);
        var position = tokens.Length;
        for (var n = 0; n < maxTokens; n++)
        {
            var result = context.NativeHandle.Decode(batch);
            if (result != DecodeResult.Ok) throw new InvalidOperationException($"llama_decode returned {result}");
            var token = chain.Sample(context.NativeHandle, batch.TokenCount - 1);
            if (token.IsEndOfGeneration(weights.NativeHandle.Vocab)) return (decoder.Read(), true);
            decoder.Add(token);
            batch.Clear();
            batch.Add(token, position++, LLamaSeqId.Zero, true);
        }
        return (decoder.Read(), false);
    }
}
