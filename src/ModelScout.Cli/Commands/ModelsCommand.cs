using ModelScout.Cli.Output;
using ModelScout.Core.Catalog;
using ModelScout.Core.Recommend;

namespace ModelScout.Cli.Commands;

/// <summary>scout models: the catalog as a filterable table.</summary>
internal sealed class ModelsCommand : ICommandBuilder
{
    private readonly Option<string?> license = new("--license") { Description = "Only models whose weights allow this: commercial, saas, or a licence id (mit, apache-2.0 ...)", HelpName = "L" };
    private readonly Option<string?> bestFor = new("--best-for") { Description = "Only models the guide names for this (coding, edge, stem ...)", HelpName = "TAG" };
    private readonly Option<string?> maxParams = new("--max-params") { Description = "Only models up to this many parameters (8B, 70B)", HelpName = "N" };
    private readonly Option<string?> minContext = new("--min-context") { Description = "Only models whose native window is at least this (32K)", HelpName = "TOKENS" };
    private readonly Option<bool> hosted = new("--hosted") { Description = "Include hosted incumbents (GPT-4o, GPT-3.5 Turbo, Claude 3.5 Sonnet)" };

    public Command Build(CommonOptions o) =>
        new("models", "List the catalog's models: parameters, context, licence, MMLU, HumanEval, Q4_K_M size and what the guide says each is best for.") { license, bestFor, maxParams, minContext, hosted };

    public int Run(CommandContext ctx)
    {
        var p = ctx.Parse;
        var catalog = ctx.Catalog;
        IEnumerable<ModelEntry> models = p.GetValue(hosted) ? catalog.Models : catalog.OpenModels;
        if (p.GetValue(license) is { } l) models = models.Where(m => LicenseFilter(catalog, m, l));
        if (p.GetValue(bestFor) is { } tag) models = models.Where(m => m.BestFor.Contains(tag, StringComparer.OrdinalIgnoreCase));
        if (p.GetValue(maxParams) is { } mp)
        {
            var max = Units.ParseCount(mp, "--max-params");
            models = models.Where(m => m.Parameters is { } x && x.Total <= max * 1.05);
        }
        if (p.GetValue(minContext) is { } mc)
        {
            var min = Units.ParseContext(mc, "--min-context");
            models = models.Where(m => m.Context is { } x && x.Native >= min);
        }
        var q4 = catalog.Quantization(catalog.Document.QuantizationGuidance.Default)!;
        var rows = models.Select(m => new ModelRowJson(
            m.Id, m.Name, m.Kind, m.Ollama?.Tags.FirstOrDefault(), m.Parameters?.Total, m.Parameters?.Active, m.Context?.Max, m.Context?.Native, m.License ?? m.Provider,
            Recommender.ScoreOf(m, "mmlu")?.Value, Recommender.ScoreOf(m, "humaneval")?.Value,
            m.IsOpen ? ctx.Planner.WeightsOf(m, q4).TotalBytes : null, m.BestFor, m.Guide?.BestFor)).ToList();

        if (ctx.Json)
        {
            ctx.WriteJson(new ModelsJson("modelscout/models/v1", rows), CliJson.Default.ModelsJson);
            return ExitCodes.Ok;
        }
        var t = new Table().Border(TableBorder.Rounded).Expand();
        t.AddColumns("Model", "Ollama tag", "Params", "Context", "Licence", "MMLU", "HumanEval", "Q4_K_M", "Best for (guide)");
        foreach (var r in rows)
        {
            var m = catalog.ModelById(r.Id)!;
            var pars = m.Parameters is { } x ? x.Active is { } a ? $"{Format.Params(x.Total)} ({Format.Params(a)} active)" : Format.Params(x.Total) : "—";
            var context = m.Context is { } c ? c.Native == c.Max ? Format.Tokens(c.Max) : $"{Format.Tokens(c.Native)} ({Format.Tokens(c.Max)} ext.)" : "—";
            var lic = m.License is { } id ? catalog.License(id)!.Name : m.Provider ?? "";
            t.AddRow(Format.Esc(m.Name), Format.Esc(r.OllamaTag ?? "—"), pars, context, Format.Esc(ShortLicense(lic)), Score(m, "mmlu"), Score(m, "humaneval"),
                r.Q4KmBytes is { } b ? Format.Gb(b) : "—", Format.Esc(m.Guide?.BestFor ?? ""));
        }
        ctx.Human.Write(t);
        ctx.Human.MarkupLine("[grey]* score the guide prints but no primary source confirms. Details and sources: scout show <model>.[/]");
        return ExitCodes.Ok;
    }

    private static string Score(ModelEntry m, string bench) => Recommender.ScoreOf(m, bench) is { } s ? s.Value.ToString("0.0", System.Globalization.CultureInfo.InvariantCulture) + (s.Verified ? "" : "*") : "—";

    private static string ShortLicense(string name) => name.Length > 28 ? name[..25] + "..." : name;

    private static bool LicenseFilter(Catalog catalog, ModelEntry m, string wanted)
    {
        if (!m.IsOpen) return false;
        if (wanted is "commercial" or "saas")
        {
            var q = wanted == "saas" ? new ModelScout.Core.Licensing.LicenseQuery(Saas: true) : new ModelScout.Core.Licensing.LicenseQuery(Commercial: true);
            return ModelScout.Core.Licensing.LicenseEvaluator.Best(catalog, m, q) is { Overall: not ModelScout.Core.Licensing.LicenseVerdict.NotAllowed };
        }
        var ids = m.Checkpoints.Count > 0 ? m.Checkpoints.Select(c => c.License) : [m.License!];
        return ids.Any(id => string.Equals(id, wanted, StringComparison.OrdinalIgnoreCase) || string.Equals(catalog.License(id)?.Kind, wanted, StringComparison.OrdinalIgnoreCase));
    }
}
