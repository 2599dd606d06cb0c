using System.Globalization;
using ModelScout.Engine;
using ModelScout.Engine.Bench;
using ModelScout.LoadTest;
using ModelScout.LoadTest.Exporters;
using ModelScout.Store;
using Spectre.Console.Rendering;

namespace ModelScout.Cli.Commands;

/// <summary>scout bench: streamed load on one or more endpoints, interleaved round by round, with vLLM's metrics and ratios.</summary>
internal sealed class BenchCommand : ICommandBuilder
{
    private readonly Option<string[]> endpoints = new("--endpoint") { Description = "Server to measure (repeatable; pairs with --model in order). A path ending /v1 is OpenAI (SSE), otherwise Ollama (/api/chat NDJSON)", HelpName = "URL" };
    private readonly Option<string[]> models = new("--model") { Description = "Model to ask each endpoint for (one per --endpoint, or one for all)", HelpName = "NAME" };
    private readonly Option<string[]> apis = new("--api") { Description = "Force the API: openai or ollama (one for all, or one per --endpoint); default inferred from the URL", HelpName = "openai|ollama" };
    private readonly Option<string?> concurrency = new("--concurrency") { Description = "Closed-loop levels: requests kept in flight (default 1)", HelpName = "1,2,4" };
    private readonly Option<string?> rate = new("--rate") { Description = "Open-loop levels: arrivals per second, inf = all at once", HelpName = "0.5,1,inf" };
    private readonly Option<double> burstiness = new("--burstiness") { Description = "Gamma shape of the gaps between arrivals: 1 = Poisson, <1 burstier, >1 more even", DefaultValueFactory = _ => 1.0 };
    private readonly Option<int?> maxConcurrency = new("--max-concurrency") { Description = "Client-side cap on requests in flight for --rate levels", HelpName = "N" };
    private readonly Option<int?> requests = new("--requests") { Description = "Measured requests per endpoint per level (default 30)", HelpName = "N" };
    private readonly Option<string?> duration = new("--duration") { Description = "Load each endpoint this long per level instead of --requests: 60s, 2m", HelpName = "TIME" };
    private readonly Option<int> inputTokens = new("--input-tokens") { Description = "Synthetic prompt length in tokens (fitted with the endpoint's /tokenize, else ~4 characters per token)", DefaultValueFactory = _ => 512 };
    private readonly Option<int> outputTokens = new("--output-tokens") { Description = "Tokens to ask for (max_tokens / num_predict)", DefaultValueFactory = _ => 128 };
    private readonly Option<string?> prompts = new("--prompts") { Description = "Prompts file instead of synthetic prompts: JSONL {prompt} / {messages}, or ShareGPT JSON/JSONL", HelpName = "FILE" };
    private readonly Option<bool> ignoreEos = new("--ignore-eos") { Description = "Send vLLM's min_tokens and ignore_eos (OpenAI APIs) so every answer has --output-tokens tokens" };
    private readonly Option<int> warmup = new("--warmup") { Description = "Unmeasured requests per endpoint before each level", DefaultValueFactory = _ => 1 };
    private readonly Option<string?> slo = new("--slo") { Description = "Service-level objectives for goodput: ttft=500ms,tpot=50ms", HelpName = "LIST" };
    private readonly Option<int?> rounds = new("--rounds") { Description = $"Rounds each level is cut into; endpoints take turns round by round (default {DefaultRounds}, or --requests when fewer)", HelpName = "N" };

