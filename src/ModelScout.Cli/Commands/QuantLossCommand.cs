using System.Globalization;
using ModelScout.Cli.EvalReports;
using ModelScout.Cli.Output;
using ModelScout.Cli.QuantLoss;
using ModelScout.Core.Catalog;
using ModelScout.Core.Machines;
using ModelScout.Engine;
using ModelScout.Engine.Quantization;
using ModelScout.Evaluation.Results;
using ModelScout.Gguf;

namespace ModelScout.Cli.Commands;

/// <summary>scout quant-loss: quantize a model to several levels and measure what each loses against the source, on your text.</summary>
internal sealed class QuantLossCommand : ICommandBuilder
{
    /// <summary>The levels swept when --types is not given.</summary>
    public const string DefaultTypes = "Q8_0,Q6_K,Q5_K_M,Q4_K_M,Q3_K_M,Q2_K";

    private readonly Argument<string> source = new("source") { Description = "The unquantized GGUF (F32, F16 or BF16) every level is made from and measured against" };
    private readonly Option<string> types = new("--types") { Description = $"Levels to make and measure, comma-separated (default {DefaultTypes})", DefaultValueFactory = _ => DefaultTypes, HelpName = "TYPES" };
    private readonly Option<string?> text = new("--text") { Description = "The text to score: your own domain's text is the point (default: the built-in sample, labelled as such; Wikitext-2 raw test for figures comparable with published ones)", HelpName = "FILE" };
    private readonly Option<int> context = new("--ctx") { Description = "Tokens per chunk; each chunk's second half is scored, as llama-perplexity does", DefaultValueFactory = _ => 512, HelpName = "TOKENS" };
    private readonly Option<int?> chunks = new("--chunks") { Description = "At most this many chunks (default: all the text holds)", HelpName = "N" };
    private readonly Option<int?> threads = CommonOptions.Threads("CPU threads for quantizing and scoring");
    private readonly Option<string?> model = new("--model") { Description = "Record the results for this catalog model (default: the catalog model of the file's shape, if any); `scout quant MODEL` then shows them as measured here", HelpName = "ID" };
    private readonly Option<string?> html = new("--html") { Description = "Also write an HTML report with a size-against-KLD chart", HelpName = "FILE" };
    private readonly Option<string?> work = new("--work") { Description = "Where the quantized files and the base logits go (default: the cache folder in the scout home)", HelpName = "DIR" };
    private readonly Option<bool> noSpeed = new("--no-speed") { Description = "Skip the pp/tg timing of each level" };
    private readonly Option<string?> gpuLayers = EngineSetup.GpuLayersOption();
    private readonly Option<string?> evalSuite = new("--eval") { Description = "Also score the source and each level on this `scout eval` suite in-process (e.g. mmlu) and compare each level with the source, paired", HelpName = "SUITE" };
    private readonly Option<int> evalLimit = new("--limit") { Description = "Items of the --eval suite (the same items for every level)", DefaultValueFactory = _ => 50, HelpName = "N" };
    private readonly Option<double> evalMargin = new("--margin") { Description = "Non-inferiority margin in points for the --eval comparison, as in `scout eval compare`", DefaultValueFactory = _ => 2, HelpName = "POINTS" };

    public Command Build(CommonOptions o)
    {
        var c = new Command("quant-loss", "Quantize a GGUF to several levels and measure each against the source on a text: size, bits per weight, perplexity and ΔPPL, KL divergence, same top token, pp/tg speed here, and where it fits. Results are stored; a rerun skips finished levels.")
        {
            source, types, text, context, chunks, threads, model, html, work, noSpeed, gpuLayers, evalSuite, evalLimit, evalMargin,
        };
        o.AddHardware(c);
        return c;
    }

