using System.Globalization;
using ModelScout.Engine.Bench;

if (args.Length == 0)
{
    Console.Error.WriteLine("usage: ModelScout.LocalBench MODEL [pp=512] [tg=128] [repetitions=5] [threads=engine default]");
    return 2;
}
int At(int i, int fallback) => args.Length > i ? int.Parse(args[i], CultureInfo.InvariantCulture) : fallback;
var options = new LocalBenchOptions { ModelPath = args[0], PromptTokens = At(1, 512), GenerateTokens = At(2, 128), Repetitions = At(3, 5) };
if (args.Length > 4) options = options with { Threads = At(4, 1) };
var result = await LocalBench.RunAsync(options);
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"{Path.GetFileName(result.ModelPath)}: threads {result.Threads}, n_batch {result.BatchSize}, {result.Repetitions} runs, load {result.LoadDuration.TotalMilliseconds:0.0} ms"));
foreach (var test in result.Tests) Console.WriteLine(test);
return 0;