    /// <summary>Rounds per level when --rounds is not given; fewer when --requests leaves fewer requests than that.</summary>
    internal const int DefaultRounds = 3;
    private readonly Option<int> seed = new("--seed") { Description = "Seed of arrival schedules and synthetic prompt text", DefaultValueFactory = _ => 0 };
    private readonly Option<string> timeout = new("--timeout") { Description = "Limit for one request, headers to last token", DefaultValueFactory = _ => "300s", HelpName = "TIME" };
    private readonly Option<string?> apiKey = CommonOptions.ApiKey("Send Authorization: Bearer KEY to every endpoint (also $SCOUT_BENCH_API_KEY)");
    private readonly Option<string?> planFile = new("--plan") { Description = "The deployment's plan (`scout plan ... --json > plan.json`): its predicted capacity is shown beside the measured knee of the sweep", HelpName = "FILE" };
    private readonly Option<string?> output = new("--out") { Description = "Also write the whole JSON report (modelscout/bench/v1) to this file", HelpName = "FILE" };
    private readonly Option<string?> html = new("--html") { Description = "Also write a self-contained HTML report (tables, ratios, charts) to this file", HelpName = "FILE" };
    private readonly Option<string?> png = new("--png") { Description = "Also draw the charts as PNG: FILE (throughput vs latency), FILE-ttft, FILE-tpot", HelpName = "FILE" };
    private readonly Option<string?> svg = new("--svg") { Description = "Also draw the charts as SVG, named like --png", HelpName = "FILE" };
    private readonly Option<string?> local = CommonOptions.Local("Measure llama.cpp in-process instead of an endpoint, like llama-bench: a stored model name or a GGUF path");
    private readonly Option<int> pp = new("--pp") { Description = "--local: prompt-processing test size in tokens (0 skips it)", DefaultValueFactory = _ => 512 };
    private readonly Option<int> tg = new("--tg") { Description = "--local: text-generation test size in tokens (0 skips it)", DefaultValueFactory = _ => 128 };
    private readonly Option<int?> threads = CommonOptions.Threads("--local: CPU threads for both tests");
    private readonly Option<string?> gpuLayers = EngineSetup.GpuLayersOption();
    private readonly Option<int> repetitions = new("--repetitions") { Description = "--local: timed runs per test after one warm-up", DefaultValueFactory = _ => 5 };

    public Command Build(CommonOptions o) => new("bench", "Measure endpoints under streamed load (TTFT, TPOT, ITL, E2E, throughput, goodput), side by side with per-round ratios.")
    {
        endpoints, models, apis, concurrency, rate, burstiness, maxConcurrency, requests, duration, inputTokens, outputTokens, prompts,
        ignoreEos, warmup, slo, rounds, seed, timeout, apiKey, planFile, output, html, png, svg, local, pp, tg, threads, repetitions, gpuLayers,
    };

    public int Run(CommandContext ctx)
    {
        // Socket completions run inline on the epoll thread instead of hopping to the thread pool: on a 2-core machine
        // this halves the generator's added latency per chunk (bench/loadgen.sh). Read once, before the first socket.
        if (Environment.GetEnvironmentVariable("DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS") is null)
            Environment.SetEnvironmentVariable("DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS", "1");
        if (ctx.Parse.GetValue(local) is { } localModel) return RunLocal(ctx, localModel);
        var setup = Parse(ctx);
        // The web UI stops its run by its own token; Ctrl-C belongs to the server then, not to the bench.
        if (ctx.BenchObserver is { } observer) return RunAsync(ctx, setup, observer.Cancellation).GetAwaiter().GetResult();
        using var cancel = new CancellationTokenSource();
        void OnCancel(object? sender, ConsoleCancelEventArgs e)
        {
            // The first Ctrl-C stops the run and keeps what was measured; a second one ends the process.
            if (cancel.IsCancellationRequested) return;
            e.Cancel = true;
            cancel.Cancel();
        }
        System.Console.CancelKeyPress += OnCancel;
        try
        {
            return RunAsync(ctx, setup, cancel.Token).GetAwaiter().GetResult();
        }
        finally
        {
            System.Console.CancelKeyPress -= OnCancel;
        }
    }

    /// <summary>Everything the command line asked for, checked.</summary>
    internal sealed record BenchSetup(IReadOnlyList<BenchTarget> Targets, LoadPlan Plan, TimeSpan Timeout, string? PromptsFile, int InputTokens, string? ApiKey, string? Out)
    {
        public string? Html { get; init; }
        public string? Png { get; init; }
        public string? Svg { get; init; }

        /// <summary>The capacity --plan predicts; null without --plan.</summary>
        public PlanCapacity? Capacity { get; init; }
    }

