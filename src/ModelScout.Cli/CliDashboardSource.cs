using System.Globalization;
using ModelScout.Server.Ui.Dashboard;

namespace ModelScout.Cli;

/// <summary>
/// The web UI's dashboard data: each method runs the scout command itself, in process, with --json, and hands its
/// stdout over unchanged. The page therefore shows exactly what <c>scout fit --json</c> (and the others) print, from the
/// same code, with the same machine source, settings, catalog overlay and model store as the server.
/// </summary>
internal sealed class CliDashboardSource(IMachineSource machines, ScoutSettings settings, string? catalogFile) : IDashboardSource, IDisposable
{
    // ScoutSettings keeps a list of one-off notes that every command clears: one command at a time.
    private readonly Lock gate = new();

    // The first value from the page that would parse as an option; checked (and cleared) by Run on the same thread.
    private readonly ThreadLocal<string?> values = new();

    public void Dispose() => values.Dispose();

    public DashboardAnswer Fit(DashboardFitQuery query)
    {
        ArgumentNullException.ThrowIfNull(query);
        var args = new List<string> { "fit", "--all" };
        if (query.Context is { } c) args.AddRange(["--ctx", V(c)]);
        if (query.Quant is { } q) args.AddRange(["--quant", V(q)]);
        if (query.Prefer is { } p) args.AddRange(["--prefer", V(p)]);
        return Run(args);
    }

    public DashboardAnswer Models(bool hosted) => Run(hosted ? ["models", "--hosted"] : ["models"]);

    public DashboardAnswer Show(string model) => Run(["show", V(model)]);

    public DashboardAnswer License(string model, DashboardLicenseQuery query)
    {
        ArgumentNullException.ThrowIfNull(query);
        var args = new List<string> { "license", V(model) };
        if (query.Commercial) args.Add("--commercial");
        if (query.Saas) args.Add("--saas");
        if (query.MonthlyActiveUsers is { } mau) args.AddRange(["--mau", V(mau)]);
        return Run(args);
    }

    public DashboardAnswer Compare(IReadOnlyList<string> models) => Run(["compare", .. models.Select(V)]);

    public DashboardAnswer Quant(string model, string? memory) => Run(memory is null ? ["quant", V(model)] : ["quant", V(model), "--memory", V(memory)]);

    public DashboardAnswer Cost(DashboardCostQuery query)
    {
        ArgumentNullException.ThrowIfNull(query);
        var args = new List<string> { "cost", "--tokens-per-day", V(query.TokensPerDay) };
        if (query.Model is { } m) args.AddRange(["--model", V(m)]);
        if (query.InputShare is { } s) args.AddRange(["--input-share", s.ToString(CultureInfo.InvariantCulture)]);
        return Run(args);
    }

    public DashboardAnswer EvalRuns() => Run(["eval", "list"]);

    public DashboardAnswer EvalReport(string run) => Run(["eval", "report", V(run)]);

    public DashboardAnswer EvalCompare(string runA, string runB, double? margin) =>
        Run(margin is { } m ? ["eval", "compare", V(runA), V(runB), "--margin", m.ToString(CultureInfo.InvariantCulture)] : ["eval", "compare", V(runA), V(runB)]);

    /// <summary>Runs <c>scout ARGS --json</c> and maps its exit code. Values from the page that look like options are refused.</summary>
    private DashboardAnswer Run(IReadOnlyList<string> args)
    {
        if (values.Value is { } bad)
        {
            values.Value = null;
            return new DashboardAnswer(DashboardOutcome.Invalid, CommandContext.JsonText(new ErrorJson("modelscout/error/v1",
                $"'{bad}' is not a value scout accepts here (it would be read as an option)", ExitCodes.Usage, []), CliJson.Default.ErrorJson));
        }
        var full = new List<string>(args) { "--json" };
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
            json = CommandContext.JsonText(new ErrorJson("modelscout/error/v1", stderr.ToString().Trim() is { Length: > 0 } e ? e : $"scout {args[0]} wrote nothing (exit {code})", code, []), CliJson.Default.ErrorJson);
        return new DashboardAnswer(outcome, json);
    }

    /// <summary>A value from the page, passed on as one argument unless it starts with '-' (and is not a number).</summary>
    private string V(string value)
    {
        if (value.StartsWith('-') && !double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out _)) values.Value ??= value;
        return value;
    }
}
