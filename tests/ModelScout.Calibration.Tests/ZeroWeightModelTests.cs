using ModelScout.Core.Memory;
using ModelScout.Gguf;

namespace ModelScout.Calibration.Tests;

/// <summary>The zero-weight files hold exactly the estimator's tensors; no llama.cpp involved.</summary>
public class ZeroWeightModelTests
{
    public static TheoryData<string> Small => [.. SmallModels.All.Select(m => m.Name)];

    private static Architecture Arch(string name) => SmallModels.All.Single(m => m.Name == name).Architecture;

    private static GgufFile Read(Architecture a)
    {
        var bytes = ZeroWeightModel.Build(a, QuantRecipe.Find("Q4_K_M")!).ToArray();
        return GgufReader.Read(new MemoryStream(bytes), bytes.Length);
    }

    [Theory]
    [MemberData(nameof(Small))]
    public void The_file_holds_the_estimators_tensors_in_ggml_order(string name)
    {
        var a = Arch(name);
        var weights = ModelWeights.For(a, QuantRecipe.Find("Q4_K_M")!);
        var file = Read(a);

        Assert.Equal(weights.Tensors.Count, file.Tensors.Count);
        foreach (var (expected, actual) in weights.Tensors.Zip(file.Tensors))
        {
            Assert.Equal(expected.Shape.Name, actual.Name);
            Assert.Equal(expected.Type, actual.Type);
            Assert.Equal(expected.Shape.GgmlDimensions, actual.Dimensions);
            Assert.Equal(expected.Bytes, actual.Bytes);
        }
        var info = GgufModelInfo.From(file);
        Assert.Equal(a.GgufArchitecture, info.Architecture);
        Assert.Equal(LlamaFileTypes.Find("Q4_K_M")!.Id, info.FileTypeId);
        Assert.Equal(weights.TotalBytes, info.TensorBytes);
        Assert.Equal(weights.Parameters, info.Parameters);
        Assert.Equal(a.VocabSize, info.VocabularySize);
        Assert.Equal(a.Layers, info.Hyper.BlockCount);
        Assert.Equal(a.KvHeadCount, info.Hyper.KvHeads(0));
        Assert.Equal(a.SlidingWindow?.Window, info.Hyper.SlidingWindow);
    }

    [Fact]
    public void Key_and_value_widths_are_written_only_where_they_differ_from_hidden_over_heads()
    {
        static string[] Keys(Architecture a) => [.. Read(a)
            .Metadata.Select(m => m.Key).Where(k => k.EndsWith("_length", StringComparison.Ordinal) && k.Contains("attention", StringComparison.Ordinal))];
        Assert.Empty(Keys(SmallModels.Llama));
        Assert.Equal(["llama.attention.key_length", "llama.attention.value_length"], Keys(SmallModels.Mistral));
        Assert.Equal(["gemma2.attention.key_length", "gemma2.attention.value_length"], Keys(SmallModels.Gemma2));
    }

    [Fact]
    public void A_vocabulary_smaller_than_the_byte_tokens_is_refused()
    {
        var a = SmallModels.Llama with { VocabSize = 100 };
        Assert.Throws<ArgumentException>(() => ZeroWeightModel.Build(a, QuantRecipe.Find("Q4_K_M")!));
    }
}
