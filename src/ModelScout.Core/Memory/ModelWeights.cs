using ModelScout.Gguf;

namespace ModelScout.Core.Memory;

/// <summary>One tensor with the type a quantized file gives it and the bytes it takes.</summary>
public sealed record TensorWeight(TensorShape Shape, GgmlType Type, long Bytes);

/// <summary>
/// The exact tensor bytes of a model at one file type, grouped the way llama.cpp places them:
/// the token embedding (always host), each block, and the output head.
/// </summary>
public sealed class ModelWeights
{
    private ModelWeights(Architecture architecture, string fileType, IReadOnlyList<TensorWeight> tensors)
    {
        Architecture = architecture;
        FileType = fileType;
        Tensors = tensors;
        var layerBytes = new long[architecture.Layers];
        var routedBytes = new long[architecture.Layers];
        foreach (var t in tensors)
        {
            TotalBytes += t.Bytes;
            if (t.Shape.IsParameter) Parameters += t.Shape.Elements;
            if (t.Shape.Layer >= 0)
            {
                layerBytes[t.Shape.Layer] += t.Bytes;
                if (t.Shape.IsRoutedExpert) routedBytes[t.Shape.Layer] += t.Bytes;
            }
            else if (t.Shape.Role == TensorRole.TokenEmbedding)
            {
                TokenEmbeddingBytes = t.Bytes;
            }
            else
            {
                OutputBytes += t.Bytes; // output head, output norm, rope factors travel together
            }
        }
        LayerBytes = layerBytes;
        LayerRoutedExpertBytes = routedBytes;
        if (architecture.TiedEmbeddings)
        {
            // The head reuses the embedding matrix; llama.cpp loads a second copy wherever the head runs.
            OutputBytes += TokenEmbeddingBytes;
        }
    }

    /// <summary>The architecture sized.</summary>
    public Architecture Architecture { get; }
    /// <summary>The file type (Q4_K_M ...).</summary>
    public string FileType { get; }
    /// <summary>Every tensor with its type and size.</summary>
    public IReadOnlyList<TensorWeight> Tensors { get; }
    /// <summary>Sum of tensor bytes: the GGUF file size less its header.</summary>
    public long TotalBytes { get; }
    /// <summary>Weights counted over every tensor (tied embeddings once).</summary>
    public long Parameters { get; }
    /// <summary>Bytes of the token embedding matrix, which llama.cpp keeps in host memory.</summary>
    public long TokenEmbeddingBytes { get; }
    /// <summary>Bytes that live wherever the output head runs (for tied models, a second copy of the embeddings).</summary>
    public long OutputBytes { get; }
    /// <summary>Bytes of each block.</summary>
    public IReadOnlyList<long> LayerBytes { get; }
    /// <summary>Bytes of routed-expert tensors in each block (zero for dense models).</summary>
    public IReadOnlyList<long> LayerRoutedExpertBytes { get; }

    /// <summary>Effective bits per weight of the file.</summary>
    public double BitsPerWeight => Parameters == 0 ? 0 : TotalBytes * 8.0 / Parameters;

    /// <summary>Bytes and tensor counts per ggml type, largest first.</summary>
    public IReadOnlyList<(GgmlType Type, int Tensors, long Bytes)> TypeMix() =>
        Tensors.GroupBy(t => t.Type)
            .Select(g => (g.Key, g.Count(), g.Sum(t => t.Bytes)))
            .OrderByDescending(g => g.Item3)
            .ToList();

    /// <summary>Bytes one decoded token reads from block <paramref name="layer"/>: routed experts only in the used share.</summary>
    public double ActiveLayerBytes(int layer)
    {
        var moe = Architecture.Moe;
        var routed = LayerRoutedExpertBytes[layer];
        var share = moe is null || routed == 0 ? 0 : (double)moe.ExpertsUsed / moe.Experts;
        return LayerBytes[layer] - routed + routed * share;
    }

    // One tensor list per architecture, shared by every file type sized from it.
    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<Architecture, IReadOnlyList<TensorShape>> Layouts = new();

    /// <summary>Weights as a real file has them: its own tensors, types and sizes.</summary>
    public static ModelWeights FromTensors(Architecture architecture, string fileType, IReadOnlyList<TensorWeight> tensors)
    {
        ArgumentNullException.ThrowIfNull(architecture);
        ArgumentNullException.ThrowIfNull(tensors);
        return new ModelWeights(architecture, fileType, tensors);
    }

    /// <summary>Sizes <paramref name="architecture"/> as a <paramref name="recipe"/> file.</summary>
    public static ModelWeights For(Architecture architecture, QuantRecipe recipe)
    {
        ArgumentNullException.ThrowIfNull(architecture);
        ArgumentNullException.ThrowIfNull(recipe);
        var shapes = Layouts.GetValue(architecture, TensorLayout.For);
        var tensors = new TensorWeight[shapes.Count];
        for (var i = 0; i < shapes.Count; i++)
        {
            var shape = shapes[i];
            var type = recipe.TypeFor(shape, architecture);
            var bytes = GgmlTypes.Get(type).BytesFor(shape.Elements)
                ?? throw new InvalidOperationException($"{shape.Name}: {shape.Elements} weights are not whole {type} blocks");
            tensors[i] = new TensorWeight(shape, type, bytes);
        }
        return new ModelWeights(architecture, recipe.Name, tensors);
    }
}
