using System.Text.Json;
using ModelScout.Engine;
using ModelScout.Prompting;
using ModelScout.Store;

namespace ModelScout.Server.Translation;

/// <summary>
/// An error as both APIs report it: a status, a message that says what to do, and OpenAI's <c>type</c>, <c>param</c>
/// and <c>code</c>. Ollama's shape keeps only the message.
/// </summary>
public sealed record ApiProblem(int Status, string Message, string Type, string? Param = null, string? Code = null)
{
    /// <summary>Seconds for a Retry-After header (a 503 gets 1 without it).</summary>
    public int? RetryAfterSeconds { get; init; }

    /// <summary>Ollama's exact text for a full queue (clients match on it).</summary>
    public const string BusyMessage = "server busy, please try again.  maximum pending requests exceeded";

    /// <summary>The status and OpenAI type for an engine error.</summary>
    public static ApiProblem From(InferenceException error)
    {
        ArgumentNullException.ThrowIfNull(error);
        return error.Kind switch
        {
            InferenceErrorKind.InvalidRequest => new(400, error.Message, "invalid_request_error", error.Param),
            InferenceErrorKind.ModelNotFound => new(404, error.Message, "not_found_error", error.Param ?? "model", "model_not_found"),
            InferenceErrorKind.ModelLoadFailed => new(500, error.Message, "api_error", null, "model_load_failed"),
            // Ollama's exact text for a full queue (clients match on it); other busy reasons (a model being unloaded) keep theirs.
            InferenceErrorKind.Busy => new(503, error.Message.StartsWith("server busy", StringComparison.Ordinal) ? BusyMessage : error.Message, "server_busy_error", null, "server_busy"),
            InferenceErrorKind.InsufficientMemory => new(503, error.Message, "server_busy_error", null, "insufficient_memory"),
            InferenceErrorKind.LibraryIncompatible => new(500, error.Message, "api_error", null, "llama_library_incompatible"),
            _ => new(500, error.Message, "api_error"),
        };
    }

    /// <summary>The status and OpenAI type for a model store error.</summary>
    public static ApiProblem From(StoreException error)
    {
        ArgumentNullException.ThrowIfNull(error);
        return error.Kind switch
        {
            StoreErrorKind.InvalidName or StoreErrorKind.InvalidRequest => new(400, error.Message, "invalid_request_error", error.Param),
            StoreErrorKind.NotFound => new(404, error.Message, "not_found_error", error.Param ?? "model", "model_not_found"),
            StoreErrorKind.Damaged => new(500, error.Message, "api_error", null, "model_load_failed"),
            _ => new(500, error.Message, "api_error"),
        };
    }

    /// <summary>A request value (an option, a grammar) that cannot be used.</summary>
    public static ApiProblem From(InvalidRequestException error)
    {
        ArgumentNullException.ThrowIfNull(error);
        return new(400, error.Message, "invalid_request_error", error.Param);
    }

    /// <summary>A body that is not JSON of the expected shape.</summary>
    public static ApiProblem FromJson(JsonException error)
    {
        ArgumentNullException.ThrowIfNull(error);
        var where = string.IsNullOrEmpty(error.Path) || error.Path == "$" ? "" : $" at {error.Path}";
        var detail = error.Message.Split(" Path:", 2)[0].TrimEnd('.');
        return new(400, $"invalid JSON body{where}: {detail}. Send a JSON object with Content-Type: application/json.", "invalid_request_error");
    }

    /// <summary>A required field is absent or empty.</summary>
    public static ApiException Missing(string field, string what) => Invalid(field, $"{field} is required: {what}");

    /// <summary>A field has a value the server cannot honour.</summary>
    public static ApiException Invalid(string field, string message) => new(new ApiProblem(400, message, "invalid_request_error", field));

    /// <summary>
    /// The one place an exception of a known area becomes an HTTP answer: the server's own (<see cref="ApiException"/>),
    /// the engine's (<see cref="InferenceException"/>), the store's (<see cref="StoreException"/>), a request value the prompt
    /// layer refuses (<see cref="InvalidRequestException"/>) and a body that is not JSON. Null for anything else, which the
    /// server answers as an internal error.
    /// </summary>
    public static ApiProblem? Of(Exception error) => error switch
    {
        ApiException api => api.Problem,
        InferenceException inference => From(inference),
        StoreException store => From(store),
        InvalidRequestException invalid => From(invalid),
        JsonException json => FromJson(json),
        _ => null,
    };
}