    private int RunLocal(CommandContext ctx, string name)
    {
        var p = ctx.Parse;
        if ((p.GetValue(endpoints) ?? []).Length > 0)
            throw new CliException("--local measures the engine in-process; run it on its own, and measure endpoints in a second run");
        if (p.GetValue(threads) is < 1) throw new CliException("--threads must be at least 1");
        if (p.GetValue(pp) < 0 || p.GetValue(tg) < 0) throw new CliException("--pp and --tg are token counts: 0 or more");
        if (p.GetValue(pp) == 0 && p.GetValue(tg) == 0) throw new CliException("--pp 0 and --tg 0 leave nothing to measure; give one of them tokens");
        if (p.GetValue(repetitions) < 1) throw new CliException("--repetitions must be at least 1");
        ResolvedModel resolved;
        try
        {
            resolved = ModelResolvers.StoreThenFile(ctx.Store).Resolve(name);
        }
        catch (StoreException e)
        {
            throw new CliException($"{e.Message}. Give a GGUF path or a name from `scout list`.", ExitCodes.NotFound);
        }
        // A file that is not a GGUF is bad input (exit 5) before llama.cpp starts, as with run and inspect.
        GgufLoader.LoadValid(resolved.GgufPath);
        var options = new LocalBenchOptions
        {
            ModelPath = resolved.GgufPath,
            PromptTokens = p.GetValue(pp),
            GenerateTokens = p.GetValue(tg),
            Repetitions = p.GetValue(repetitions),
        };
        var engine = EngineSetup.Apply(ctx, EngineSettings.FromEnvironment(ctx.Settings.Environment), gpuLayers);
        options = options with { LlamaLibrary = engine.LlamaLibrary, GpuLayers = engine.GpuLayers, Hardware = engine.Hardware };
        if (p.GetValue(threads) is { } n) options = options with { Threads = n };
        else if (engine.Threads is var t and > 0) options = options with { Threads = t };
        // The flash-attention setting `scout serve` and `scout run` would use (SCOUT_FLASH_ATTENTION), so the figures compare.
        options = options with { FlashAttention = engine.FlashAttention };
        var progress = new Progress<LocalBenchProgress>(x =>
        {
            if (!ctx.Json) ctx.Stderr.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{x.Test}: {x.Completed}/{x.Total}{(x.LastTokensPerSecond is { } v ? $"  {v:0.00} t/s" : "")}"));
        });
        LocalBenchResult result;
        try
        {
            result = LocalBench.RunAsync(options, progress).GetAwaiter().GetResult();
        }
        catch (ArgumentException e)
        {
            throw new CliException($"--local: {e.Message}");
        }
        catch (InferenceException e) when (e.Kind == InferenceErrorKind.LibraryIncompatible)
        {
            throw new CliException(e.Message, ExitCodes.Error);
        }
        catch (InferenceException e)
        {
            throw new CliException($"{e.Message}. `scout inspect FILE` shows what the file holds.", ExitCodes.Error);
        }
        // A stored model by the name it was asked for (its blob is sha256-…); a file by its file name.
        var shown = resolved.Digest is null ? Path.GetFileName(resolved.GgufPath) : resolved.Name;
        if (ctx.Json)
        {
            ctx.Stdout.Write(BenchLocalView.JsonText(result, shown));
            ctx.Stdout.WriteLine();
        }
        else
        {
            BenchLocalView.Render(ctx.Human, result, shown);
        }
        return ExitCodes.Ok;
    }

