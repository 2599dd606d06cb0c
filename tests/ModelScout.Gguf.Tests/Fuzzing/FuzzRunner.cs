using System.Diagnostics;
using System.Text;

namespace ModelScout.Gguf.Fuzzing;

/// <summary>One failing variant, with everything needed to replay it.</summary>
internal sealed record FuzzFailure(string Seed, ulong BaseSeed, long Index, bool LengthKnown, FuzzVerdict Verdict, byte[] Bytes, IReadOnlyList<string> Mutations)
{
    /// <summary>The line to paste into a bug report: how to get the same bytes again, and what went wrong.</summary>
    public string Describe()
    {
        var sb = new StringBuilder();
        sb.Append($"{Verdict.Outcome} on seed file '{Seed}', base seed 0x{BaseSeed:X}, variant {Index} ({Bytes.Length} bytes, length {(LengthKnown ? "known" : "unknown")})");
        sb.Append($"; replay with FuzzRunner.Replay(seed, 0x{BaseSeed:X}UL, {Index})\n  mutations: {string.Join("; ", Mutations)}\n  {Verdict.Detail}");
        return sb.ToString();
    }

    /// <summary>Writes the variant's bytes to <paramref name="folder"/> and returns the path.</summary>
    public string Save(string folder)
    {
        Directory.CreateDirectory(folder);
        var path = Path.Combine(folder, $"{Seed}-{BaseSeed:x}-{Index}-{(LengthKnown ? "known" : "unknown")}.gguf");
        File.WriteAllBytes(path, Bytes);
        return path;
    }
}

/// <summary>Counts by outcome, the slowest variant and the largest allocation relative to the input.</summary>
internal sealed class FuzzStats
{
    private readonly long[] outcomes = new long[Enum.GetValues<FuzzOutcome>().Length];

    public long Variants { get; private set; }
    public long UnknownLength { get; private set; }
    public long MaxAllocated { get; private set; }
    public double MaxAllocatedPerByte { get; private set; }
    public TimeSpan Slowest { get; private set; }
    public long this[FuzzOutcome o] => outcomes[(int)o];
    public long Failures => Variants - this[FuzzOutcome.Parsed] - this[FuzzOutcome.Rejected];

    public void Add(FuzzVerdict v, int length, bool lengthKnown, TimeSpan elapsed)
    {
        Variants++;
        if (!lengthKnown) UnknownLength++;
        outcomes[(int)v.Outcome]++;
        MaxAllocated = Math.Max(MaxAllocated, v.Allocated);
        MaxAllocatedPerByte = Math.Max(MaxAllocatedPerByte, v.Allocated / (double)Math.Max(1, length));
        if (elapsed > Slowest) Slowest = elapsed;
    }

    public void Add(FuzzStats other)
    {
        ArgumentNullException.ThrowIfNull(other);
        Variants += other.Variants;
        UnknownLength += other.UnknownLength;
        for (var i = 0; i < outcomes.Length; i++) outcomes[i] += other.outcomes[i];
        MaxAllocated = Math.Max(MaxAllocated, other.MaxAllocated);
        MaxAllocatedPerByte = Math.Max(MaxAllocatedPerByte, other.MaxAllocatedPerByte);
        if (other.Slowest > Slowest) Slowest = other.Slowest;
    }

    public override string ToString() =>
        $"{Variants:N0} variants ({UnknownLength:N0} with the length unknown): {this[FuzzOutcome.Parsed]:N0} parsed, {this[FuzzOutcome.Rejected]:N0} rejected, " +
        $"{Failures:N0} failures; slowest {Slowest.TotalMilliseconds:F1} ms, most allocated {MaxAllocated:N0} B ({MaxAllocatedPerByte:F1} B per input byte)";
}

/// <summary>Which variant is being parsed right now, so that a watchdog on another thread can name a hang.</summary>
internal sealed class FuzzWatchdog
{
    private readonly Lock gate = new();
    private FuzzSeed? seed;
    private ulong baseSeed;
    private long index;
    private long since;

