using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using ModelScout.Calibration;
using ModelScout.Core.Catalog;
using ModelScout.Core.Memory;
using ModelScout.Gguf;

// Calibrates the memory estimator against llama.cpp's own buffer report on the CPU backend: for each model, writes a
// zero-weight GGUF of its exact shapes and Q4_K_M type mix, loads it through LLamaSharp (mmap on, no GPU layers, one
// thread), creates contexts, reads the buffers llama.cpp logs, and prints them next to the estimator's numbers.
//
//   dotnet run -c Release --project bench/ModelScout.Calibration -- [options]
//     --models a,b       catalog ids (default: the five calibrated models)
//     --small            the two-block, hidden-1024 stand-ins the CI tests load instead (add deepseek-v3-671b by name)
//     --dir DIR          where the temporary GGUFs go (default: $TMPDIR/modelscout-calibration); each is deleted after use
//     --markdown FILE    also write the table and notes as Markdown
//     --save FILE        keep llama.cpp's numbers as JSON; --replay FILE re-runs the comparison from them without llama.cpp
//     --quant NAME       another file type than Q4_K_M
//     --sweep SET [names]  the compute-buffer fitting sweeps (wide, medium, toy); see Sweep.cs

const double MiB = 1024.0 * 1024.0;
var small = args.Contains("--small");
var models = Arg("--models")?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
    ?? ["llama3.1-8b", "qwen2.5-7b", "phi-4-mini-3.8b", "mistral-small-3.1-24b", "gemma2-9b"];
var dir = Arg("--dir") ?? Path.Combine(Path.GetTempPath(), "modelscout-calibration");
var markdown = Arg("--markdown");
var save = Arg("--save");
var replay = Arg("--replay");
var saved = new List<SavedRun>();
var replayed = replay is null ? null : JsonSerializer.Deserialize<List<SavedRun>>(File.ReadAllText(replay))!;
var recipe = QuantRecipe.Find(Arg("--quant") ?? "Q4_K_M") ?? throw new ArgumentException("unknown --quant");
Directory.CreateDirectory(dir);
if (Arg("--sweep") is { } sweep)
{
    var i = Array.IndexOf(args, "--sweep");
    return Sweep.Run(dir, sweep, i + 2 < args.Length && !args[i + 2].StartsWith("--", StringComparison.Ordinal) ? args[i + 2] : null);
}

ContextSetting[] settings =
[
    new(2048, GgmlType.F16, true),
    new(8192, GgmlType.F16, true),
    new(32768, GgmlType.F16, true),
    new(8192, GgmlType.Q8_0, true),
    new(8192, GgmlType.F16, false),
];

var rows = new List<string>();
rows.Add("| model | ctx | cache | FA | mapped weights: llama.cpp / est. MiB | err | CPU_REPACK | err | KV | err | output | err | compute | err |");
rows.Add("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|");
var notes = new List<string>();