    internal BenchSetup Parse(CommandContext ctx)
    {
        var p = ctx.Parse;
        var urls = p.GetValue(endpoints) ?? [];
        var names = p.GetValue(models) ?? [];
        var apiNames = p.GetValue(apis) ?? [];
        if (urls.Length == 0) throw new CliException("give an endpoint to measure: --endpoint http://127.0.0.1:11434/v1 --model NAME (repeat the pair for more)");
        if (names.Length == 0) throw new CliException("give the model to ask for: --model NAME (one per --endpoint, or one for all)");
        if (names.Length != 1 && names.Length != urls.Length) throw new CliException($"{urls.Length} --endpoint but {names.Length} --model; give one --model per --endpoint, or one for all");
        if (apiNames.Length > 1 && apiNames.Length != urls.Length) throw new CliException($"{urls.Length} --endpoint but {apiNames.Length} --api; give one --api per --endpoint, or one for all");
        var targets = new List<BenchTarget>();
        for (var i = 0; i < urls.Length; i++)
        {
            var model = names.Length == 1 ? names[0] : names[i];
            var api = apiNames.Length == 0 ? null : apiNames.Length == 1 ? apiNames[0] : apiNames[i];
            var (root, format) = Endpoint(urls[i], api);
            targets.Add(new BenchTarget($"{root.Authority}/{model}", root, model, format));
        }
        // Two targets with the same label would make ratios and tables ambiguous: name the API, then number them.
        if (targets.Select(t => t.Label).Distinct().Count() != targets.Count)
            targets = [.. targets.Select(t => t with { Label = $"{t.Label} ({(t.Format == StreamFormat.OpenAIChat ? "openai" : "ollama")})" })];
        if (targets.Select(t => t.Label).Distinct().Count() != targets.Count)
            targets = [.. targets.Select((t, i) => t with { Label = $"{i + 1}:{t.Label}" })];

        var concurrencyText = p.GetValue(concurrency);
        var rateText = p.GetValue(rate);
        if (concurrencyText is not null && rateText is not null) throw new CliException("give --concurrency or --rate, not both (run twice to sweep both)");
        var levels = rateText is not null
            ? Levels(rateText, "--rate", LoadKind.Rate)
            : Levels(concurrencyText ?? "1", "--concurrency", LoadKind.Concurrency);
        var durationText = p.GetValue(duration);
        var count = p.GetValue(requests);
        if (durationText is not null && count is not null) throw new CliException("give --requests or --duration, not both");
        var promptsFile = p.GetValue(prompts);
        if (promptsFile is not null && p.GetResult(inputTokens) is { Implicit: false }) throw new CliException("give --input-tokens or --prompts, not both");
        var input = p.GetValue(inputTokens);
        if (input < 1) throw new CliException("--input-tokens must be at least 1");
        var plan = new LoadPlan
        {
            Levels = levels,
            Requests = durationText is null ? count ?? 30 : null,
            Duration = durationText is null ? null : Duration(durationText, "--duration"),
            Warmup = p.GetValue(warmup),
            // Each round needs a request: `--requests 2` alone runs 2 rounds; an explicit --rounds above --requests is refused.
            Rounds = p.GetValue(rounds) ?? (durationText is null ? Math.Clamp(count ?? 30, 1, DefaultRounds) : DefaultRounds),
            Burstiness = p.GetValue(burstiness),
            MaxConcurrency = p.GetValue(maxConcurrency),
            Seed = p.GetValue(seed),
            OutputTokens = p.GetValue(outputTokens),
            IgnoreEos = p.GetValue(ignoreEos),
            Slo = p.GetValue(slo) is { } s ? Slo(s) : null,
        };
        try
        {
            plan.Validate();
        }
        catch (ArgumentException e)
        {
            throw new CliException(e.Message);
        }
        var key = p.GetValue(apiKey) ?? ctx.Settings.Get(ScoutVariables.BenchApiKey);
        return new BenchSetup(targets, plan, Duration(p.GetValue(timeout) ?? "300s", "--timeout"), promptsFile, input, key is { Length: > 0 } ? key : null, p.GetValue(output))
        {
            Html = p.GetValue(html),
            Png = p.GetValue(png),
            Svg = p.GetValue(svg),
            Capacity = p.GetValue(planFile) is { } planPath ? ReadPlan(planPath) : null,
        };
    }

