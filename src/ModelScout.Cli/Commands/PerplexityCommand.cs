using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using ModelScout.Cli.Output;
using ModelScout.Cli.QuantLoss;
using ModelScout.Engine;
using ModelScout.Engine.Quantization;
using ModelScout.Store;

namespace ModelScout.Cli.Commands;

/// <summary>scout perplexity MODEL [--text FILE] [--base BASE]: llama-perplexity's figures, and KL divergence from a base.</summary>
internal sealed class PerplexityCommand : ICommandBuilder
{
    private readonly Argument<string> model = new("model") { Description = "The model to score: a stored model name or a GGUF file" };
    private readonly Option<string?> text = new("--text") { Description = $"A UTF-8 text file to score (default: {PerplexitySample.Label}; Wikitext-2 raw test is the comparable choice)", HelpName = "FILE" };
    private readonly Option<int> context = new("--ctx", "-c") { Description = "Tokens per chunk (llama-perplexity -c); the second half of each chunk is scored", DefaultValueFactory = _ => 512, HelpName = "TOKENS" };
    private readonly Option<int?> chunks = new("--chunks") { Description = "At most this many chunks (default: all the text holds)", HelpName = "N" };
    private readonly Option<string?> baseModel = new("--base") { Description = "Compare with this model (stored name or file): KL divergence, Δp, same top token, PPL ratio; its logits are cached in the home folder and reused", HelpName = "BASE" };
    private readonly Option<int?> threads = CommonOptions.Threads("CPU threads");
    private readonly Option<string?> gpuLayers = EngineSetup.GpuLayersOption();

    public Command Build(CommonOptions o) =>
        new("perplexity", "Perplexity over a text as llama-perplexity computes it (chunks from an empty context, second half scored), with its standard error; with --base, KL divergence and same-top agreement against the base model.")
        {
            model, text, context, chunks, baseModel, threads, gpuLayers, o.Models,
        };

    public int Run(CommandContext ctx)
    {
        var p = ctx.Parse;
        if (p.GetValue(threads) is < 1) throw new CliException("--threads must be at least 1");
        var n = p.GetValue(context);
        if (n < 8 || n % 2 != 0) throw new CliException($"--ctx must be an even number of tokens, at least 8 (got {n})");
        if (p.GetValue(chunks) is < 1) throw new CliException("--chunks must be at least 1");
        var (body, label) = Text(p.GetValue(text));
        var target = Resolve(ctx, p.GetValue(model)!);
        var reference = p.GetValue(baseModel) is { } b ? Resolve(ctx, b) : null;
        // A file that is not a GGUF is bad input (exit 5) before llama.cpp starts, as with run, bench and inspect.
        GgufLoader.LoadValid(target.GgufPath);
        if (reference is not null) GgufLoader.LoadValid(reference.GgufPath);
        var engine = EngineSetup.Apply(ctx, EngineSettings.FromEnvironment(ctx.Settings.Environment), gpuLayers);
        var options = new PerplexityOptions
        {
            ModelPath = target.GgufPath,
            Text = body,
            Context = n,
            MaxChunks = p.GetValue(chunks),
            Threads = p.GetValue(threads) ?? engine.Threads,
            LlamaLibrary = engine.LlamaLibrary,
            GpuLayers = engine.GpuLayers is > 0 ? engine.GpuLayers : null,
        };
        if (!ctx.Json) ctx.Human.MarkupLine(Format.Esc($"text: {label}"));

        using var cts = new CancellationTokenSource();
        ConsoleCancelEventHandler onCancel = (_, e) =>
        {
            e.Cancel = true;
            cts.Cancel();
        };
        Console.CancelKeyPress += onCancel;
        try
        {
            BaseJson? baseJson = null;
            if (reference is not null)
            {
                var cachePath = CachePath(ctx.Settings, reference, body, n, p.GetValue(chunks));
                var reused = File.Exists(cachePath);
                double? basePpl = null;
                long? cacheBytes = reused ? new FileInfo(cachePath).Length : null;
                if (!reused)
                {
                    var baseRun = Score(ctx, options with { ModelPath = reference.GgufPath, WriteBaseCache = cachePath }, Shown(reference), cts.Token);
                    basePpl = baseRun.Perplexity.Value;
                    cacheBytes = baseRun.BaseCacheBytes;
                }
                else if (!ctx.Json)
                {
                    ctx.Stderr.WriteLine($"reusing the base's cached logits: {cachePath}");
                }
                baseJson = new BaseJson(Shown(reference), reference.GgufPath, basePpl, cachePath, cacheBytes ?? 0, reused);
                options = options with { BaseCache = cachePath };
            }
            var result = Score(ctx, options, Shown(target), cts.Token);
            var json = PerplexityJson.From(result, Shown(target), label, baseJson);
            if (ctx.Json) ctx.WriteJson(json, QuantizeJsonContext.Default.PerplexityJson);
            else Render(ctx, json);
            return ExitCodes.Ok;
        }
        catch (OperationCanceledException)
        {
            throw new CliException("perplexity cancelled; no cache file was kept", ExitCodes.Error);
        }
        finally
        {
            Console.CancelKeyPress -= onCancel;
        }
    }

    private static (string Body, string Label) Text(string? path)
    {
        if (path is null) return (PerplexitySample.Text, PerplexitySample.Label);
        if (!File.Exists(path)) throw new CliException($"no text file at {path}; give a UTF-8 text file, or leave --text out to use {PerplexitySample.Label}", ExitCodes.NotFound);
        return (File.ReadAllText(path, Encoding.UTF8), Path.GetFullPath(path));
    }

