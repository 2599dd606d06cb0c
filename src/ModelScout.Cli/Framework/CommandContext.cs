using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using ModelScout.Core.Catalog;
using ModelScout.Core.Fit;
using ModelScout.Store;

namespace ModelScout.Cli.Framework;

/// <summary>What a command handler works with: where to write, the catalog, the machine source.</summary>
internal sealed class CommandContext(ParseResult parse, CommonOptions options, TextWriter stdout, TextWriter stderr, IMachineSource machines, ScoutSettings settings, int width,
    Func<RunEnvironment> runEnvironment)
{
    private RunEnvironment? run;

    private Catalog? catalog;
    private FitPlanner? planner;
    private ModelScout.Core.Planning.DeploymentPlanner? deployments;

    public ParseResult Parse { get; } = parse;

    /// <summary>Runs another scout command line in-process with the same machine source, settings and engine (scout quant-loss --eval runs scout eval); returns its exit code.</summary>
    public Func<string[], TextWriter, TextWriter, int> Nested { get; init; } = (_, _, _) => throw new InvalidOperationException("no nested command runner");
    /// <summary>Makes the web UI's dashboard source (the CLI's own --json documents) for <c>scout serve</c>.</summary>
    public Func<ModelScout.Server.Ui.Dashboard.IDashboardSource>? Dashboard { get; init; }
    /// <summary>Makes the web UI's bench source (scout bench run in-process) for <c>scout serve</c>.</summary>
    public Func<ModelScout.Server.Ui.Bench.IBenchSource>? Bench { get; init; }
    /// <summary>Set when the web UI runs <c>scout bench</c>: it watches the run and stops it, instead of Ctrl-C.</summary>
    public IBenchObserver? BenchObserver { get; init; }
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
    public ModelStore Store => store ??= new ModelStore(Parse.GetValue(Options.Models) is { Length: > 0 } dir ? dir : Settings.Models)
    {
        WriteStep = Settings.Get(ScoutVariables.PauseAt) is { } pauseAt ? step => PauseAt(pauseAt, step) : null,
    };

    /// <summary>SCOUT_TEST_PAUSE_AT: stops a store write at a named step so a crash test can kill the process there.</summary>
    private void PauseAt(string wanted, string step)
    {
        if (!string.Equals(wanted, step, StringComparison.Ordinal)) return;
        Stderr.WriteLine($"paused at {step}");
        Stderr.Flush();
        Thread.Sleep(Timeout.Infinite);
    }

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
        console.Profile.Width = interactive ? System.Console.WindowWidth : PipedWidth;
        return console;
    }

    /// <summary>Width of output that is not a terminal: $COLUMNS when it is a sensible number, else the app's default.</summary>
    public int PipedWidth => int.TryParse(Settings.Get(ScoutVariables.Columns), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var columns) && columns is >= 20 and <= 10_000
        ? columns
        : width;

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
