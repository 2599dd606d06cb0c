using System.Globalization;
using ModelScout.Core.Fit;
using ModelScout.Core.Licensing;
using ModelScout.Core.Machines;

namespace ModelScout.Cli.Output;

/// <summary>How numbers and verdicts read in human output (binary units, invariant culture).</summary>
internal static class Format
{
    private const double GiB = 1024.0 * 1024 * 1024;
    private const double MiB = 1024.0 * 1024;

    public static string Bytes(long bytes) => bytes switch
    {
        >= (long)GiB => $"{bytes / GiB:0.0} GiB",
        >= 10 * (long)MiB or 0 => $"{bytes / MiB:0} MiB",
        >= (long)MiB => $"{bytes / MiB:0.0} MiB",
        _ => $"{bytes / 1024.0:0} KiB",
    };

    /// <summary>Memory always in GiB, for a column whose header names the unit.</summary>
    public static string InGiB(long bytes) => $"{bytes / GiB:0.0} GiB";

    /// <summary>File and download sizes in decimal units, as they are advertised.</summary>
    public static string Gb(double bytes) => bytes switch
    {
        >= 1e9 => $"{bytes / 1e9:0.#} GB",
        >= 1e6 => $"{bytes / 1e6:0.#} MB",
        _ => $"{bytes / 1e3:0.#} kB",
    };

    // The roofline ignores fixed per-token costs, so for tiny models it runs into absurd figures; past this it says "1000+".
    private const double SpeedShownUpTo = 1000;

    public static string Speed(SpeedRange? s) => s is null || s.High <= 0 ? "—"
        : s.Low >= SpeedShownUpTo ? "1000+"
        : s.High < 1 ? $"{s.Low:0.0#}-{s.High:0.0#}"
        : s.High >= SpeedShownUpTo ? $"{s.Low:0.#}-1000+"
        : $"{s.Low:0.#}-{s.High:0.#}";

    public static string Tokens(long n) => FitPlanner.Tokens(n);

    public static string Params(long n) => n >= 1_000_000_000 ? $"{n / 1e9:0.#}B" : $"{n / 1e6:0.#}M";

    public static string Placement(QuantFit q) => q.Kind switch
    {
        FitKind.FullGpu => q.Memory.Gpus.Count(g => g.Total > 0) > 1 ? $"GPU x{q.Memory.Gpus.Count(g => g.Total > 0)} (all layers)" : "GPU (all layers)",
        FitKind.ExpertsOnCpu => "GPU + experts in RAM",
        FitKind.PartialOffload => $"{q.Placement.GpuLayers} of {q.Memory.TotalLayers} layers on GPU",
        FitKind.CpuOnly => "CPU only",
        _ => "does not fit",
    };

    public static string PlacementId(FitKind kind) => kind switch
    {
        FitKind.FullGpu => "full-gpu",
        FitKind.ExpertsOnCpu => "experts-on-cpu",
        FitKind.PartialOffload => "partial-offload",
        FitKind.CpuOnly => "cpu-only",
        _ => "does-not-fit",
    };

    public static string Verdict(LicenseVerdict v) => LicenseEvaluator.Words(v);

    public static string VerdictId(LicenseVerdict v) => v switch
    {
        LicenseVerdict.Allowed => "allowed",
        LicenseVerdict.Conditions => "conditions",
        _ => "not-allowed",
    };

    public static string VerdictMarkup(LicenseVerdict v) => v switch
    {
        LicenseVerdict.Allowed => "[green]allowed[/]",
        LicenseVerdict.Conditions => "[yellow]allowed with conditions[/]",
        _ => "[red]not allowed[/]",
    };

    public static string Machine(Machine m)
    {
        var gpus = m.Gpus.Count == 0
            ? "no GPU"
            : string.Join(", ", m.Gpus.GroupBy(g => g.Name).Select(g => $"{(g.Count() > 1 ? g.Count() + "x " : "")}{g.Key} ({Bytes(g.First().TotalBytes)}{(g.First().UnifiedMemory ? " GPU working set" : "")})"));
        var bw = m.RamBandwidthGBps > 0 ? $", RAM ~{(m.RamBandwidthGBps < 10 ? m.RamBandwidthGBps.ToString("0.0", CultureInfo.InvariantCulture) : m.RamBandwidthGBps.ToString("0", CultureInfo.InvariantCulture))} GB/s{BandwidthBasis(m) switch { "measured" => " (measured)", "assumed" => " (assumed)", _ => "" }}" : "";
        return $"{m.Cpu.Model} ({m.Cpu.Cores} cores), {Bytes(m.Ram.TotalBytes)} RAM ({Bytes(m.Ram.AvailableBytes)} available{bw}), {gpus}";
    }

    /// <summary>How the machine's RAM bandwidth is known: "measured" on this machine, "assumed" from the catalog, or "known" (given or published).</summary>
    public static string BandwidthBasis(Machine m) => m.RamBandwidthMeasured ? "measured" : m.RamBandwidthAssumed ? "assumed" : "known";

    public static string Esc(string? s) => Markup.Escape(s ?? "");
}