    private static PlanCapacity ReadPlan(string path)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CliException($"--plan: cannot read {path} ({e.Message}); write it with `scout plan MODEL --gpus ... --json > {path}`", ExitCodes.NotFound);
        }
        try
        {
            return PlanCapacity.Parse(text);
        }
        catch (PlanFileException e)
        {
            throw new CliException($"--plan: {path} is {e.Message}");
        }
    }

    /// <summary>The server root and the API: a path ending in /v1 means OpenAI, anything else Ollama, unless --api says.</summary>
    internal static (Uri Root, StreamFormat Format) Endpoint(string url, string? api)
    {
        if (!Uri.TryCreate(url.Trim(), UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
            throw new CliException($"--endpoint: '{url}' is not an http(s) URL; write it like http://127.0.0.1:8000/v1 (OpenAI) or http://127.0.0.1:11434 (Ollama)");
        var path = uri.AbsolutePath.TrimEnd('/');
        var openAIPath = path.EndsWith("/v1", StringComparison.OrdinalIgnoreCase);
        var rootPath = openAIPath ? path[..^3] : path;
        var format = api?.ToLowerInvariant() switch
        {
            null => openAIPath ? StreamFormat.OpenAIChat : StreamFormat.OllamaChat,
            "openai" => StreamFormat.OpenAIChat,
            "ollama" => StreamFormat.OllamaChat,
            _ => throw new CliException($"--api: '{api}' is not openai or ollama"),
        };
        return (new UriBuilder(uri) { Path = rootPath + "/", Query = "", Fragment = "" }.Uri, format);
    }

    internal static IReadOnlyList<LoadLevel> Levels(string text, string option, LoadKind kind)
    {
        var levels = new List<LoadLevel>();
        foreach (var part in text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            double value;
            if (kind == LoadKind.Rate && part.Equals("inf", StringComparison.OrdinalIgnoreCase)) value = double.PositiveInfinity;
            else if (!double.TryParse(part, NumberStyles.Float, CultureInfo.InvariantCulture, out value) || !double.IsFinite(value))
                throw new CliException($"{option}: '{part}' is not a number; write a list like {(kind == LoadKind.Rate ? "0.5,1,inf" : "1,2,4")}");
            levels.Add(new LoadLevel(kind, value));
        }
        if (levels.Count == 0) throw new CliException($"{option}: give at least one value");
        return levels;
    }

    /// <summary>A time: 500ms, 30s, 2m, 1h, or a bare number of seconds.</summary>
    internal static TimeSpan Duration(string text, string option)
    {
        var t = text.Trim().ToLowerInvariant();
        var (number, unit) = t.EndsWith("ms", StringComparison.Ordinal) ? (t[..^2], 0.001)
            : t.EndsWith('s') ? (t[..^1], 1.0)
            : t.EndsWith('m') ? (t[..^1], 60.0)
            : t.EndsWith('h') ? (t[..^1], 3600.0)
            : (t, 1.0);
        if (!double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) || !(v > 0) || !double.IsFinite(v))
            throw new CliException($"{option}: '{text}' is not a positive time; write it like 500ms, 30s or 2m");
        return TimeSpan.FromSeconds(v * unit);
    }

    internal static ServiceLevelObjectives Slo(string text)
    {
        TimeSpan? ttft = null, tpot = null;
        foreach (var part in text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = part.IndexOf('=', StringComparison.Ordinal);
            var name = eq > 0 ? part[..eq].Trim().ToLowerInvariant() : "";
            var value = eq > 0 ? part[(eq + 1)..] : "";
            switch (name)
            {
                case "ttft": ttft = Duration(value, "--slo ttft"); break;
                case "tpot": tpot = Duration(value, "--slo tpot"); break;
                default: throw new CliException($"--slo: '{part}' is not ttft=TIME or tpot=TIME; write it like ttft=500ms,tpot=50ms");
            }
        }
        if (ttft is null && tpot is null) throw new CliException("--slo: give ttft=TIME and/or tpot=TIME");
        return new ServiceLevelObjectives(ttft, tpot);
    }

    private static async Task<int> RunAsync(CommandContext ctx, BenchSetup setup, CancellationToken cancellationToken)
    {
        using var handler = new SocketsHttpHandler { MaxConnectionsPerServer = 4096, PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5) };
        using var http = new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };
        if (setup.ApiKey is { } key) http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", key);
        var runTag = RunTag.Apply(http, "bench", ctx.Settings.Get, DateTimeOffset.UtcNow);

        await PreflightAsync(http, setup, cancellationToken);
        var sources = new List<IPromptSource>();
        if (setup.PromptsFile is { } file)
        {
            PromptFile loaded;
            try
            {
                loaded = PromptFile.Load(file);
            }
            catch (PromptFileException e)
            {
                throw new CliException(e.Message + ". Each line needs {\"prompt\": \"...\"}, {\"messages\": [...]} or ShareGPT {\"conversations\": [...]}.", ExitCodes.Error);
            }
            sources.AddRange(setup.Targets.Select(_ => (IPromptSource)loaded));
        }
        else
        {
            foreach (var target in setup.Targets)
                sources.Add(await SyntheticPrompts.CreateAsync(http, target.Endpoint, target.Model, setup.InputTokens, setup.Plan.Seed, cancellationToken));
        }

        var settings = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["timeout_s"] = setup.Timeout.TotalSeconds.ToString(CultureInfo.InvariantCulture),
            ["input_tokens"] = setup.PromptsFile is null ? setup.InputTokens.ToString(CultureInfo.InvariantCulture) : "from file",
            ["run_tag"] = runTag,
        };
        var runner = new BenchRunner(http, setup.Timeout);
        var view = new ProgressView(setup.Targets, setup.Plan) { Observer = ctx.BenchObserver };
        ctx.BenchObserver?.Started(setup.Targets, setup.Plan);
        BenchReport report;
        if (ctx.ProgressOnTerminal && !ctx.Json)
        {
            BenchReport? finished = null;
            await ctx.Notes.Live(view.Render()).StartAsync(async live =>
            {
                var run = runner.RunAsync(setup.Targets, sources, setup.Plan, view, settings, cancellationToken);
                while (!run.IsCompleted)
                {
                    // Redraw a few times a second; the run does not wait on the display.
                    await Task.WhenAny(run, Task.Delay(250, CancellationToken.None));
                    live.UpdateTarget(view.Render());
                }
                finished = await run;
            });
            report = finished!;
        }
        else
        {
            view.Lines = ctx.Stderr;
            report = await runner.RunAsync(setup.Targets, sources, setup.Plan, view, settings, cancellationToken);
        }

        if (setup.Capacity is { } capacity) report = report with { Plan = capacity };
        var saved = SaveToHome(ctx, report);
        ctx.BenchObserver?.Finished(report, saved?.Id, saved?.Path);
        if (setup.Out is { } path)
        {
            try
            {
                await using var stream = File.Create(path);
                BenchJsonExporter.Write(report, stream);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new CliException($"--out: cannot write {path} ({e.Message}); check the folder exists and is writable", ExitCodes.Error);
            }
        }
        if ((setup.Html ?? setup.Png ?? setup.Svg) is not null && ctx.Settings.Get(ScoutVariables.ChartFont) is { } font && !BenchChartExporter.UseFontFile(font))
            ctx.Stderr.WriteLine($"scout: {ScoutVariables.ChartFont.Name}={font} is not a file; drawing with the system's fonts");
        Export("--html", setup.Html, path => BenchHtmlExporter.Save(report, path));
        Export("--png", setup.Png, path => BenchChartExporter.Save(report, path));
        Export("--svg", setup.Svg, path => BenchChartExporter.Save(report, path));
        if ((setup.Html ?? setup.Png ?? setup.Svg) is not null && !BenchChartExporter.FontsAvailable)
            ctx.Stderr.WriteLine("scout: no fonts found, so the charts have no labels; install one (apt-get install fonts-dejavu-core) or set " + ScoutVariables.ChartFont.Name + "=FILE.ttf");
        if (ctx.Json)
        {
            ctx.Stdout.Write(BenchJsonExporter.ToJson(report));
            ctx.Stdout.WriteLine();
        }
        else
        {
            BenchTables.Write(ctx.Human, report);
        }
        if (report.Interrupted)
        {
            ctx.Stderr.WriteLine("scout: interrupted; the figures cover the requests that finished before Ctrl-C.");
            return ExitCodes.Error;
        }
        return ExitCodes.Ok;
    }

    // Every report is kept in $SCOUT_HOME/bench (the web UI's Bench page lists them); a home that cannot be written
    // costs the copy, not the run.
    private static (string Id, string Path)? SaveToHome(CommandContext ctx, BenchReport report)
    {
        var store = BenchReportStore.Of(ctx.Settings);
        try
        {
            var saved = store.Save(report);
            ctx.Stderr.WriteLine($"scout: report saved as {saved.Id}: {saved.Path} (the web UI's Bench page lists it)");
            return saved;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            ctx.Stderr.WriteLine($"scout: could not keep the report in {store.Folder} ({e.Message}); use --out FILE to write it elsewhere");
            return null;
        }
    }

    private static void Export(string option, string? path, Action<string> write)
    {
        if (path is null) return;
        try
        {
            if (Path.GetDirectoryName(Path.GetFullPath(path)) is { } folder) Directory.CreateDirectory(folder);
            write(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
        {
            throw new CliException($"{option}: cannot write {path} ({e.Message}); check the folder exists and is writable", ExitCodes.Error);
        }
    }

    // One request per target before anything else, so a wrong URL, API or model fails at once with what to check.
    private static async Task PreflightAsync(HttpClient http, BenchSetup setup, CancellationToken cancellationToken)
    {
        foreach (var target in setup.Targets)
        {
            var client = new StreamingClient(http, target.Endpoint, target.Format, setup.Timeout);
            var sample = await client.SendAsync(new BenchPrompt(target.Model, "Hello", 1), cancellationToken);
            if (sample.Failure is not { } failure) continue;
            var path = target.Format == StreamFormat.OpenAIChat ? "v1/chat/completions" : "api/chat";
            var hint = failure.Kind switch
            {
                FailureKind.ConnectionReset => "Check that the server is running and the host and port are right.",
                FailureKind.HttpStatus when failure.StatusCode == 404 => "Check the model name (--model) and the API: a URL ending in /v1 is OpenAI, otherwise Ollama (--api forces one).",
                FailureKind.HttpStatus when failure.StatusCode is 401 or 403 => "The server wants a key: --api-key KEY.",
                FailureKind.Timeout => "The server did not answer in time; raise --timeout or check that it is not stuck loading.",
                _ => "Check --api (openai or ollama) matches what the server speaks.",
            };
            throw new CliException($"{target.Endpoint}{path} did not answer a test request for model '{target.Model}': {failure.Detail}. {hint}", ExitCodes.Error);
        }
    }

    /// <summary>Live state per (level, target), drawn as a table on a terminal or written as lines otherwise.</summary>
    private sealed class ProgressView(IReadOnlyList<BenchTarget> targets, LoadPlan plan) : IProgress<BenchProgress>
    {
        private readonly Lock gate = new();
        private readonly Dictionary<(int Level, int Target), BenchProgress> state = [];
        private readonly Dictionary<int, long> lastLine = [];

        /// <summary>Where plain progress lines go when there is no live table.</summary>
        public TextWriter? Lines { get; set; }

        /// <summary>The web UI watching the run, told of every request.</summary>
        public IBenchObserver? Observer { get; init; }

        public void Report(BenchProgress value)
        {
            Observer?.Progress(value);
            lock (gate)
            {
                state[(value.LevelIndex, value.TargetIndex)] = value;
                if (Lines is null) return;
                // A line at every tenth of a level, and at most one a second under --duration.
                var now = Environment.TickCount64;
                var due = value.Total is { } total
                    ? value.Done == total || value.Done % Math.Max(1, total / 10) == 0
                    : now - lastLine.GetValueOrDefault(value.TargetIndex) >= 1000;
                if (!due) return;
                lastLine[value.TargetIndex] = now;
                Lines.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"bench {value.Level.Label} round {value.Round + 1}/{value.Rounds} {value.Target.Label}: {value.Done}{(value.Total is { } t ? "/" + t : "")} done, {value.Failed} failed, {value.OutputTokensPerSecond:0.0} output tok/s"));
            }
        }

        public IRenderable Render()
        {
            lock (gate)
            {
                var rows = new List<IRenderable>();
                for (var l = 0; l < plan.Levels.Count; l++)
                {
                    if (!targets.Select((_, t) => state.ContainsKey((l, t))).Any(x => x)) continue;
                    var table = new Table().Title(plan.Levels[l].Label).AddColumns("endpoint", "round", "done", "failed", "output tok/s");
                    for (var t = 0; t < targets.Count; t++)
                    {
                        if (!state.TryGetValue((l, t), out var p)) { table.AddRow(Markup.Escape(targets[t].Label), "", "waiting", "", ""); continue; }
                        table.AddRow(Markup.Escape(targets[t].Label), $"{p.Round + 1}/{p.Rounds}", p.Total is { } total ? $"{p.Done}/{total}" : $"{p.Done}",
                            p.Failed.ToString(CultureInfo.InvariantCulture), p.OutputTokensPerSecond.ToString("0.0", CultureInfo.InvariantCulture));
                    }
                    rows.Add(table);
                }
                return rows.Count == 0 ? new Markup("[grey]starting…[/]") : new Rows(rows);
            }
        }
    }
}

