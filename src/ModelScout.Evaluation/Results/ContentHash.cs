using System.Security.Cryptography;
using System.Text;

namespace ModelScout.Evaluation.Results;

/// <summary>SHA-256 the way the result store records it: lower-case hex, and "sha256:hex" (Ollama's form) for model files.</summary>
public static class ContentHash
{
    /// <summary>Lower-case hex SHA-256 of <paramref name="bytes"/>.</summary>
    public static string Hex(ReadOnlySpan<byte> bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    /// <summary>Lower-case hex SHA-256 of <paramref name="text"/>'s UTF-8 bytes.</summary>
    public static string Hex(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return Hex(Encoding.UTF8.GetBytes(text));
    }

    /// <summary>
    /// "sha256:hex" of a file, read as a stream (model files run to tens of GB): the digest a loose GGUF gets in a
    /// <see cref="RunKey"/>, in the form store blobs and Ollama's API give theirs.
    /// </summary>
    public static string FileDigest(string path)
    {
        using var stream = File.OpenRead(path);
        return "sha256:" + Convert.ToHexStringLower(SHA256.HashData(stream));
    }
}
