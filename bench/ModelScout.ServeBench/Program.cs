using System.Globalization;
using System.Text.Json;
using ModelScout.ServeBench;

// Serving benchmark on one model and thread count, in one run (see bench/serve.sh):
//   (a) raw LLamaSharp decode loop   (b) ModelHost in-process   (c) scout serve over HTTP (SSE)   (d) idle server RSS
// and, from --peer FILE, (e) node-llama-cpp measured by bench/serve-peer/measure.mjs just before. Prints the figures
// and their ratios; writes every sample to --out FILE.
//
//   ModelScout.ServeBench --model stories260K.gguf [--scout PATH] [--peer FILE] [--out FILE] [--runs 5] [--threads 1] [--tokens 256]

var model = Path.GetFullPath(Arg("--model") ?? throw new ArgumentException("--model FILE is required"));
var scout = Arg("--scout");
var peerFile = Arg("--peer");
var outFile = Arg("--out") ?? "serve.json";
var settings = new BenchSettings
{
    Runs = Arg("--runs") is { } r ? int.Parse(r, CultureInfo.InvariantCulture) : 5,
    Threads = Arg("--threads") is { } t ? int.Parse(t, CultureInfo.InvariantCulture) : 1,
    GenerateTokens = Arg("--tokens") is { } n ? int.Parse(n, CultureInfo.InvariantCulture) : 256,
    Streams = Arg("--streams") is { } st ? int.Parse(st, CultureInfo.InvariantCulture) : 4,
};
var results = new BenchResults();
// llama.cpp narrates every load on stderr; keep its errors only. Set before the first load, for both (a) and (b).
LLama.Native.NativeLibraryConfig.All.WithLogCallback((level, message) =>
{
    if (level == LLama.Native.LLamaLogLevel.Error) Console.Error.Write(message);
});

Console.Error.WriteLine("(a) raw LLamaSharp decode loop ...");
RawDecodeLoop.Measure(model, settings, results);

Console.Error.WriteLine("(b) ModelHost in-process ...");
try
{
    await HostMeasure.MeasureAsync(model, settings, results);
}
catch (NotImplementedException)
{
    results.Skipped["host"] = "ModelHost is not implemented yet on this branch";
}

if (scout is null)
{
    results.Skipped["http"] = "no --scout binary given";
}
else
{
    Console.Error.WriteLine("(c, d) scout serve over HTTP ...");
    await HttpMeasure.MeasureAsync(scout, model, Path.GetDirectoryName(Path.GetFullPath(outFile))!, settings, results);
}

PeerFigures? peer = null;
if (peerFile is not null && File.Exists(peerFile))
{
    using var doc = JsonDocument.Parse(File.ReadAllText(peerFile));
    peer = PeerFigures.From(doc.RootElement);
}
else
{
    results.Skipped["peer"] = $"no peer figures ({peerFile ?? "no --peer"})";
}

Report.Print(Console.Out, model, settings, results, peer);
await File.WriteAllTextAsync(outFile, Report.Json(settings, results, peer));
return 0;

string? Arg(string name)
{
    var i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
}
