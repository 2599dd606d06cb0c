using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using Microsoft.Extensions.AI;
using ModelScout.Cli.Eval;
using ModelScout.Cli.EvalReports;
using ModelScout.Engine;
using ModelScout.Engine.ChatClient;
using ModelScout.Evaluation;
using ModelScout.Evaluation.Clients;
using ModelScout.Evaluation.Datasets;
using ModelScout.Evaluation.Results;
using ModelScout.Evaluation.Running;
using ModelScout.Evaluation.Sandbox;
using ModelScout.Evaluation.Scoring;
using ModelScout.Evaluation.Suites;
using ModelScout.Gguf;
using ModelScout.Store;

namespace ModelScout.Cli.Commands;

/// <summary>
/// scout eval: runs benchmark suites against an OpenAI-compatible endpoint or a local GGUF, storing every reply so the
/// same command resumes. compare/report/list are subcommands of this command (added beside it in ScoutApp).
/// </summary>
internal sealed class EvalCommand : ICommandBuilder
{
    private readonly Option<string?> suite = new("--suite") { Description = "Suites to run, comma-separated: mmlu,humaneval,gsm8k,math,mtbench,bfcl", HelpName = "LIST" };
    private readonly Option<string[]> endpoint = new("--endpoint") { Description = "OpenAI-compatible API base to evaluate, e.g. http://127.0.0.1:11434/v1; repeat it for replicas of one model (items go to the least busy, --concurrency each)", HelpName = "URL" };
    private readonly Option<string?> shard = new("--shard") { Description = "Run only shard i of N of every suite's items (item k goes to shard k mod N + 1); combine the shards with `scout eval merge`", HelpName = "i/N" };
    private readonly Option<string?> model = new("--model") { Description = "Model id to ask --endpoint for", HelpName = "NAME" };
    private readonly Option<string?> apiKey = CommonOptions.ApiKey("Bearer key for --endpoint (also $SCOUT_EVAL_API_KEY)");
    private readonly Option<string?> local = CommonOptions.Local("Evaluate a GGUF in-process instead: a store name or a .gguf path");
    private readonly Option<int?> limit = new("--limit") { Description = "At most N items per suite (the same N items every time for a given --seed)", HelpName = "N" };
    private readonly Option<double?> fraction = new("--fraction") { Description = "This share of each suite's items, 0 < F <= 1", HelpName = "F" };
    private readonly Option<int> concurrency = new("--concurrency") { Description = "Items in flight at once per endpoint (match the server's parallel slots)", DefaultValueFactory = _ => 1, HelpName = "N" };
    private readonly Option<string?> data = new("--data") { Description = $"Folder with mmlu/, humaneval/, gsm8k/, math/, mtbench/, bfcl/ in their public formats (also ${ScoutVariables.EvalData.Name}); default: the built-in samples", HelpName = "DIR" };
    private readonly Option<string?> runName = new("--run") { Description = "Name of the run in the result store; default derived from the command, so rerunning it resumes", HelpName = "NAME" };
    private readonly Option<int?> shots = new("--shots") { Description = "MMLU dev examples per prompt, 0-5 (default 5 for logprob/loglikelihood, 0 for generative)", HelpName = "N" };
    private readonly Option<string> mmluMode = new("--mmlu-mode") { Description = "MMLU scoring: auto (logprob when the endpoint returns logprobs, else generative; loglikelihood with --local), logprob, generative, loglikelihood", DefaultValueFactory = _ => "auto", HelpName = "MODE" };
    private readonly Option<bool> gsm8kFewShot = new("--gsm8k-8shot") { Description = "GSM8K with eight worked examples (chain of thought by example) instead of the zero-shot chat prompt" };
    private readonly Option<int> samples = new("--samples") { Description = "HumanEval completions per problem; above 1, pass@k is reported for k up to n", DefaultValueFactory = _ => 1, HelpName = "N" };
    private readonly Option<double?> temperature = new("--temperature") { Description = "Sampling temperature for every generated answer (default: each suite's own: greedy, 0.8 for HumanEval n>1, MT-Bench's per category)", HelpName = "T" };
    private readonly Option<int> seed = new("--seed") { Description = "Seed for choosing --limit/--fraction items and for sampled answers", DefaultValueFactory = _ => 0, HelpName = "N" };
    private readonly Option<int?> maxTokens = new("--max-tokens") { Description = "Cap every generated answer at N tokens (default: each suite's budget; 512-1024)", HelpName = "N" };
    private readonly Option<string?> judgeEndpoint = new("--judge-endpoint") { Description = "OpenAI-compatible API base of the MT-Bench judge (use a strong model)", HelpName = "URL" };
    private readonly Option<string?> judgeModel = new("--judge-model") { Description = "Judge model id (default: --model when the judge endpoint is --endpoint)", HelpName = "NAME" };
    private readonly Option<string?> judgeApiKey = new("--judge-api-key") { Description = "Bearer key for the judge (default: --api-key when the judge endpoint is --endpoint)", HelpName = "KEY" };
    private readonly Option<string?> bfclCategories = new("--bfcl-categories") { Description = "BFCL categories to run, comma-separated: simple,multiple,parallel,parallel_multiple (default: all the data has)", HelpName = "LIST" };
    private readonly Option<string?> db = EvalDatabase.Option();
    private readonly Option<int?> threads = CommonOptions.Threads("CPU threads for --local");
    private readonly Option<string?> gpuLayers = EngineSetup.GpuLayersOption();

