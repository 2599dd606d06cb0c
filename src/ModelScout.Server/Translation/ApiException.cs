namespace ModelScout.Server.Translation;

/// <summary>
/// The server's own error: a request it refuses (a field it cannot honour, a body that is not JSON, an unknown path),
/// carrying the <see cref="ApiProblem"/> to answer with.
/// </summary>
public sealed class ApiException : Exception
{
    public ApiException(ApiProblem problem) : base(problem?.Message) => Problem = problem ?? throw new ArgumentNullException(nameof(problem));

    public ApiException() : this(new ApiProblem(500, "internal error", "api_error")) { }

    public ApiException(string message) : this(new ApiProblem(500, message, "api_error")) { }

    public ApiException(string message, Exception inner) : base(message, inner) => Problem = new ApiProblem(500, message, "api_error");

    /// <summary>Status and body.</summary>
    public ApiProblem Problem { get; }
}
