namespace ModelScout.Evaluation.Clients;

/// <summary>
/// What an endpoint says about the model behind an id, to tell whether two endpoints serve the same weights. Ollama-style
/// servers (scout serve, Ollama) give the GGUF's digest and quantization (<c>/api/show</c>, <c>/api/tags</c>); an
/// OpenAI-only server gives what its <c>/v1/models</c> entry lists (vLLM: <c>root</c>, the checkpoint it loaded, and
/// <c>max_model_len</c>) and llama.cpp its <c>/props</c> model file name. Two fingerprints match when every field both
/// know is equal; <see cref="Strong"/> says whether a content digest took part, as opposed to names alone.
/// </summary>
public sealed record ModelFingerprint(string ModelId, string? Digest, string? Quantization, string? Root, long? MaxModelLen, string? ModelFile)
{
    /// <summary>The fingerprint of a probed endpoint.</summary>
    public static ModelFingerprint Of(EndpointInfo info)
    {
        ArgumentNullException.ThrowIfNull(info);
        var file = info.ModelPath is { Length: > 0 } path ? Path.GetFileName(path.Replace('\\', '/').TrimEnd('/')) : null;
        return new ModelFingerprint(info.Model, info.ModelDigest, info.Quantization, info.ListedRoot, info.MaxModelLen, file);
    }

    /// <summary>A content digest of the weights is known.</summary>
    public bool Strong => Digest is not null;

    /// <summary>The fields where <paramref name="other"/> says something else, as "field: this vs other"; empty when they match.</summary>
    public IReadOnlyList<string> Differences(ModelFingerprint other)
    {
        ArgumentNullException.ThrowIfNull(other);
        var d = new List<string>();
        Compare(d, "digest", Digest, other.Digest, bothKnown: false);
        Compare(d, "quantization", Quantization, other.Quantization, bothKnown: false);
        Compare(d, "root", Root, other.Root, bothKnown: true);
        Compare(d, "max_model_len", MaxModelLen?.ToString(System.Globalization.CultureInfo.InvariantCulture),
            other.MaxModelLen?.ToString(System.Globalization.CultureInfo.InvariantCulture), bothKnown: true);
        Compare(d, "model file", ModelFile, other.ModelFile, bothKnown: true);
        return d;
    }

    // Digest and quantization must agree even when one side lacks them (a replica that cannot say which weights it has
    // is not proven the same); the listing fields count only where both servers list them.
    private static void Compare(List<string> d, string field, string? a, string? b, bool bothKnown)
    {
        if (bothKnown && (a is null || b is null)) return;
        if (!string.Equals(a, b, StringComparison.Ordinal)) d.Add($"{field} {a ?? "(not reported)"} vs {b ?? "(not reported)"}");
    }

    /// <summary>One line for messages: the digest when known, else the names that were compared.</summary>
    public override string ToString()
    {
        var parts = new List<string>();
        if (Digest is not null) parts.Add(Digest);
        if (Quantization is not null) parts.Add(Quantization);
        if (Root is not null) parts.Add("root " + Root);
        if (MaxModelLen is { } len) parts.Add("max_model_len " + len.ToString(System.Globalization.CultureInfo.InvariantCulture));
        if (ModelFile is not null) parts.Add("file " + ModelFile);
        return parts.Count == 0 ? $"{ModelId} (id only)" : string.Join(", ", parts);
    }
}
