using ModelScout.Testing;

namespace ModelScout.Gguf.Tests;

public class RealFileTests
{
    [Fact]
    public void Stories260K_reads_as_the_llama_it_is()
    {
        var (f, report) = GgufValidator.ValidateFile(RepoPaths.Model("stories260K.gguf"));
        var info = GgufModelInfo.From(f);
        Assert.True(report.Clean, string.Join("; ", report.Warnings));
        Assert.Equal(3, f.Version);
        Assert.Equal("llama", info.Architecture);
        Assert.Equal(48, f.Tensors.Count);
        Assert.Equal(292_800, info.Parameters);
        Assert.Equal(5, info.Hyper.BlockCount);
        Assert.Equal(64, info.Hyper.EmbeddingLength);
        Assert.Equal(8, info.Hyper.HeadCount);
        Assert.Equal(4, info.Hyper.KvHeads(0));
        Assert.Equal(172, info.Hyper.FeedForwardLength);
        Assert.Equal(2048, info.Hyper.ContextLength);
        Assert.Equal(512, info.VocabularySize);
        Assert.Equal("llama", info.TokenizerModel);
        Assert.False(info.HasChatTemplate);
        Assert.All(f.Tensors, t => Assert.Equal(GgmlType.F32, t.Type));
        Assert.Equal(32.0, info.BitsPerWeight, 6);
        Assert.Equal(1, info.SpecialTokens["bos"]);
        // The data section ends exactly where the file does.
        Assert.Equal(f.FileLength, f.DataOffset + f.DataBytes);
    }

    [Fact]
    public void Llama2_tiny_random_reads_its_large_vocabulary_and_F16_types()
    {
        var (f, report) = GgufValidator.ValidateFile(RepoPaths.Model("llama-2-tiny-random.gguf"));
        var info = GgufModelInfo.From(f);
        Assert.True(report.Clean, string.Join("; ", report.Warnings));
        Assert.Equal(32_000, info.VocabularySize);
        Assert.Equal(1, info.Hyper.BlockCount);
        Assert.Equal(8, info.Hyper.EmbeddingLength);
        Assert.Equal("F16", info.FileType!.Name);
        Assert.Equal(GgmlType.F16, info.MainType);
        Assert.Contains(info.Types, t => t.Type == GgmlType.F32);
        Assert.Equal(f.Tensors.Where(t => t.Dimensions.Count == 1).Sum(t => t.Elements), info.Types.Single(t => t.Type == GgmlType.F32).Elements);
    }

    [Fact]
    public void Cutting_a_real_file_anywhere_in_its_data_is_reported_with_the_missing_bytes()
    {
        var bytes = File.ReadAllBytes(RepoPaths.Model("stories260K.gguf"));
        var cut = bytes.AsSpan(0, bytes.Length - 1000).ToArray();
        var f = GgufReader.Read(new MemoryStream(cut), cut.Length);
        var e = Assert.Throws<GgufFormatException>(() => GgufValidator.Validate(f));
        Assert.Contains("truncated by 1,000 bytes", e.Message, StringComparison.Ordinal);
        Assert.Equal(cut.Length, e.Offset);
    }
}
