using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace ModelScout.ServeBench;

/// <summary>(e) What node-llama-cpp's measure.mjs reported.</summary>
internal sealed record PeerFigures(string Version, IReadOnlyList<double> Generation, IReadOnlyList<double> Prompt128, IReadOnlyList<int> GreedyIds, long PeakRssBytes)
{
    public double GenerationMedian => Median(Generation);
    public double Prompt128Median => Median(Prompt128);

    public static PeerFigures From(JsonElement e) => new(
        e.GetProperty("version").GetString()!,
        e.GetProperty("generation").EnumerateArray().Select(x => x.GetDouble()).ToList(),
        e.GetProperty("prompt128").EnumerateArray().Select(x => x.GetDouble()).ToList(),
        e.GetProperty("greedyIds").EnumerateArray().Select(x => x.GetInt32()).ToList(),
        e.GetProperty("peakRssBytes").GetInt64());

    private static double Median(IReadOnlyList<double> v)
    {
        var s = v.Order().ToArray();
        return s.Length == 0 ? double.NaN : s.Length % 2 == 1 ? s[s.Length / 2] : (s[s.Length / 2 - 1] + s[s.Length / 2]) / 2;
    }
}

/// <summary>Turns the samples into the table of figures and ratios (targets from issue 4) and a JSON record.</summary>
internal static class Report
{
    private const double MiB = 1024 * 1024;

    public static void Print(TextWriter w, string model, BenchSettings s, BenchResults r, PeerFigures? peer)
    {
        var raw = r.Median("raw.generation");
        w.WriteLine($"model {Path.GetFileName(model)}, {s.Threads} thread(s), medians of {s.Runs} interleaved rounds ({s.GenerateTokens} tokens generated per run; TTFT over {s.TtftRuns}); ratios are medians of per-round ratios");
        w.WriteLine();
        w.WriteLine($"{"measure",-58} {"value",14} {"ratio",8}  target");
        Row(w, "(a) LLamaSharp raw decode loop: generation", raw, "tok/s", 1.0, "");
        Row(w, "(a) LLamaSharp raw: 128-token prompt", r.Median("raw.prompt128"), "tok/s", null, "");
        var host = r.Median("host.generation");
        Row(w, "(b) ModelHost in-process: generation (vs a)", host, "tok/s", r.Median("ratio.host/raw"), "IQR " + r.Spread("ratio.host/raw"));
        var http = r.Median("http.generation");
        Row(w, "(c) scout serve, HTTP SSE: one stream (vs a)", http, "tok/s", r.Median("ratio.http/raw"), ">= 0.90, IQR " + r.Spread("ratio.http/raw"));
        Row(w, $"(b) in-process: {s.Streams} concurrent streams, aggregate (vs 1)", r.Median($"host.aggregate{s.Streams}"), "tok/s", r.Median("ratio.host.aggregate"), "IQR " + r.Spread("ratio.host.aggregate"));
        Row(w, "(c) HTTP one stream vs (b) in-process, per round", null, "", r.Median("ratio.http/host"), "IQR " + r.Spread("ratio.http/host"));
        var one = r.Median("http.aggregate1");
        var four = r.Median($"http.aggregate{s.Streams}");
        Row(w, $"(c) HTTP: 1 stream, wall-clock incl. prompt", one, "tok/s", null, "");
        Row(w, $"(c) HTTP: {s.Streams} concurrent streams, aggregate (vs 1)", four, "tok/s", r.Median("ratio.aggregate"), ">= 2.0, IQR " + r.Spread("ratio.aggregate"));
        var ttftHost = r.Median("host.ttft");
        var ttftHttp = r.Median("http.ttft");
        Row(w, "(b) time to first token, in-process", ttftHost, "ms", null, "");
        Row(w, "(c) time to first token, HTTP", ttftHttp, "ms", null, "");
        Row(w, "(c) added time to first token, HTTP - in-process", r.Median("ttft.added"), "ms", null, "<= 5 ms, IQR " + r.Spread("ttft.added"));
        Row(w, "(d) idle server RSS, model loaded", Bytes(r, "rss.idleBytes") / MiB, "MiB", null, "<= 150 MiB");
        Row(w, "(d) server RSS right after the first load", Bytes(r, "rss.afterLoadBytes") / MiB, "MiB", null, "");
        Row(w, "(d) server peak RSS (VmHWM)", Bytes(r, "rss.peakBytes") / MiB, "MiB", null, "");
        if (peer is not null)
        {
            Row(w, $"(e) node-llama-cpp {peer.Version}: generation (a vs e)", peer.GenerationMedian, "tok/s", raw / peer.GenerationMedian, "");
            Row(w, $"(e) node-llama-cpp: 128-token prompt (a vs e)", peer.Prompt128Median, "tok/s", r.Median("raw.prompt128") / peer.Prompt128Median, "");
            Row(w, "(e) node-llama-cpp: peak RSS", peer.PeakRssBytes / MiB, "MiB", null, "");
            if (http is not null) Row(w, "(c vs e) our HTTP stream against the peer in-process", http, "tok/s", http / peer.GenerationMedian, ">= 1.0");
        }
        w.WriteLine();
        var expected = string.Join(",", BenchSettings.GreedyExpected);
        var ours = r.Facts.GetValueOrDefault("raw.greedyIds") ?? "-";
        w.WriteLine($"greedy ids from [{string.Join(",", BenchSettings.GreedyPrompt)}]: LLamaSharp [{ours}]{(ours == expected ? " = expected" : " != expected [" + expected + "]")}");
        if (peer is not null)
        {
            var theirs = string.Join(",", peer.GreedyIds);
            w.WriteLine($"                                 node-llama-cpp [{theirs}]{(theirs == expected ? " = expected" : " != expected")}");
        }
        foreach (var (part, why) in r.Skipped) w.WriteLine($"skipped {part}: {why}");
    }

    public static string Json(BenchSettings s, BenchResults r, PeerFigures? peer)
    {
        var measures = new JsonObject();
        foreach (var (name, samples) in r.Measures)
            measures[name] = new JsonObject { ["unit"] = samples.Unit, ["median"] = samples.Values.Count > 0 ? samples.Median : null, ["samples"] = new JsonArray([.. samples.Values.Select(v => (JsonNode?)v)]) };
        var root = new JsonObject
        {
            ["schema"] = "modelscout/bench-serve/v1",
            ["threads"] = s.Threads,
            ["runs"] = s.Runs,
            ["generateTokens"] = s.GenerateTokens,
            ["measures"] = measures,
            ["facts"] = new JsonObject([.. r.Facts.Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)kv.Value))]),
            ["skipped"] = new JsonObject([.. r.Skipped.Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)kv.Value))]),
            ["peer"] = peer is null ? null : JsonSerializer.SerializeToNode(peer),
        };
        return root.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
    }

    private static double? Bytes(BenchResults r, string key) =>
        r.Facts.TryGetValue(key, out var v) && long.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out var b) && b >= 0 ? b : null;

    private static void Row(TextWriter w, string name, double? value, string unit, double? ratio, string target)
    {
        var v = value is { } x && !double.IsNaN(x) ? x.ToString(unit == "ms" ? "0.00" : "#,0", CultureInfo.InvariantCulture) + " " + unit : "not measured";
        var q = ratio is { } y && !double.IsNaN(y) ? y.ToString("0.00", CultureInfo.InvariantCulture) + "x" : "";
        w.WriteLine($"{name,-58} {v,14} {q,8}  {target}");
    }
}
