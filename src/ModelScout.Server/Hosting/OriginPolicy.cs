namespace ModelScout.Server.Hosting;

/// <summary>
/// Which browser origins may call the server: Ollama's defaults (localhost, 127.0.0.1, 0.0.0.0 on any port, and the
/// app://, file://, tauri://, vscode-webview://, vscode-file:// schemes) plus the configured patterns, where <c>*</c>
/// matches anything.
/// </summary>
public sealed class OriginPolicy
{
    /// <summary>Ollama's default origin patterns.</summary>
    public static IReadOnlyList<string> Defaults { get; } =
    [
        .. new[] { "localhost", "127.0.0.1", "0.0.0.0" }.SelectMany(h => new[] { $"http://{h}", $"https://{h}", $"http://{h}:*", $"https://{h}:*" }),
        "app://*", "file://*", "tauri://*", "vscode-webview://*", "vscode-file://*",
    ];

    private readonly IReadOnlyList<string> patterns;

    public OriginPolicy(IEnumerable<string> extra) => patterns = [.. Defaults, .. extra ?? []];

    /// <summary>True when <paramref name="origin"/> matches a pattern (case-insensitively, as hosts are).</summary>
    public bool IsAllowed(string origin) => patterns.Any(p => p == "*" || Glob(p, origin));

    private static bool Glob(string pattern, string text)
    {
        var parts = pattern.Split('*');
        if (parts.Length == 1) return string.Equals(pattern, text, StringComparison.OrdinalIgnoreCase);
        if (!text.StartsWith(parts[0], StringComparison.OrdinalIgnoreCase)) return false;
        var at = parts[0].Length;
        for (var i = 1; i < parts.Length - 1; i++)
        {
            var found = text.IndexOf(parts[i], at, StringComparison.OrdinalIgnoreCase);
            if (found < 0) return false;
            at = found + parts[i].Length;
        }
        var last = parts[^1];
        return text.Length - at >= last.Length && text.EndsWith(last, StringComparison.OrdinalIgnoreCase);
    }
}
