namespace ModelScout.Store;

/// <summary>
/// An Ollama model name, <c>[host[:port]/][namespace/]model[:tag]</c>, with Ollama's defaults (<c>registry.ollama.ai</c>,
/// <c>library</c>, <c>latest</c>) and Ollama's matching: two names are equal when they differ only in letter case.
/// </summary>
public sealed class ModelName : IEquatable<ModelName>
{
    /// <summary>Registry host used when a name has none.</summary>
    public const string DefaultHost = "registry.ollama.ai";

    /// <summary>Namespace used when a name has none.</summary>
    public const string DefaultNamespace = "library";

    /// <summary>Tag used when a name has none.</summary>
    public const string DefaultTag = "latest";

    private ModelName(string host, string ns, string model, string tag, bool explicitHost)
    {
        Host = host;
        Namespace = ns;
        Model = model;
        Tag = tag;
        HasExplicitHost = explicitHost;
    }

    /// <summary>Registry host, with a port when one was given (<c>localhost:5000</c>).</summary>
    public string Host { get; }

    public string Namespace { get; }

    public string Model { get; }

    public string Tag { get; }

    /// <summary>True when the text named a host (so pulls go there rather than to the configured registry).</summary>
    public bool HasExplicitHost { get; }

    /// <summary>
    /// The shortest form that names the same model, as <c>ollama list</c> shows it: <c>llama3.1:8b</c>,
    /// <c>someone/model:latest</c>, <c>host:5000/ns/model:tag</c>.
    /// </summary>
    public string DisplayName =>
        !IsDefaultHost ? $"{Host}/{Namespace}/{Model}:{Tag}"
        : !string.Equals(Namespace, DefaultNamespace, StringComparison.OrdinalIgnoreCase) ? $"{Namespace}/{Model}:{Tag}"
        : $"{Model}:{Tag}";

    /// <summary>Every part spelled out: <c>registry.ollama.ai/library/llama3.1:8b</c>.</summary>
    public string FullName => $"{Host}/{Namespace}/{Model}:{Tag}";

    private bool IsDefaultHost => string.Equals(Host, DefaultHost, StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// Parses a name. Anything that is not a valid name (empty parts, too many slashes, characters outside
    /// letters, digits, <c>_ - .</c>) is a <see cref="StoreException"/> of kind
    /// <see cref="StoreErrorKind.InvalidName"/> that says which part is wrong and what it may contain.
    /// </summary>
    public static ModelName Parse(string text)
    {
        var name = TryParse(text, out var error);
        return name ?? throw new StoreException(StoreErrorKind.InvalidName, error!) { Param = "model" };
    }

    /// <summary>Parses a name, or returns null with the reason in <paramref name="error"/>.</summary>
    public static ModelName? TryParse(string? text, out string? error)
    {
        error = null;
        var s = text?.Trim() ?? "";
        if (s.Length == 0)
        {
            error = "a model name is required, like llama3.1:8b or namespace/model:tag";
            return null;
        }
        // A digest suffix (name@sha256:...) pins content; the store keys manifests by name, so it is dropped.
        var at = s.IndexOf('@', StringComparison.Ordinal);
        if (at >= 0) s = s[..at];

        var tag = DefaultTag;
        var colon = s.LastIndexOf(':');
        if (colon > s.LastIndexOf('/'))
        {
            tag = s[(colon + 1)..];
            s = s[..colon];
            if (tag.Length == 0) return Fail(text!, "the tag after ':' is empty", out error);
        }
        var parts = s.Split('/');
        string host = DefaultHost, ns = DefaultNamespace, model;
        var explicitHost = false;
        switch (parts.Length)
        {
            case 1:
                model = parts[0];
                break;
            case 2:
                (ns, model) = (parts[0], parts[1]);
                break;
            case 3:
                (host, ns, model) = (parts[0], parts[1], parts[2]);
                explicitHost = true;
                break;
            default:
                return Fail(text!, "it has more than three '/'-separated parts; use [host/][namespace/]model[:tag]", out error);
        }
        if (!ValidPart(host, PartKind.Host)) return Fail(text!, $"the host '{host}' may only contain letters, digits, '_', '-', '.' and ':' (up to 350 characters)", out error);
        if (!ValidPart(ns, PartKind.Namespace)) return Fail(text!, $"the namespace '{ns}' must start with a letter, digit or '_' and contain only letters, digits, '_' and '-' (up to 80 characters)", out error);
        if (!ValidPart(model, PartKind.Model)) return Fail(text!, $"the model '{model}' must start with a letter, digit or '_' and contain only letters, digits, '_', '-' and '.' (up to 80 characters)", out error);
        if (!ValidPart(tag, PartKind.Tag)) return Fail(text!, $"the tag '{tag}' must start with a letter, digit or '_' and contain only letters, digits, '_', '-' and '.' (up to 80 characters)", out error);
        return new ModelName(host, ns, model, tag, explicitHost);
    }

    private static ModelName? Fail(string text, string why, out string? error)
    {
        error = $"invalid model name '{text}': {why}";
        return null;
    }

    private enum PartKind { Host, Namespace, Model, Tag }

    private static bool ValidPart(string s, PartKind kind)
    {
        var max = kind == PartKind.Host ? 350 : 80;
        if (s.Length == 0 || s.Length > max) return false;
        for (var i = 0; i < s.Length; i++)
        {
            var c = s[i];
            if (char.IsAsciiLetterOrDigit(c) || c == '_') continue;
            if (i == 0) return false;
            var ok = c switch
            {
                '-' => true,
                '.' => kind != PartKind.Namespace,
                ':' => kind == PartKind.Host,
                _ => false,
            };
            if (!ok) return false;
        }
        // "." and ".." would escape the manifests directory.
        return s is not "." and not "..";
    }

    /// <summary>Path of this name's manifest under <c>manifests/</c>, as stored (letter case as given).</summary>
    internal string ManifestRelativePath => Path.Combine(Host, Namespace, Model, Tag);

    /// <summary>Rebuilds a name from the four directory levels of a manifest path; null when they are not a valid name.</summary>
    internal static ModelName? FromParts(string host, string ns, string model, string tag)
    {
        if (!ValidPart(host, PartKind.Host) || !ValidPart(ns, PartKind.Namespace) || !ValidPart(model, PartKind.Model) || !ValidPart(tag, PartKind.Tag)) return null;
        return new ModelName(host, ns, model, tag, explicitHost: true);
    }

    public bool Equals(ModelName? other) =>
        other is not null
        && string.Equals(Host, other.Host, StringComparison.OrdinalIgnoreCase)
        && string.Equals(Namespace, other.Namespace, StringComparison.OrdinalIgnoreCase)
        && string.Equals(Model, other.Model, StringComparison.OrdinalIgnoreCase)
        && string.Equals(Tag, other.Tag, StringComparison.OrdinalIgnoreCase);

    public override bool Equals(object? obj) => Equals(obj as ModelName);

    public override int GetHashCode() => StringComparer.OrdinalIgnoreCase.GetHashCode(FullName);

    public static bool operator ==(ModelName? a, ModelName? b) => a is null ? b is null : a.Equals(b);

    public static bool operator !=(ModelName? a, ModelName? b) => !(a == b);

    /// <summary>The display name.</summary>
    public override string ToString() => DisplayName;
}
