using ModelScout.Cli.Output;
using ModelScout.Core.Planning;
using ModelScout.Core.Recommend;

namespace ModelScout.Cli.Commands;

/// <summary>scout recommend: ranked picks for a use case, with the reason for every rank and every exclusion.</summary>
internal sealed class RecommendCommand : ICommandBuilder
{
    private readonly Option<string?> useCase = new("--use-case", "-u") { Description = "coding, general, long-docs, enterprise, edge, eu-apache, stem, multilingual, rag or privacy (default: every use case)", HelpName = "USE" };
    private readonly Option<string> license = new("--license") { Description = "Licence the deployment needs: commercial, saas or any", DefaultValueFactory = _ => "commercial" };
    private readonly Option<string?> mau = new("--mau") { Description = "Monthly active users of the product (700M, 150000000)", HelpName = "N" };
    private readonly Option<bool> asGuide = new("--guide-assumptions") { Description = "Plan on the hardware the guide assumes for the use case instead of this machine" };
    private readonly Option<int> top = new("--top") { Description = "Picks to show", DefaultValueFactory = _ => 5 };

    public Command Build(CommonOptions o) =>
        o.AddPlanning(new Command("recommend", "Rank the open models for a use case on this machine (or a described one), with the reason for each rank and each exclusion, and the runtime to use.") { useCase, license, mau, asGuide, top });

    public int Run(CommandContext ctx)
    {
        var p = ctx.Parse;
        var catalog = ctx.Catalog;
        var mode = (p.GetValue(license) ?? "commercial").ToLowerInvariant() switch
        {
            "commercial" => LicenseMode.Commercial,
            "saas" => LicenseMode.Saas,
            "any" or "research" => LicenseMode.Any,
            var x => throw new CliException($"--license: '{x}' is not commercial, saas or any"),
        };
        long? users = p.GetValue(mau) is { } m ? Units.ParseCount(m, "--mau") : null;
        var hardware = ctx.Options.Hardware(p);
        if (p.GetValue(asGuide) && !hardware.IsEmpty) throw new CliException("--guide-assumptions replaces the hardware options; use one or the other");

        var useCases = p.GetValue(useCase) is { } name
            ? [catalog.FindUseCase(name) ?? throw new CliException($"unknown use case '{name}'; known: {string.Join(", ", catalog.Document.UseCases.Select(u => u.Id))}", ExitCodes.NotFound)]
            : catalog.Document.UseCases;
        var request = new RecommendRequest(ctx.Options.ContextAsked(p), ctx.Options.Kv(p, catalog.Document.Estimator.DefaultUbatch), mode, users, ctx.Options.Needs(p),
            OnGuideHardware: p.GetValue(asGuide), MachineDescribed: !hardware.IsEmpty);
        var results = ctx.Deployments.Recommend(useCases, request, profile => ctx.Machines.Get(profile is null ? hardware : hardware with { Profile = profile }, catalog));

        var n = Math.Max(1, p.GetValue(top));
        if (ctx.Json)
        {
            // One document whatever was asked: one use case is its recommend/v1 document, every use case one list of them.
            if (p.GetValue(useCase) is not null) ctx.WriteJson(ToJson(results[0], n), CliJson.Default.RecommendJson);
            else ctx.WriteJson(new RecommendAllJson("modelscout/recommend-all/v1", [.. results.Select(r => ToJson(r, n))]), CliJson.Default.RecommendAllJson);
        }
        else if (results.Count == 1)
        {
            RenderOne(ctx.Human, results[0], n);
        }
        else
        {
            RenderSummary(ctx.Human, results);
        }
        return results.All(r => r.Ranked.Count > 0) ? ExitCodes.Ok : ExitCodes.Negative;
    }

    private static RecommendJson ToJson(Recommendation r, int n) => new(
        "modelscout/recommend/v1",
        new UseCaseJson(r.UseCase.Id, r.UseCase.Title, r.UseCase.Guide.Pick.Model, r.UseCase.Gap.Level, r.GapAdvice),
        MachineJson.From(r.Options.Machine),
        r.Options.Context,
        r.Options.License.ToString().ToLowerInvariant(),
        r.Options.MonthlyActiveUsers,
        r.Ranked.Take(n).Select((c, i) => new PickJson(i + 1, c.Model.Id, c.Model.Name, c.Model.Ollama?.Tags.FirstOrDefault(), c.Fit.Level.Id, Format.PlacementId(c.Fit.Kind),
            SpeedJson.From(c.Fit.Speed), c.License.Checkpoint, c.License.License.Id,
            new ScoreJson(Math.Round(c.Score.Metric, 2), c.Score.MetricBasis, c.Score.Verified, Math.Round(c.Score.QuantLossPct, 2), c.Score.Endorsement, c.Score.License, Math.Round(c.Score.Speed, 2), c.Score.Penalty, Math.Round(c.Score.Total, 2)),
            c.Reasons, c.Commands.Select(CommandJson.From).ToList(), c.MeetsNeeds, c.Shortfalls)).ToList(),
        r.Excluded.Select(e => new ExcludedJson(e.Model.Id, e.Model.Name, e.Reason)).ToList(),
        RuntimeJson.From(r.Runtime),
        r.GuidePickNote,
        r.Notes);