    public Command Build(CommonOptions options) => new("eval", "Measure a model on MMLU, HumanEval, GSM8K, MATH, MT-Bench and BFCL (function calling) through an OpenAI-compatible endpoint or in-process; rerun the same command to resume.")
    {
        suite, endpoint, shard, model, apiKey, local, limit, fraction, concurrency, data, runName, shots, mmluMode, gsm8kFewShot, samples, temperature, seed,
        maxTokens, judgeEndpoint, judgeModel, judgeApiKey, bfclCategories, db, threads, gpuLayers, options.Models,
    };

    public int Run(CommandContext ctx) => RunAsync(ctx).GetAwaiter().GetResult();

    /// <summary>The command line, checked.</summary>
    internal sealed record EvalSetup(
        IReadOnlyList<string> Suites,
        Uri? Endpoint,
        string? Model,
        string? ApiKey,
        string? Local,
        SampleSelection Selection,
        int Concurrency,
        string? DataDirectory,
        string? RunName,
        int? Shots,
        string MmluMode,
        bool Gsm8kFewShot,
        int Samples,
        double? Temperature,
        int Seed,
        int? MaxTokens,
        Uri? JudgeEndpoint,
        string? JudgeModel,
        string? JudgeApiKey,
        string Database,
        int? Threads,
        string? GpuLayers = null,
        IReadOnlyList<BfclCategory>? BfclCategories = null)
    {
        /// <summary>Every --endpoint, in order; <see cref="Endpoint"/> is the first.</summary>
        public IReadOnlyList<Uri> Endpoints { get; init; } = Endpoint is null ? [] : [Endpoint];

        /// <summary>--shard i/N; null for the whole run.</summary>
        public Shard? Shard { get; init; }
    }