    private static ResolvedModel Resolve(CommandContext ctx, string name)
    {
        try
        {
            return ModelResolvers.StoreThenFile(ctx.Store).Resolve(name);
        }
        catch (StoreException e)
        {
            throw new CliException($"{e.Message}. Give a GGUF path or a name from `scout list`.", ExitCodes.NotFound);
        }
    }

    private static string Shown(ResolvedModel m) => m.Digest is null ? Path.GetFileName(m.GgufPath) : m.Name;

    /// <summary>
    /// The base cache's place in the home folder: keyed by the base file (its digest when stored, else path, size and
    /// modification time), the text, the context and the chunk limit.
    /// </summary>
    internal static string CachePath(ScoutSettings settings, ResolvedModel reference, string body, int context, int? chunks)
    {
        var info = new FileInfo(reference.GgufPath);
        var identity = reference.Digest ?? string.Create(CultureInfo.InvariantCulture, $"{info.FullName}|{info.Length}|{info.LastWriteTimeUtc.Ticks}");
        var key = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(
            string.Create(CultureInfo.InvariantCulture, $"{identity}\n{QuantLossSweep.TextHash(body)}\n{context}\n{chunks?.ToString(CultureInfo.InvariantCulture) ?? "all"}"))));
        return Path.Combine(settings.Cache, "perplexity", key[..32] + ".kld");
    }

    private static PerplexityResult Score(CommandContext ctx, PerplexityOptions options, string shown, CancellationToken ct)
    {
        var progress = new SyncProgress(x => ctx.Stderr.WriteLine(string.Create(CultureInfo.InvariantCulture, $"scoring {shown}: chunk {x.Chunk}/{x.Chunks}, perplexity so far {x.RunningPerplexity:0.0000}")));
        return PerplexityRunner.RunAsync(options, progress, ct).GetAwaiter().GetResult();
    }

    private static void Render(CommandContext ctx, PerplexityJson r)
    {
        var h = ctx.Human;
        void Line(string s) => h.MarkupLine(Format.Esc(s));
        var ic = CultureInfo.InvariantCulture;
        Line(string.Create(ic, $"{r.Model}: PPL {r.Perplexity.Value:0.0000} ± {r.Perplexity.StandardError:0.0000}  ({r.Chunks} chunks of {r.Context} tokens, {r.ScoredTokens:N0} scored of {r.TextTokens:N0}; {r.TokensPerSecond:0} tokens/s)"));
        if (r.Base is { } b)
            Line(b.Reused ? $"base {b.Model}: cached logits reused ({Format.Bytes(b.CacheBytes)})" : string.Create(ic, $"base {b.Model}: PPL {b.Perplexity:0.0000}; logits cached in {b.Cache} ({Format.Bytes(b.CacheBytes)})"));
        if (r.Divergence is { } d)
        {
            Line(string.Create(ic, $"PPL ratio (model/base): {d.PerplexityRatio.Value:0.0000} ± {d.PerplexityRatio.StandardError:0.0000}  (base PPL {d.BasePerplexity:0.0000})"));
            Line(string.Create(ic, $"KL divergence: mean {d.KlDivergence.Value:0.000000} ± {d.KlDivergence.StandardError:0.000000}, median {d.KlMedian:0.000000}, p99 {d.KlP99:0.000000}, max {d.KlMax:0.000000} (nats)"));
            Line(string.Create(ic, $"Δp of the correct token: {d.DeltaP.Value * 100:0.000} ± {d.DeltaP.StandardError * 100:0.000} %"));
            Line(string.Create(ic, $"same top token: {d.SameTop.Value * 100:0.00} ± {d.SameTop.StandardError * 100:0.00} %"));
            Line(string.Create(ic, $"cache error: the KLD lies in [mean, mean + {d.CacheError:0.0e0}] (compact base cache, docs/perplexity.md)"));
        }
    }

    private sealed class SyncProgress(Action<PerplexityProgress> report) : IProgress<PerplexityProgress>
    {
        public void Report(PerplexityProgress value) => report(value);
    }
}


internal sealed record DivergenceJson(EstimateJson KlDivergence, double KlMedian, double KlP99, double KlMax, EstimateJson DeltaP, EstimateJson SameTop,
    EstimateJson PerplexityRatio, double BasePerplexity, double CacheError);

internal sealed record BaseJson(string Model, string Path, double? Perplexity, string Cache, long CacheBytes, bool Reused);

internal sealed record PerplexityJson(string Schema, string Model, string ModelPath, string Text, int TextTokens, int Context, int Chunks, int ScoredTokens,
    EstimateJson Perplexity, double TokensPerSecond, double ElapsedSeconds, BaseJson? Base, DivergenceJson? Divergence)
{
    public static PerplexityJson From(PerplexityResult r, string model, string text, BaseJson? reference) => new("modelscout/perplexity/v1", model, r.ModelPath, text,
        r.TextTokens, r.Context, r.Chunks, r.ScoredTokens, EstimateJson.From(r.Perplexity), Math.Round(r.ScoringTokensPerSecond, 1), Math.Round(r.Elapsed.TotalSeconds, 3), reference,
        r.Divergence is { } d
            ? new DivergenceJson(EstimateJson.From(d.KlDivergence), d.KlMedian, d.KlP99, d.KlMax, EstimateJson.From(d.DeltaP), EstimateJson.From(d.SameTop),
                EstimateJson.From(d.PerplexityRatio), d.BasePerplexity, d.CacheError)
            : null);
}
