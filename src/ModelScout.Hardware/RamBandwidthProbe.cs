using System.Diagnostics;
using System.Numerics;
using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace ModelScout.Hardware;

/// <summary>A RAM bandwidth figure this machine measured, and when and how.</summary>
/// <param name="GBps">Bytes read per second over 10⁹: the best pass.</param>
/// <param name="MeasuredAt">When it was measured (UTC).</param>
/// <param name="Threads">Reader threads used.</param>
/// <param name="BufferBytes">Size of the buffer read (several times any CPU cache).</param>
/// <param name="Passes">Timed passes; the best is kept.</param>
public sealed record MeasuredBandwidth(double GBps, DateTimeOffset MeasuredAt, int Threads, long BufferBytes, int Passes);

/// <summary>Where the probe gets a measured RAM bandwidth from; null when none has been measured.</summary>
public interface IRamBandwidthSource
{
    /// <summary>The measured figure, or null (the probe then assumes one from the catalog).</summary>
    MeasuredBandwidth? Read();
}

/// <summary>
/// Measures how fast this machine's CPU cores together stream system memory, the figure CPU decoding speed follows:
/// every thread sums its share of a buffer much larger than the caches with SIMD vectors (reads only, as decoding reads
/// weights), and the best of a few passes counts. A few hundred milliseconds. The buffer is filled first so every
/// page is real memory, not the shared zero page.
/// </summary>
public static class RamBandwidthProbe
{
    /// <summary>The default buffer: 512 MiB, far beyond any L3 cache.</summary>
    public const long DefaultBufferBytes = 512L << 20;

    /// <summary>Measures with <paramref name="threads"/> readers (default: every logical core) over <paramref name="bufferBytes"/>.</summary>
    /// <param name="threads">Reader threads; at least 1.</param>
    /// <param name="bufferBytes">Buffer size; at least 1 MiB.</param>
    /// <param name="passes">Timed passes after one untimed one; at least 1.</param>
    /// <param name="time">Clock for the timestamp of the result.</param>
    public static MeasuredBandwidth Measure(int? threads = null, long bufferBytes = DefaultBufferBytes, int passes = 3, TimeProvider? time = null)
    {
        var n = threads ?? Environment.ProcessorCount;
        ArgumentOutOfRangeException.ThrowIfLessThan(n, 1, nameof(threads));
        ArgumentOutOfRangeException.ThrowIfLessThan(bufferBytes, 1L << 20, nameof(bufferBytes));
        ArgumentOutOfRangeException.ThrowIfLessThan(passes, 1);
        var elements = bufferBytes / sizeof(long);
        var buffer = GC.AllocateUninitializedArray<long>(checked((int)elements));
        for (var i = 0; i < buffer.Length; i++) buffer[i] = i;
        var best = double.MaxValue;
        long sink = 0;
        for (var pass = 0; pass <= passes; pass++)
        {
            var started = Stopwatch.GetTimestamp();
            sink += ReadAll(buffer, n);
            var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
            if (pass > 0) best = Math.Min(best, seconds);
        }
        GC.KeepAlive(sink);
        var bytes = (double)elements * sizeof(long);
        return new MeasuredBandwidth(Math.Round(bytes / best / 1e9, 1), (time ?? TimeProvider.System).GetUtcNow(), n, (long)bytes, passes);
    }

    // Each of `threads` workers sums a contiguous slice with vectors; returns the total so the reads cannot be dropped.
    private static long ReadAll(long[] buffer, int threads)
    {
        var slice = (buffer.Length + threads - 1) / threads;
        var sums = new long[threads];
        Parallel.For(0, threads, new ParallelOptions { MaxDegreeOfParallelism = threads }, t =>
        {
            var from = Math.Min(buffer.Length, t * slice);
            var to = Math.Min(buffer.Length, from + slice);
            sums[t] = Sum(buffer.AsSpan(from, to - from));
        });
        long total = 0;
        foreach (var s in sums) total += s;
        return total;
    }

    private static long Sum(ReadOnlySpan<long> values)
    {
        var vectors = MemoryMarshal.Cast<long, Vector<long>>(values);
        // Four accumulators keep several loads in flight.
        Vector<long> a = default, b = default, c = default, d = default;
        var i = 0;
        for (; i + 4 <= vectors.Length; i += 4)
        {
            a += vectors[i];
            b += vectors[i + 1];
            c += vectors[i + 2];
            d += vectors[i + 3];
        }
        for (; i < vectors.Length; i++) a += vectors[i];
        var total = Vector.Sum(a + b + c + d);
        for (var j = vectors.Length * Vector<long>.Count; j < values.Length; j++) total += values[j];
        return total;
    }
}

/// <summary>
/// The measured bandwidth kept in a JSON file (the CLI passes <c>ScoutSettings.RamBandwidthCache</c>), so one
/// measurement serves every later command until it is refreshed.
/// </summary>
public sealed class RamBandwidthFile(string path) : IRamBandwidthSource
{
    /// <summary>The file's path.</summary>
    public string Path { get; } = path;

    /// <summary>The cached figure; null when there is none or the file cannot be read as one.</summary>
    public MeasuredBandwidth? Read()
    {
        try
        {
            if (!File.Exists(Path)) return null;
            var m = JsonSerializer.Deserialize(File.ReadAllText(Path), BandwidthJson.Default.MeasuredBandwidth);
            return m is { GBps: > 0 and < 1e6 } ? m : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException or NotSupportedException)
        {
            return null;
        }
    }

    /// <summary>Writes <paramref name="measured"/> (creating the folder).</summary>
    public void Save(MeasuredBandwidth measured)
    {
        ArgumentNullException.ThrowIfNull(measured);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(Path))!);
        var temp = Path + ".tmp";
        File.WriteAllText(temp, JsonSerializer.Serialize(measured, BandwidthJson.Default.MeasuredBandwidth));
        File.Move(temp, Path, overwrite: true);
    }
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, WriteIndented = true)]
[JsonSerializable(typeof(MeasuredBandwidth))]
internal sealed partial class BandwidthJson : JsonSerializerContext;
