using ModelScout.Core.Memory;

namespace ModelScout.Engine.Tests.Quantization;

/// <summary>Small GGUF files written by our own writer for the quantizer and perplexity tests.</summary>
internal static class TestModels
{
    /// <summary>A one-layer llama whose rows are all multiples of 32 (and of 256 where <paramref name="width"/> is), vocabulary <paramref name="vocab"/>.</summary>
    public static Architecture Llama(int width = 64, int vocab = 300) => new()
    {
        GgufArchitecture = "llama",
        Layers = 1,
        EmbeddingLength = width,
        HeadCount = 2,
        KvHeadCount = 2,
        KeyLength = width / 2,
        FeedForwardLength = width * 2,
        VocabSize = vocab,
    };

    /// <summary>Writes the all-zero F32 model of <paramref name="a"/> to <paramref name="path"/>.</summary>
    public static string ZeroWeights(string path, Architecture? a = null, string recipe = "F32")
    {
        ZeroWeightModel.WriteFile(a ?? Llama(), QuantRecipe.Find(recipe)!, path, trainContext: 4096);
        return path;
    }
}
