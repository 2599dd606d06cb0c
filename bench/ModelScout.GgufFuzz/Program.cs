using System.Diagnostics;
using System.Globalization;
using ModelScout.Gguf;
using ModelScout.Gguf.Fuzzing;

// A fuzz campaign over GgufReader + GgufValidator + GgufModelInfo, with the mutator of the CI fuzz tests:
//   dotnet run -c Release --project bench/ModelScout.GgufFuzz -- --minutes 10 [--seed N] [--threads N] [--out DIR]
//   dotnet run -c Release --project bench/ModelScout.GgufFuzz -- --replay FILE [--unknown-length]
// Seeds are the writer-made files and the two tiny models in tests/Fixtures/models (--models DIR reads them elsewhere); variants
// that parse are fed back as new seeds (a corpus kept apart by a coarse shape signature). Every failure is saved as a
// replay file under --out.

var options = Options.Parse(args);
if (options.Replay is { } replayPath) return Campaign.Replay(replayPath, !options.UnknownLength);
return new Campaign(options).Run();

internal sealed record Options(double Minutes, ulong Seed, int Threads, string Out, string Models, string? Replay, bool UnknownLength)
{
    public static Options Parse(string[] args)
    {
        var root = FindRoot();
        var o = new Options(10, (ulong)DateTime.UtcNow.Ticks, Math.Max(1, Environment.ProcessorCount), Path.Combine(root, "bench", "out", "fuzz"),
            Path.Combine(root, "tests", "Fixtures", "models"), null, false);
        for (var i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            o = args[i] switch
            {
                "--minutes" => o with { Minutes = double.Parse(Next(), CultureInfo.InvariantCulture) },
                "--seconds" => o with { Minutes = double.Parse(Next(), CultureInfo.InvariantCulture) / 60 },
                "--seed" => o with { Seed = ParseSeed(Next()) },
                "--threads" => o with { Threads = int.Parse(Next(), CultureInfo.InvariantCulture) },
                "--out" => o with { Out = Path.GetFullPath(Next()) },
                "--models" => o with { Models = Path.GetFullPath(Next()) },
                "--replay" => o with { Replay = Next() },
                "--unknown-length" => o with { UnknownLength = true },
                _ => throw new ArgumentException($"unknown option {args[i]}"),
            };
        }
        return o;
    }

    private static ulong ParseSeed(string s) => s.StartsWith("0x", StringComparison.OrdinalIgnoreCase)
        ? ulong.Parse(s.AsSpan(2), NumberStyles.HexNumber, CultureInfo.InvariantCulture)
        : ulong.Parse(s, CultureInfo.InvariantCulture);

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "ModelScout.slnx"))) return dir.FullName;
        }
        return Directory.GetCurrentDirectory();
    }
}

internal sealed class Campaign
{
    private readonly Options options;

    public Campaign(Options options)
    {
        this.options = options;
        rejections = Enumerable.Range(0, options.Threads).Select(_ => new Dictionary<string, (long, string)>(StringComparer.Ordinal)).ToArray();
    }

    private const int Batch = 256;
    private const int MaxCorpus = 4000;
    private const long MaxCorpusBytes = 384L << 20;

    private readonly Lock gate = new();
    private readonly List<FuzzSeed> seeds = [];
    private readonly List<FuzzSeed> corpus = [];
    private readonly HashSet<string> shapes = [];
    private readonly Dictionary<string, (long Count, string Example)> signatures = [];
    private readonly FuzzStats total = new();
    private readonly Dictionary<string, (long Count, string Example)>[] rejections;
    private long corpusBytes;
    private long batches;
    private long fromCorpus;