    internal EvalSetup Parse(CommandContext ctx)
    {
        var p = ctx.Parse;
        var suiteText = p.GetValue(suite) ?? throw new CliException($"choose the suites: --suite {string.Join(',', SuiteCatalog.Names)} (any of them, comma-separated)");
        var suites = new List<string>();
        foreach (var part in suiteText.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var name = part.ToLowerInvariant();
            if (!SuiteCatalog.Names.Contains(name)) throw new CliException($"--suite: unknown suite '{part}'; choose from {string.Join(", ", SuiteCatalog.Names)}");
            if (!suites.Contains(name)) suites.Add(name);
        }
        if (suites.Count == 0) throw new CliException($"--suite: give at least one of {string.Join(", ", SuiteCatalog.Names)}");

        var endpointTexts = p.GetValue(endpoint) ?? [];
        var endpointText = endpointTexts.Length > 0 ? endpointTexts[0] : null;
        var localText = p.GetValue(local);
        var modelText = p.GetValue(model);
        if (endpointText is null == localText is null)
            throw new CliException("say what to evaluate: --endpoint URL --model NAME (a server), or --local FILE|NAME (in-process), not both");
        if (endpointText is not null && modelText is null) throw new CliException("--endpoint needs --model NAME (the id the server lists under /v1/models)");
        if (localText is not null && modelText is not null) throw new CliException("--model goes with --endpoint; with --local the model is the file or store name itself");

        var limitValue = p.GetValue(limit);
        var fractionValue = p.GetValue(fraction);
        if (limitValue is < 1) throw new CliException("--limit must be at least 1");
        if (fractionValue is { } f && (double.IsNaN(f) || f <= 0 || f > 1)) throw new CliException("--fraction must be above 0 and at most 1, e.g. 0.1");
        var concurrencyValue = p.GetValue(concurrency);
        if (concurrencyValue < 1) throw new CliException("--concurrency must be at least 1");
        var shotsValue = p.GetValue(shots);
        if (shotsValue is < 0 or > 5) throw new CliException("--shots must be 0 to 5 (MMLU's dev split has five examples per subject)");
        var mode = (p.GetValue(mmluMode) ?? "auto").ToLowerInvariant();
        if (mode is not ("auto" or "logprob" or "generative" or "loglikelihood"))
            throw new CliException($"--mmlu-mode: '{mode}' is not auto, logprob, generative or loglikelihood");
        if (mode == "loglikelihood" && localText is null)
            throw new CliException("--mmlu-mode loglikelihood needs the model in-process: use --local FILE|NAME, or logprob/generative with an endpoint");
        var samplesValue = p.GetValue(samples);
        if (samplesValue < 1) throw new CliException("--samples must be at least 1");
        var temperatureValue = p.GetValue(temperature);
        if (temperatureValue is { } t && (double.IsNaN(t) || t < 0 || t > 2)) throw new CliException("--temperature must be between 0 and 2");
        var maxTokensValue = p.GetValue(maxTokens);
        if (maxTokensValue is < 1) throw new CliException("--max-tokens must be at least 1");
        var threadsValue = p.GetValue(threads);
        if (threadsValue is < 1) throw new CliException("--threads must be at least 1");

        var categories = BfclCategoriesFrom(p.GetValue(bfclCategories));
        if (categories is not null && !suites.Contains("bfcl")) throw new CliException("--bfcl-categories goes with --suite bfcl");

        var endpointUris = endpointTexts.Select(e => Url(e, "--endpoint")).ToList();
        var endpointUri = endpointUris.Count > 0 ? endpointUris[0] : null;
        for (var i = 1; i < endpointUris.Count; i++)
            if (endpointUris.Take(i).Any(u => SameUrl(u, endpointUris[i])))
                throw new CliException($"--endpoint {endpointUris[i]} is given twice; list each replica once (--concurrency sets the requests each one gets)");
        Shard? shardValue = null;
        if (p.GetValue(shard) is { } shardText)
        {
            try
            {
                shardValue = Shard.Parse(shardText);
            }
            catch (FormatException e)
            {
                throw new CliException("--shard: " + e.Message);
            }
        }
        var judgeText = p.GetValue(judgeEndpoint);
        var judgeUri = judgeText is null ? null : Url(judgeText, "--judge-endpoint");
        var judgeModelText = p.GetValue(judgeModel);
        var key = p.GetValue(apiKey) ?? ctx.Settings.Get(ScoutVariables.EvalApiKey);
        var judgeKey = p.GetValue(judgeApiKey);
        var sameJudge = judgeUri is not null && endpointUri is not null && SameUrl(judgeUri, endpointUri);
        if (suites.Contains("mtbench"))
        {
            if (judgeUri is null)
                throw new CliException("MT-Bench answers are graded by a judge model: add --judge-endpoint URL --judge-model NAME (a strong model; "
                    + "passing --judge-endpoint equal to --endpoint lets the model grade itself, which only checks the pipeline)");
            if (judgeModelText is null && !sameJudge) throw new CliException("--judge-endpoint needs --judge-model NAME (the id the judge server lists)");
        }
        if (sameJudge)
        {
            judgeModelText ??= modelText;
            judgeKey ??= key;
        }

        return new EvalSetup(suites, endpointUri, modelText, key is { Length: > 0 } ? key : null, localText,
            new SampleSelection(limitValue, fractionValue, p.GetValue(seed)), concurrencyValue,
            p.GetValue(data) ?? ctx.Settings.Get(ScoutVariables.EvalData), p.GetValue(runName), shotsValue, mode, p.GetValue(gsm8kFewShot), samplesValue, temperatureValue,
            p.GetValue(seed), maxTokensValue, judgeUri, judgeModelText, judgeKey is { Length: > 0 } ? judgeKey : null,
            EvalDatabase.PathFrom(ctx, db), threadsValue, p.GetValue(gpuLayers), categories) { Endpoints = endpointUris, Shard = shardValue };
    }

