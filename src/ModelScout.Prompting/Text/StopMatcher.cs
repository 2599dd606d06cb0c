namespace ModelScout.Prompting.Text;

/// <summary>
/// Cuts generated text at the first stop string. Text is released as soon as it can no longer be the start of a stop
/// string; a suffix that might still grow into one is held back until the next piece decides it.
/// </summary>
/// <remarks>
/// Each <see cref="Push"/> costs O((piece + longest stop) × longest stop × stops): the held-back text is always shorter
/// than the longest stop, so the work never depends on how much was generated before.
/// </remarks>
public sealed class StopMatcher
{
    private readonly string[] stops;
    private readonly int longest;
    private string held = "";
    private bool stopped;

    /// <summary>A matcher for <paramref name="stops"/>; empty strings are ignored, no stops means pass-through.</summary>
    public StopMatcher(IEnumerable<string>? stops)
    {
        this.stops = stops is null ? [] : [.. stops.Where(s => !string.IsNullOrEmpty(s)).Distinct(StringComparer.Ordinal)];
        longest = this.stops.Length == 0 ? 0 : this.stops.Max(s => s.Length);
    }

    /// <summary>True once a stop string has been seen; later pieces are dropped.</summary>
    public bool Stopped => stopped;

    /// <summary>The text currently held back because it may be the start of a stop string.</summary>
    public string Pending => held;

    /// <summary>
    /// Adds generated text. Returns the text that is now safe to show and whether a stop string was found; on a stop,
    /// the text before it is returned and the stop string itself is never emitted.
    /// </summary>
    public (string Emit, bool Stopped) Push(string piece)
    {
        ArgumentNullException.ThrowIfNull(piece);
        if (stopped) return ("", true);
        if (piece.Length == 0) return ("", false);

        var text = held.Length == 0 ? piece : held + piece;
        if (stops.Length == 0)
        {
            held = "";
            return (HoldLoneHighSurrogate(text), false);
        }

        // A match lying wholly inside the held text would have been found by an earlier call, so only matches that end
        // in the new piece are possible: they start no earlier than held.Length - longest + 1.
        var from = Math.Max(0, held.Length - longest + 1);
        for (var i = from; i < text.Length; i++)
        {
            foreach (var stop in stops)
            {
                if (text.AsSpan(i).StartsWith(stop, StringComparison.Ordinal))
                {
                    stopped = true;
                    held = "";
                    return (text[..i], true);
                }
            }
        }

        var keep = LongestPrefixSuffix(text);
        held = text[^keep..];
        return (HoldLoneHighSurrogate(text[..^keep]), false);
    }

    /// <summary>Releases the held-back text at the end of generation (nothing after a stop).</summary>
    public string Flush()
    {
        var rest = stopped ? "" : held;
        held = "";
        return rest;
    }

    // The length of the longest suffix of text that is a proper prefix of some stop string.
    private int LongestPrefixSuffix(string text)
    {
        for (var k = Math.Min(text.Length, longest - 1); k > 0; k--)
        {
            var suffix = text.AsSpan(text.Length - k);
            foreach (var stop in stops)
            {
                if (stop.Length > k && stop.AsSpan().StartsWith(suffix, StringComparison.Ordinal)) return k;
            }
        }
        return 0;
    }

    // A piece may end half-way through a surrogate pair; the high half waits for its partner so no caller ever sees a
    // lone surrogate.
    private string HoldLoneHighSurrogate(string emit)
    {
        if (emit.Length > 0 && char.IsHighSurrogate(emit[^1]))
        {
            held = emit[^1] + held;
            return emit[..^1];
        }
        return emit;
    }
}
