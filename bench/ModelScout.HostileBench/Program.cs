using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using ModelScout.Testing;

// Hostile-input campaign and soak against a running `scout serve` (issue 18); bench/fuzz.sh and bench/soak.sh start the
// server and call this.
//
//   ModelScout.HostileBench fuzz --url URL --model NAME --gguf FILE [--seeds 10] [--requests 5000] [--workers 4]
//   ModelScout.HostileBench soak --url URL --models A,B --pid PID [--minutes 30] [--window 5] [--workers 4] [--sample 5]
//
// fuzz: per seed, REQUESTS requests from ApiFuzzer(seed) over WORKERS connections, then the valid probe set (greedy
// text equal to the first answer, model listed, embedding shape); prints the status mix, 5xx (503 apart), dropped
// connections and probe mismatches, and exits 1 when any of those is not zero or the server stopped answering.
// soak: a mix of streaming and non-streaming chat and generate, embeddings, deliberate cancellations and client
// disconnects over two models, for MINUTES; samples RSS, open fds and threads of PID every SAMPLE seconds, and prints
// p50/p99 latency per WINDOW-minute window and the first sample after warm-up against the last.

var mode = args.Length > 0 ? args[0] : throw new ArgumentException("mode: fuzz or soak");
var url = new Uri(Arg("--url") ?? "http://127.0.0.1:11434");
using var http = new HttpClient { BaseAddress = url, Timeout = TimeSpan.FromMinutes(5) };
return mode switch
{
    "fuzz" => await FuzzAsync(),
    "soak" => await SoakAsync(),
    _ => throw new ArgumentException($"unknown mode {mode}: fuzz or soak"),
};

async Task<int> FuzzAsync()
{
    var model = Arg("--model") ?? "stories";
    var gguf = Arg("--gguf");
    var seeds = Int("--seeds", 10);
    var perSeed = Int("--requests", 5000);
    var workers = Int("--workers", 4);
    var targets = new FuzzTargets { Model = model, GgufPath = gguf, GgufBytes = gguf is null ? null : File.ReadAllBytes(gguf) };
    var statuses = new ConcurrentDictionary<int, int>();
    var failures = new ConcurrentQueue<string>();
    long sent = 0, dropped = 0, mismatches = 0;
    var clock = Stopwatch.StartNew();
    var reference = await ProbeAsync(model);
    for (var seed = 1; seed <= seeds; seed++)
    {
        var s = seed;
        await Task.WhenAll(Enumerable.Range(0, workers).Select(async w =>
        {
            var fuzzer = new ApiFuzzer(s * 1000 + w, targets);
            for (var i = 0; i < perSeed / workers; i++)
            {
                var request = fuzzer.Next();
                using var message = request.ToMessage(url);
                int status;
                try
                {
                    using var response = await http.SendAsync(message);
                    await response.Content.ReadAsByteArrayAsync();
                    status = (int)response.StatusCode;
                }
                catch (HttpRequestException)
                {
                    status = 0;
                    Interlocked.Increment(ref dropped);
                }
                Interlocked.Increment(ref sent);
                statuses.AddOrUpdate(status, 1, (_, n) => n + 1);
                if (status is >= 500 and not 503 || status == 0) failures.Enqueue($"seed {s}: {status} for {Cut(request.ToString())}");
            }
        }));
        var probe = await ProbeAsync(model);
        if (probe != reference)
        {
            mismatches++;
            failures.Enqueue($"seed {s}: the probe answered {probe}, not {reference}");
        }
        Console.Error.WriteLine($"seed {s}: {Interlocked.Read(ref sent)} sent, {clock.Elapsed.TotalSeconds:F0} s");
    }
    var fiveHundreds = statuses.Where(x => x.Key >= 500 && x.Key != 503).Sum(x => x.Value);
    Console.WriteLine($"requests sent: {sent:N0} in {clock.Elapsed.TotalSeconds:F0} s ({sent / clock.Elapsed.TotalSeconds:F0}/s), {seeds} seeds x {perSeed / workers * workers}, {workers} connections");
    Console.WriteLine("status mix: " + string.Join(", ", statuses.OrderBy(x => x.Key).Select(x => $"{x.Key} x{x.Value:N0}")));
    Console.WriteLine($"5xx other than 503: {fiveHundreds}; dropped connections: {dropped}; probe mismatches: {mismatches}");
    foreach (var f in failures.Take(20)) Console.WriteLine("  " + f);
    return fiveHundreds == 0 && dropped == 0 && mismatches == 0 ? 0 : 1;
}

