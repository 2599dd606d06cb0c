// Writes a random-weight model of a real shape for every entry of bench/realshape/shapes.json (or the ids named), then
// quantizes it with llama.cpp (LLamaSharp's LLamaQuantizer) to Q4_K_M and Q8_0:
//   OUT_DIR/<id>-F16.gguf, OUT_DIR/<id>-Q4_K_M.gguf, OUT_DIR/<id>-Q8_0.gguf
// The F16 file is our GGUF writer's (ZeroWeightModel: llama.cpp's tensor names and shapes, the metadata the loader
// needs, a stand-in SentencePiece vocabulary of the real size), with every matrix then overwritten by random F16
// values in [-0.05, 0.05) and every vector (norms, biases, RoPE factors) by 1.0. Speed does not depend on the values;
// random ones keep the quantizer and the kernels on their ordinary paths. Existing files are kept (delete to remake).
//   usage: ModelScout.RealShape SHAPES_JSON OUT_DIR [id ...]
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using LLama;
using LLama.Native;
using ModelScout.Core.Memory;
using ModelScout.Engine;
using ModelScout.Gguf;

if (args.Length < 2)
{
    Console.Error.WriteLine("usage: ModelScout.RealShape SHAPES_JSON OUT_DIR [id ...]");
    return 2;
}
var json = JsonSerializer.Deserialize<ShapeFile>(File.ReadAllText(args[0]), new JsonSerializerOptions(JsonSerializerDefaults.Web))
    ?? throw new InvalidDataException($"{args[0]} holds no shapes");
var outDir = Directory.CreateDirectory(args[1]).FullName;
var wanted = args.Skip(2).ToHashSet(StringComparer.OrdinalIgnoreCase);

// llama.cpp's log callback and library choice first (LlamaRuntime), before any native call.
LlamaRuntime.EnsureInitialized();
foreach (var shape in json.Shapes)
{
    if (wanted.Count > 0 && !wanted.Contains(shape.Id)) continue;
    var f16 = Path.Combine(outDir, $"{shape.Id}-F16.gguf");
    if (!File.Exists(f16))
    {
        var sw = Stopwatch.StartNew();
        var recipe = QuantRecipe.Find("F16") ?? throw new InvalidOperationException("no F16 recipe");
        ZeroWeightModel.WriteFile(shape.Architecture, recipe, f16 + ".tmp", shape.TrainContext);
        Randomize(f16 + ".tmp", seed: 20261206);
        File.Move(f16 + ".tmp", f16, overwrite: true);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{Path.GetFileName(f16)}: {new FileInfo(f16).Length / 1e9:0.000} GB in {sw.Elapsed.TotalSeconds:0.0} s"));
    }
    foreach (var (name, type) in new[] { ("Q4_K_M", LLamaFtype.MOSTLY_Q4_K_M), ("Q8_0", LLamaFtype.MOSTLY_Q8_0) })
    {
        var target = Path.Combine(outDir, $"{shape.Id}-{name}.gguf");
        if (File.Exists(target)) continue;
        var sw = Stopwatch.StartNew();
        if (!LLamaQuantizer.Quantize(f16, target + ".tmp", type, nthread: Environment.ProcessorCount, allowRequantize: true, quantizeOutputTensor: false))
        {
            Console.Error.WriteLine($"llama.cpp could not quantize {f16} to {name}");
            return 1;
        }
        File.Move(target + ".tmp", target, overwrite: true);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{Path.GetFileName(target)}: {new FileInfo(target).Length / 1e9:0.000} GB in {sw.Elapsed.TotalSeconds:0.0} s"));
    }
}
return 0;

// Overwrites each tensor's data in place: F16 matrices with random values, F32 vectors with 1.0.
static void Randomize(string path, int seed)
{
    var file = GgufReader.ReadFile(path);
    var random = new Random(seed);
    using var stream = new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.None, 1 << 20);
    var buffer = new byte[1 << 20];
    foreach (var t in file.Tensors)
    {
        stream.Position = file.DataOffset + t.Offset;
        for (long done = 0; done < t.Bytes;)
        {
            var n = (int)Math.Min(buffer.Length, t.Bytes - done);
            Fill(buffer.AsSpan(0, n), t.Type, random);
            stream.Write(buffer, 0, n);
            done += n;
        }
    }
}

static void Fill(Span<byte> bytes, GgmlType type, Random random)
{
    switch (type)
    {
        case GgmlType.F16:
            var halves = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, Half>(bytes);
            for (var i = 0; i < halves.Length; i++) halves[i] = (Half)((random.NextSingle() - 0.5f) * 0.1f);
            break;
        case GgmlType.F32:
            System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(bytes).Fill(1f);
            break;
        default:
            throw new InvalidDataException($"unexpected tensor type {type} in an F16 file");
    }
}

internal sealed record ShapeFile(IReadOnlyList<Shape> Shapes);

internal sealed record Shape(string Id, string Name, long TrainContext, Architecture Architecture);
