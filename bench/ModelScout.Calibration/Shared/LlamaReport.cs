using System.Globalization;
using System.Text.RegularExpressions;

namespace ModelScout.Calibration;

/// <summary>What llama.cpp reported while loading a model: its buffers by buffer type, and its own counts.</summary>
/// <param name="ModelBuffersMiB">"CPU_Mapped", "CPU_REPACK", "CPU" ... to MiB, as printed (two decimals).</param>
/// <param name="ParamsText">The "model params" line's value (292.80 K, 8.03 B).</param>
/// <param name="FileSizeText">The "file size" line's value (1.12 MiB (32.00 BPW)).</param>
/// <param name="SizeBytes">llama_model_size: tensor bytes.</param>
/// <param name="Parameters">llama_model_n_params.</param>
public sealed record LoadReport(IReadOnlyDictionary<string, double> ModelBuffersMiB, string? ParamsText, string? FileSizeText, long SizeBytes, long Parameters)
{
    /// <summary>All model buffers together.</summary>
    public double ModelMiB => ModelBuffersMiB.Values.Sum();
}

/// <summary>One KV cache llama.cpp created (the SWA and non-SWA caches of Gemma 2 are two).</summary>
public sealed record KvCacheLine(double MiB, long Cells, int Layers, double KMiB, double VMiB);

/// <summary>What llama.cpp reported while creating and freeing a context.</summary>
public sealed record ContextReport(
    double OutputMiB,
    double KvMiB,
    IReadOnlyList<KvCacheLine> Caches,
    double ComputeMiB,
    double? ComputeMiBPrecise,
    int? GraphNodes,
    int? GraphSplits,
    bool? FlashAttention)
{
    /// <summary>The compute buffer at the best precision printed.</summary>
    public double ComputeBestMiB => ComputeMiBPrecise ?? ComputeMiB;
}

/// <summary>Reads llama.cpp's log lines.</summary>
public static partial class LlamaReportParser
{
    [GeneratedRegex(@"load_tensors:\s+(\S+) model buffer size =\s+([\d.]+) MiB")]
    private static partial Regex ModelBuffer();
    [GeneratedRegex(@"\s(\S+)\s+output buffer size =\s+([\d.]+) MiB")]
    private static partial Regex OutputBuffer();
    [GeneratedRegex(@"\s(\S+) KV buffer size =\s+([\d.]+) MiB")]
    private static partial Regex KvBuffer();
    [GeneratedRegex(@"llama_kv_cache: size =\s+([\d.]+) MiB \(\s*(\d+) cells,\s+(\d+) layers.*K \(\w+\):\s+([\d.]+) MiB, V \(\w+\):\s+([\d.]+) MiB")]
    private static partial Regex KvSummary();
    [GeneratedRegex(@"sched_reserve:\s+(\S+) compute buffer size =\s+([\d.]+) MiB")]
    private static partial Regex ComputeBuffer();
    [GeneratedRegex(@"~llama_context:\s+(\S+) compute buffer size is\s+([\d.]+) MiB")]
    private static partial Regex ComputePrecise();
    [GeneratedRegex(@"graph nodes\s+=\s+(\d+)")]
    private static partial Regex Nodes();
    [GeneratedRegex(@"graph splits\s+=\s+(\d+)")]
    private static partial Regex Splits();
    [GeneratedRegex(@"print_info: model params\s+=\s+(.+?)\s*$")]
    private static partial Regex Params();
    [GeneratedRegex(@"print_info: file size\s+=\s+(.+?)\s*$")]
    private static partial Regex FileSize();
    [GeneratedRegex(@"Flash Attention was auto, set to (enabled|disabled)|flash_attn\s+=\s+(\w+)|resolve_fused_ops: Flash Attention (enabled|disabled)")]
    private static partial Regex Flash();

    private static double D(string s) => double.Parse(s, CultureInfo.InvariantCulture);

    /// <summary>Buffers and counts from the lines printed while loading.</summary>
    public static LoadReport Load(IReadOnlyList<string> lines, long sizeBytes, long parameters)
    {
        ArgumentNullException.ThrowIfNull(lines);
        var buffers = new Dictionary<string, double>(StringComparer.Ordinal);
        string? ps = null, fs = null;
        foreach (var l in lines)
        {
            if (ModelBuffer().Match(l) is { Success: true } m) buffers[m.Groups[1].Value] = buffers.GetValueOrDefault(m.Groups[1].Value) + D(m.Groups[2].Value);
            else if (Params().Match(l) is { Success: true } p) ps = p.Groups[1].Value;
            else if (FileSize().Match(l) is { Success: true } f) fs = f.Groups[1].Value;
        }
        return new LoadReport(buffers, ps, fs, sizeBytes, parameters);
    }

    /// <summary>Buffers and counts from the lines printed while creating (and freeing) a context.</summary>
    public static ContextReport Context(IReadOnlyList<string> lines)
    {
        ArgumentNullException.ThrowIfNull(lines);
        double output = 0, kv = 0, compute = 0;
        double? precise = null;
        int? nodes = null, splits = null;
        bool? fa = null;
        var caches = new List<KvCacheLine>();
        foreach (var l in lines)
        {
            if (OutputBuffer().Match(l) is { Success: true } o) output += D(o.Groups[2].Value);
            else if (KvBuffer().Match(l) is { Success: true } k) kv += D(k.Groups[2].Value);
            else if (KvSummary().Match(l) is { Success: true } s)
                caches.Add(new KvCacheLine(D(s.Groups[1].Value), long.Parse(s.Groups[2].Value, CultureInfo.InvariantCulture), int.Parse(s.Groups[3].Value, CultureInfo.InvariantCulture), D(s.Groups[4].Value), D(s.Groups[5].Value)));
            else if (ComputeBuffer().Match(l) is { Success: true } c) compute += D(c.Groups[2].Value);
            else if (ComputePrecise().Match(l) is { Success: true } cp) precise = (precise ?? 0) + D(cp.Groups[2].Value);
            else if (Nodes().Match(l) is { Success: true } n) nodes = int.Parse(n.Groups[1].Value, CultureInfo.InvariantCulture);
            else if (Splits().Match(l) is { Success: true } sp) splits = int.Parse(sp.Groups[1].Value, CultureInfo.InvariantCulture);
            if (Flash().Match(l) is { Success: true } f)
            {
                var v = f.Groups[1].Success ? f.Groups[1].Value : f.Groups[2].Success ? f.Groups[2].Value : f.Groups[3].Value;
                if (v is "enabled" or "1" or "true") fa = true;
                else if (v is "disabled" or "0" or "false") fa = false;
            }
        }
        return new ContextReport(output, kv, caches, compute, precise, nodes, splits, fa);
    }
}
