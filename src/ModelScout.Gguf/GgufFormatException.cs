namespace ModelScout.Gguf;

/// <summary>
/// The one exception a malformed, truncated or hostile GGUF file produces: where in the file the problem is, and what.
/// </summary>
public sealed class GgufFormatException : Exception
{
    public GgufFormatException() : this(0, "invalid GGUF file") { }

    public GgufFormatException(string message) : this(0, message) { }

    public GgufFormatException(string message, Exception inner) : base(message, inner) { }

    /// <summary>A problem at byte <paramref name="offset"/> of the file.</summary>
    public GgufFormatException(long offset, string problem) : base($"at byte {offset}: {problem}")
    {
        Offset = offset;
        Problem = problem;
    }

    /// <summary>Byte offset in the file where the problem was found.</summary>
    public long Offset { get; }

    /// <summary>The problem, without the offset.</summary>
    public string Problem { get; } = "";
}
