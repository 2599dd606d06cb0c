namespace ModelScout.Engine;

/// <summary>Base of every error the engine reports to a caller; <see cref="Kind"/> maps to an HTTP status.</summary>
public class InferenceException : Exception
{
    public InferenceException(InferenceErrorKind kind, string message, Exception? inner = null) : base(message, inner) => Kind = kind;

    public InferenceException() : this(InferenceErrorKind.Internal, "inference failed") { }

    public InferenceException(string message) : this(InferenceErrorKind.Internal, message) { }

    public InferenceException(string message, Exception inner) : this(InferenceErrorKind.Internal, message, inner) { }

    /// <summary>What went wrong, coarse enough to choose a status code.</summary>
    public InferenceErrorKind Kind { get; }

    /// <summary>The request field at fault, when there is one (OpenAI's <c>param</c>).</summary>
    public string? Param { get; init; }

    /// <summary>The prompt (or scoring context) is longer than the context window: a caller can retry with a shorter one.</summary>
    public bool ContextOverflow { get; init; }
}

/// <summary>Error classes, each with one HTTP status.</summary>
public enum InferenceErrorKind
{
    /// <summary>400: a request the engine cannot run as asked (prompt longer than the context, bad grammar, bad option).</summary>
    InvalidRequest,

    /// <summary>404: no model by that name in the store.</summary>
    ModelNotFound,

    /// <summary>500: the file is not a loadable GGUF, or llama.cpp refused it.</summary>
    ModelLoadFailed,

    /// <summary>503: the queue is full.</summary>
    Busy,

    /// <summary>507-ish: the model does not fit next to the others and nothing can be evicted. Reported as 503.</summary>
    InsufficientMemory,

    /// <summary>500: the llama.cpp library named by SCOUT_LLAMA_LIBRARY cannot be used (missing, not a library, wrong system, missing functions).</summary>
    LibraryIncompatible,

    /// <summary>500: anything else.</summary>
    Internal,
}
