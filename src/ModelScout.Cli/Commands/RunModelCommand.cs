using ModelScout.Cli.Chat;
using ModelScout.Cli.Output;
using ModelScout.Engine;
using ModelScout.Gguf;
using ModelScout.Prompting;
using ModelScout.Store;

namespace ModelScout.Cli.Commands;

/// <summary>scout run: a one-shot answer or an interactive chat with a GGUF model, in-process through llama.cpp.</summary>
internal sealed class RunModelCommand : ICommandBuilder
{
    /// <summary>Exit code after Ctrl-C stopped a one-shot answer (128 + SIGINT, as shells report it).</summary>
    public const int Interrupted = 130;

    private readonly Argument<string> model = new("model") { Description = "A model name from the store, or the path of a .gguf file" };
    private readonly Argument<string[]> prompt = new("prompt") { Description = "The prompt (words are joined with spaces); without it, a piped stdin is the prompt, and a terminal starts a chat", Arity = ArgumentArity.ZeroOrMore };
    private readonly Option<bool> verbose = new("--verbose") { Description = "After each answer print durations, token counts and tokens/s" };
    private readonly Option<string?> format = new("--format") { Description = "Shape of the answer: json (any JSON value), or a JSON schema the answer must validate against", HelpName = "json|SCHEMA" };
    private readonly Option<string?> system = new("--system") { Description = "System message", HelpName = "TEXT" };
    private readonly Option<string?> keepAlive = CommonOptions.KeepAlive("How long the model stays loaded while idle in a chat: 5m, 1h, 0, -1 (forever)", "--keepalive");
    private readonly Option<int?> threads = CommonOptions.Threads("CPU threads for prompt processing and generation");
    private readonly Option<string?> context = new("--ctx") { Description = "Context window in tokens (2048 or 2K); default: the model's num_ctx, else 2048", HelpName = "TOKENS" };
    private readonly Option<float?> temperature = new("--temperature") { Description = "Sampling temperature; 0 is greedy (deterministic)", HelpName = "T" };
    private readonly Option<int?> seed = new("--seed") { Description = "Random seed for sampling", HelpName = "N" };
    private readonly Option<int?> numPredict = new("--num-predict") { Description = "Most tokens to generate (-1: until the model stops or the context is full)", HelpName = "N" };
    private readonly Option<string?> gpuLayers = EngineSetup.GpuLayersOption();
    private readonly Option<string?> tools = new("--tools") { Description = "Offer these functions to the model (a JSON array of OpenAI/Ollama tools); the calls it makes are printed", HelpName = "FILE" };
    private readonly Option<string?> toolChoice = new("--tool-choice") { Description = "auto (default), none, required, or a tool's name: required and a name force a call with a grammar", HelpName = "CHOICE" };
    private readonly Option<string?> think = new("--think") { Description = "Reasoning models: true, false, or a level (low, medium, high)", HelpName = "true|false|LEVEL" };
    private readonly Option<bool> hideThinking = new("--hidethinking") { Description = "Do not print the model's reasoning" };

    public Command Build(CommonOptions options) => new("run", "Chat with a GGUF model on this machine (in-process llama.cpp): a one-shot answer to PROMPT or piped stdin, or an interactive chat like `ollama run`.")
    {
        model, prompt, verbose, format, system, keepAlive, threads, context, temperature, seed, numPredict, gpuLayers, tools, toolChoice, think, hideThinking, options.Models,
    };

    public int Run(CommandContext ctx) => RunAsync(ctx).GetAwaiter().GetResult();

