using System.Globalization;
using ModelScout.Engine;
using ModelScout.Prompting;
using ModelScout.Store;

// Loads, runs and unloads two tiny models in turn (what a server with a one-model budget does on every switch) and
// prints the process's resident memory every 100 cycles: flat means the engine returns what each load took.
var cycles = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 801;
var root = args.Length > 1 ? args[1] : Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "..", "..", "..", "tests", "Fixtures", "models");
var models = new Dictionary<string, string>
{
    ["a"] = Path.GetFullPath(Path.Combine(root, "stories260K.gguf")),
    ["b"] = Path.GetFullPath(Path.Combine(root, "llama-2-tiny-random.gguf")),
};
await using var host = new ModelHost(new FileResolver(models), new EngineSettings { Threads = 1, Parallel = 2, KeepAlive = TimeSpan.FromMinutes(5) });
Console.WriteLine("cycle,rss_mb");
for (var i = 0; i < cycles; i++)
{
    var model = i % 2 == 0 ? "a" : "b";
    var request = new GenerationRequest { Model = model, Prompt = "Once", Raw = true, Options = new ModelOptions { NumPredict = 4, Temperature = 0 } };
    await foreach (var _ in host.GenerateAsync(request)) { }
    await host.UnloadAsync(model);
    if (i % 100 == 0 || i == cycles - 1)
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{i},{ResidentMegabytes():F1}"));
    }
}

static double ResidentMegabytes()
{
    var line = File.ReadAllLines("/proc/self/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
    return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024.0;
}

internal sealed class FileResolver(Dictionary<string, string> models) : IModelResolver
{
    public ResolvedModel Resolve(string name) => new() { Name = name, GgufPath = models[name] };
}