    // The categories in BFCL's order, each once; null when the option is absent.
    private static List<BfclCategory>? BfclCategoriesFrom(string? text)
    {
        if (text is null) return null;
        var chosen = new List<BfclCategory>();
        foreach (var part in text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var category = BfclLoader.Parse(part)
                ?? throw new CliException($"--bfcl-categories: unknown category '{part}'; choose from simple, multiple, parallel, parallel_multiple");
            if (!chosen.Contains(category)) chosen.Add(category);
        }
        if (chosen.Count == 0) throw new CliException("--bfcl-categories: give at least one of simple, multiple, parallel, parallel_multiple");
        chosen.Sort();
        return chosen;
    }

    private static Uri Url(string text, string option)
    {
        if (!Uri.TryCreate(text.Trim(), UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
            throw new CliException($"{option}: '{text}' is not an http(s) URL; write the API base, e.g. http://127.0.0.1:11434/v1");
        return uri;
    }

    private static bool SameUrl(Uri a, Uri b) =>
        string.Equals(a.GetLeftPart(UriPartial.Path).TrimEnd('/'), b.GetLeftPart(UriPartial.Path).TrimEnd('/'), StringComparison.OrdinalIgnoreCase);

    /// <summary>What is being evaluated, once it is known to answer.</summary>
    private sealed record Target(
        IChatClient Client,
        RunKey Key,
        string Label,
        string? Server,
        string? ServerVersion,
        int MaxTopLogprobs,
        string? ChatTemplateHash,
        ILogLikelihoodModel? LogLikelihood,
        IAsyncDisposable? Engine,
        string? ModelPath = null,
        bool Probed = false,
        int? Concurrency = null,
        ReplicaPoolChatClient? Pool = null)
    {
        public bool LogprobsSupported => MaxTopLogprobs > 0;
    }

    private async Task<int> RunAsync(CommandContext ctx)
    {
        var setup = Parse(ctx);
        using var http = new HttpClient { Timeout = TimeSpan.FromMinutes(10) };
        RunTag.Apply(http, "eval", ctx.Settings.Get, DateTimeOffset.UtcNow);
        using var cts = new CancellationTokenSource();
        using var interrupt = ctx.RunEnvironment.OnInterrupt(cts.Cancel);
        var target = setup.Local is not null ? OpenLocal(ctx, setup)
            : setup.Endpoints.Count > 1 ? await ProbeReplicasAsync(ctx, setup, http, cts.Token).ConfigureAwait(false)
            : await ProbeAsync(ctx, setup, http, cts.Token).ConfigureAwait(false);
        try
        {
            return await EvaluateAsync(ctx, setup, target, http, cts).ConfigureAwait(false);
        }
        finally
        {
            target.Client.Dispose();
            if (target.Engine is not null) await target.Engine.DisposeAsync().ConfigureAwait(false);
        }
    }

    private static async Task<Target> ProbeAsync(CommandContext ctx, EvalSetup setup, HttpClient http, CancellationToken ct)
    {
        var uri = setup.Endpoint!;
        ctx.Stderr.WriteLine($"probing {uri} ...");
        EndpointInfo info;
        try
        {
            info = await EndpointProbe.ProbeAsync(uri, setup.Model!, setup.ApiKey, http, ct).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            throw new CliException("interrupted while probing the endpoint; nothing was run", RunModelCommand.Interrupted);
        }
        var client = new RetryingChatClient(new OpenAIEndpointChatClient(uri, setup.Model!, setup.ApiKey, http));
        var label = $"{setup.Model}{(info.Quantization is { } q ? $" ({q})" : "")} via {uri}"
            + (info.Server is { } s ? $" ({s}{(info.ServerVersion is { } v ? " " + v : "")})" : "");
        return new Target(client, RunKey.ForEndpoint(uri, setup.Model!, info.ModelDigest, info.Quantization), label, info.Server, info.ServerVersion,
            info.MaxTopLogprobs, null, null, null, info.ModelPath, Probed: true);
    }

    /// <summary>
    /// A replica's own retries before the pool takes it out of rotation: few and short, since the other replicas can take
    /// its items at once (one endpoint alone keeps the patient default).
    /// </summary>
    internal static RetryOptions ReplicaRetry { get; } = new() { MaxAttempts = 3, BaseDelay = TimeSpan.FromMilliseconds(250), MaxDelay = TimeSpan.FromSeconds(5) };

    // Every replica is probed; they must serve the same model (fingerprint: digest and quantization where the server has
    // Ollama's API, else the /v1/models root and max_model_len and llama.cpp's model file). Items then go to the least busy.
    private static async Task<Target> ProbeReplicasAsync(CommandContext ctx, EvalSetup setup, HttpClient http, CancellationToken ct)
    {
        var infos = new List<EndpointInfo>();
        foreach (var uri in setup.Endpoints)
        {
            ctx.Stderr.WriteLine($"probing {uri} ...");
            try
            {
                infos.Add(await EndpointProbe.ProbeAsync(uri, setup.Model!, setup.ApiKey, http, ct).ConfigureAwait(false));
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                throw new CliException("interrupted while probing the endpoints; nothing was run", RunModelCommand.Interrupted);
            }
        }
        var prints = infos.Select(ModelFingerprint.Of).ToList();
        var mismatched = prints.Select((f, i) => (f, i)).Skip(1).Where(x => x.f.Differences(prints[0]).Count > 0).ToList();
        if (mismatched.Count > 0)
        {
            var lines = prints.Select((f, i) => $"  {setup.Endpoints[i]}: {f}");
            throw new CliException($"the endpoints do not serve the same model '{setup.Model}' ({string.Join("; ", mismatched.Select(m => $"{setup.Endpoints[m.i]}: {string.Join(", ", prints[0].Differences(m.f))}"))}); "
                + $"replicas must load the same weights:\n{string.Join("\n", lines)}\nEvaluate them as separate runs, or fix the replica that differs.", ExitCodes.Error);
        }
        if (!prints[0].Strong)
            ctx.Stderr.WriteLine($"note: the endpoints report no weights digest; the replicas were matched on {prints[0]} only");
        var pool = new ReplicaPoolChatClient([.. setup.Endpoints.Select(uri => new Replica(uri.ToString(),
            new RetryingChatClient(new OpenAIEndpointChatClient(uri, setup.Model!, setup.ApiKey, http), ReplicaRetry), setup.Concurrency))]);
        var first = infos[0];
        var label = $"{setup.Model}{(first.Quantization is { } q ? $" ({q})" : "")} via {infos.Count} replicas"
            + (first.Server is { } s ? $" ({s}{(first.ServerVersion is { } v ? " " + v : "")})" : "");
        return new Target(pool, RunKey.ForReplicas(setup.Model!, first.ModelDigest, first.Quantization), label, first.Server, first.ServerVersion,
            infos.Min(i => i.MaxTopLogprobs), null, null, null, first.ModelPath, Probed: true, Concurrency: pool.TotalConcurrency, Pool: pool);
    }

    private static Target OpenLocal(CommandContext ctx, EvalSetup setup)
    {
        var resolver = ModelResolvers.StoreThenFile(ctx.Store);
        var resolved = resolver.Resolve(setup.Local!);
        var (file, _, _) = GgufLoader.LoadValid(resolved.GgufPath);
        var info = GgufModelInfo.From(file);
        var digest = resolved.Digest ?? HashFile(ctx, resolved.GgufPath);
        var template = resolved.Template ?? file.GetString("tokenizer.chat_template");
        var engineSettings = EngineSettings.FromEnvironment(ctx.Settings.Environment) with { Parallel = Math.Max(1, setup.Concurrency) };
        if (setup.Threads is { } n) engineSettings = engineSettings with { Threads = n };
        engineSettings = EngineSetup.Apply(ctx, engineSettings, setup.GpuLayers);
        var engine = ctx.RunEnvironment.CreateEngine(resolver, engineSettings);
        var host = engine as ModelHost;
        if (setup.MmluMode == "loglikelihood" && host is null)
            throw new CliException("--mmlu-mode loglikelihood needs llama.cpp's engine, which this build did not provide", ExitCodes.Error);
        var client = new LocalLogprobsChatClient(new LocalChatClient(engine, resolved.Name));
        // Files that do not state a file type (stories260K) are named by the type most weights have, e.g. F32.
        var quant = info.FileType?.Name ?? info.MainType.ToString();
        var label = $"{resolved.Name} in-process" + (quant is null ? "" : $" ({quant})");
        return new Target(client, RunKey.ForLocal(resolved.Name, digest, quant), label, "modelscout (in-process)", Version(), MmluOptions.DefaultTopLogprobs,
            template is null ? null : ContentHash.Hex(template),
            host is null ? null : new HostLogLikelihood(host, resolved.Name), engine as IAsyncDisposable);
    }

    // Store blobs carry their digest; a loose file is hashed once here so the run key tells two files apart.
    private static string HashFile(CommandContext ctx, string path)
    {
        var length = new FileInfo(path).Length;
        if (length > 1L << 30) ctx.Stderr.WriteLine($"hashing {path} ({length / (1L << 20)} MiB) for the run key ...");
        return ContentHash.FileDigest(path);
    }

    internal static string Version() =>
        typeof(EvalCommand).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";

    private static async Task<int> EvaluateAsync(CommandContext ctx, EvalSetup setup, Target target, HttpClient http, CancellationTokenSource cts)
    {
        var mode = setup.MmluMode switch
        {
            "logprob" => MmluMode.Logprob,
            "generative" => MmluMode.Generative,
            "loglikelihood" => MmluMode.LogLikelihood,
            _ => setup.Local is not null && target.LogLikelihood is not null ? MmluMode.LogLikelihood
                : target.LogprobsSupported ? MmluMode.Logprob : MmluMode.Generative,
        };
        if (mode == MmluMode.Logprob && !target.LogprobsSupported && setup.Suites.Contains("mmlu"))
            throw new CliException($"{setup.Endpoint} did not return logprobs to a probe; use --mmlu-mode generative (or auto)", ExitCodes.Error);

        using var sandbox = setup.Suites.Contains("humaneval") ? new SandboxPool(new PythonSandbox(), Environment.ProcessorCount) : null;
        if (sandbox is not null && new PythonSandbox().Isolation is { } isolation)
        {
            if (isolation.Error is { } error) throw new CliException($"HumanEval runs the model's code with python3: {error}", ExitCodes.Error);
            if (!isolation.NetworkIsolated) ctx.Stderr.WriteLine($"warning: HumanEval sandbox: {isolation.Description} (see docs/eval-sandbox.md)");
        }
        using var judge = setup.JudgeEndpoint is not null && setup.Suites.Contains("mtbench")
            ? new RetryingChatClient(new OpenAIEndpointChatClient(setup.JudgeEndpoint, setup.JudgeModel!, setup.JudgeApiKey, http))
            : null;

        var selection = setup.Selection;
        var settings = new SuiteSettings(
            new MmluOptions(mode, setup.Shots, TopLogprobs: TopLogprobs(target), MaxTokens: setup.MaxTokens ?? 512, Temperature: setup.Temperature ?? 0, Selection: selection),
            new HumanEvalOptions(setup.Samples, setup.Temperature ?? 0.8, setup.MaxTokens ?? 768, setup.Seed, selection),
            new Gsm8kOptions(setup.Gsm8kFewShot ? Gsm8kPrompt.EightShotCot : Gsm8kPrompt.ZeroShot, setup.MaxTokens ?? 512, setup.Temperature ?? 0, selection),
            new MathOptions(setup.MaxTokens ?? 1024, setup.Temperature ?? 0, selection),
            new MtBenchOptions(setup.MaxTokens ?? 1024, setup.JudgeModel, setup.Temperature, Selection: selection),
            new BfclOptions(setup.MaxTokens ?? 512, setup.Temperature ?? 0, selection, setup.BfclCategories));
        var services = new SuiteServices(sandbox, judge, target.LogLikelihood);
        var built = new List<BuiltSuite>();
        foreach (var suiteName in setup.Suites)
        {
            try
            {
                built.Add(SuiteCatalog.Build(suiteName, setup.DataDirectory, settings, services));
            }
            catch (InvalidOperationException e)
            {
                throw new CliException(e.Message);
            }
        }

        var runSettings = new EvalRunSettings
        {
            Suites = setup.Suites,
            Limit = setup.Selection.Limit,
            Fraction = setup.Selection.Fraction,
            Seed = setup.Seed,
            Shots = setup.Shots,
            MmluMode = setup.MmluMode,
            Gsm8kEightShot = setup.Gsm8kFewShot,
            Samples = setup.Samples,
            Temperature = setup.Temperature,
            MaxTokens = setup.MaxTokens,
            DataDirectory = setup.DataDirectory,
            JudgeEndpoint = setup.JudgeEndpoint,
            JudgeModel = setup.JudgeModel,
            BfclCategories = setup.BfclCategories is { } cats ? string.Join(',', cats.Select(BfclLoader.Name)) : null,
        };
        // A shard's default name is the whole run's with "-shardIofN", so `scout eval merge` names the merged run like the whole.
        var name = setup.RunName ?? runSettings.RunName(target.Key) + (setup.Shard?.NameSuffix ?? "");
        using var store = OpenStore(setup.Database);
        var previous = store.FindRun(name);
        var served = setup.Endpoints.Count > 1
            ? (previous?.Record.Endpoints ?? []).Concat(setup.Endpoints.Select(u => u.ToString())).Distinct(StringComparer.Ordinal).ToList()
            : null;
        var sampling = runSettings.Sampling;
        if (setup.Shard is { } part) sampling = new Dictionary<string, string>(sampling) { ["shard"] = part.ToString() };
        var record = new ReproducibilityRecord
        {
            Endpoint = target.Key.Endpoint,
            Model = target.Key.ModelId,
            ModelDigest = target.Key.ModelDigest,
            Quantization = target.Key.Quantization,
            ServerVersion = target.Server is null ? null : target.ServerVersion is null ? target.Server : $"{target.Server} {target.ServerVersion}",
            ModelPath = target.ModelPath,
            MaxTopLogprobs = target.Probed ? target.MaxTopLogprobs : null,
            Sampling = sampling,
            Seed = setup.Seed,
            ChatTemplateHash = target.ChatTemplateHash,
            DatasetHashes = built.SelectMany(b => b.Files).GroupBy(f => f.Path).ToDictionary(g => g.Key, g => g.First().Sha256),
            ModelScoutVersion = Version(),
            ScoringModes = built.ToDictionary(b => b.Suite.Name, b => b.Suite.ScoringMode),
            SandboxNetworkIsolated = sandbox?.NetworkIsolated,
            Endpoints = served,
            Shard = setup.Shard?.ToString(),
        };

        var run = store.OpenRun(name, target.Key, record);
        var resume = ResumeCommand(ctx.Parse, setup.RunName is null ? name : null);
        ctx.Stderr.WriteLine($"run {name}: {target.Label}; MMLU mode {mode.ToString().ToLowerInvariant()}; store {store.FilePath}");
        if (built.Any(b => b.FromSamples)) ctx.Stderr.WriteLine("note: using ModelScout's small built-in sample sets; pass --data DIR for the real datasets (docs/eval-datasets.md)");

        var runner = new EvalRunner(target.Client, store, new EvalRunnerOptions { Concurrency = target.Concurrency ?? setup.Concurrency });
        var started = Stopwatch.GetTimestamp();
        if (setup.Shard is { } only)
        {
            built = [.. built.Select(b => b with { Suite = new ShardedSuite(b.Suite, only) })];
            ctx.Stderr.WriteLine($"shard {only}: {string.Join(", ", built.Select(b => $"{b.Suite.Name} {b.Suite.Items.Count} items"))}");
        }
        var suites = built.Select(b => b.Suite).ToList();
        EvalRunResult result;
        try
        {
            result = await EvalProgressView.RunAsync(ctx, suites, progress => runner.RunAsync(run, suites, progress, cts.Token)).ConfigureAwait(false);
        }
        catch (HttpRequestException e)
        {
            throw new CliException($"{e.Message}; rerun `{resume}` to continue where it stopped", ExitCodes.Error);
        }
        var elapsed = Stopwatch.GetElapsedTime(started);
        if (target.Pool is { } pool)
        {
            foreach (var (where, count) in pool.Answered) ctx.Stderr.WriteLine($"  {where}: answered {count}");
            foreach (var failure in pool.Failures)
                ctx.Stderr.WriteLine($"warning: replica {failure.Endpoint} was taken out of rotation ({failure.Reason}); its items went to the others");
            foreach (var back in pool.Returned)
                ctx.Stderr.WriteLine($"  replica {back} answered a probe after its cool-down and rejoined the run");
        }
        var status = result.Cancelled ? RunStatus.Interrupted : RunStatus.Complete;
        var json = EvalOutput.Build(store, store.FindRun(name) ?? run, built, result, target.Label, target.Server, mode, elapsed, resume, status);
        if (ctx.Json) ctx.WriteJson(json, EvalCliJson.Default.EvalJson);
        EvalOutput.Render(ctx.Human, json);
        var errors = json.Suites.Sum(s => s.Errors);
        if (result.Cancelled)
        {
            ctx.Stderr.WriteLine($"interrupted; every answer received is stored. Resume with:\n  {resume}");
            return RunModelCommand.Interrupted;
        }
        ctx.Stderr.WriteLine($"sent {result.Sent} requests, reused {result.Reused} stored replies in {elapsed.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture)} s");
        if (errors > 0)
        {
            ctx.Stderr.WriteLine($"{errors} item(s) failed after retries (stored as errors, not scored); rerun to retry only those:\n  {resume}");
            return ExitCodes.Error;
        }
        return ExitCodes.Ok;
    }

    // Logprob mode asks for as many alternatives as the endpoint accepted, at most MMLU's usual 20.
    private static int TopLogprobs(Target target) =>
        target.LogprobsSupported ? Math.Min(MmluOptions.DefaultTopLogprobs, target.MaxTopLogprobs) : MmluOptions.DefaultTopLogprobs;

    private static EvalStore OpenStore(string path)
    {
        try
        {
            return EvalStore.Open(path);
        }
        catch (Exception e) when (e is InvalidOperationException or Microsoft.Data.Sqlite.SqliteException)
        {
            throw new CliException($"cannot open the result store {path}: {e.Message}; pass --db FILE or set {ScoutVariables.EvalDatabase.Name}", ExitCodes.Error);
        }
    }

    /// <summary>The command as typed, plus --run when the name was derived (so a changed default cannot lose the run).</summary>
    internal static string ResumeCommand(ParseResult parse, string? derivedName)
    {
        var words = new List<string> { "scout" };
        string? previous = null;
        foreach (var token in parse.Tokens)
        {
            // Keys stay out of terminals and logs; the user passes theirs again (or sets $SCOUT_EVAL_API_KEY).
            words.Add(previous is "--api-key" or "--judge-api-key" ? "KEY" : Quote(token.Value));
            previous = token.Value;
        }
        if (derivedName is not null) words.AddRange(["--run", Quote(derivedName)]);
        return string.Join(' ', words);
    }

    private static string Quote(string word) =>
        word.Length > 0 && word.All(c => char.IsAsciiLetterOrDigit(c) || "-_./:=,+@%".Contains(c, StringComparison.Ordinal))
            ? word
            : "'" + word.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
}
