using ModelScout.Core.Memory;
using ModelScout.Gguf;

// A model that streams at a real model's pace on this machine's CPU, for the web UI's streaming benchmark
// (bench/ui-bench.sh): Llama's shape at ~125M parameters (12 layers, 768 wide, 12 heads / 4 KV heads, feed-forward 2048,
// 32,000-token vocabulary), Q8_0, random weights so that the forward pass is real work. Greedy decoding of random
// weights could stop early at EOS, so the output rows of the special tokens are zero: their logit is 0 while the
// largest of 32,000 random logits is well above it, and every reply runs to num_predict.
if (args.Length != 1)
{
    Console.Error.WriteLine("usage: ModelScout.UiBenchModel OUT.gguf");
    return 2;
}
var path = Path.GetFullPath(args[0]);
var arch = new Architecture
{
    GgufArchitecture = "llama", Layers = 12, EmbeddingLength = 768, HeadCount = 12, KvHeadCount = 4, KeyLength = 64,
    FeedForwardLength = 2048, VocabSize = 32000,
};
ZeroWeightModel.WriteFile(arch, QuantRecipe.Find("Q8_0")!, path + ".tmp", trainContext: 2048);
Fill(path + ".tmp", new Random(20261207), arch.VocabSize);
File.Move(path + ".tmp", path, overwrite: true);
Console.WriteLine($"{path}: {new FileInfo(path).Length / 1e6:0} MB, llama 12 x 768, Q8_0, random weights");
return 0;

// Norm weights near 1, F16 values small, Q8_0 blocks of random int8 with scale 0.002 (34 bytes: the f16 scale, 32 values).
static void Fill(string path, Random random, long vocab)
{
    const int block = 34;
    var file = GgufReader.ReadFile(path);
    using var stream = new FileStream(path, FileMode.Open, FileAccess.ReadWrite);
    foreach (var t in file.Tensors)
    {
        var bytes = new byte[t.Bytes];
        if (t.Type == GgmlType.F32)
        {
            for (var i = 0; i + 4 <= bytes.Length; i += 4) BitConverter.TryWriteBytes(bytes.AsSpan(i), (float)(0.9 + random.NextDouble() * 0.2));
        }
        else if (t.Type == GgmlType.F16)
        {
            for (var i = 0; i + 2 <= bytes.Length; i += 2) BitConverter.TryWriteBytes(bytes.AsSpan(i), (Half)((random.NextDouble() - 0.5) * 0.04));
        }
        else if (t.Type == GgmlType.Q8_0)
        {
            random.NextBytes(bytes);
            for (var i = 0; i + block <= bytes.Length; i += block) BitConverter.TryWriteBytes(bytes.AsSpan(i), (Half)0.002);
        }
        else
        {
            throw new InvalidOperationException($"{t.Name}: {t.Type} is not filled by this bench");
        }
        // Rows 0-2 of the output matrix (<unk>, <s>, </s>) all zero, so those tokens never win.
        if (t.Name == "output.weight") bytes.AsSpan(0, (int)(3 * (bytes.Length / vocab))).Clear();
        stream.Position = file.DataOffset + t.Offset;
        stream.Write(bytes);
    }
}