async Task<string> ProbeAsync(string model)
{
    using var completion = await PostAsync("/v1/completions", $$"""{"model":"{{model}}","prompt":"Once upon a time","max_tokens":10,"temperature":0}""");
    using var embed = await PostAsync("/api/embed", $$"""{"model":"{{model}}","input":["a","b"]}""");
    var tags = await http.GetStringAsync(new Uri("/api/tags", UriKind.Relative));
    var text = completion.RootElement.GetProperty("choices")[0].GetProperty("text").GetString();
    var vectors = embed.RootElement.GetProperty("embeddings");
    return $"text={text} embed={vectors.GetArrayLength()}x{vectors[0].GetArrayLength()} listed={tags.Contains($"\"{model}", StringComparison.Ordinal)}";
}

async Task<JsonDocument> PostAsync(string path, string body)
{
    using var response = await http.PostAsync(new Uri(path, UriKind.Relative), new StringContent(body, Encoding.UTF8, "application/json"));
    var text = await response.Content.ReadAsStringAsync();
    if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"{path}: {(int)response.StatusCode} {text}");
    return JsonDocument.Parse(text);
}

async Task<int> SoakAsync()
{
    var models = (Arg("--models") ?? "stories,tiny").Split(',');
    var pid = Int("--pid", 0);
    var duration = TimeSpan.FromMinutes(double.Parse(Arg("--minutes") ?? "30", CultureInfo.InvariantCulture));
    var window = TimeSpan.FromMinutes(double.Parse(Arg("--window") ?? "5", CultureInfo.InvariantCulture));
    var warmUp = TimeSpan.FromMinutes(double.Parse(Arg("--warmup") ?? "1", CultureInfo.InvariantCulture));
    var workers = Int("--workers", 4);
    var sampleEvery = TimeSpan.FromSeconds(Int("--sample", 5));
    var latencies = new ConcurrentDictionary<int, ConcurrentBag<double>>();
    var kinds = new ConcurrentDictionary<string, int>();
    var failures = new ConcurrentQueue<string>();
    long cancelled = 0, ok = 0, busy = 0;
    var clock = Stopwatch.StartNew();
    var samples = new List<(double At, long RssKb, int Fds, int Threads)>();
    using var stop = new CancellationTokenSource(duration);

    var sampler = Task.Run(async () =>
    {
        while (!stop.IsCancellationRequested)
        {
            if (pid > 0 && Proc(pid) is { } s) lock (samples) samples.Add((clock.Elapsed.TotalSeconds, s.RssKb, s.Fds, s.Threads));
            try { await Task.Delay(sampleEvery, stop.Token); } catch (OperationCanceledException) { break; }
        }
    });

    await Task.WhenAll(Enumerable.Range(0, workers).Select(async w =>
    {
        var random = new Random(w);
        while (!stop.IsCancellationRequested)
        {
            var model = models[random.Next(models.Length)];
            var stream = random.Next(2) == 0;
            var (kind, path, body) = random.Next(6) switch
            {
                0 => ("chat", "/api/chat", $$$"""{"model":"{{{model}}}","messages":[{"role":"user","content":"Tell me a story"}],"stream":{{{Bool(stream)}}},"options":{"num_predict":32}}"""),
                1 => ("generate", "/api/generate", $$$"""{"model":"{{{model}}}","prompt":"Once upon a time","stream":{{{Bool(stream)}}},"options":{"num_predict":32}}"""),
                2 => ("embed", "/api/embed", $$"""{"model":"{{model}}","input":["a story","another one"]}"""),
                3 => ("openai-chat", "/v1/chat/completions", $$"""{"model":"{{model}}","messages":[{"role":"user","content":"Hi"}],"stream":{{Bool(stream)}},"max_tokens":32}"""),
                4 => ("cancel", "/api/generate", $$$"""{"model":"{{{model}}}","prompt":"Once upon a time","stream":true,"options":{"num_predict":200}}"""),
                _ => ("disconnect", "/v1/chat/completions", $$"""{"model":"{{model}}","messages":[{"role":"user","content":"Hi"}],"stream":true,"max_tokens":200}"""),
            };
            kind = kind is "cancel" or "disconnect" ? kind : kind + (stream && kind != "embed" ? "-stream" : "");
            kinds.AddOrUpdate(kind, 1, (_, n) => n + 1);
            var started = Stopwatch.GetTimestamp();
            using var deliberate = new CancellationTokenSource();
            if (kind is "cancel" or "disconnect") deliberate.CancelAfter(TimeSpan.FromMilliseconds(random.Next(20, 300)));
            try
            {
                // A 503 (the other model is answering and the memory budget holds one) is retried as a client would.
                HttpResponseMessage response;
                for (var attempt = 0; ; attempt++)
                {
                    using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(path, UriKind.Relative)) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
                    response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, deliberate.Token);
                    if ((int)response.StatusCode != 503 || attempt == 100) break;
                    response.Dispose();
                    Interlocked.Increment(ref busy);
                    await Task.Delay(20, deliberate.Token);
                }
                using var answered = response;
                if (kind == "disconnect")
                {
                    // Read one chunk and walk away without cancelling: the connection closes under the stream.
                    await using var s = await response.Content.ReadAsStreamAsync(deliberate.Token);
                    _ = await s.ReadAsync(new byte[64], deliberate.Token);
                    Interlocked.Increment(ref cancelled);
                    continue;
                }
                var text = await response.Content.ReadAsStringAsync(deliberate.Token);
                if (!response.IsSuccessStatusCode) failures.Enqueue($"{kind} {model}: {(int)response.StatusCode} {Cut(text)}");
                else
                {
                    Interlocked.Increment(ref ok);
                    var ms = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                    latencies.GetOrAdd((int)(clock.Elapsed / window), _ => []).Add(ms);
                }
            }
            catch (OperationCanceledException) when (deliberate.IsCancellationRequested)
            {
                Interlocked.Increment(ref cancelled);
            }
            catch (Exception e) when (e is HttpRequestException or OperationCanceledException or IOException)
            {
                if (!stop.IsCancellationRequested) failures.Enqueue($"{kind} {model}: {e.GetType().Name} {e.Message}");
            }
        }
    }));
    await sampler;

    Console.WriteLine($"soak: {clock.Elapsed.TotalMinutes:F1} min, {workers} clients, models {string.Join(", ", models)}");
    Console.WriteLine($"requests: {ok:N0} answered, {cancelled:N0} deliberately cancelled or disconnected, {failures.Count} failed; {busy:N0} 503 answers retried (model switch under the one-model budget)");
    Console.WriteLine("mix: " + string.Join(", ", kinds.OrderBy(k => k.Key, StringComparer.Ordinal).Select(k => $"{k.Key} {k.Value:N0}")));
    foreach (var (index, bag) in latencies.OrderBy(x => x.Key))
    {
        var sorted = bag.Order().ToArray();
        Console.WriteLine($"window {index * window.TotalMinutes:0.#}-{(index + 1) * window.TotalMinutes:0.#} min: {sorted.Length:N0} requests, p50 {Percentile(sorted, 0.50):F0} ms, p99 {Percentile(sorted, 0.99):F0} ms");
    }
    if (samples.Count > 0)
    {
        var afterWarmUp = samples.FirstOrDefault(s => s.At >= warmUp.TotalSeconds, samples[^1]);
        var last = samples[^1];
        var peak = samples.Max(s => s.RssKb);
        Console.WriteLine($"after warm-up ({afterWarmUp.At:F0} s): RSS {afterWarmUp.RssKb / 1024.0:F1} MB, fds {afterWarmUp.Fds}, threads {afterWarmUp.Threads}");
        Console.WriteLine($"end ({last.At:F0} s): RSS {last.RssKb / 1024.0:F1} MB, fds {last.Fds}, threads {last.Threads}; peak RSS {peak / 1024.0:F1} MB; {samples.Count} samples");
    }
    foreach (var f in failures.Take(20)) Console.WriteLine("  " + f);
    return failures.IsEmpty ? 0 : 1;
}

static (long RssKb, int Fds, int Threads)? Proc(int pid)
{
    try
    {
        long rss = 0;
        var threads = 0;
        foreach (var line in File.ReadLines($"/proc/{pid}/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal)) rss = long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
            else if (line.StartsWith("Threads:", StringComparison.Ordinal)) threads = int.Parse(line.Split('\t', StringSplitOptions.RemoveEmptyEntries)[1].Trim(), CultureInfo.InvariantCulture);
        }
        return (rss, Directory.GetFiles($"/proc/{pid}/fd").Length, threads);
    }
    catch (Exception e) when (e is IOException or UnauthorizedAccessException)
    {
        return null;
    }
}

static double Percentile(double[] sorted, double p) => sorted.Length == 0 ? 0 : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];

static string Bool(bool b) => b ? "true" : "false";

static string Cut(string s) => s.Length > 300 ? s[..300] + "..." : s;

string? Arg(string name)
{
    var i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
}

int Int(string name, int fallback) => Arg(name) is { } v ? int.Parse(v, CultureInfo.InvariantCulture) : fallback;
