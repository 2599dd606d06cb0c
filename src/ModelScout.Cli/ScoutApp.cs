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
    /// <summary>Watches and stops a <c>scout bench</c> this app runs (the web UI's Bench page); null on the command line.</summary>
    internal IBenchObserver? BenchObserver { get; init; }

    public int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        var options = new CommonOptions();
        var root = new RootCommand("scout: pick, fit and licence-check open-weight LLMs for your hardware, from the 2026 buyer's guide.");
        root.Options.Add(options.Json);
        root.Options.Add(options.CatalogFile);
        var commands = new ICommandBuilder[]
        {
            new FitCommand(), new RecommendCommand(), new ModelsCommand(), new ShowCommand(), new CompareCommand(),
            new QuantCommand(), new LicenseCommand(), new ExplainCommand(), new RuntimesCommand(), new CostCommand(), new PlanCommand(), new InspectCommand(),
            new RunModelCommand(), new ServeCommand(), new BenchCommand(), new EvalCommand(),
            new ImportCommand(), new CreateCommand(), new ListCommand(), new RemoveCommand(), new CopyCommand(), new PullCommand(),
            new PsCommand(), new EnvCommand(),
            new QuantLossCommand(),
            new QuantizeCommand(), new PerplexityCommand(),
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
        foreach (var builder in new ICommandBuilder[] { new EvalCompareCommand(), new EvalReportCommand(), new EvalListCommand(), new EvalMergeCommand() })
            eval.Subcommands.Add(Wire(builder));
        var invocation = new InvocationConfiguration { Output = stdout, Error = stderr, EnableDefaultExceptionHandler = false };
        if (args.Length == 0)
        {
            // Like git and go: no command prints the help, and the exit code says no command ran.
            root.Parse(["--help"]).Invoke(invocation);
            return ExitCodes.Usage;
        }
        var result = root.Parse(args);
        if (result.Errors.Count > 0 && result.Action is not System.CommandLine.Help.HelpAction)
            return UsageError(result, args, stdout, stderr);
        return result.Invoke(invocation);
    }

    /// <summary>
    /// A command line that does not parse: an unknown command or option gets the closest names (and not the follow-on
    /// "Required command was not provided"), every other error its own line; with --json, one error document on stdout.
    /// </summary>
    private static int UsageError(ParseResult result, string[] args, TextWriter stdout, TextWriter stderr)
    {
        var command = result.CommandResult.Command;
        var names = new List<string>();
        for (var r = result.CommandResult; r.Command is not RootCommand && r.Parent is System.CommandLine.Parsing.CommandResult parent; r = parent) names.Insert(0, r.Command.Name);
        var path = string.Join(' ', names.Prepend("scout"));
        var messages = new List<string>();
        var suggestions = new List<string>();
        var unknown = result.UnmatchedTokens.FirstOrDefault();
        if (unknown is not null && !unknown.StartsWith('-') && command.Subcommands.Count > 0)
        {
            var visible = command.Subcommands.Where(c => !c.Hidden).ToList();
            // An alias that is close suggests its command, by the command's name.
            var close = CommandSuggestions.Closest(unknown, visible.SelectMany(c => c.Aliases.Prepend(c.Name)))
                .Select(n => visible.First(c => c.Name == n || c.Aliases.Contains(n)).Name).Distinct().ToList();
            suggestions.AddRange(close.Select(c => $"{path} {c}"));
            messages.Add($"'{unknown}' is not a {path} command." + (close.Count > 0 ? $" Did you mean {string.Join(" or ", suggestions.Select(s => $"`{s}`"))}?" : "") +
                $" `{path} --help` lists the commands.");
        }
        else if (unknown is not null && unknown.StartsWith('-'))
        {
            var options = command.Options.Concat(result.RootCommandResult.Command.Options.Where(o => o.Recursive)).Where(o => !o.Hidden);
            var close = CommandSuggestions.Closest(unknown.Split('=')[0], options.SelectMany(o => o.Aliases.Prepend(o.Name)));
            suggestions.AddRange(close);
            messages.Add($"{path} has no option {unknown}." + (close.Count > 0 ? $" Did you mean {string.Join(" or ", close)}?" : "") + $" `{path} --help` lists its options.");
        }
        var explained = messages.Count > 0;
        foreach (var e in result.Errors)
        {
            // Both follow from the unknown token explained above.
            if (explained && (e.Message.StartsWith("Unrecognized command or argument", StringComparison.Ordinal) || e.Message.StartsWith("Required command was not provided", StringComparison.Ordinal))) continue;
            messages.Add(e.Message);
        }
        foreach (var m in messages) stderr.WriteLine($"scout: {m}");
        if (!explained) stderr.WriteLine("Run `scout --help` or `scout <command> --help` for usage.");
        if (args.Contains("--json", StringComparer.Ordinal))
        {
            stdout.WriteLine(CommandContext.JsonText(new ErrorJson("modelscout/error/v1", string.Join(" ", messages), ExitCodes.Usage, suggestions), CliJson.Default.ErrorJson));
        }
        return ExitCodes.Usage;
    }

    private int Execute(ParseResult parse, CommonOptions options, TextWriter stdout, TextWriter stderr, ICommandBuilder builder)
    {
        var ctx = new CommandContext(parse, options, stdout, stderr, machines, settings, width, () => runEnvironment ?? RunEnvironment.FromConsole())
        {
            Nested = (args, output, errors) => new ScoutApp(machines, settings, width, runEnvironment).Run(args, output, errors),
            Dashboard = () => new CliDashboardSource(machines, settings, parse.GetValue(options.CatalogFile)),
            Bench = () => new CliBenchSource(machines, settings),
            BenchObserver = BenchObserver,
        };
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
        catch (ModelScout.Gguf.GgufFormatException e)
        {
            return Fail(ctx, $"not a valid GGUF file: {e.Message}. `scout inspect FILE` shows what the file holds.", ExitCodes.BadInput, []);
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
