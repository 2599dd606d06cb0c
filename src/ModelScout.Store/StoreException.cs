namespace ModelScout.Store;

/// <summary>Every error the model store reports to a caller; <see cref="Kind"/> chooses the HTTP status and the exit code.</summary>
public sealed class StoreException : Exception
{
    public StoreException(StoreErrorKind kind, string message, Exception? inner = null) : base(message, inner) => Kind = kind;

    public StoreException() : this(StoreErrorKind.Internal, "the model store failed") { }

    public StoreException(string message) : this(StoreErrorKind.Internal, message) { }

    public StoreException(string message, Exception inner) : this(StoreErrorKind.Internal, message, inner) { }

    /// <summary>What went wrong, coarse enough to choose a status code.</summary>
    public StoreErrorKind Kind { get; }

    /// <summary>The request field at fault, when there is one (<c>model</c>, <c>from</c>, <c>digest</c>, a parameter name).</summary>
    public string? Param { get; init; }
}

/// <summary>Store error classes, each with one HTTP status.</summary>
public enum StoreErrorKind
{
    /// <summary>404: no such model, blob or file, here or at the registry or URL.</summary>
    NotFound,

    /// <summary>400: a model name that breaks the naming rules, or a URL no name can be made from.</summary>
    InvalidName,

    /// <summary>
    /// 400: a request the store cannot carry out as given: no FROM, a bad parameter, a file that is not a GGUF, uploaded
    /// bytes that do not hash to the digest claimed, a plain-http registry without insecure.
    /// </summary>
    InvalidRequest,

    /// <summary>500 (model_load_failed): a stored model whose manifest cannot be read or whose model blob is missing.</summary>
    Damaged,

    /// <summary>500: a registry or download server failed, refused access, or sent bytes or a manifest that cannot be used.</summary>
    DownloadFailed,

    /// <summary>500: anything else.</summary>
    Internal,
}
