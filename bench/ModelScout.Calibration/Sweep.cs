using ModelScout.Calibration;
using ModelScout.Core.Memory;
using ModelScout.Gguf;

/// <summary>
/// The measurements the CPU compute-buffer rule was fitted to: two-block models (the buffer does not grow with depth)
/// whose widths vary one at a time, each at several contexts with and without flash attention. `--sweep wide` uses the
/// calibrated models' real widths with a 1000-token vocabulary (so the feed-forward and attention moments, not the
/// logits, set the size); `--sweep medium` the hidden-1024 shapes the CI tests use and variants; `--sweep toy` hidden
/// 256, where the allocator's holes dominate. A name list after the set keeps only those variants.
/// </summary>
internal static class Sweep
{
    public static int Run(string dir, string set, string? only)
    {
        var variants = set switch
        {
            "wide" => Wide(),
            "medium" => Medium(),
            "toy" => Toy(),
            _ => throw new ArgumentException($"unknown sweep '{set}' (wide, medium, toy)"),
        };
        int[] contexts = set == "toy" ? [1024, 4096] : [2048, 4096, 8192, 32768];
        int[] ubatches = set == "toy" ? [256, 512] : [512];
        var q4km = QuantRecipe.Find("Q4_K_M")!;
        var path = Path.Combine(dir, "sweep.gguf");
        try
        {
            foreach (var (name, a) in variants)
            {
                if (only is not null && !only.Split(',').Contains(name)) continue;
                ZeroWeightModel.WriteFile(a, q4km, path);
                var settings = new List<ContextSetting>();
                foreach (var fa in new[] { true, false })
                    foreach (var ctx in contexts)
                        foreach (var ub in ubatches)
                            settings.Add(new ContextSetting(ctx, GgmlType.F16, fa, ub));
                var (_, reports) = LlamaProbe.Measure(path, settings);
                foreach (var (s, r) in reports)
                {
                    var est = CpuEstimate.For(a, q4km, s).Compute;
                    var got = r.ComputeBestMiB * 1024 * 1024;
                    Console.WriteLine($"{name,-12} fa={s.FlashAttention,-5} ctx={s.Context,5} ub={s.Ubatch} compute={got,12:F0} B est={est,12} err={(est - got) / got * 100,6:F1}% nodes={r.GraphNodes}");
                }
            }
        }
        finally
        {
            File.Delete(path);
        }
        return 0;
    }

    private static Architecture Shape(string arch, int e, int h, int kvh, int d, int f, int v) => new()
    {
        GgufArchitecture = arch, Layers = 2, EmbeddingLength = e, HeadCount = h, KvHeadCount = kvh, KeyLength = d, FeedForwardLength = f, VocabSize = v,
    };

    private static List<(string, Architecture)> Wide() =>
    [
        ("w-llama8b", Shape("llama", 4096, 32, 8, 128, 14336, 1000)),
        ("w-mistral", Shape("llama", 5120, 32, 8, 128, 32768, 1000)),
        ("w-qwen", Shape("qwen2", 3584, 28, 4, 128, 18944, 1000) with { AttentionBias = true }),
        ("w-phi", Shape("phi3", 3072, 24, 8, 128, 8192, 1000) with { FusedQkv = true, FusedGateUp = true, TiedEmbeddings = true }),
        ("w-gemma", Shape("gemma2", 3584, 16, 8, 256, 14336, 1000) with
        {
            TiedEmbeddings = true, NormsPerLayer = 4, SlidingWindow = new SlidingWindow { Window = 4096, GlobalEvery = 2 },
        }),
    ];

    private static List<(string, Architecture)> Medium() =>
    [
        .. SmallModels.All.Select(m => ("m-" + m.Name, m.Architecture)),
        ("m-llama-v8k", Shape("llama", 1024, 8, 2, 128, 3584, 8192)),
        ("m-llama-v32k", Shape("llama", 1024, 8, 2, 128, 3584, 32768)),
        ("m-mis-1280", Shape("llama", 1280, 8, 2, 128, 4096, 16384)),
        ("m-mis-1536", Shape("llama", 1536, 8, 2, 128, 4096, 16384)),
    ];

    private static List<(string, Architecture)> Toy()
    {
        var b = Shape("llama", 256, 4, 2, 64, 512, 1000);
        return
        [
            ("base", b),
            ("e512-h8", b with { EmbeddingLength = 512, HeadCount = 8 }),
            ("f1024", b with { FeedForwardLength = 1024 }),
            ("f2048", b with { FeedForwardLength = 2048 }),
            ("v4000", b with { VocabSize = 4000 }),
            ("v8000", b with { VocabSize = 8000 }),
            ("h8-k32", b with { HeadCount = 8, KeyLength = 32, KvHeadCount = 4 }),
            ("kv4", b with { KvHeadCount = 4 }),
            ("qwen2", b with { GgufArchitecture = "qwen2", AttentionBias = true }),
            ("phi3", b with { GgufArchitecture = "phi3", FusedQkv = true, FusedGateUp = true, TiedEmbeddings = true }),
        ];
    }
}
