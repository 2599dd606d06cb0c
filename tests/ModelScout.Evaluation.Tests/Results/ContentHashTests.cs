using ModelScout.Evaluation.Results;

namespace ModelScout.Evaluation.Tests.Results;

public sealed class ContentHashTests : IDisposable
{
    private const string Abc = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
    private readonly string dir = Directory.CreateTempSubdirectory("scout-hash-").FullName;

    public void Dispose() => Directory.Delete(dir, true);

    [Fact]
    public void Text_and_bytes_hash_to_lower_case_hex()
    {
        Assert.Equal(Abc, ContentHash.Hex("abc"));
        Assert.Equal(Abc, ContentHash.Hex("abc"u8));
        Assert.Equal(ContentHash.Hex("{\"messages\":[]}"), RequestHash.Of("{\"messages\":[]}"));
    }

    [Fact]
    public void A_file_digest_is_in_ollamas_form()
    {
        var path = Path.Combine(dir, "model.gguf");
        File.WriteAllText(path, "abc");
        Assert.Equal("sha256:" + Abc, ContentHash.FileDigest(path));
    }
}
