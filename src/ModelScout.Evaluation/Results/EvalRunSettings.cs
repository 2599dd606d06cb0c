using System.Globalization;
using System.Text;

namespace ModelScout.Evaluation.Results;

/// <summary>
/// What decides the requests a run sends besides the model: the suites, item selection, prompts, sampling, data and
/// judge. The default run name hashes these with the <see cref="RunKey"/>, so the same command always lands on the same
/// run (which is what makes "run it again" resume) and any change to them starts a different run.
/// </summary>
public sealed record EvalRunSettings
{
    /// <summary>Suites in the order asked.</summary>
    public required IReadOnlyList<string> Suites { get; init; }

    /// <summary>At most this many items per suite.</summary>
    public int? Limit { get; init; }

    /// <summary>This share of each suite's items.</summary>
    public double? Fraction { get; init; }

    /// <summary>Seed for choosing items and for sampled answers.</summary>
    public int Seed { get; init; }

    /// <summary>MMLU examples per prompt, when asked for.</summary>
    public int? Shots { get; init; }

    /// <summary>MMLU scoring as asked: auto, logprob, generative or loglikelihood.</summary>
    public required string MmluMode { get; init; }

    /// <summary>GSM8K with eight worked examples instead of the zero-shot prompt.</summary>
    public bool Gsm8kEightShot { get; init; }

    /// <summary>HumanEval completions per problem.</summary>
    public int Samples { get; init; } = 1;

    /// <summary>One temperature for every answer, when asked for.</summary>
    public double? Temperature { get; init; }

    /// <summary>One cap on every answer's tokens, when asked for.</summary>
    public int? MaxTokens { get; init; }

    /// <summary>The dataset folder (named by its full path); null for the built-in samples.</summary>
    public string? DataDirectory { get; init; }

    /// <summary>MT-Bench's judge endpoint; it counts only when MT-Bench is among the suites.</summary>
    public Uri? JudgeEndpoint { get; init; }

    /// <summary>MT-Bench's judge model.</summary>
    public string? JudgeModel { get; init; }

    /// <summary>BFCL categories asked for, comma-separated in a fixed order; null for all. Counts only when bfcl is among the suites.</summary>
    public string? BfclCategories { get; init; }

    /// <summary>The settings that shape the requests as the reproducibility record keeps them: those set, without the data folder.</summary>
    public IReadOnlyDictionary<string, string> Sampling =>
        Pairs().Where(kv => kv.Value is not null && kv.Key != "data").ToDictionary(kv => kv.Key, kv => kv.Value!);

    /// <summary>
    /// The default run name: the model's short name, the suites, and ten hex digits of SHA-256 over the key's endpoint,
    /// model and digest, the suites and every setting that is set.
    /// </summary>
    public string RunName(RunKey key)
    {
        ArgumentNullException.ThrowIfNull(key);
        var canonical = new StringBuilder();
        canonical.Append("target=").Append(key.Endpoint).Append('\n')
            .Append("model=").Append(key.ModelId).Append('\n')
            .Append("suites=").Append(string.Join(',', Suites.Order(StringComparer.Ordinal))).Append('\n');
        var settings = Pairs().Append(new("digest", key.ModelDigest)).Where(kv => kv.Value is not null).OrderBy(kv => kv.Key, StringComparer.Ordinal);
        foreach (var (name, value) in settings) canonical.Append(name).Append('=').Append(value).Append('\n');
        return $"{Slug(key.ModelId)}-{string.Join('+', Suites)}-{ContentHash.Hex(canonical.ToString())[..10]}";
    }

    // In the order the reproducibility record lists them; null means "not set".
    private IEnumerable<KeyValuePair<string, string?>> Pairs() =>
    [
        new("limit", Limit?.ToString(CultureInfo.InvariantCulture)),
        new("fraction", Fraction?.ToString("R", CultureInfo.InvariantCulture)),
        new("seed", Seed.ToString(CultureInfo.InvariantCulture)),
        new("shots", Shots?.ToString(CultureInfo.InvariantCulture)),
        new("mmlu", MmluMode),
        new("gsm8k", Gsm8kEightShot ? "8shot" : null),
        new("samples", Samples.ToString(CultureInfo.InvariantCulture)),
        new("temperature", Temperature?.ToString("R", CultureInfo.InvariantCulture)),
        new("max_tokens", MaxTokens?.ToString(CultureInfo.InvariantCulture)),
        new("data", DataDirectory is null ? null : Path.GetFullPath(DataDirectory)),
        new("judge", Suites.Contains("mtbench") ? $"{JudgeEndpoint} {JudgeModel}" : null),
        new("bfcl", Suites.Contains("bfcl") ? BfclCategories : null),
    ];

    // A readable piece of the model name: the file name without .gguf, safe characters only, not too long.
    private static string Slug(string model)
    {
        var name = model;
        if (name.Contains('/', StringComparison.Ordinal) || name.Contains('\\', StringComparison.Ordinal)) name = Path.GetFileName(name.TrimEnd('/', '\\'));
        if (name.EndsWith(".gguf", StringComparison.OrdinalIgnoreCase)) name = name[..^5];
        var sb = new StringBuilder();
        foreach (var c in name)
            sb.Append(char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-' ? char.ToLowerInvariant(c) : '-');
        var slug = sb.ToString().Trim('-');
        if (slug.Length > 40) slug = slug[..40];
        return slug.Length == 0 ? "model" : slug;
    }
}
