using ModelScout.Core.Catalog;
using ModelScout.Core.Fit;
using ModelScout.Core.Machines;
using ModelScout.Core.Memory;
using ModelScout.Core.Recommend;
using ModelScout.Gguf;

namespace ModelScout.Core.Planning;

/// <summary>A GGUF file planned as it is.</summary>
/// <param name="File">The model read from the file's header.</param>
/// <param name="Context">The context planned at: the one asked for, else the practical default capped at what the file was trained for.</param>
/// <param name="Plan">The fit at the file's own tensor sizes and the commands that run the file.</param>
public sealed record FilePlan(FileModel File, long Context, DeploymentPlan Plan);

/// <summary>What recommendations for several use cases are asked for, besides the use cases.</summary>
/// <param name="Context">Context tokens; null plans each use case at its own.</param>
/// <param name="Kv">Cache and batch settings.</param>
/// <param name="License">The licence terms the deployment needs.</param>
/// <param name="MonthlyActiveUsers">Users of the product, for licences with a user-count clause.</param>
/// <param name="Needs">What the deployment needs from a runtime.</param>
/// <param name="OnGuideHardware">Plan every use case on the hardware the guide assumes for it.</param>
/// <param name="MachineDescribed">The user described the machine; use cases that name their own target plan on it instead.</param>
public sealed record RecommendRequest(long? Context, KvSettings Kv, LicenseMode License, long? MonthlyActiveUsers, RuntimeNeeds Needs, bool OnGuideHardware = false,
    bool MachineDescribed = false);

/// <summary>
/// Plans deployments: for a catalog model, a GGUF file or a use case, where it runs, at which quantization, and the
/// commands that start it. The one entry point for <c>scout fit</c>, <c>recommend</c>, <c>runtimes</c> and <c>inspect</c>.
/// </summary>
public sealed class DeploymentPlanner
{
    private readonly Catalog.Catalog catalog;
    private readonly FitPlanner fits;
    private readonly Recommender recommender;

    /// <summary>Plans over <paramref name="catalog"/>, sharing <paramref name="fits"/> (and its weight cache) when given.</summary>
    public DeploymentPlanner(Catalog.Catalog catalog, FitPlanner? fits = null)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        this.catalog = catalog;
        this.fits = fits ?? new FitPlanner(catalog);
        recommender = new Recommender(catalog, this.fits);
    }

    /// <summary>Plans a catalog model on a machine, with its run commands and the runtime the needs call for.</summary>
    public DeploymentPlan Plan(ModelEntry model, Machine machine, FitOptions options, RuntimeNeeds? needs = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        needs ??= new RuntimeNeeds();
        options = options with { Kv = SlotsFor(options.Kv, needs) };
        return DeploymentPlan.For(catalog, fits.Plan(model, machine, options), machine, options.Context, needs);
    }

    /// <summary>
    /// The cache settings for the users: at <see cref="RuntimeAdvisor.ManyUsers"/> or more, a server slot (a sequence with its
    /// own context) per user unless the slots were given, so the memory and the commands serve them all at the context asked.
    /// </summary>
    public static KvSettings SlotsFor(KvSettings kv, RuntimeNeeds needs)
    {
        ArgumentNullException.ThrowIfNull(kv);
        ArgumentNullException.ThrowIfNull(needs);
        return needs.Users >= RuntimeAdvisor.ManyUsers && kv.Sequences == 1 ? kv with { Sequences = needs.Users } : kv;
    }

    /// <summary>
    /// Plans a GGUF file as it is, at its exact tensor sizes. <paramref name="source"/> is the path or URL the header came
    /// from: it goes into the commands and, without <paramref name="name"/> (a stored model's name), names the model by its
    /// file name. Without <paramref name="context"/>, the practical default, capped at the file's trained context.
    /// </summary>
    public FilePlan PlanFile(GgufFile file, string source, Machine machine, long? context, KvSettings kv, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(source);
        var trimmed = source.TrimEnd('/');
        var model = FileModel.From(file, catalog, name is { Length: > 0 } ? name : Path.GetFileName(trimmed));
        var planned = context ?? Math.Min(catalog.Document.ContextGuidance.Default, model.Entry.Context!.Max);
        var fit = fits.PlanFile(model, machine, new FitOptions(planned, kv));
        IReadOnlyList<RunCommand> commands = fit.Fits ? RunCommands.ForFile(source, Path.GetFileNameWithoutExtension(trimmed), fit.Best!, planned) : [];
        return new FilePlan(model, planned, new DeploymentPlan(fit, commands, null, null));
    }

    /// <summary>
    /// Ranks the open models for each use case. <paramref name="machineFor"/> supplies the machines: null asks for the
    /// user's own (probed or described; asked for once), a profile id for that catalog profile, which is where a use case
    /// that names its own target (an edge device, a GPU cluster) is planned unless the user described a machine.
    /// </summary>
    public IReadOnlyList<Recommendation> Recommend(IEnumerable<UseCase> useCases, RecommendRequest request, Func<string?, Machine> machineFor)
    {
        ArgumentNullException.ThrowIfNull(useCases);
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(machineFor);
        Machine? own = null;
        var results = new List<Recommendation>();
        foreach (var u in useCases)
        {
            // Some use cases name their own target (an edge device, a GPU cluster): plan on it unless told otherwise.
            var onProfile = request.OnGuideHardware || (!request.MachineDescribed && u.Target == "assumed-profile");
            var machine = onProfile ? machineFor(u.AssumedProfile) : own ??= machineFor(null);
            results.Add(recommender.Recommend(new RecommendOptions(u, machine, request.Context ?? u.Context, SlotsFor(request.Kv, request.Needs), request.License, request.MonthlyActiveUsers, request.Needs)));
        }
        return results;
    }
}
