namespace ModelScout.Inference.Text;

/// <summary>Finds stop strings in streamed text, holding back only what could still become a stop.</summary>
public sealed class StopMatcher
{
    private readonly string[] stops;
    private readonly System.Text.StringBuilder held = new();

    public StopMatcher(IReadOnlyList<string>? stops) => this.stops = stops?.Where(s => s.Length > 0).ToArray() ?? [];

    /// <summary>Adds a piece; returns the text now safe to emit and whether a stop string was reached.</summary>
    public (string Emit, bool Stopped) Push(string piece)
    {
        ArgumentNullException.ThrowIfNull(piece);
        if (stops.Length == 0) return (piece, false);
        held.Append(piece);
        var text = held.ToString();
        var first = -1;
        foreach (var s in stops)
        {
            var i = text.IndexOf(s, StringComparison.Ordinal);
            if (i >= 0 && (first < 0 || i < first)) first = i;
        }
        if (first >= 0)
        {
            held.Clear();
            return (text[..first], true);
        }
        var keep = 0;
        foreach (var s in stops)
            for (var k = Math.Min(s.Length - 1, text.Length); k > keep; k--)
                if (text.AsSpan(text.Length - k).SequenceEqual(s.AsSpan(0, k))) { keep = k; break; }
        held.Clear();
        held.Append(text, text.Length - keep, keep);
        return (text[..^keep], false);
    }

    /// <summary>Text held back at the end of the stream.</summary>
    public string Flush()
    {
        var t = held.ToString();
        held.Clear();
        return t;
    }
}