    public int Run(CommandContext ctx)
    {
        var p = ctx.Parse;
        var path = p.GetValue(source)!;
        var (header, _, _) = GgufLoader.LoadValid(path);
        var levels = ParseTypes(p.GetValue(types)!);
        var ctxTokens = p.GetValue(context);
        if (ctxTokens < 16) throw new CliException("--ctx must be at least 16 tokens");
        if (p.GetValue(chunks) is < 1) throw new CliException("--chunks must be at least 1");
        var (body, label) = Text(p.GetValue(text));
        var catalog = ctx.Catalog;
        var modelId = CatalogModel(catalog, p.GetValue(model), header, path);
        var engine = EngineSetup.Apply(ctx, EngineSettings.FromEnvironment(ctx.Settings.Environment), gpuLayers);
        var threadCount = p.GetValue(threads) ?? (engine.Threads > 0 ? engine.Threads : EngineSettings.DefaultThreads(Environment.ProcessorCount));
        if (threadCount < 1) throw new CliException("--threads must be at least 1");
        var request = new QuantLossRequest(path, levels, body, label, ctxTokens, p.GetValue(chunks), threadCount,
            p.GetValue(work) is { Length: > 0 } w ? w : Path.Combine(ctx.Settings.Cache, "quant-loss"), modelId, !p.GetValue(noSpeed), engine.GpuLayers, engine.LlamaLibrary);
        var machine = ctx.Machines.Get(ctx.Options.Hardware(p), catalog);

        QuantLossSweepResult result;
        using (var store = EvalStore.Open(ctx.Settings.EvalDatabase))
        {
            var sweep = new QuantLossSweep(store, new LlamaQuantLossEngine());
            var progress = new Progress<QuantLossProgress>(x => ctx.Stderr.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{(x.Level == QuantLossSweep.BaseType ? "source" : x.Level)}: {x.Step}{(x.Fraction is { } f ? $" {f:P0}" : "")}{(x.Detail is { } d ? "  " + d : "")}")));
            result = sweep.RunAsync(request, ctx.Json ? null : progress).GetAwaiter().GetResult();
        }

        var rows = result.Levels.Select(l => Row(ctx, l, machine)).ToList();
        var baseRow = Row(ctx, new QuantLossLevel(QuantLossSweep.BaseType, result.Base, false, false, null), machine);
        if (p.GetValue(evalSuite) is { } suiteName)
        {
            var compared = Evaluate(ctx, suiteName, p.GetValue(evalLimit), p.GetValue(evalMargin), threadCount, path, result);
            rows = rows.Select(r => compared.TryGetValue(r.Type, out var e) ? r with { Eval = e } : r).ToList();
            if (compared.TryGetValue(QuantLossSweep.BaseType, out var baseEval)) baseRow = baseRow with { Eval = baseEval };
        }
        var json = new QuantLossJson("modelscout/quant-loss/v1", path, result.Base.Key.SourceIdentity, modelId,
            new QuantLossTextJson(label, result.Base.Key.TextHash, result.Base.ScoredTokens), ctxTokens, p.GetValue(chunks), threadCount, MachineJson.From(machine),
            baseRow, rows, result.WorkDirectory, p.GetValue(html));
        if (p.GetValue(html) is { } htmlPath) QuantLossReport.Save(json, htmlPath);
        var failed = rows.Any(r => r.Error is not null);
        if (ctx.Json)
        {
            ctx.WriteJson(json, QuantLossJsonContext.Default.QuantLossJson);
            return failed ? ExitCodes.Error : ExitCodes.Ok;
        }
        Render(ctx, json, machine);
        return failed ? ExitCodes.Error : ExitCodes.Ok;
    }

    // Each file through `scout eval --local` itself (same runner, same store, resumable by run name), then the paired
    // comparison of `scout eval compare` between the source's run and each level's.
    private static Dictionary<string, LevelEvalJson> Evaluate(CommandContext ctx, string suite, int limit, double margin, int threadCount, string sourcePath, QuantLossSweepResult result)
    {
        if (limit < 1) throw new CliException("--limit must be at least 1");
        var db = ctx.Settings.EvalDatabase;
        var id = result.Base.Key.SourceIdentity.Split(':')[^1];
        var files = new List<(string Type, string File)> { (QuantLossSweep.BaseType, sourcePath) };
        files.AddRange(result.Levels.Where(l => l.Record is not null).Select(l => (l.Type, l.Record!.FilePath)));
        var runs = new Dictionary<string, string>();
        foreach (var (type, file) in files)
        {
            var name = string.Create(CultureInfo.InvariantCulture, $"quant-loss-{id}-{type.ToLowerInvariant()}-{suite}-{limit}");
            if (!ctx.Json) ctx.Stderr.WriteLine($"{(type == QuantLossSweep.BaseType ? "source" : type)}: {suite} ({limit} items) as eval run {name}");
            using var quiet = new StringWriter();
            using var errors = new StringWriter();
            string[] args = ["eval", "--suite", suite, "--limit", limit.ToString(CultureInfo.InvariantCulture), "--local", file, "--run", name, "--db", db,
                "--threads", threadCount.ToString(CultureInfo.InvariantCulture), "--json"];
            var code = ctx.Nested(args, quiet, errors);
            if (code != ExitCodes.Ok && code != ExitCodes.Negative)
                throw new CliException($"--eval: `scout {string.Join(' ', args)}` failed (exit {code}): {errors.ToString().Trim()}", code);
            runs[type] = name;
        }
        using var store = EvalDatabase.OpenExisting(db);
        var baseRun = EvalDatabase.FindRun(store, runs[QuantLossSweep.BaseType]);
        var compared = new Dictionary<string, LevelEvalJson>();
        foreach (var (type, name) in runs)
        {
            var c = RunComparison.Compare(store, baseRun, EvalDatabase.FindRun(store, name), margin, allowMixed: false);
            var s = c.Suites.FirstOrDefault();
            compared[type] = new LevelEvalJson(suite, limit, name, s?.ScoreB, s?.ScoreA, type == QuantLossSweep.BaseType ? null : s?.Difference,
                type == QuantLossSweep.BaseType ? null : s?.Lower, type == QuantLossSweep.BaseType ? null : s?.Upper, type == QuantLossSweep.BaseType ? null : s?.Verdict);
        }
        return compared;
    }

    internal static IReadOnlyList<string> ParseTypes(string text)
    {
        var list = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(t => t.ToUpperInvariant()).Distinct().ToList();
        if (list.Count == 0) throw new CliException($"--types names no level; e.g. --types {DefaultTypes}");
        foreach (var t in list.Where(t => LlamaFileTypes.Find(t) is null))
            throw new CliException($"--types: '{t}' is not a llama.cpp file type; e.g. {DefaultTypes}");
        return list;
    }

    private static (string Body, string Label) Text(string? file)
    {
        if (file is null) return (PerplexitySample.Text, PerplexitySample.Label);
        if (!File.Exists(file)) throw new CliException($"--text: no such file: {file}", ExitCodes.NotFound);
        return (File.ReadAllText(file), Path.GetFileName(file));
    }

    // --model names a catalog model; without it the file's shape may match one (as `scout inspect` says).
    private static string? CatalogModel(Catalog catalog, string? asked, GgufFile header, string path)
    {
        if (asked is { } name)
        {
            return catalog.FindModel(name)?.Model.Id ?? catalog.ModelById(name)?.Id
                ?? throw new CliException($"--model: '{name}' is not in the catalog. `scout models` lists them.", ExitCodes.NotFound) { Suggestions = catalog.Suggest(name).ToList() };
        }
        return ModelScout.Core.Fit.FileModel.From(header, catalog, Path.GetFileName(path)).CatalogMatch?.Id;
    }

    private static QuantLossRowJson Row(CommandContext ctx, QuantLossLevel level, Machine machine)
    {
        if (level.Record is not { } r) return new QuantLossRowJson(level.Type, null, null, null, null, null, null, null, null, null, null, null, false, false, level.Error);
        LevelFitJson? fit = null;
        if (File.Exists(r.FilePath))
        {
            var catalog = ctx.Catalog;
            var planned = ctx.Deployments.PlanFile(GgufReader.ReadFile(r.FilePath), r.FilePath, machine, null, new ModelScout.Core.Memory.KvSettings(GgmlType.F16, GgmlType.F16, 1, catalog.Document.Estimator.DefaultUbatch, true));
            var best = planned.Plan.Fit.Best;
            fit = best is null ? null : new LevelFitJson(Format.PlacementId(best.Kind), best.Fits, best.Memory.Total, planned.Context, best.Problem);
        }
        static EstimateJson? E(StoredEstimate? e) => e is null ? null : new(e.Value, e.StandardError);
        return new QuantLossRowJson(level.Type, r.FilePath, r.FileBytes, r.BitsPerWeight, E(r.Perplexity), E(r.DeltaPplPct), E(r.Kld), r.KldP99, E(r.SameTopPct),
            r.PromptTokensPerSecond, r.GenerateTokensPerSecond, fit, level.FromStore, level.QuantizedNow, null);
    }

    private static void Render(CommandContext ctx, QuantLossJson j, Machine machine)
    {
        var con = ctx.Human;
        con.MarkupLine($"[bold]{Format.Esc(Path.GetFileName(j.Source))}[/]: {j.Levels.Count} level(s) against the source on {Format.Esc(j.Text.Label)} ({j.Text.ScoredTokens:N0} scored tokens, {j.Context}-token chunks)");
        var t = new Table().Border(TableBorder.Rounded);
        var withEval = j.Base.Eval is not null;
        t.AddColumns("Level", "File", "Bits/weight", "PPL", "ΔPPL", "KLD", "Same top", "pp t/s", "tg t/s", $"Fits ({Format.Esc(machine.Simulated ? "described" : "this machine")})");
        if (withEval) t.AddColumn($"{Format.Esc(j.Base.Eval!.Suite)} vs source (95% CI)");
        foreach (var r in j.Levels.Prepend(j.Base))
        {
            var name = r.Type == QuantLossSweep.BaseType ? "source" : r.FromStore ? $"{r.Type} [grey](stored)[/]" : r.Type;
            if (r.Error is { } error)
            {
                t.AddRow([name, $"[red]failed:[/] {Format.Esc(error)}", .. Enumerable.Repeat("", withEval ? 9 : 8)]);
                continue;
            }
            var cells = new List<string>
            {
                name, r.FileBytes is { } b ? Format.Bytes(b) : "—", N(r.BitsPerWeight, "0.00"), Pm(r.Perplexity, "0.000"), Pm(r.DeltaPplPct, "+0.00;-0.00", "%"),
                Pm(r.Kld, "0.0000"), Pm(r.SameTopPct, "0.0", "%"), N(r.PromptTokensPerSecond, "0.0"), N(r.GenerateTokensPerSecond, "0.0"),
                r.Fit is { } f ? f.Fits ? Format.Esc(f.Placement) : "[red]no[/]" : "—",
            };
            if (withEval) cells.Add(r.Eval is not { } ev ? "—" : ev.Difference is { } d
                ? Format.Esc(string.Create(CultureInfo.InvariantCulture, $"{ev.Score:0.0} ({d:+0.0;-0.0} [{ev.Lower:+0.0;-0.0}, {ev.Upper:+0.0;-0.0}]) {ev.Verdict}"))
                : Format.Esc(string.Create(CultureInfo.InvariantCulture, $"{ev.Score:0.0}")));
            t.AddRow(cells.ToArray());
        }
        con.Write(t);
        con.MarkupLine("[grey]ΔPPL: perplexity against the source's. KLD: mean KL divergence of each next-token distribution from the source's (nats; 0 = identical). Same top: how often both pick the same most likely token. ± is one standard error. Speed: a short run here, not a benchmark.[/]");
        if (j.Model is { } id) con.MarkupLine($"Recorded for [bold]{Format.Esc(id)}[/]: `scout quant {Format.Esc(id)}` shows them beside the published figures.");
        else con.MarkupLine("[grey]Not recorded for a catalog model: add --model ID to see them in `scout quant`.[/]");
        if (j.Html is { } h) con.MarkupLine($"HTML report: {Format.Esc(h)}");
    }

    private static string N(double? v, string format) => v is { } x ? x.ToString(format, CultureInfo.InvariantCulture) : "—";

    private static string Pm(EstimateJson? e, string format, string unit = "") => e is null ? "—"
        : $"{e.Value.ToString(format, CultureInfo.InvariantCulture)}{unit} ± {Math.Abs(e.StandardError).ToString(format.Split(';')[0].TrimStart('+'), CultureInfo.InvariantCulture)}";
}