    public int Run()
    {
        seeds.AddRange(FuzzSeeds.WriterMade());
        foreach (var name in new[] { "stories260K.gguf", "llama-2-tiny-random.gguf" })
        {
            var path = Path.Combine(options.Models, name);
            if (File.Exists(path)) seeds.Add(FuzzSeeds.Real(path));
            else Console.Error.WriteLine($"warning: {path} not found; fuzzing without it");
        }
        Directory.CreateDirectory(options.Out);
        Console.WriteLine($"GGUF fuzz campaign: {options.Minutes:G} min, {options.Threads} threads, seed 0x{options.Seed:X}, {seeds.Count} seed files, failures to {options.Out}");

        var deadline = Stopwatch.GetTimestamp() + (long)(options.Minutes * 60 * Stopwatch.Frequency);
        var clock = Stopwatch.StartNew();
        var watchdogs = Enumerable.Range(0, options.Threads).Select(_ => new FuzzWatchdog()).ToArray();
        var workers = Enumerable.Range(0, options.Threads).Select(t => new Thread(() => Work(t, watchdogs[t], deadline)) { IsBackground = true, Name = $"fuzz-{t}" }).ToArray();
        foreach (var w in workers) w.Start();
        var lastReport = 0.0;
        while (workers.Any(w => w.IsAlive))
        {
            Thread.Sleep(500);
            foreach (var wd in watchdogs)
            {
                if (wd.Stuck(TimeSpan.FromSeconds(30)) is not { } stuck) continue;
                var (bytes, known, log) = FuzzRunner.Replay(stuck.Seed, stuck.BaseSeed, stuck.Index);
                var hang = new FuzzFailure(stuck.Seed.Name, stuck.BaseSeed, stuck.Index, known, new FuzzVerdict(FuzzOutcome.Crash, 0, "hang", "hang"), bytes, log);
                Console.WriteLine($"HANG: {hang.Describe()}\n  saved: {hang.Save(options.Out)}");
                Summary(clock.Elapsed);
                return 2;
            }
            if (clock.Elapsed.TotalSeconds - lastReport >= 60)
            {
                lastReport = clock.Elapsed.TotalSeconds;
                lock (gate) Console.WriteLine($"[{clock.Elapsed:mm\\:ss}] {total.Variants:N0} variants ({total.Variants / clock.Elapsed.TotalSeconds:N0}/s), corpus {corpus.Count:N0}, {total.Failures:N0} failures, {signatures.Count} signatures");
            }
        }
        Summary(clock.Elapsed);
        return total.Failures == 0 ? 0 : 1;
    }

    private void Work(int thread, FuzzWatchdog watchdog, long deadline)
    {
        var pick = new FuzzRandom(FuzzRandom.Derive(options.Seed, 0xC0FFEE, thread));
        while (Stopwatch.GetTimestamp() < deadline)
        {
            long batch;
            FuzzSeed seed;
            bool corpusSeed;
            lock (gate)
            {
                batch = batches++;
                // Half the batches mutate an original seed, half a corpus entry (once there is one).
                corpusSeed = corpus.Count > 0 && pick.Chance(0.5);
                seed = corpusSeed ? pick.Pick(corpus) : pick.Pick(seeds);
                if (corpusSeed) fromCorpus++;
            }
            var baseSeed = FuzzRandom.Derive(options.Seed, (ulong)batch, 0);
            var kinds = rejections[thread];
            var stats = FuzzRunner.Run(seed, baseSeed, 0, Batch, watchdog, OnFailure, parsed => Offer(seed, parsed), () => Stopwatch.GetTimestamp() >= deadline,
                v =>
                {
                    // Which of the reader's and validator's error messages the campaign reached: a coverage measure.
                    if (v.Outcome != FuzzOutcome.Rejected || v.Error is not GgufFormatException e) return;
                    var site = Site(e);
                    kinds[site] = kinds.TryGetValue(site, out var seen) ? (seen.Count + 1, seen.Example) : (1, e.Problem.Length > 90 ? e.Problem[..90] + "…" : e.Problem);
                });
            lock (gate) total.Add(stats);
        }
    }

    private void OnFailure(FuzzFailure f)
    {
        lock (gate)
        {
            var key = f.Verdict.Signature ?? f.Verdict.Outcome.ToString();
            if (signatures.TryGetValue(key, out var seen))
            {
                signatures[key] = (seen.Count + 1, seen.Example);
                return;
            }
            var path = f.Save(options.Out);
            signatures[key] = (1, path);
            Console.WriteLine($"NEW FAILURE [{key}]: {f.Describe()}\n  saved: {path}");
        }
    }

