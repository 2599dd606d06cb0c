using System.Security.Cryptography;
using System.Text.Json;

namespace ModelScout.Testing;

/// <summary>
/// Reads a store folder the way a crash investigator would, without the store's code: every manifest parses and names
/// blobs that exist with the size it says and hash to their digest, every blob's content matches its name, and no
/// temporary file is left where a reader looks. Returns the problems found (empty when the store is consistent).
/// </summary>
public static class StoreAudit
{
    /// <param name="root">The store root (holds blobs/ and manifests/).</param>
    /// <param name="allowTemporaries">True right after a crash or while writers may still run: temporary files (under
    /// blobs/partial, and dot-files beside manifests) are not problems then.</param>
    public static IReadOnlyList<string> Problems(string root, bool allowTemporaries = false)
    {
        var problems = new List<string>();
        var blobs = Path.Combine(root, "blobs");
        var manifests = Path.Combine(root, "manifests");
        if (Directory.Exists(blobs))
        {
            foreach (var file in Directory.GetFiles(blobs))
            {
                var name = Path.GetFileName(file);
                if (!name.StartsWith("sha256-", StringComparison.Ordinal) || name.Length != 71)
                {
                    problems.Add($"a file that is not a blob under blobs/: {name}");
                    continue;
                }
                var hash = Hash(file);
                if (hash != name[7..]) problems.Add($"blob {name} holds bytes that hash to {hash} (partial or damaged blob under its final name)");
            }
            var partial = Path.Combine(blobs, "partial");
            if (!allowTemporaries && Directory.Exists(partial) && Directory.GetFileSystemEntries(partial).Length > 0)
                problems.Add($"temporary files left in blobs/partial: {string.Join(", ", Directory.GetFileSystemEntries(partial).Select(Path.GetFileName))}");
        }
        if (!Directory.Exists(manifests)) return problems;
        foreach (var file in Directory.GetFiles(manifests, "*", SearchOption.AllDirectories))
        {
            var relative = Path.GetRelativePath(manifests, file);
            if (Path.GetFileName(file).StartsWith('.'))
            {
                if (!allowTemporaries) problems.Add($"temporary manifest file left: {relative}");
                continue;
            }
            try
            {
                using var doc = JsonDocument.Parse(File.ReadAllBytes(file));
                var layers = new List<JsonElement>();
                if (doc.RootElement.TryGetProperty("config", out var config)) layers.Add(config);
                else problems.Add($"manifest {relative} has no config");
                if (doc.RootElement.TryGetProperty("layers", out var ls)) layers.AddRange(ls.EnumerateArray());
                else problems.Add($"manifest {relative} has no layers");
                foreach (var layer in layers)
                {
                    var digest = layer.GetProperty("digest").GetString() ?? "";
                    var size = layer.GetProperty("size").GetInt64();
                    var blob = Path.Combine(blobs, digest.Replace(':', '-'));
                    if (!digest.StartsWith("sha256:", StringComparison.Ordinal) || digest.Length != 71 || digest.Contains('/', StringComparison.Ordinal))
                        problems.Add($"manifest {relative} names a malformed digest {digest}");
                    else if (!File.Exists(blob)) problems.Add($"manifest {relative} names missing blob {digest}");
                    else if (new FileInfo(blob).Length != size) problems.Add($"manifest {relative} says {digest} has {size} bytes; the blob has {new FileInfo(blob).Length}");
                }
            }
            catch (Exception e) when (e is JsonException or InvalidOperationException or KeyNotFoundException or IOException)
            {
                problems.Add($"manifest {relative} cannot be read: {e.Message}");
            }
        }
        return problems;
    }

    private static string Hash(string file)
    {
        using var stream = File.OpenRead(file);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }
}
