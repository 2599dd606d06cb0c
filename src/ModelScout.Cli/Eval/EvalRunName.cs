using System.Security.Cryptography;
using System.Text;

namespace ModelScout.Cli.Eval;

/// <summary>
/// The default run name: the model's short name, the suites and a hash of everything that decides what is asked
/// (target, model, suites, selection, prompts, sampling, data, judge). The same command always lands on the same run,
/// which is what makes "run it again" resume; any change to those settings starts a different run.
/// </summary>
internal static class EvalRunName
{
    public static string For(string target, string model, IReadOnlyList<string> suites, IEnumerable<KeyValuePair<string, string?>> settings)
    {
        var canonical = new StringBuilder();
        canonical.Append("target=").Append(target).Append('\n')
            .Append("model=").Append(model).Append('\n')
            .Append("suites=").Append(string.Join(',', suites.Order(StringComparer.Ordinal))).Append('\n');
        foreach (var (key, value) in settings.Where(kv => kv.Value is not null).OrderBy(kv => kv.Key, StringComparer.Ordinal))
            canonical.Append(key).Append('=').Append(value).Append('\n');
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(canonical.ToString())))[..10];
        return $"{Slug(model)}-{string.Join('+', suites)}-{hash}";
    }

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
