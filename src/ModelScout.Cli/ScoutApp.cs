using ModelScout.Cli.Commands;
using ModelScout.Cli.Output;
using ModelScout.Core.Catalog;
using ModelScout.Engine;
using ModelScout.Prompting;
using ModelScout.Store;

namespace ModelScout.Cli;

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
            new PsCommand(), new EnvCommand(),
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