/// <summary>The final tables: per level, each metric per target, then each target's ratios to the first.</summary>
internal static class BenchTables
{
    public static void Write(IAnsiConsole console, BenchReport report)
    {
        foreach (var level in report.Levels)
        {
            var points = report.Targets.Select(t => report.Points.FirstOrDefault(p => p.Target == t && p.Level == level)).ToList();
            if (points.All(p => p is null)) continue;
            var table = new Table().Title(level.Label).AddColumn("metric");
            foreach (var t in report.Targets) table.AddColumn(new TableColumn(Markup.Escape(t.Label)).RightAligned());
            void Row(string name, Func<SampleSummary, string> value) =>
                table.AddRow([name, .. points.Select(p => p is null ? "-" : Markup.Escape(value(p.Summary)))]);
            static string F(double v, string format = "0.0") => v.ToString(format, CultureInfo.InvariantCulture);
            Row("completed", s => s.Completed.ToString(CultureInfo.InvariantCulture));
            Row("failed", s => s.Failed == 0 ? "0" : $"{s.Failed} ({string.Join(", ", s.FailuresByReason.OrderBy(r => r.Key, StringComparer.Ordinal).Select(r => $"{r.Key}: {r.Value}"))})");
            Row("request throughput (req/s)", s => F(s.RequestThroughput, "0.00"));
            Row("output throughput (tok/s)", s => F(s.OutputTokenThroughput));
            Row("total throughput (tok/s)", s => F(s.TotalTokenThroughput));
            if (points.Any(p => p?.Summary.Goodput is not null)) Row("goodput (req/s)", s => s.Goodput is { } g ? F(g, "0.00") : "-");
            foreach (var (name, stats) in new (string, Func<SampleSummary, LatencyStats>)[] { ("TTFT", s => s.Ttft), ("TPOT", s => s.Tpot), ("ITL", s => s.Itl), ("E2E", s => s.E2E) })
            {
                Row($"{name} median (ms)", s => F(stats(s).Median, "0.00"));
                Row($"{name} p99 (ms)", s => F(stats(s).P99, "0.00"));
            }
            foreach (var ratio in report.Ratios.Where(r => r.Level == level))
            {
                var cells = report.Targets.Select(t => t.Label == ratio.Other ? Markup.Escape($"{F(ratio.Median, "0.00")}x [{F(ratio.Low, "0.00")}–{F(ratio.High, "0.00")}]") : "").ToList();
                table.AddRow([$"ratio {ratio.Metric} vs {Markup.Escape(ratio.Baseline)}", .. cells]);
            }
            console.Write(table);
        }
        if (report.Ratios.Count > 0) console.WriteLine("Ratios: median of per-round ratios to the first endpoint, [25th–75th percentile].");
        WriteCapacity(console, report);
    }

