using System.Diagnostics;
using System.Text.RegularExpressions;

namespace ModelScout.Gguf.Fuzzing;

internal enum FuzzOutcome
{
    /// <summary>Read, validated and described without complaint.</summary>
    Parsed,
    /// <summary>A <see cref="GgufFormatException"/> with an offset inside the file: the expected failure (no signature).</summary>
    Rejected,
    /// <summary>Any other exception.</summary>
    Crash,
    /// <summary>More allocation than <see cref="FuzzTarget.AllocationBound"/> allows.</summary>
    Memory,
    /// <summary>A <see cref="GgufFormatException"/> whose offset lies outside the file.</summary>
    BadOffset,
    /// <summary>A file read with its length known that fails to read the same way with the length unknown.</summary>
    Mismatch,
}

/// <summary>What one variant did; <see cref="Signature"/> groups failures with the same cause; <see cref="Error"/> is what was thrown.</summary>
internal readonly record struct FuzzVerdict(FuzzOutcome Outcome, long Allocated, string? Detail, string? Signature, Exception? Error = null)
{
    public bool Failed => Outcome is not (FuzzOutcome.Parsed or FuzzOutcome.Rejected);
}

/// <summary>
/// The property under test: <see cref="GgufReader.Read"/>, <see cref="GgufValidator.Validate"/> and
/// <see cref="GgufModelInfo.From"/> on any bytes either succeed or raise <see cref="GgufFormatException"/> (with an
/// offset inside the file), and allocate no more than <see cref="AllocationBound"/> on the way.
/// </summary>
internal static partial class FuzzTarget
{
    /// <summary>Most bytes one parse of an input of <paramref name="inputLength"/> bytes may allocate: 64 MiB + 32 per input byte.</summary>
    public static long AllocationBound(long inputLength) => (64L << 20) + 32 * inputLength;

    public static FuzzVerdict Run(byte[] buffer, int length, bool lengthKnown)
    {
        var verdict = Once(buffer, length, lengthKnown, out var file);
        if (verdict.Outcome != FuzzOutcome.Parsed || file is null) return verdict;

        if (file.HeaderBytes > length || file.DataOffset < file.HeaderBytes)
            return new(FuzzOutcome.Mismatch, verdict.Allocated, $"header of {file.HeaderBytes} bytes, data at {file.DataOffset}, in a file of {length}", "mismatch: header bounds");
        if (lengthKnown)
        {
            // Knowing the length only adds checks, so whatever reads with it must read the same way without it.
            var again = Once(buffer, length, false, out var other);
            if (again.Failed) return again;
            if (other is null || other.HeaderBytes != file.HeaderBytes || other.Metadata.Count != file.Metadata.Count || other.Tensors.Count != file.Tensors.Count)
                return new(FuzzOutcome.Mismatch, verdict.Allocated, $"reads with its length known but not the same way without it: {again.Detail}", "mismatch: known vs unknown length");
        }
        return verdict;
    }

    private static FuzzVerdict Once(byte[] buffer, int length, bool lengthKnown, out GgufFile? file)
    {
        file = null;
        using var stream = new MemoryStream(buffer, 0, length, writable: false);
        var before = GC.GetAllocatedBytesForCurrentThread();
        FuzzVerdict verdict;
        try
        {
            var f = GgufReader.Read(stream, lengthKnown ? length : null);
            GgufValidator.Validate(f);
            GgufModelInfo.From(f);
            file = f;
            verdict = new(FuzzOutcome.Parsed, 0, null, null);
        }
        catch (GgufFormatException e)
        {
            verdict = e.Offset < 0 || e.Offset > length
                ? new(FuzzOutcome.BadOffset, 0, $"offset {e.Offset} outside a file of {length} bytes: {e.Message}", "bad offset: " + Normalize(e.Problem))
                : new(FuzzOutcome.Rejected, 0, e.Message, null, e);
        }
#pragma warning disable CA1031 // catching everything else is the point
        catch (Exception e)
#pragma warning restore CA1031
        {
            verdict = new(FuzzOutcome.Crash, 0, e.ToString(), $"{e.GetType().Name} at {Where(e)}", e);
        }
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        if (!verdict.Failed && allocated > AllocationBound(length))
        {
            verdict = new(FuzzOutcome.Memory, allocated,
                $"allocated {allocated:N0} bytes for a {length:N0}-byte input (bound {AllocationBound(length):N0}); outcome: {verdict.Detail ?? "parsed"}",
                "memory: " + (verdict.Outcome == FuzzOutcome.Parsed ? "parsed" : Normalize(verdict.Detail ?? "")) + (lengthKnown ? "" : " (length unknown)"));
        }
        return verdict with { Allocated = allocated };
    }

    // The innermost frame in the library: where the exception came from.
    private static string Where(Exception e)
    {
        foreach (var frame in new StackTrace(e, false).GetFrames())
        {
            var m = frame.GetMethod();
            if (m?.DeclaringType?.Namespace is { } ns && ns.StartsWith("ModelScout.Gguf", StringComparison.Ordinal) && !ns.EndsWith(".Fuzzing", StringComparison.Ordinal))
                return $"{m.DeclaringType.Name}.{m.Name}";
        }
        return "?";
    }

    // A problem without its numbers and names, so that one cause is one signature.
    internal static string Normalize(string problem) => Quoted().Replace(Digits().Replace(problem.Length > 300 ? problem[..300] : problem, "#"), "'…'");

    [GeneratedRegex("[0-9][0-9,.]*")]
    private static partial Regex Digits();

    [GeneratedRegex("'[^']*'")]
    private static partial Regex Quoted();
}