    private static void RenderOne(IAnsiConsole con, Recommendation r, int n)
    {
        var o = r.Options;
        con.MarkupLine($"[bold]{Format.Esc(r.UseCase.Title)}[/] — {Format.Esc(r.UseCase.Guide.Description)}");
        con.MarkupLine($"On: {Format.Esc(Format.Machine(o.Machine))}");
        if (o.Machine.Source.Contains(r.UseCase.AssumedProfile, StringComparison.Ordinal))
            con.MarkupLine($"[grey](the {Format.Esc(r.UseCase.AssumedProfile)} profile: the target this use case assumes; pass --gpu/--ram/--profile to plan for another machine)[/]");
        con.MarkupLine($"Context {Format.Tokens(o.Context)} · licence: {o.License.ToString().ToLowerInvariant()}{(o.MonthlyActiveUsers is { } m ? $" · {m:N0} monthly users" : "")}");
        con.WriteLine();
        if (r.Ranked.Count == 0)
        {
            con.MarkupLine("[red]Nothing in the catalog fits these constraints.[/] Try a smaller --ctx, another --license, or more memory.");
        }
        var table = new Table().Border(TableBorder.Rounded).Expand();
        table.AddColumns("#", "Model", "Quant", "Runs on", "tok/s", "Score", "Why");
        foreach (var (c, i) in r.Ranked.Take(n).Select((c, i) => (c, i)))
        {
            table.AddRow((i + 1).ToString(System.Globalization.CultureInfo.InvariantCulture), PickName(c), c.Fit.Level.Id, Format.Placement(c.Fit), Format.Speed(c.Fit.Speed),
                c.Score.Total.ToString("0.0", System.Globalization.CultureInfo.InvariantCulture), Format.Esc(string.Join("; ", c.Reasons)));
        }
        con.Write(table);
        con.MarkupLine(Format.Esc(r.GuidePickNote));
        if (r.Runtime is { } rt)
        {
            con.MarkupLine($"Run it with [bold]{Format.Esc(rt.Runtime.Name)}[/] — {Format.Esc(rt.Reason)}");
            if (rt.Command is { } cmd) CommandLines.Write(con, cmd.Command);
        }
        con.MarkupLine(Format.Esc(r.GapAdvice));
        if (r.Excluded.Count > 0)
        {
            con.WriteLine();
            con.MarkupLine("[bold]Left out[/]");
            foreach (var e in r.Excluded) con.MarkupLine($"  {Format.Esc(e.Model.Name)}: {Format.Esc(e.Reason)}");
        }
        foreach (var note in r.Notes) con.MarkupLine($"[grey]{Format.Esc(note)}[/]");
        con.MarkupLine("[grey]Score = benchmark x (1 - quantization loss) + guide endorsement + licence + speed - penalties; --json shows each part.[/]");
    }

    // A pick that misses the use case's requirements on this machine says so wherever it is named.
    private static string PickName(Candidate c) =>
        c.MeetsNeeds ? Format.Esc(c.Model.Name) : $"{Format.Esc(c.Model.Name)} [yellow](misses needs)[/]";

    private static void RenderSummary(IAnsiConsole con, IReadOnlyList<Recommendation> results)
    {
        con.MarkupLine($"On: {Format.Esc(Format.Machine(results[0].Options.Machine))}");
        var targets = results.Where(r => !ReferenceEquals(r.Options.Machine, results[0].Options.Machine)).Select(r => $"{r.UseCase.Title} on {r.UseCase.AssumedProfile}").ToList();
        if (targets.Count > 0) con.MarkupLine($"[grey]Planned on their own target device: {Format.Esc(string.Join("; ", targets))} (pass hardware options to override).[/]");
        con.WriteLine();
        var table = new Table().Border(TableBorder.Rounded).Expand();
        table.AddColumns("Use case", "Pick", "Quant", "Runs on", "tok/s", "Guide's pick", "Gap");
        foreach (var r in results)
        {
            var top = r.Ranked.FirstOrDefault();
            var guide = r.UseCase.Guide.Pick.Model;
            var guideName = r.Ranked.Select(c => c.Model).Concat(r.Excluded.Select(e => e.Model)).FirstOrDefault(m => m.Id == guide)?.Name ?? guide;
            var agrees = top?.Model.Id == guide;
            // A row planned on the use case's own target says so, so that its GPUs never read as this machine's.
            var elsewhere = !ReferenceEquals(r.Options.Machine, results[0].Options.Machine);
            table.AddRow(Format.Esc(r.UseCase.Title),
                top is null ? "[red]nothing fits[/]" : PickName(top),
                top?.Fit.Level.Id ?? "",
                top is null ? "" : (elsewhere ? $"[grey]on {Format.Esc(r.UseCase.AssumedProfile)}:[/] " : "") + Format.Esc(Format.Placement(top.Fit)),
                top is null ? "" : Format.Speed(top.Fit.Speed),
                agrees ? "[green]same[/]" : Format.Esc(guideName),
                r.UseCase.Gap.Level);
        }
        con.Write(table);
        if (results.Any(r => r.Ranked.FirstOrDefault() is { MeetsNeeds: false }))
            con.MarkupLine("[grey](misses needs): nothing that fits here meets the use's speed or time-to-first-token requirement; the pick is the best of what runs. --use-case shows why.[/]");
        con.MarkupLine("[grey]Details for one use case: scout recommend --use-case coding  ·  on the guide's own hardware: --guide-assumptions[/]");
    }
}