    private async Task<int> RunAsync(CommandContext ctx)
    {
        var p = ctx.Parse;
        var env = ctx.RunEnvironment;
        var options = Options(p);
        var words = p.GetValue(prompt) ?? [];
        if (ctx.Json && words.Length == 0 && env.StdinIsTerminal)
            throw new CliException("--json needs a prompt: scout run MODEL PROMPT --json (or pipe the prompt on stdin); the chat has no JSON form");

        var resolver = ModelResolvers.StoreThenFile(ctx.Store);
        var resolved = Engine(() => resolver.Resolve(p.GetValue(model)!));
        // The engine validates the file as well; reading the header here gives a clear error before llama.cpp starts,
        // and the facts /show info prints.
        var (file, _, _) = GgufLoader.LoadValid(resolved.GgufPath);
        var info = GgufModelInfo.From(file);

        var settings = new RunSettings
        {
            Model = resolved.Name,
            Options = options,
            System = p.GetValue(system),
            Format = Format(p.GetValue(format)),
            KeepAlive = p.GetValue(keepAlive) is { } ka ? Engine(() => KeepAliveParser.Parse(ka)) : null,
            Verbose = p.GetValue(verbose),
            Think = ToolsFile.Think(p.GetValue(think)),
            HideThinking = p.GetValue(hideThinking),
        };
        if (p.GetValue(tools) is { } toolsPath)
        {
            var offered = ToolsFile.Read(toolsPath);
            settings = settings with { Tools = offered, ToolChoice = ToolsFile.Choice(p.GetValue(toolChoice), offered) };
        }
        else if (p.GetValue(toolChoice) is not null)
        {
            throw new CliException("--tool-choice needs --tools FILE");
        }
        var engineSettings = EngineSettings.FromEnvironment(ctx.Settings.Environment) with { Parallel = 1 };
        if (options.NumThread is { } n) engineSettings = engineSettings with { Threads = n };
        engineSettings = EngineSetup.Apply(ctx, engineSettings, gpuLayers);

        var engine = Engine(() => env.CreateEngine(resolver, engineSettings));
        // With a library of one's own, the load line says which llama.cpp runs the model and where its layers went.
        var announce = engineSettings.LlamaLibrary is not null;
        try
        {
            if (words.Length > 0 || !env.StdinIsTerminal)
            {
                var text = string.Join(' ', words);
                if (!env.StdinIsTerminal)
                {
                    var piped = (await env.Stdin.ReadToEndAsync().ConfigureAwait(false)).Trim();
                    text = piped.Length == 0 ? text : text.Length == 0 ? piped : piped + " " + text;
                }
                if (announce && text.Length > 0) await LoadAsync(ctx, engine, settings, announce).ConfigureAwait(false);
                return await OneShotAsync(ctx, engine, settings, text, announce).ConfigureAwait(false);
            }
            return await ChatAsync(ctx, engine, resolved, info, settings, announce).ConfigureAwait(false);
        }
        finally
        {
            if (engine is IAsyncDisposable d) await d.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Loads the model and prints the load line: time, and with <paramref name="announce"/> the library and GPU layers.</summary>
    private static async Task<LoadedModelInfo> LoadAsync(CommandContext ctx, IInferenceService engine, RunSettings settings, bool announce, string? after = null)
    {
        var loaded = await EngineAsync(() => engine.LoadAsync(settings.Model, settings.Options, settings.KeepAlive)).ConfigureAwait(false);
        var line = $"loaded {loaded.Name} in {VerboseStats.Duration(loaded.LoadDuration)}";
        if (announce)
        {
            line += $"; {EngineSetup.Placement(loaded)}";
            if (engine is ModelHost host) line += $"; {host.Library.Describe()}";
        }
        ctx.Stderr.WriteLine(line + after);
        return loaded;
    }

    private static async Task<int> OneShotAsync(CommandContext ctx, IInferenceService engine, RunSettings settings, string text, bool announce)
    {
        if (text.Length == 0)
        {
            // Ollama's empty prompt: load the model and stop, which also checks that it loads.
            await LoadAsync(ctx, engine, settings, announce, "; give a prompt to get an answer").ConfigureAwait(false);
            return ExitCodes.Ok;
        }
        var request = settings.Request(prompt: text);
        using var cts = new CancellationTokenSource();
        using var ctrlC = ctx.RunEnvironment.OnInterrupt(cts.Cancel);
        var answer = await EngineAsync(() => AnswerStream.CopyAsync(engine, request, ctx.Json ? null : ctx.Stdout, cts.Token, settings.HideThinking)).ConfigureAwait(false);
        if (ctx.Json)
        {
            ctx.WriteJson(RunJson.From(settings.Model, answer), CliJson.Default.RunJson);
        }
        else
        {
            ctx.Stdout.WriteLine();
            ctx.Stdout.Flush();
        }
        if (settings.Verbose && answer.Stats is { } stats) ctx.Stderr.Write(VerboseStats.Format(stats));
        return answer.Cancelled ? Interrupted : ExitCodes.Ok;
    }

    private static async Task<int> ChatAsync(CommandContext ctx, IInferenceService engine, ResolvedModel resolved, GgufModelInfo info, RunSettings settings, bool announce)
    {
        // Load before the first prompt, as ollama does, so a model that cannot load fails now rather than after typing.
        if (announce) await LoadAsync(ctx, engine, settings, announce).ConfigureAwait(false);
        else await EngineAsync(() => engine.LoadAsync(settings.Model, settings.Options, settings.KeepAlive)).ConfigureAwait(false);
        var repl = new ChatRepl(engine, resolved, info, settings, ctx.RunEnvironment.Stdin, ctx.Stdout, ctx.Stderr);
        using var ctrlC = ctx.RunEnvironment.OnInterrupt(repl.Interrupt);
        await repl.RunAsync().ConfigureAwait(false);
        return ExitCodes.Ok;
    }

    private ModelOptions Options(ParseResult p)
    {
        if (p.GetValue(threads) is < 1) throw new CliException("--threads must be at least 1");
        if (p.GetValue(temperature) is < 0) throw new CliException("--temperature must be 0 or more");
        if (p.GetValue(numPredict) is < -1 or 0) throw new CliException("--num-predict must be -1 (no limit) or at least 1");
        return new ModelOptions
        {
            NumThread = p.GetValue(threads),
            NumCtx = p.GetValue(context) is { } c ? (int)Units.ParseContext(c, "--ctx") : null,
            Temperature = p.GetValue(temperature),
            Seed = p.GetValue(seed),
            NumPredict = p.GetValue(numPredict),
        };
    }

    private static OutputConstraint? Format(string? text) => text?.Trim() switch
    {
        null or "" => null,
        "json" => new OutputConstraint.AnyJson(),
        var s when s.StartsWith('{') => new OutputConstraint.JsonSchema(s),
        var s => throw new CliException($"--format: '{s}' is neither json nor a JSON schema object"),
    };

    private static T Engine<T>(Func<T> action)
    {
        try
        {
            return action();
        }
        catch (InferenceException e)
        {
            throw Translate(e);
        }
        catch (StoreException e)
        {
            throw Translate(e);
        }
    }

    private static async Task<T> EngineAsync<T>(Func<Task<T>> action)
    {
        try
        {
            return await action().ConfigureAwait(false);
        }
        catch (InferenceException e)
        {
            throw Translate(e);
        }
        catch (StoreException e)
        {
            throw Translate(e);
        }
    }

    private static CliException Translate(InferenceException e) => e.Kind switch
    {
        InferenceErrorKind.ModelNotFound => new CliException(e.Message, ExitCodes.NotFound),
        InferenceErrorKind.InvalidRequest => new CliException(e.Message, ExitCodes.Usage),
        InferenceErrorKind.ModelLoadFailed => new CliException($"{e.Message}. `scout inspect FILE` shows what the file holds.", ExitCodes.Error),
        InferenceErrorKind.InsufficientMemory => new CliException($"{e.Message}. Try a smaller --ctx or a smaller quantization (`scout fit --file FILE`).", ExitCodes.Negative),
        _ => new CliException(e.Message, ExitCodes.Error),
    };

    private static CliException Translate(StoreException e) => e.Kind switch
    {
        StoreErrorKind.NotFound => new CliException(e.Message, ExitCodes.NotFound),
        StoreErrorKind.InvalidName or StoreErrorKind.InvalidRequest => new CliException(e.Message, ExitCodes.Usage),
        StoreErrorKind.Damaged => new CliException($"{e.Message}. `scout inspect FILE` shows what the file holds.", ExitCodes.Error),
        _ => new CliException(e.Message, ExitCodes.Error),
    };
}