    // Keeps a variant that parsed when its shape (counts, value types, tensor types) is new: the corpus grows toward
    // headers the original seeds do not have, which the next mutations start from.
    private void Offer(FuzzSeed parent, ReadOnlyMemory<byte> bytes)
    {
        if (corpusBytes + bytes.Length > MaxCorpusBytes) return;
        GgufFile f;
        try
        {
            f = GgufReader.Read(new MemoryStream(bytes.ToArray()), bytes.Length);
        }
        catch (GgufFormatException)
        {
            return;
        }
        var shape = Shape(f);
        lock (gate)
        {
            if (corpus.Count >= MaxCorpus || !shapes.Add(shape)) return;
            var seed = new FuzzSeed($"corpus-{corpus.Count}-of-{parent.Name}", bytes.ToArray());
            if (!seed.Map.Complete) return;
            corpus.Add(seed);
            corpusBytes += bytes.Length;
        }
    }

    // Where the reader or validator threw: method and line. Which error paths the campaign reached; the messages
    // themselves embed keys and names from the mutated bytes, so they do not group.
    private static string Site(Exception e)
    {
        var frame = new StackTrace(e, fNeedFileInfo: true).GetFrame(0);
        var method = frame?.GetMethod();
        var line = frame?.GetFileLineNumber() is > 0 and var l ? $"line {l}" : $"IL {frame?.GetILOffset()}";
        return $"{method?.DeclaringType?.Name}.{method?.Name} ({line})";
    }

    private static string Shape(GgufFile f) => string.Join(",", f.Metadata.Select(kv => kv.Value.IsArray ? $"a{kv.Value.ElementType}{Math.Min(kv.Value.Count, 3)}" : kv.Value.Type.ToString()))
        + "|" + string.Join(",", f.Tensors.Select(t => $"{t.Type}{t.Dimensions.Count}")) + $"|v{f.Version}{(f.BigEndian ? "be" : "")}|a{f.Alignment}";

    private void Summary(TimeSpan elapsed)
    {
        lock (gate)
        {
            Console.WriteLine();
            Console.WriteLine($"elapsed {elapsed.TotalSeconds:F0} s, {total.Variants:N0} variants, {total.Variants / elapsed.TotalSeconds:N0} variants/s");
            Console.WriteLine($"  {total}");
            Console.WriteLine($"  batches {batches:N0} ({fromCorpus:N0} from the corpus), corpus {corpus.Count:N0} entries ({corpusBytes / 1e6:F1} MB)");
            foreach (FuzzOutcome o in Enum.GetValues<FuzzOutcome>()) Console.WriteLine($"  {o,-10} {total[o],12:N0}");
            var kinds = new Dictionary<string, (long Count, string Example)>(StringComparer.Ordinal);
            foreach (var perThread in rejections)
            {
                // The workers may still be running after a hang; a torn read here only skews the counts.
                foreach (var (site, (n, example)) in perThread.ToArray())
                    kinds[site] = kinds.TryGetValue(site, out var k) ? (k.Count + n, k.Example) : (n, example);
            }
            Console.WriteLine($"  distinct places that rejected a variant (GgufFormatException throw sites): {kinds.Count}");
            foreach (var (site, (n, example)) in kinds.OrderByDescending(kv => kv.Value.Count))
                Console.WriteLine($"    {n,10:N0}  {site,-40} e.g. {example.ReplaceLineEndings(" ")}");
            Console.WriteLine($"  distinct failure signatures: {signatures.Count}");
            foreach (var (key, (count, example)) in signatures.OrderByDescending(kv => kv.Value.Count)) Console.WriteLine($"    {count,8:N0}  {key}  (replay: {example})");
        }
    }

    public static int Replay(string path, bool lengthKnown)
    {
        var bytes = File.ReadAllBytes(path);
        var verdict = FuzzTarget.Run(bytes, bytes.Length, lengthKnown);
        Console.WriteLine($"{verdict.Outcome}: {verdict.Detail} (allocated {verdict.Allocated:N0} B)");
        return verdict.Failed ? 1 : 0;
    }
}