    // The plan's prediction beside where each endpoint's sweep stopped paying (the knee).
    private static void WriteCapacity(IAnsiConsole console, BenchReport report)
    {
        var knees = SweepKnee.Of(report);
        var plan = report.Plan;
        if (plan is null && knees.Count == 0) return;
        static string F(double v, string format = "0.0") => v.ToString(format, CultureInfo.InvariantCulture);
        var table = new Table().Title("capacity: planned vs measured knee").AddColumns("", "load", "output tok/s", "req/s", "TTFT median (ms)");
        if (plan is not null)
            table.AddRow("plan", Markup.Escape($"{F(plan.MaxConcurrency, "0.#")} concurrent ({plan.Replicas} × {F(plan.MaxConcurrencyPerReplica, "0.#")})"),
                F(plan.OutputTokensPerSecond), plan.RequestsPerSecond is { } r ? F(r, "0.00") : "-", "-");
        foreach (var k in knees)
        {
            var share = plan is { OutputTokensPerSecond: > 0 } ? $" ({F(100 * k.OutputTokensPerSecond / plan.OutputTokensPerSecond, "0")} % of plan)" : "";
            table.AddRow(Markup.Escape($"knee {k.Target}"), Markup.Escape(k.Level.Label + (k.AtLastLevel ? " (last level swept)" : "")),
                Markup.Escape(F(k.OutputTokensPerSecond) + share), F(k.RequestsPerSecond, "0.00"), F(k.TtftMedianMs, "0.0"));
        }
        console.Write(table);
        console.WriteLine(knees.Count == 0
            ? "No knee: sweep at least two levels (--concurrency 1,8,32,... or --rate ...) to find where throughput stops rising."
            : $"Knee: the lowest level within {SweepKnee.Tolerance:P0} of the sweep's best output throughput; at the last level swept, sweep higher to find it.");
    }
}
