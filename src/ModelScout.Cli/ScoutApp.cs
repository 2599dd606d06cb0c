using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using ModelScout.Cli.Chat;
using ModelScout.Cli.Commands;
using ModelScout.Cli.Output;
using ModelScout.Core.Catalog;
using ModelScout.Core.Fit;
using ModelScout.Engine;
using ModelScout.Prompting;
using ModelScout.Store;
using Spectre.Console;

namespace ModelScout.Cli;

/// <summary>What a command handler works with: where to write, the catalog, the machine source.</summary>
internal sealed class CommandContext(ParseResult parse, CommonOptions options, TextWriter stdout, TextWriter stderr, IMachineSource machines, ScoutSettings settings, int width,
    Func<RunEnvironment> runEnvironment)
{
    private RunEnvironment? run;

    private Catalog? catalog;
    private FitPlanner? planner;
    private ModelScout.Core.Planning.DeploymentPlanner? deployments;

    public ParseResult Parse { get; } = parse;
    public CommonOptions Options { get; } = options;
    public IMachineSource Machines { get; } = machines;
    public bool Json => Parse.GetValue(Options.Json);
    public TextWriter Stdout { get; } = stdout;
    public TextWriter Stderr { get; } = stderr;

    /// <summary>Every setting scout reads, and where its data lives (<c>scout env</c> lists them).</summary>
    public ScoutSettings Settings { get; } = settings;

    public Catalog Catalog => catalog ??= Catalog.Load(Parse.GetValue(Options.CatalogFile) ?? Settings.CatalogOverlay);

    public FitPlanner Planner => planner ??= new FitPlanner(Catalog);

    /// <summary>The planning service behind fit, recommend, runtimes and inspect; it shares <see cref="Planner"/>.</summary>
    public ModelScout.Core.Planning.DeploymentPlanner Deployments => deployments ??= new(Catalog, Planner);

    /// <summary>Stdin, the engine and Ctrl-C for <c>scout run</c>; built on first use so other commands never load llama.cpp.</summary>
    public RunEnvironment RunEnvironment => run ??= runEnvironment();

    /// <summary>The model store: --models, else $SCOUT_MODELS, else $SCOUT_HOME/models. Opening it creates nothing.</summary>
    public ModelStore Store => store ??= new ModelStore(Parse.GetValue(Options.Models) is { Length: > 0 } dir ? dir : Settings.Models);

    private ModelStore? store;

    /// <summary>True when stderr is a terminal a live progress display can redraw.</summary>
    public bool ProgressOnTerminal => ReferenceEquals(Stderr, System.Console.Error) && !System.Console.IsErrorRedirected
        && Settings.Get(ScoutVariables.NoColor) is null && Settings.Get(ScoutVariables.Ci) is null;

    /// <summary>Human output: stdout normally, stderr when stdout carries JSON.</summary>
    public IAnsiConsole Human => human ??= Console(Json ? Stderr : Stdout);

    /// <summary>Notes and warnings: always stderr.</summary>
    public IAnsiConsole Notes => notes ??= Console(Stderr);

    private IAnsiConsole? human;
    private IAnsiConsole? notes;

    private IAnsiConsole Console(TextWriter writer)
    {
        var interactive = ReferenceEquals(writer, System.Console.Out) && !System.Console.IsOutputRedirected
            || ReferenceEquals(writer, System.Console.Error) && !System.Console.IsErrorRedirected;
        var plain = !interactive || Settings.Get(ScoutVariables.NoColor) is not null;
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(writer),
            Ansi = plain ? AnsiSupport.No : AnsiSupport.Detect,
            ColorSystem = plain ? ColorSystemSupport.NoColors : ColorSystemSupport.Detect,
            Interactive = InteractionSupport.No,
        });
        console.Profile.Width = interactive ? System.Console.WindowWidth : width;
        return console;
    }

    public void WriteJson<T>(T value, JsonTypeInfo<T> info)
    {
        Stdout.Write(JsonText(value, info));
        Stdout.WriteLine();
    }

    /// <summary>
    /// JSON for stdout and files, escaped only where JSON requires it: the default encoder also escapes '+', '&lt;',
    /// '&amp;' and every non-ASCII letter for safe embedding in HTML, which turns "Q4_K_M+ctx" or "Müller" into
    /// \u escapes that jq prints back but people and grep do not read. HTML reports escape on their own.
    /// </summary>
    public static string JsonText<T>(T value, JsonTypeInfo<T> info)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = info.Options.WriteIndented, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            JsonSerializer.Serialize(writer, value, info);
        }
        return System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    public ModelEntry ResolveModel(string name, bool openOnly = false)
    {
        var found = Catalog.FindModel(name);
        if (found is not null && (!openOnly || found.Model.IsOpen)) return found.Model;
        var suggestions = Catalog.Suggest(name);
        var hint = suggestions.Count > 0 ? $" Did you mean: {string.Join(", ", suggestions)}?" : "";
        var what = found is not null ? $"'{name}' is a hosted model; this command needs an open-weight one." : $"unknown model '{name}'.";
        throw new CliException($"{what}{hint} `scout models` lists every model and its tags.", ExitCodes.NotFound) { Suggestions = suggestions };
    }
}

