using System.Globalization;
using ModelScout.Cli.Output;
using ModelScout.Server.Ui.Dashboard;

namespace ModelScout.Cli;

/// <summary>
/// The web UI's dashboard data: each method runs the scout command itself, in process, with --json, and hands its
/// stdout over unchanged. The page therefore shows exactly what <c>scout fit --json</c> (and the others) print, from the
/// same code, with the same machine source, settings and catalog overlay as the server.
/// </summary>
internal sealed class CliDashboardSource(IMachineSource machines, ScoutSettings settings, string? catalogFile) : IDashboardSource
{
    // ScoutSettings keeps a list of one-off notes that every command clears: one command at a time.
    private readonly Lock gate = new();

    public DashboardAnswer Fit(DashboardFitQuery query)
    {
        ArgumentNullException.ThrowIfNull(query);
        var a = new Args("fit", "--all").Option("--ctx", query.Context).Option("--quant", query.Quant).Option("--prefer", query.Prefer);
        return Run(a);
    }

    public DashboardAnswer Models(bool hosted) => Run(hosted ? new Args("models", "--hosted") : new Args("models"));

    public DashboardAnswer Show(string model) => Run(new Args("show").Value(model));

    public DashboardAnswer License(string model, DashboardLicenseQuery query)
    {
        ArgumentNullException.ThrowIfNull(query);
        var a = new Args("license").Value(model).Option("--mau", query.MonthlyActiveUsers);
        if (query.Commercial) a.Flag("--commercial");
        if (query.Saas) a.Flag("--saas");
        return Run(a);
    }

    public DashboardAnswer Compare(IReadOnlyList<string> models)
    {
        ArgumentNullException.ThrowIfNull(models);
        var a = new Args("compare");
        foreach (var m in models) a.Value(m);
        return Run(a);
    }

    public DashboardAnswer Quant(string model, string? memory) => Run(new Args("quant").Value(model).Option("--memory", memory));

    public DashboardAnswer Cost(DashboardCostQuery query)
    {
        ArgumentNullException.ThrowIfNull(query);
        return Run(new Args("cost").Option("--tokens-per-day", query.TokensPerDay).Option("--model", query.Model)
            .Option("--input-share", query.InputShare?.ToString(CultureInfo.InvariantCulture)));
    }

    public DashboardAnswer EvalRuns() => Run(new Args("eval", "list"));

    public DashboardAnswer EvalReport(string run) => Run(new Args("eval", "report").Value(run));

    public DashboardAnswer EvalCompare(string runA, string runB, double? margin) =>
        Run(new Args("eval", "compare").Value(runA).Value(runB).Option("--margin", margin?.ToString(CultureInfo.InvariantCulture)));

    /// <summary>Runs <c>scout ARGS --json</c> and maps its exit code.</summary>
    private DashboardAnswer Run(Args a)
    {
        if (a.Refused is { } bad)
        {
            return new DashboardAnswer(DashboardOutcome.Invalid, CommandContext.JsonText(new ErrorJson("modelscout/error/v1",
                $"'{bad}' is not a value scout accepts here (it would be read as an option)", ExitCodes.Usage, []), CliJson.Default.ErrorJson));
        }
        var full = new List<string>(a.Tokens) { "--json" };
        if (catalogFile is { Length: > 0 } catalog) full.AddRange(["--catalog", catalog]);
        using var stdout = new StringWriter(CultureInfo.InvariantCulture);
        using var stderr = new StringWriter(CultureInfo.InvariantCulture);
        int code;
        lock (gate) code = new ScoutApp(machines, settings).Run([.. full], stdout, stderr);
        var outcome = code switch
        {
            ExitCodes.Ok or ExitCodes.Negative => DashboardOutcome.Answer,
            ExitCodes.NotFound => DashboardOutcome.NotFound,
            ExitCodes.Usage or ExitCodes.BadInput => DashboardOutcome.Invalid,
            _ => DashboardOutcome.Failed,
        };
        var json = stdout.ToString().Trim();
        if (json.Length == 0)
        {
            var message = stderr.ToString().Trim() is { Length: > 0 } e ? e : $"scout {a.Tokens[0]} wrote nothing (exit {code})";
            json = CommandContext.JsonText(new ErrorJson("modelscout/error/v1", message, code, []), CliJson.Default.ErrorJson);
        }
        return new DashboardAnswer(outcome, json);
    }

    /// <summary>
    /// A command line: the command's own tokens, and values from the page, each one whole argument. A page value that
    /// starts with '-' (and is not a number) would be read as an option, so it is refused instead.
    /// </summary>
    internal sealed class Args(params string[] command)
    {
        public List<string> Tokens { get; } = [.. command];

        public string? Refused { get; private set; }

        public Args Value(string value)
        {
            if (value.StartsWith('-') && !double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out _)) Refused ??= value;
            Tokens.Add(value);
            return this;
        }

        public Args Option(string name, string? value)
        {
            if (value is null) return this;
            Tokens.Add(name);
            return Value(value);
        }

        public Args Flag(string name)
        {
            Tokens.Add(name);
            return this;
        }
    }
}
