using System.Globalization;
using ModelScout.Core.Memory;
using ModelScout.Engine;
using ModelScout.Engine.Bench;
using ModelScout.Engine.Quantization;
using ModelScout.Gguf;

// The scoring loop of `scout perplexity` against llama-bench's pp (LocalBench) on the same file and threads, alternating
// in one process: A/B, A/B, ... The model has TinyLlama-1.1B's shape (llama, 22 layers, 2048 wide, 32 heads / 4 KV
// heads, feed-forward 5632, 32,000-token vocabulary) with random Q8_0 weights: its output matrix is 6 % of the weights,
// as in real models of that size (perplexity needs logits for half the tokens, pp for the last one only).
if (args.Length == 0)
{
    Console.Error.WriteLine("usage: ModelScout.PerplexityBench OUT_DIR [threads=engine default] [rounds=3] [chunks=2]");
    return 2;
}
int At(int i, int fallback) => args.Length > i ? int.Parse(args[i], CultureInfo.InvariantCulture) : fallback;
var dir = Directory.CreateDirectory(args[0]).FullName;
var threads = At(1, 0) is > 0 and var t ? t : EngineSettings.DefaultThreads(Environment.ProcessorCount);
var rounds = At(2, 3);
var chunks = At(3, 2);
const int ctx = 512;

var model = Path.Combine(dir, "tinyllama-1.1b-shape-random-Q8_0.gguf");
if (!File.Exists(model))
{
    var arch = new Architecture
    {
        GgufArchitecture = "llama", Layers = 22, EmbeddingLength = 2048, HeadCount = 32, KvHeadCount = 4, KeyLength = 64,
        FeedForwardLength = 5632, VocabSize = 32000,
    };
    Console.Error.WriteLine($"writing {model} (random weights)");
    ZeroWeightModel.WriteFile(arch, QuantRecipe.Find("Q8_0")!, model + ".tmp", trainContext: 2048);
    Randomize(model + ".tmp", new Random(20261207));
    File.Move(model + ".tmp", model);
}
Console.WriteLine($"model {Path.GetFileName(model)}, {new FileInfo(model).Length / 1e6:0} MB, threads {threads}, ctx {ctx}, {chunks} chunks per perplexity run");

// One untimed perplexity run pages the weights in (LocalBench makes its own warm-up run).
await PerplexityRunner.RunAsync(new PerplexityOptions { ModelPath = model, Text = PerplexitySample.Text, Context = ctx, MaxChunks = chunks, Threads = threads });
var ratios = new List<double>();
for (var r = 0; r < rounds; r++)
{
    var pp = await LocalBench.RunAsync(new LocalBenchOptions { ModelPath = model, PromptTokens = ctx, GenerateTokens = 0, Repetitions = 1, Threads = threads });
    var ppTps = pp.Tests.Single().TokensPerSecond.Single();
    var ppl = await PerplexityRunner.RunAsync(new PerplexityOptions { ModelPath = model, Text = PerplexitySample.Text, Context = ctx, MaxChunks = chunks, Threads = threads });
    var ratio = ppl.ScoringTokensPerSecond / ppTps;
    ratios.Add(ratio);
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"round {r + 1}: pp{ctx} {ppTps:0.00} t/s, perplexity scoring {ppl.ScoringTokensPerSecond:0.00} t/s ({ppl.Chunks}x{ctx} tokens), ratio {ratio:0.000}"));
}
ratios.Sort();
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"median ratio {ratios[ratios.Count / 2]:0.000} (min {ratios[0]:0.000}, max {ratios[^1]:0.000}) over {rounds} rounds"));
return 0;

// Weights that make a real forward pass: norms near 1, matrices small random Q8_0 blocks (scale 0.002, int8 values).
static void Randomize(string path, Random random)
{
    var file = GgufReader.ReadFile(path);
    using var stream = new FileStream(path, FileMode.Open, FileAccess.ReadWrite);
    foreach (var t in file.Tensors)
    {
        var bytes = new byte[t.Bytes];
        switch (t.Type)
        {
            case GgmlType.F32:
                for (var i = 0; i + 4 <= bytes.Length; i += 4) BitConverter.TryWriteBytes(bytes.AsSpan(i), (float)(0.8 + random.NextDouble() * 0.4));
                break;
            case GgmlType.F16:
                for (var i = 0; i + 2 <= bytes.Length; i += 2) BitConverter.TryWriteBytes(bytes.AsSpan(i), (Half)((random.NextDouble() - 0.5) * 0.04));
                break;
            case GgmlType.Q8_0:
                random.NextBytes(bytes);
                for (var i = 0; i + 34 <= bytes.Length; i += 34) BitConverter.TryWriteBytes(bytes.AsSpan(i), (Half)0.002);
                break;
            default:
                throw new InvalidOperationException($"{t.Name}: {t.Type} is not filled by this bench");
        }
        stream.Position = file.DataOffset + t.Offset;
        stream.Write(bytes);
    }
}