    public void Enter(FuzzSeed current, ulong runSeed, long variant)
    {
        lock (gate)
        {
            seed = current;
            baseSeed = runSeed;
            index = variant;
            since = Stopwatch.GetTimestamp();
        }
    }

    public void Leave()
    {
        lock (gate) seed = null;
    }

    /// <summary>The variant in flight for longer than <paramref name="limit"/>, if any.</summary>
    public (FuzzSeed Seed, ulong BaseSeed, long Index, TimeSpan Elapsed)? Stuck(TimeSpan limit)
    {
        lock (gate)
        {
            var elapsed = Stopwatch.GetElapsedTime(since);
            return seed is not null && elapsed > limit ? (seed, baseSeed, index, elapsed) : null;
        }
    }
}

/// <summary>Runs numbered variants of a seed through <see cref="FuzzTarget"/>.</summary>
internal static class FuzzRunner
{
    /// <summary>Share of variants parsed with the length unknown.</summary>
    public const double UnknownLengthShare = 0.25;

    /// <summary>
    /// Variants <paramref name="first"/> to <paramref name="first"/>+<paramref name="count"/>-1 of
    /// <paramref name="seed"/> under <paramref name="baseSeed"/>; each failure goes to <paramref name="onFailure"/>, each
    /// variant that parsed (with its bytes, valid only during the call) to <paramref name="onParsed"/>, every verdict to
    /// <paramref name="onVerdict"/>.
    /// </summary>
    public static FuzzStats Run(FuzzSeed seed, ulong baseSeed, long first, long count, FuzzWatchdog? watchdog, Action<FuzzFailure> onFailure,
        Action<ReadOnlyMemory<byte>>? onParsed = null, Func<bool>? stop = null, Action<FuzzVerdict>? onVerdict = null)
    {
        ArgumentNullException.ThrowIfNull(seed);
        ArgumentNullException.ThrowIfNull(onFailure);
        var stats = new FuzzStats();
        var v = new FuzzVariant(seed.Bytes);
        for (var i = first; i < first + count; i++)
        {
            if (stop?.Invoke() == true) break;
            var rng = new FuzzRandom(FuzzRandom.Derive(baseSeed, seed.Stream, i));
            GgufMutator.Mutate(seed, v, ref rng, null);
            var known = !rng.Chance(UnknownLengthShare);
            watchdog?.Enter(seed, baseSeed, i);
            var started = Stopwatch.GetTimestamp();
            var verdict = FuzzTarget.Run(v.Buffer, v.Length, known);
            var elapsed = Stopwatch.GetElapsedTime(started);
            watchdog?.Leave();
            stats.Add(verdict, v.Length, known, elapsed);
            onVerdict?.Invoke(verdict);
            if (verdict.Failed)
            {
                var (bytes, _, log) = Replay(seed, baseSeed, i);
                onFailure(new FuzzFailure(seed.Name, baseSeed, i, known, verdict, bytes, log));
            }
            else if (verdict.Outcome == FuzzOutcome.Parsed)
            {
                onParsed?.Invoke(v.Buffer.AsMemory(0, v.Length));
            }
        }
        return stats;
    }

    /// <summary>Rebuilds variant <paramref name="index"/> of <paramref name="seed"/>: its bytes, whether the length was known, its mutations.</summary>
    public static (byte[] Bytes, bool LengthKnown, List<string> Mutations) Replay(FuzzSeed seed, ulong baseSeed, long index)
    {
        ArgumentNullException.ThrowIfNull(seed);
        var v = new FuzzVariant(seed.Bytes);
        var rng = new FuzzRandom(FuzzRandom.Derive(baseSeed, seed.Stream, index));
        var log = new List<string>();
        GgufMutator.Mutate(seed, v, ref rng, log);
        var known = !rng.Chance(UnknownLengthShare);
        return (v.ToArray(), known, log);
    }
}