/// <summary>The scout command line: parses, runs one command, maps failures to exit codes.</summary>
internal sealed class ScoutApp(IMachineSource machines, ScoutSettings settings, int width = 140, RunEnvironment? runEnvironment = null)
{
    public int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        var options = new CommonOptions();
        var root = new RootCommand("scout: pick, fit and licence-check open-weight LLMs for your hardware, from the 2026 buyer's guide.");
        root.Options.Add(options.Json);
        root.Options.Add(options.CatalogFile);
        var commands = new ICommandBuilder[]
        {
            new FitCommand(), new RecommendCommand(), new ModelsCommand(), new ShowCommand(), new CompareCommand(),
            new QuantCommand(), new LicenseCommand(), new ExplainCommand(), new RuntimesCommand(), new CostCommand(), new InspectCommand(),
            new RunModelCommand(), new ServeCommand(), new BenchCommand(), new EvalCommand(),
            new ImportCommand(), new CreateCommand(), new ListCommand(), new RemoveCommand(), new CopyCommand(), new PullCommand(),
            new EnvCommand(),
        };
        Command Wire(ICommandBuilder builder)
        {
            var command = builder.Build(options);
            command.SetAction(parse => Execute(parse, options, stdout, stderr, builder));
            return command;
        }
        foreach (var builder in commands) root.Subcommands.Add(Wire(builder));
        // scout eval runs suites itself, and reads finished runs through its subcommands.
        var eval = root.Subcommands.Single(c => c.Name == "eval");
        foreach (var builder in new ICommandBuilder[] { new EvalCompareCommand(), new EvalReportCommand(), new EvalListCommand() })
            eval.Subcommands.Add(Wire(builder));
        var result = root.Parse(args);
        if (result.Errors.Count > 0 && result.Action is not System.CommandLine.Help.HelpAction)
        {
            foreach (var e in result.Errors) stderr.WriteLine($"scout: {e.Message}");
            stderr.WriteLine("Run `scout --help` or `scout <command> --help` for usage.");
            return ExitCodes.Usage;
        }
        return result.Invoke(new InvocationConfiguration { Output = stdout, Error = stderr, EnableDefaultExceptionHandler = false });
    }

    private int Execute(ParseResult parse, CommonOptions options, TextWriter stdout, TextWriter stderr, ICommandBuilder builder)
    {
        var ctx = new CommandContext(parse, options, stdout, stderr, machines, settings, width, () => runEnvironment ?? RunEnvironment.FromConsole());
        try
        {
            return Handle(ctx, builder);
        }
        finally
        {
            // Data an earlier version left elsewhere is moved into the home the first time a command looks for it.
            foreach (var note in settings.Notes) stderr.WriteLine($"scout: {note}");
            settings.Notes.Clear();
        }
    }

    private static int Handle(CommandContext ctx, ICommandBuilder builder)
    {
        try
        {
            return builder.Run(ctx);
        }
        catch (CliException e)
        {
            return Fail(ctx, e.Message, e.ExitCode, e.Suggestions);
        }
        catch (CatalogException e)
        {
            return Fail(ctx, e.Message + Environment.NewLine + "Fix the catalog file or drop --catalog / " + ScoutVariables.Catalog.Name + ".", ExitCodes.Error, []);
        }
        catch (ModelScout.Hardware.UnknownHardwareException e)
        {
            return Fail(ctx, e.Message + " `scout fit --help` lists the ways to describe a machine.", ExitCodes.NotFound, e.Suggestions);
        }
        catch (InferenceException e)
        {
            return Fail(ctx, e.Message, e.Kind == InferenceErrorKind.ModelNotFound ? ExitCodes.NotFound : ExitCodes.Error, []);
        }
        catch (ModelScout.Evaluation.EvalException e)
        {
            return Fail(ctx, e.Hint is null ? e.Message : $"{e.Message}. {e.Hint}", e.NotFound ? ExitCodes.NotFound : ExitCodes.Error, []);
        }
        catch (StoreException e)
        {
            return Fail(ctx, e.Message, e.Kind == StoreErrorKind.NotFound ? ExitCodes.NotFound : ExitCodes.Error, []);
        }
        catch (InvalidRequestException e)
        {
            return Fail(ctx, e.Message, ExitCodes.Error, []);
        }
        catch (OperationCanceledException)
        {
            return Fail(ctx, "interrupted; nothing half-written was kept as a model. Run the same command again (a pull resumes where it stopped).", ExitCodes.Error, []);
        }
        catch (IOException e)
        {
            return Fail(ctx, $"{e.Message}. Check the path, its permissions and the free disk space (the model store is {ctx.Store.Root}; --models DIR picks another).", ExitCodes.Error, []);
        }
        catch (UnauthorizedAccessException e)
        {
            return Fail(ctx, $"{e.Message}. Check the permissions of the model store ({ctx.Store.Root}), or pick another with --models DIR.", ExitCodes.Error, []);
        }
        catch (ArgumentException e)
        {
            return Fail(ctx, e.Message, ExitCodes.Usage, []);
        }
    }

    private static int Fail(CommandContext ctx, string message, int code, IReadOnlyList<string> suggestions)
    {
        if (ctx.Json) ctx.WriteJson(new ErrorJson("modelscout/error/v1", message, code, suggestions), CliJson.Default.ErrorJson);
        ctx.Stderr.WriteLine($"scout: {message}");
        return code;
    }
}

/// <summary>One scout command: its options, and what it does.</summary>
internal interface ICommandBuilder
{
    Command Build(CommonOptions options);

    int Run(CommandContext ctx);
}
