namespace ModelScout.Prompting;

/// <summary>
/// A value given with a request that cannot be used: an option of the wrong type, a grammar llama.cpp would refuse.
/// <see cref="Param"/> names the field; the server answers 400 with it as OpenAI's <c>param</c>.
/// </summary>
public sealed class InvalidRequestException : Exception
{
    public InvalidRequestException() : this("invalid request") { }

    public InvalidRequestException(string message) : base(message) { }

    public InvalidRequestException(string message, Exception inner) : base(message, inner) { }

    /// <summary>The request field at fault (<c>options</c>, an option's name, <c>grammar</c>).</summary>
    public string? Param { get; init; }
}