foreach (var id in models)
{
    var arch = small
        ? SmallModels.WithDeepSeek.FirstOrDefault(m => m.Name == id).Architecture ?? throw new ArgumentException($"no small model for {id}")
        : Catalog.Embedded.ModelById(id)?.Architecture ?? throw new ArgumentException($"unknown model {id}");
    var weights = ModelWeights.For(arch, recipe);
    var path = Path.Combine(dir, $"{id}-{recipe.Name}{(small ? "-small" : "")}.gguf");
    LoadReport load;
    IReadOnlyList<(ContextSetting Setting, ContextReport Report)> contexts;
    if (replayed is not null)
    {
        var run = replayed.FirstOrDefault(r => r.Model == id);
        if (run is null) continue;
        (load, contexts) = (run.Load, run.Contexts.Select(c => (c.Setting, c.Report)).ToList());
    }
    else
    {
        var free = new DriveInfo(Path.GetPathRoot(Path.GetFullPath(dir))!).AvailableFreeSpace;
        if (free < weights.TotalBytes + (2L << 30))
        {
            Console.Error.WriteLine($"{id}: needs {weights.TotalBytes / MiB / 1024:F1} GiB plus 2 GiB spare in {dir}, {free / MiB / 1024:F1} GiB free; skipped");
            continue;
        }
        var sw = Stopwatch.StartNew();
        ZeroWeightModel.WriteFile(arch, recipe, path);
        Console.Error.WriteLine($"{id}: wrote {new FileInfo(path).Length / MiB:F0} MiB in {sw.Elapsed.TotalSeconds:F0} s");
        try
        {
            sw.Restart();
            (load, contexts) = LlamaProbe.Measure(path, settings);
            Console.Error.WriteLine($"{id}: measured in {sw.Elapsed.TotalSeconds:F0} s");
        }
        finally
        {
            File.Delete(path);
        }
        saved.Add(new SavedRun(id, load, contexts.Select(c => new SavedContext(c.Setting, c.Report)).ToList()));
    }
    notes.Add($"- {id}: llama_model_size {load.SizeBytes:N0} B vs estimator {weights.TotalBytes:N0} B ({load.SizeBytes - weights.TotalBytes:+#,0;-#,0;0} B); " +
              $"llama_model_n_params {load.Parameters:N0} vs {weights.Parameters:N0}; model params \"{load.ParamsText}\"; " +
              $"model buffers {string.Join(" + ", load.ModelBuffersMiB.Select(b => $"{b.Key} {b.Value:F2} MiB"))}");
    foreach (var (s, r) in contexts)
    {
        var est = CpuEstimate.For(arch, recipe, s);
        var caches = string.Join(" + ", r.Caches.Select(c => $"{c.Cells} cells x {c.Layers} layers"));
        notes.Add($"  - {s}: KV {caches}; graph nodes {r.GraphNodes}, splits {r.GraphSplits}; compute {r.ComputeBestMiB:F4} MiB");
        rows.Add($"| {id} | {s.Context / 1024}K | {GgmlTypes.Get(s.CacheType).Name} | {(s.FlashAttention ? "on" : "off")} | " +
                 $"{Cell(load.ModelBuffersMiB.Where(b => b.Key != "CPU_REPACK").Sum(b => b.Value), est.Weights)} | {Cell(load.ModelBuffersMiB.GetValueOrDefault("CPU_REPACK"), est.Repack)} | {Cell(r.KvMiB, est.Kv)} | {Cell(r.OutputMiB, est.Output)} | {Cell(r.ComputeBestMiB, est.Compute, r.ComputeMiBPrecise is null ? 2 : 4)} |");
        Console.WriteLine(rows[^1]);
    }
}
if (save is not null) File.WriteAllText(save, JsonSerializer.Serialize(saved, new JsonSerializerOptions { WriteIndented = true }));

var text = new StringBuilder()
    .AppendLine(CultureInfo.InvariantCulture, $"llama.cpp via LLamaSharp {LlamaSharpVersion()}, CPU backend, {recipe.Name}, ubatch 512, 1 sequence, mmap on")
    .AppendLine()
    .AppendJoin(Environment.NewLine, rows).AppendLine()
    .AppendLine()
    .AppendJoin(Environment.NewLine, notes).AppendLine()
    .ToString();
Console.WriteLine();
Console.WriteLine(text);
if (markdown is not null) File.WriteAllText(markdown, text);
return 0;

// llama.cpp prints MiB with two decimals (the precise compute line with four), so the estimate is compared at the same precision.
static string Cell(double reportedMiB, long estimatedBytes, int decimals = 2)
{
    var est = Math.Round(estimatedBytes / MiB, decimals);
    var err = reportedMiB == 0 ? (est == 0 ? 0 : double.PositiveInfinity) : (est - reportedMiB) / reportedMiB * 100;
    var errText = double.IsInfinity(err) ? "n/a" : $"{err:+0.0;-0.0;0.0}%";
    return $"{reportedMiB:F2} / {est:F2} | {errText}";
}

// The package's release notes name the llama.cpp commit it bundles; the assembly itself carries no version.
static string LlamaSharpVersion() => "0.30.0 (llama.cpp c0c7e147)";

string? Arg(string name)
{
    var i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
}

internal sealed record SavedContext(ContextSetting Setting, ContextReport Report);
internal sealed record SavedRun(string Model, LoadReport Load, List<SavedContext> Contexts);
