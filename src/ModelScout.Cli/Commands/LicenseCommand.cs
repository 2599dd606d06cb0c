using ModelScout.Cli.Output;
using ModelScout.Core.Licensing;

namespace ModelScout.Cli.Commands;

/// <summary>scout license: may I do this with these weights? Clause by clause.</summary>
internal sealed class LicenseCommand : ICommandBuilder
{
    private readonly Argument<string> model = new("model") { Description = "Ollama tag, id or name" };
    private readonly Option<bool> commercial = new("--commercial") { Description = "Use in a commercial product or for business" };
    private readonly Option<bool> saas = new("--saas") { Description = "Offer it (or a product on it) as a hosted service" };
    private readonly Option<string?> mau = new("--mau") { Description = "Monthly active users of your products (700M, 150000000)", HelpName = "N" };
    private readonly Option<bool> train = new("--train-other-models") { Description = "Use its outputs to train or distil another model" };
    private readonly Option<bool> fineTune = new("--fine-tune") { Description = "Fine-tune it and share the result" };
    private readonly Option<bool> distribute = new("--distribute") { Description = "Redistribute the weights" };

    public Command Build(CommonOptions o)
    {
        var c = new Command("license", "Is a use allowed, allowed with conditions, or not allowed? Names the licence clause behind each answer, and where the guide got the licence wrong.") { model, commercial, saas, mau, train, fineTune, distribute };
        c.Aliases.Add("licence");
        return c;
    }

    public int Run(CommandContext ctx)
    {
        var p = ctx.Parse;
        var m = ctx.ResolveModel(p.GetValue(model)!, openOnly: true);
        var query = new LicenseQuery(p.GetValue(commercial), p.GetValue(saas), p.GetValue(mau) is { } s ? Units.ParseCount(s, "--mau") : null,
            p.GetValue(train), p.GetValue(fineTune), p.GetValue(distribute));
        var reports = LicenseEvaluator.Evaluate(ctx.Catalog, m, query);
        var best = reports.Min(r => r.Overall);
        if (ctx.Json)
        {
            ctx.WriteJson(new LicenseJson("modelscout/license/v1", m.Id, reports.Select(r => new LicenseReportJson(r.Checkpoint, r.License.Id, r.License.Name, r.License.Url,
                Format.VerdictId(r.Overall), r.Answers.Select(a => new AnswerJson(a.Question, Format.VerdictId(a.Verdict), a.Clause, a.Text, a.Conditions)).ToList(),
                r.GuideSays, r.Corrections, r.License.UseRestrictions?.Text)).ToList()), CliJson.Default.LicenseJson);
            return best == LicenseVerdict.NotAllowed ? ExitCodes.Negative : ExitCodes.Ok;
        }
        var con = ctx.Human;
        foreach (var r in reports)
        {
            con.Write(new Rule($"[bold]{Format.Esc(m.Name)}[/] — {Format.Esc(r.Checkpoint)}: {Format.Esc(r.License.Name)}").LeftJustified());
            con.MarkupLine($"Overall: {Format.VerdictMarkup(r.Overall)}{(query.IsEmpty ? " (commercial use, hosting, fine-tuning, training on outputs)" : "")}");
            var t = new Table().Border(TableBorder.Simple);
            t.AddColumns("Question", "Answer", "Clause", "What it says", "You must");
            foreach (var a in r.Answers)
                t.AddRow(LicenseEvaluator.Label(a.Question), Format.VerdictMarkup(a.Verdict), Format.Esc(a.Clause), Format.Esc(a.Text), Format.Esc(string.Join("; ", a.Conditions)));
            con.Write(t);
            if (r.License.UseRestrictions is { } ur) con.MarkupLine($"Use restrictions ({Format.Esc(ur.Clause)}): {Format.Esc(ur.Text)}");
            if (r.GuideSays is { } g) con.MarkupLine($"[grey]{Format.Esc(char.ToUpperInvariant(g[0]) + g[1..])}.[/]");
            foreach (var c in r.Corrections) con.MarkupLine($"[yellow]Correction:[/] {Format.Esc(c)}");
            if (r.License.Url is { } url) con.MarkupLine($"[grey]Text: {Format.Esc(url)}. This is a reading of the licence, not legal advice.[/]");
        }
        return best == LicenseVerdict.NotAllowed ? ExitCodes.Negative : ExitCodes.Ok;
    }
}
