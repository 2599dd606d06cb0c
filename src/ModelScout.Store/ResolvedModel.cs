using ModelScout.Prompting;

namespace ModelScout.Store;

/// <summary>A model ready to load: where its GGUF is and what its manifest adds (defaults, template, system prompt).</summary>
public sealed record ResolvedModel
{
    /// <summary>Canonical name (<c>llama3.1:8b</c>) or, for a file run directly, the file's path.</summary>
    public required string Name { get; init; }

    /// <summary>Path of the GGUF file (a blob in the store, or the user's file).</summary>
    public required string GgufPath { get; init; }

    /// <summary><c>sha256:...</c> of the GGUF when known (store blobs always; loose files are not hashed).</summary>
    public string? Digest { get; init; }

    /// <summary>Defaults from the Modelfile's PARAMETER lines / the manifest's params layer.</summary>
    public ModelOptions Parameters { get; init; } = new();

    /// <summary>An Ollama (Go text/template) prompt template that replaces the GGUF's chat template, when set.</summary>
    public string? Template { get; init; }

    /// <summary>Default system prompt.</summary>
    public string? System { get; init; }

    /// <summary>Turns from the Modelfile's MESSAGE lines, placed before every chat's own messages (few-shot examples).</summary>
    public IReadOnlyList<ChatTurn> Messages { get; init; } = [];

    /// <summary>Last modification of the manifest (for <c>/api/tags</c> and <c>created</c>).</summary>
    public DateTimeOffset ModifiedAt { get; init; }
}

/// <summary>Turns a name from a request into a loadable model. The store implements it; so does a resolver for bare paths.</summary>
public interface IModelResolver
{
    /// <summary>The model called <paramref name="name"/>, or a <see cref="StoreException"/> of kind
    /// <see cref="StoreErrorKind.NotFound"/> that says how to get it (scout pull / scout import).</summary>
    ResolvedModel Resolve(string name);
}
