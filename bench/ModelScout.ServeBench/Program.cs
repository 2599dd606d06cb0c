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

// The three ways of running the model are measured round by round (a, b, c, a, b, c, ...), so a drift in the shared
// machine's speed moves all three alike; each ratio is also taken within a round and reported as the median of those.
Console.Error.WriteLine("(a) raw LLamaSharp decode loop, (b) ModelHost, (c) scout serve: loading ...");
using var raw = new RawDecodeLoop(model, settings);
results.Facts["raw.greedyIds"] = string.Join(",", raw.GreedyIds());
await using var host = new HostMeasure(model, settings);
HttpMeasure? served = null;
if (scout is null) results.Skipped["http"] = "no --scout binary given";
else served = await HttpMeasure.StartAsync(scout, model, Path.GetDirectoryName(Path.GetFullPath(outFile))!, settings, results);
try
{
    for (var round = 0; round <= settings.Runs; round++)
    {
        Console.Error.WriteLine($"round {round}/{settings.Runs}{(round == 0 ? " (warm-up)" : "")} ...");
        var a = raw.Generation();
        var b = await host.GenerationAsync();
        var c = served is null ? double.NaN : await served.GenerationAsync();
        var p = raw.Prompt128();
        if (round == 0) continue;
        results.Get("raw.generation", "tok/s").Add(a);
        results.Get("raw.prompt128", "tok/s").Add(p);
        results.Get("host.generation", "tok/s").Add(b);
        results.Get("ratio.host/raw", "x").Add(b / a);
        if (served is null) continue;
        results.Get("http.generation", "tok/s").Add(c);
        results.Get("ratio.http/raw", "x").Add(c / a);
        results.Get("ratio.http/host", "x").Add(c / b);
    }
    for (var round = 0; round <= settings.TtftRuns; round++)
    {
        var b = await host.TtftAsync();
        var c = served is null ? double.NaN : await served.TtftAsync();
        if (round == 0) continue;
        results.Get("host.ttft", "ms").Add(b);
        if (served is null) continue;
        results.Get("http.ttft", "ms").Add(c);
        results.Get("ttft.added", "ms").Add(c - b);
    }
    for (var round = 0; round <= settings.Runs; round++)
    {
        var one = await host.AggregateAsync(1);
        var many = await host.AggregateAsync(settings.Streams);
        if (round == 0) continue;
        results.Get("host.aggregate1", "tok/s").Add(one);
        results.Get($"host.aggregate{settings.Streams}", "tok/s").Add(many);
        results.Get("ratio.host.aggregate", "x").Add(many / one);
    }
    if (served is not null)
    {
        for (var round = 0; round <= settings.Runs; round++)
        {
            var one = await served.AggregateAsync(1);
            var many = await served.AggregateAsync(settings.Streams);
            if (round == 0) continue;
            results.Get("http.aggregate1", "tok/s").Add(one);
            results.Get($"http.aggregate{settings.Streams}", "tok/s").Add(many);
            results.Get("ratio.aggregate", "x").Add(many / one);
        }
        // Idle: nothing in flight for a few seconds, the model still loaded (keep-alive is minutes).
        await Task.Delay(TimeSpan.FromSeconds(3));
        results.Facts["rss.idleBytes"] = HttpMeasure.Rss(served.Pid, "VmRSS:").ToString(CultureInfo.InvariantCulture);
        results.Facts["rss.peakBytes"] = HttpMeasure.Rss(served.Pid, "VmHWM:").ToString(CultureInfo.InvariantCulture);
    }
}
finally
{
    if (served is not null) await served.DisposeAsync();
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
