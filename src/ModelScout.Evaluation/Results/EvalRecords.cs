using System.Text.Json.Serialization;

namespace ModelScout.Evaluation.Results;

/// <summary>
/// What makes two runs' cached answers interchangeable: the endpoint, the model id and, when known, the model file's
/// digest and quantization. A run name reused with a different key is refused, so caches never mix models.
/// </summary>
public sealed record RunKey(string Endpoint, string ModelId, string? ModelDigest = null, string? Quantization = null)
{
    /// <summary>What <see cref="Endpoint"/> says for a model evaluated in-process.</summary>
    public const string InProcess = "local";

    /// <summary>
    /// What <see cref="Endpoint"/> says for a run spread over several replicas: the key is then the model (id, digest,
    /// quantization), not where it was served, so the run continues with any set of replicas of the same model.
    /// </summary>
    public const string Replicas = "replicas";

    /// <summary>The key of a run over replicas of one model (see <see cref="Replicas"/>).</summary>
    public static RunKey ForReplicas(string model, string? modelDigest, string? quantization) => new(Replicas, model, modelDigest, quantization);

    /// <summary>
    /// The key of a run against an OpenAI-compatible endpoint. The digest and quantization are known only where the server
    /// has Ollama's API (scout serve, Ollama); they join the key so a model replaced behind the same name never resumes
    /// the old model's run.
    /// </summary>
    public static RunKey ForEndpoint(Uri baseUri, string model, string? modelDigest, string? quantization)
    {
        ArgumentNullException.ThrowIfNull(baseUri);
        return new RunKey(baseUri.ToString(), model, modelDigest, quantization);
    }

    /// <summary>
    /// The key of an in-process run. Store blobs carry their digest; a loose file gets <see cref="ContentHash.FileDigest"/>,
    /// so the key tells two files of the same name apart.
    /// </summary>
    public static RunKey ForLocal(string model, string modelDigest, string? quantization) => new(InProcess, model, modelDigest, quantization);

    /// <summary>The fields of <paramref name="other"/> that differ from this key, as "field: stored → asked" lines.</summary>
    public IReadOnlyList<string> Differences(RunKey other)
    {
        ArgumentNullException.ThrowIfNull(other);
        var d = new List<string>();
        // A replica run is continued from any endpoints of the same model, one endpoint (with --run NAME) included.
        if (Endpoint != Replicas && other.Endpoint != Replicas) Compare(d, "endpoint", Endpoint, other.Endpoint);
        else if (Endpoint == InProcess || other.Endpoint == InProcess) Compare(d, "endpoint", Endpoint, other.Endpoint);
        Compare(d, "model", ModelId, other.ModelId);
        Compare(d, "model digest", ModelDigest, other.ModelDigest);
        Compare(d, "quantization", Quantization, other.Quantization);
        return d;
    }

    private static void Compare(List<string> d, string field, string? stored, string? asked)
    {
        if (!string.Equals(stored ?? "", asked ?? "", StringComparison.Ordinal))
            d.Add($"{field}: stored '{stored ?? "(unknown)"}', asked '{asked ?? "(unknown)"}'");
    }
}

