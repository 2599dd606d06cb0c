using System.Text.Json.Nodes;
using ModelScout.Prompting;

namespace ModelScout.Store;

/// <summary>
/// Models on disk by Ollama-style name (<c>llama3.1:8b</c>, <c>qwen2.5-coder:7b-instruct-q4_K_M</c>,
/// <c>host:port/namespace/model:tag</c>): content-addressed blobs plus one manifest per name.
/// </summary>
public interface IModelStore : IModelResolver
{
    /// <summary>Directory that holds <c>blobs/</c> and <c>manifests/</c>.</summary>
    string Root { get; }

    /// <summary>Every stored model, newest first.</summary>
    IReadOnlyList<StoredModel> List();

    /// <summary>The model called <paramref name="name"/>, or null.</summary>
    StoredModel? Find(string name);

    /// <summary>Copies a GGUF into the store (validated first, hashed while copying, renamed into place atomically) under <paramref name="name"/>.</summary>
    Task<StoredModel> ImportAsync(string ggufPath, string name, IProgress<PullProgress>? progress = null, CancellationToken cancellationToken = default);

    /// <summary>Downloads a model from an Ollama-compatible registry (a name) or a direct GGUF URL (http/https), resumably.</summary>
    Task<StoredModel> PullAsync(string nameOrUrl, PullOptions? options = null, IProgress<PullProgress>? progress = null, CancellationToken cancellationToken = default);

    /// <summary>Creates (or replaces) <paramref name="name"/> from a stored model, a blob digest or a GGUF file, with overrides.</summary>
    Task<StoredModel> CreateAsync(string name, ModelDefinition definition, IProgress<PullProgress>? progress = null, CancellationToken cancellationToken = default);

    /// <summary>Removes the manifest and any blob no other manifest uses; false when there was no such model.</summary>
    bool Remove(string name);

    /// <summary>Gives <paramref name="source"/>'s manifest a second name (blobs are shared).</summary>
    StoredModel Copy(string source, string destination);

    /// <summary>
    /// Stores <paramref name="content"/> as a blob if it hashes to <paramref name="expectedDigest"/> (<c>sha256:hex</c>);
    /// otherwise nothing is kept and an InvalidRequest error says what it hashed to (for <c>POST /api/blobs</c>).
    /// </summary>
    Task<string> AddBlobAsync(Stream content, string expectedDigest, CancellationToken cancellationToken = default);

    /// <summary>Path of a blob by digest (<c>sha256:hex</c>), or null when the store lacks it (for <c>HEAD/POST /api/blobs</c>).</summary>
    string? BlobPath(string digest);
}

/// <summary>One stored model as <c>/api/tags</c>, <c>/api/show</c> and <c>scout list</c> show it.</summary>
public sealed record StoredModel
{
    /// <summary>Short name: <c>llama3.1:8b</c> (default registry and <c>library/</c> namespace left out).</summary>
    public required string Name { get; init; }
    /// <summary>Fully qualified: <c>registry.ollama.ai/library/llama3.1:8b</c>.</summary>
    public required string FullName { get; init; }
    /// <summary>sha256 of the manifest, as Ollama reports <c>digest</c> in /api/tags.</summary>
    public required string Digest { get; init; }
    /// <summary>Sum of the layers' sizes.</summary>
    public long Size { get; init; }
    public DateTimeOffset ModifiedAt { get; init; }
    /// <summary>The GGUF blob.</summary>
    public required string ModelPath { get; init; }
    public required string ModelDigest { get; init; }
    public ModelDetails Details { get; init; } = new();
    public string? Template { get; init; }
    public string? System { get; init; }
    /// <summary>The params layer as JSON (Ollama's shape: numbers, strings, <c>stop</c> as an array).</summary>
    public JsonObject? Parameters { get; init; }
    public IReadOnlyList<string> Licenses { get; init; } = [];
    public IReadOnlyList<ChatTurn> Messages { get; init; } = [];
}

/// <summary>Ollama's <c>details</c> object.</summary>
public sealed record ModelDetails
{
    public string Format { get; init; } = "gguf";
    public string Family { get; init; } = "";
    public IReadOnlyList<string> Families { get; init; } = [];
    /// <summary>"8.0B", "260K"...</summary>
    public string ParameterSize { get; init; } = "";
    /// <summary>"Q4_K_M", "F32"...</summary>
    public string QuantizationLevel { get; init; } = "";
    public string? ParentModel { get; init; }
}

/// <summary>What a Modelfile or an /api/create request asks for.</summary>
public sealed record ModelDefinition
{
    /// <summary>A stored model name, a blob digest (<c>sha256:...</c>), or a path to a GGUF file.</summary>
    public required string From { get; init; }
    public JsonObject? Parameters { get; init; }
    public string? Template { get; init; }
    public string? System { get; init; }
    public IReadOnlyList<string>? Licenses { get; init; }
    public IReadOnlyList<ChatTurn>? Messages { get; init; }
}

/// <summary>Pull settings.</summary>
public sealed record PullOptions
{
    /// <summary>Registry base URL when the name carries no host (default <c>https://registry.ollama.ai</c>; SCOUT_REGISTRY).</summary>
    public Uri? Registry { get; init; }
    /// <summary>Allow plain http and skip nothing else (Ollama's <c>--insecure</c>).</summary>
    public bool Insecure { get; init; }
    /// <summary>Name to store a direct-URL download under (default: derived from the file name).</summary>
    public string? Name { get; init; }
    /// <summary>Parallel range requests for one large blob.</summary>
    public int Connections { get; init; } = 4;
    /// <summary>How long the server may send nothing (no headers, no bytes) before the transfer is retried and, after a few tries, given up.</summary>
    public TimeSpan StallTimeout { get; init; } = TimeSpan.FromSeconds(30);
}

/// <summary>One progress line, shaped like Ollama's /api/pull stream (<c>status</c>, <c>digest</c>, <c>total</c>, <c>completed</c>).</summary>
public sealed record PullProgress(string Status, string? Digest = null, long? Total = null, long? Completed = null);
