namespace ModelScout.Server.Ui.Dashboard;

/// <summary>
/// The CLI's own --json documents, for the dashboard pages. The server cannot build them (they are the CLI's records);
/// <c>scout serve</c> passes an implementation that runs the same code as <c>scout fit --json</c>, <c>scout license --json</c>
/// and the rest, so the page and the command line can never disagree.
/// </summary>
public interface IDashboardSource
{
    /// <summary><c>scout fit --json</c> for this machine, every catalog model (those that do not fit included).</summary>
    DashboardAnswer Fit(DashboardFitQuery query);

    /// <summary><c>scout models --json</c> (hosted incumbents included when asked).</summary>
    DashboardAnswer Models(bool hosted);

    /// <summary><c>scout show MODEL --json</c>: the catalog entry with the guide's claims checked.</summary>
    DashboardAnswer Show(string model);

    /// <summary><c>scout license MODEL --json</c> for the use described.</summary>
    DashboardAnswer License(string model, DashboardLicenseQuery query);

    /// <summary><c>scout compare A B ... --json</c>.</summary>
    DashboardAnswer Compare(IReadOnlyList<string> models);

    /// <summary><c>scout quant MODEL --json</c> on this machine, or in a GPU budget such as "24".</summary>
    DashboardAnswer Quant(string model, string? memory);

    /// <summary><c>scout cost --tokens-per-day N --json</c>.</summary>
    DashboardAnswer Cost(DashboardCostQuery query);

    /// <summary><c>scout eval list --json</c>.</summary>
    DashboardAnswer EvalRuns();

    /// <summary><c>scout eval report RUN --json</c>.</summary>
    DashboardAnswer EvalReport(string run);

    /// <summary><c>scout eval compare A B --json</c>.</summary>
    DashboardAnswer EvalCompare(string runA, string runB, double? margin);
}

/// <summary>What <c>scout fit</c> is asked: context (8K, 32768), a forced level, the preference.</summary>
public sealed record DashboardFitQuery(string? Context = null, string? Quant = null, string? Prefer = null);

/// <summary>The use <c>scout license</c> checks.</summary>
public sealed record DashboardLicenseQuery(bool Commercial, bool Saas, string? MonthlyActiveUsers);

public sealed record DashboardCostQuery(string TokensPerDay, string? Model = null, double? InputShare = null);

/// <summary>How a command ended, as the CLI's exit codes say it.</summary>
public enum DashboardOutcome
{
    /// <summary>Exit 0, or 4 (the answer is no: does not fit, not allowed): the document is the answer.</summary>
    Answer,
    /// <summary>Exit 3: the model, run or term does not exist.</summary>
    NotFound,
    /// <summary>Exit 2: the input could not be used.</summary>
    Invalid,
    /// <summary>Anything else.</summary>
    Failed,
}

/// <summary>A command's JSON document (on failure, its error document) and how it ended.</summary>
public sealed record DashboardAnswer(DashboardOutcome Outcome, string Json);