/// <summary>Everything needed to rerun a run the same way, kept as JSON beside it.</summary>
public sealed record ReproducibilityRecord
{
    [JsonPropertyName("endpoint")] public string? Endpoint { get; init; }
    [JsonPropertyName("model")] public string? Model { get; init; }
    [JsonPropertyName("model_digest")] public string? ModelDigest { get; init; }
    [JsonPropertyName("quantization")] public string? Quantization { get; init; }
    [JsonPropertyName("server_version")] public string? ServerVersion { get; init; }
    /// <summary>The model file the server reported (llama.cpp's <c>/props</c> model_path); null when it said none.</summary>
    [JsonPropertyName("model_path")] public string? ModelPath { get; init; }
    /// <summary>The most <c>top_logprobs</c> the endpoint accepted when probed (0: no logprobs); null when not probed.</summary>
    [JsonPropertyName("max_top_logprobs")] public int? MaxTopLogprobs { get; init; }
    [JsonPropertyName("sampling")] public IReadOnlyDictionary<string, string>? Sampling { get; init; }
    [JsonPropertyName("seed")] public int? Seed { get; init; }
    [JsonPropertyName("chat_template_sha256")] public string? ChatTemplateHash { get; init; }
    /// <summary>Dataset file name → SHA-256.</summary>
    [JsonPropertyName("dataset_sha256")] public IReadOnlyDictionary<string, string>? DatasetHashes { get; init; }
    [JsonPropertyName("modelscout_version")] public string? ModelScoutVersion { get; init; }
    /// <summary>Suite → scoring mode.</summary>
    [JsonPropertyName("scoring_modes")] public IReadOnlyDictionary<string, string>? ScoringModes { get; init; }
    /// <summary>Null when no code ran; false when the sandbox could not cut the network off.</summary>
    [JsonPropertyName("sandbox_network_isolated")] public bool? SandboxNetworkIsolated { get; init; }
    /// <summary>The replicas a multi-endpoint run was spread over, each time it ran (latest set last); null for one endpoint.</summary>
    [JsonPropertyName("endpoints")] public IReadOnlyList<string>? Endpoints { get; init; }
    /// <summary>"i/N" for one shard of a run split over machines; null for a whole run.</summary>
    [JsonPropertyName("shard")] public string? Shard { get; init; }
    /// <summary>For a run made by <c>scout eval merge</c>: the shard runs it combines, as "file#run".</summary>
    [JsonPropertyName("merged_from")] public IReadOnlyList<string>? MergedFrom { get; init; }
}

/// <summary>Run states as stored.</summary>
public static class RunStatus
{
    public const string Running = "running";
    public const string Complete = "complete";
    public const string Interrupted = "interrupted";
}

/// <summary>One stored run.</summary>
public sealed record EvalRunInfo(long Id, string Name, DateTimeOffset Created, RunKey Key, ReproducibilityRecord Record, string Status);

/// <summary>One stored reply (or error) for a step of an item.</summary>
/// <param name="PromptHash">SHA-256 of the canonical request JSON: a cached reply is reused only for the same request.</param>
/// <param name="Error">Null when the request was answered; otherwise why it failed after its retries.</param>
/// <param name="Truncated">The answer was cut at max_tokens, or the prompt did not fit the context.</param>
/// <param name="Endpoint">The API base that answered (or last failed), when the run spread items over several replicas
/// (<see cref="Clients.ReplicaPoolChatClient"/>); null for a run against one endpoint or in-process, and in rows written
/// before schema 4.</param>
public sealed record StoredReply(
    string Suite,
    string ItemId,
    int Step,
    string PromptHash,
    string RequestJson,
    ModelReply? Reply,
    string? Error,
    int Attempts,
    bool Truncated,
    DateTimeOffset Created,
    string? Endpoint = null);

/// <summary>One stored score.</summary>
public sealed record StoredScore(EvalItem Item, SampleScore Score, string ScoringMode);

/// <summary>A mean over a breakdown key (subject or group).</summary>
public sealed record ScoreAggregate(string Key, int Count, double Mean);

/// <summary>What a report needs of one suite in one run, read from the store (so a resumed run counts both halves).</summary>
/// <param name="Scored">Items with a score.</param>
/// <param name="Errors">Items with no score because a request failed after retries or the item could not be scored (see <see cref="EvalStore.ScoringErrors"/>).</param>
/// <param name="Truncated">Replies cut at max_tokens plus requests whose prompt did not fit.</param>
/// <param name="Shortened">Items answered only after the suite shortened a prompt the model refused as too long (MMLU with
/// fewer shots). Counted by the run loop, which knows the suite; null in a summary read from the store alone.</param>
public sealed record SuiteSummary(
    string Suite,
    string? ScoringMode,
    int Scored,
    double Mean,
    int Errors,
    int Truncated,
    int ExtractionFailures,
    IReadOnlyList<ScoreAggregate> Subjects,
    IReadOnlyList<ScoreAggregate> Groups,
    long PromptTokens,
    long CompletionTokens,
    double LatencyMs,
    int Replies,
    int? Shortened = null);
