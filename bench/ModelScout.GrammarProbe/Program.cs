using System.Diagnostics;
using System.Text;
using LLama;
using LLama.Common;
using LLama.Native;

// Asks llama.cpp itself which GBNF grammars it accepts. llama.cpp aborts the process on some bad grammars, so every
// grammar goes to a child process of this program and the parent reads the outcome from the exit status and output.
//
//   dotnet run -c Release --project bench/ModelScout.GrammarProbe -- CASES [MODEL]
//     CASES  a text file of grammars, each introduced by a line "### name" (the name line is not part of the grammar)
//     MODEL  a GGUF whose vocabulary the grammar is built against (default: tests/Fixtures/models/stories260K.gguf)
//
// Prints one line per case: name, outcome (accepted / crashed rc=N / timed out after 20 s), seconds, and llama.cpp's reason.

if (args is ["--one", var modelPath])
{
    // The engine builds and runs samplers on ordinary .NET threads, whose stacks are far smaller than a main thread's;
    // llama.cpp's grammar code recurses, so the probe runs it on a 1 MiB stack to see what the engine would see.
    var grammarText = Console.In.ReadToEnd();
    var rc = 0;
    var worker = new Thread(() => rc = TryOne(modelPath, grammarText), 1024 * 1024);
    worker.Start();
    worker.Join();
    return rc;
}

if (args.Length is < 1 or > 2)
{
    Console.Error.WriteLine("usage: ModelScout.GrammarProbe CASES [MODEL]");
    return 2;
}

var model = Path.GetFullPath(args.Length == 2 ? args[1] : Path.Combine(FindRoot(), "tests", "Fixtures", "models", "stories260K.gguf"));
foreach (var (name, grammar) in ReadCases(args[0]))
{
    var clock = Stopwatch.StartNew();
    var (rc, output) = RunChild(model, grammar);
    var seconds = clock.Elapsed.TotalSeconds;
    var outcome = rc switch
    {
        0 when output.Contains("ACCEPTED", StringComparison.Ordinal) => "accepted",
        0 => "no answer",
        -1 => "timed out",
        _ => $"crashed rc={rc}",
    };
    var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
    var why = lines.FirstOrDefault(l => l.Contains("error parsing grammar", StringComparison.Ordinal))
        ?? lines.FirstOrDefault(l => l.Contains("grammar", StringComparison.OrdinalIgnoreCase) || l.Contains("error", StringComparison.OrdinalIgnoreCase) || l.Contains("assert", StringComparison.OrdinalIgnoreCase))
        ?? "";
    Console.WriteLine(FormattableString.Invariant($"{name,-40} {outcome,-16} {seconds,6:F1}s  {why}"));
}
return 0;

static int TryOne(string modelPath, string grammar)
{
    var log = new StringBuilder();
    NativeLibraryConfig.All.WithLogCallback((_, message) => log.Append(message));
    var parameters = new ModelParams(modelPath) { ContextSize = 64, GpuLayerCount = 0, Threads = 1, BatchThreads = 1 };
    using var weights = LLamaWeights.LoadFromFile(parameters);
    log.Clear();
    using var chain = SafeLLamaSamplerChainHandle.Create(LLamaSamplerChainParams.Default());
    chain.AddGrammar(weights.NativeHandle.Vocab, grammar, "root");
    Console.Out.WriteLine(log.ToString());
    Console.Out.Flush();

    // A grammar llama.cpp failed to build still joins the chain; the damage shows when a token is sampled.
    chain.AddGreedySampler();
    using var context = weights.CreateContext(parameters);
    var batch = new LLamaBatch();
    batch.Add(weights.Tokenize("Once", true, false, Encoding.UTF8)[0], 0, LLamaSeqId.Zero, true);
    if (context.NativeHandle.Decode(batch) != DecodeResult.Ok) throw new InvalidOperationException("decode failed");
    var token = chain.Sample(context.NativeHandle, 0);
    Console.Out.WriteLine(log.ToString());
    Console.Out.WriteLine($"ACCEPTED first token {(int)token}");
    return 0;
}

static (int ExitCode, string Output) RunChild(string model, string grammar)
{
    var self = Environment.ProcessPath!;
    var start = new ProcessStartInfo(self)
    {
        RedirectStandardInput = true,
        RedirectStandardOutput = true,
        RedirectStandardError = true,
    };
    if (Path.GetFileNameWithoutExtension(self) == "dotnet") start.ArgumentList.Add(typeof(Program).Assembly.Location);
    start.ArgumentList.Add("--one");
    start.ArgumentList.Add(model);
    using var child = Process.Start(start)!;
    var stdout = child.StandardOutput.ReadToEndAsync();
    var stderr = child.StandardError.ReadToEndAsync();
    child.StandardInput.Write(grammar);
    child.StandardInput.Close();
    if (!child.WaitForExit(TimeSpan.FromSeconds(20)))
    {
        child.Kill(entireProcessTree: true);
        return (-1, "timeout");
    }
    return (child.ExitCode, stdout.Result + "\n" + stderr.Result);
}

static IEnumerable<(string Name, string Grammar)> ReadCases(string path)
{
    string? name = null;
    var body = new StringBuilder();
    foreach (var line in File.ReadAllText(path).Split('\n'))
    {
        if (line.StartsWith("### ", StringComparison.Ordinal))
        {
            if (name is not null) yield return (name, Trim(body.ToString()));
            name = line[4..].Trim();
            body.Clear();
        }
        else if (name is not null)
        {
            body.Append(line).Append('\n');
        }
    }
    if (name is not null) yield return (name, Trim(body.ToString()));

    // The case text ends where the next "###" begins; the newline before it belongs to the file layout, not the grammar.
    static string Trim(string s) => s.EndsWith('\n') ? s[..^1] : s;
}

static string FindRoot()
{
    for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
    {
        if (File.Exists(Path.Combine(dir.FullName, "ModelScout.slnx"))) return dir.FullName;
    }
    throw new InvalidOperationException("ModelScout.slnx not found above " + AppContext.BaseDirectory);
}
