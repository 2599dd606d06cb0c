using System.Collections.Frozen;
using System.IO.Compression;
using System.Security.Cryptography;

namespace ModelScout.Server.Ui;

/// <summary>One file of the web UI, held in memory with its gzip and Brotli forms and a content hash for its ETag.</summary>
internal sealed record UiAsset(string Path, string ContentType, byte[] Raw, byte[] Gzip, byte[] Brotli, string ETag);

/// <summary>
/// The UI's files, embedded in the server assembly (logical names <c>ui/&lt;path under wwwroot&gt;</c>) and compressed
/// once on first use: nothing is read from disk or fetched at run time.
/// </summary>
internal static class UiAssets
{
    private const string Prefix = "ui/";

    private static readonly Lazy<FrozenDictionary<string, UiAsset>> All = new(Load);

    /// <summary>The file at <paramref name="path"/> (relative to wwwroot, forward slashes), or null.</summary>
    public static UiAsset? Find(string path) => All.Value.GetValueOrDefault(path);

    /// <summary>The names of the pages the UI has (wwwroot/pages/NAME.js), sorted.</summary>
    public static IReadOnlyList<string> Pages =>
        [.. All.Value.Keys.Where(k => k.StartsWith("pages/", StringComparison.Ordinal) && k.EndsWith(".js", StringComparison.Ordinal))
            .Select(k => k["pages/".Length..^".js".Length]).Where(n => !n.Contains('/', StringComparison.Ordinal)).Order(StringComparer.Ordinal)];

    private static FrozenDictionary<string, UiAsset> Load()
    {
        var assembly = typeof(UiAssets).Assembly;
        var assets = new Dictionary<string, UiAsset>(StringComparer.Ordinal);
        foreach (var name in assembly.GetManifestResourceNames())
        {
            if (!name.StartsWith(Prefix, StringComparison.Ordinal)) continue;
            var path = name[Prefix.Length..].Replace('\\', '/');
            using var stream = assembly.GetManifestResourceStream(name)!;
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            var raw = copy.ToArray();
            assets[path] = new UiAsset(path, ContentType(path), raw, Compress(raw, s => new GZipStream(s, CompressionLevel.SmallestSize)),
                Compress(raw, s => new BrotliStream(s, CompressionLevel.SmallestSize)), "\"" + Convert.ToHexStringLower(SHA256.HashData(raw).AsSpan(0, 12)) + "\"");
        }
        return assets.ToFrozenDictionary(StringComparer.Ordinal);
    }

    private static byte[] Compress(byte[] raw, Func<Stream, Stream> wrap)
    {
        using var output = new MemoryStream();
        using (var compressor = wrap(output)) compressor.Write(raw);
        return output.ToArray();
    }

    private static string ContentType(string path) => System.IO.Path.GetExtension(path) switch
    {
        ".html" => "text/html; charset=utf-8",
        ".js" => "text/javascript; charset=utf-8",
        ".css" => "text/css; charset=utf-8",
        ".svg" => "image/svg+xml",
        ".png" => "image/png",
        ".json" => "application/json; charset=utf-8",
        ".ico" => "image/x-icon",
        _ => "application/octet-stream",
    };
}
