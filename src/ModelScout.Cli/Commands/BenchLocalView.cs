using System.Globalization;
using ModelScout.Cli.Output;
using ModelScout.Engine.Bench;

namespace ModelScout.Cli.Commands;

/// <summary>
/// How <c>scout bench --local</c> shows a <see cref="LocalBenchResult"/>: a llama-bench-style table, or the
/// <c>modelscout/bench-local/v1</c> JSON document. No command is registered here; the bench command calls these.
/// </summary>
internal static class BenchLocalView
{
    public const string Schema = "modelscout/bench-local/v1";

    /// <summary>
    /// One row per test, as llama-bench prints them: model, size, threads, batch, test, t/s (mean ± std). The model is
    /// <paramref name="name"/> (the stored name a model was resolved from), else the file's name.
    /// </summary>
    public static Table Table(LocalBenchResult r, string? name = null)
    {
        var table = new Table().Border(TableBorder.Rounded)
            .AddColumn("model").AddColumn(new TableColumn("size").RightAligned()).AddColumn(new TableColumn("threads").RightAligned())
            .AddColumn(new TableColumn("n_batch").RightAligned()).AddColumn("test").AddColumn(new TableColumn("t/s").RightAligned());
        var model = Format.Esc(Name(r, name) + (r.Architecture is { } a ? $" ({a})" : ""));
        foreach (var t in r.Tests)
        {
            table.AddRow(model, Format.Bytes(r.FileBytes), I(r.Threads), I(r.BatchSize), t.Name,
                string.Create(CultureInfo.InvariantCulture, $"{t.Mean:0.00} ± {t.StandardDeviation:0.00}"));
        }
        table.Caption(string.Create(CultureInfo.InvariantCulture,
            $"{r.Repetitions} runs per test after one warm-up; model load {r.LoadDuration.TotalMilliseconds:0} ms (not in any test)"));
        return table;
    }

    /// <summary>Writes the table to <paramref name="console"/>.</summary>
    public static void Render(IAnsiConsole console, LocalBenchResult r, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(console);
        console.Write(Table(r, name));
        // A library of one's own: which one, and where the layers went, on one unwrapped line (the path is copied).
        if (r.Library is { Bundled: false } lib)
            console.Profile.Out.Writer.WriteLine(lib.Describe() + "; " + (r.Offload?.Describe() ?? "GPU layers unknown"));
    }

    /// <summary>What the model is called: the stored name it was resolved from, else the file's name (never a blob's sha256-… name).</summary>
    public static string Name(LocalBenchResult r, string? name) => name is { Length: > 0 } ? name : Path.GetFileName(r.ModelPath);

    /// <summary>The JSON document: settings, load time, and per test every run's seconds and tokens/s with mean and std.</summary>
    public static BenchLocalJson Json(LocalBenchResult r, string? name = null) => new(
        Schema,
        r.ModelPath,
        Name(r, name),
        r.FileBytes,
        r.Architecture,
        r.Threads,
        r.BatchSize,
        r.MicroBatchSize,
        r.Repetitions,
        r.FlashAttention,
        Math.Round(r.LoadDuration.TotalMilliseconds, 3),
        r.Tests.Select(t => new BenchLocalTestJson(
            t.Name,
            t.Kind == LocalBenchTestKind.PromptProcessing ? "pp" : "tg",
            t.Tokens,
            Math.Round(t.Mean, 2),
            Math.Round(t.StandardDeviation, 2),
            t.Runs.Select(x => Math.Round(x.TotalSeconds, 6)).ToList(),
            t.TokensPerSecond.Select(x => Math.Round(x, 2)).ToList())).ToList())
    {
        Library = r.Library?.Path,
        Backend = r.Library?.SystemInfo,
        GpuLayers = r.Offload?.GpuLayers,
        GpuBytes = r.Offload?.GpuBytes,
    };

    /// <summary>The JSON document as text (source-generated, AOT-safe).</summary>
    public static string JsonText(LocalBenchResult r, string? name = null) => CommandContext.JsonText(Json(r, name), CliJson.Default.BenchLocalJson);

    private static string I(int n) => n.ToString(CultureInfo.InvariantCulture);
}
