using LLama;
using LLama.Common;
using LLama.Native;
using ModelScout.Gguf;

namespace ModelScout.Calibration;

/// <summary>One context to create: tokens, cache type (K and V alike) and flash attention.</summary>
public sealed record ContextSetting(int Context, GgmlType CacheType, bool FlashAttention, int Ubatch = 512, bool FullWindowCache = false)
{
    public override string ToString() => $"{Context / 1024}K {GgmlTypes.Get(CacheType).Name} FA {(FlashAttention ? "on" : "off")}";
}

/// <summary>Loads a GGUF on the CPU through LLamaSharp (mmap on, no GPU layers, one thread) and reads llama.cpp's buffer report.</summary>
public static class LlamaProbe
{
    /// <summary>Loads <paramref name="path"/>, creates and frees one context per setting, and returns what llama.cpp printed.</summary>
    public static (LoadReport Load, IReadOnlyList<(ContextSetting Setting, ContextReport Report)> Contexts) Measure(string path, IEnumerable<ContextSetting> settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        LlamaLog.EnsureConfigured();
        LLamaWeights? weights = null;
        var results = new List<(ContextSetting, ContextReport)>();
        try
        {
            long size = 0, parameters = 0;
            var loadLines = LlamaLog.Capture(() =>
            {
                weights = LLamaWeights.LoadFromFile(Params(path, new ContextSetting(512, GgmlType.F16, true)));
                size = (long)weights.SizeInBytes;
                parameters = (long)weights.ParameterCount;
            });
            var load = LlamaReportParser.Load(loadLines, size, parameters);
            foreach (var s in settings)
            {
                var lines = LlamaLog.Capture(() =>
                {
                    using var context = weights!.CreateContext(Params(path, s));
                });
                results.Add((s, LlamaReportParser.Context(lines)));
            }
            return (load, results);
        }
        finally
        {
            weights?.Dispose();
        }
    }

    private static ModelParams Params(string path, ContextSetting s) => new(path)
    {
        ContextSize = (uint)s.Context,
        BatchSize = (uint)s.Ubatch,
        UBatchSize = (uint)s.Ubatch,
        SeqMax = 1,
        GpuLayerCount = 0,
        Threads = 1,
        BatchThreads = 1,
        LoadMode = LLamaLoadMode.MemoryMap,
        TypeK = (GGMLType)(int)s.CacheType,
        TypeV = (GGMLType)(int)s.CacheType,
        FlashAttention = s.FlashAttention,
        SwaFull = s.FullWindowCache,
    };
}
