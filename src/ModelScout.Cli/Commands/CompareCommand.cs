using ModelScout.Cli.Output;
using ModelScout.Core.Catalog;
using ModelScout.Core.Recommend;

namespace ModelScout.Cli.Commands;

/// <summary>scout compare: models side by side, hosted incumbents included.</summary>
internal sealed class CompareCommand : ICommandBuilder
{
    private static readonly string[] Benchmarks = ["mmlu", "humaneval", "math", "gsm8k", "mtbench"];
    private readonly Argument<string[]> models = new("models") { Description = "Two or more models (llama3.1:70b gpt-3.5-turbo ...)", Arity = new ArgumentArity(1, 12) };

    public Command Build(CommonOptions o) =>
        new("compare", "Compare models side by side, hosted incumbents (gpt-4o, gpt-3.5-turbo, gpt-4, claude-3.5-sonnet) included. With one model, adds the incumbents the guide compares it to.") { models };

    public int Run(CommandContext ctx)
    {
        var catalog = ctx.Catalog;
        var list = (ctx.Parse.GetValue(models) ?? []).Select(n => ctx.ResolveModel(n)).ToList();
        if (list.Count == 1) list.AddRange(list[0].ComparesTo.Select(id => catalog.ModelById(id)!).Where(x => x is not null));
        if (list.Count < 2) throw new CliException("compare needs two or more models (the guide compares this one with no incumbent; name one, e.g. gpt-4o)");
        var q4 = catalog.Quantization(catalog.Document.QuantizationGuidance.Default)!;
        var rows = list.Select(m => new CompareRowJson(m.Id, m.Name, m.Kind, m.Parameters?.Total, m.Parameters?.Active, m.Context?.Max, m.License ?? m.Provider,
            Benchmarks.ToDictionary(b => b, b =>
            {
                var s = Recommender.ScoreOf(m, b);
                return new CompareScoreJson(s?.Value, s?.Basis, s?.Verified ?? false, m.Scores.GetValueOrDefault(b)?.Guide);
            }),
            m.IsOpen ? ctx.Planner.WeightsOf(m, q4).TotalBytes : null)).ToList();
        var notes = new List<string>();
        if (list.Any(m => !m.IsOpen) && list.Any(m => m.IsOpen))
            notes.Add("Hosted figures are mostly 0-shot chain-of-thought (simple-evals) while open cards often report 5-shot; read the setting column before comparing a few points.");
        notes.AddRange(list.SelectMany(m => m.Guide?.Statements ?? []).Where(s => s.Contains("GPT", StringComparison.Ordinal)).Select(s => "The guide: " + s));

        if (ctx.Json)
        {
            ctx.WriteJson(new CompareJson("modelscout/compare/v1", rows, notes), CliJson.Default.CompareJson);
            return ExitCodes.Ok;
        }
        var t = new Table().Border(TableBorder.Rounded);
        t.AddColumn("");
        foreach (var m in list) t.AddColumn(Format.Esc(m.Name));
        void Add(string label, Func<CompareRowJson, ModelEntry, string> cell) => t.AddRow(new[] { $"[grey]{label}[/]" }.Concat(rows.Select((r, i) => cell(r, list[i]))).ToArray());
        Add("Kind", (r, m) => m.IsOpen ? "open weights" : $"hosted ({Format.Esc(m.Provider)})");
        Add("Parameters", (r, m) => r.Parameters is { } p ? Format.Params(p) + (r.ActiveParameters is { } a ? $" ({Format.Params(a)} active)" : "") : "—");
        Add("Context", (r, m) => r.Context is { } c ? Format.Tokens(c) : "—");
        Add("Licence", (r, m) => m.License is { } id ? Format.Esc(catalog.License(id)!.Name) : "API terms");
        foreach (var b in Benchmarks)
        {
            var name = catalog.Benchmark(b)!.Name;
            Add(name, (r, m) => r.Scores[b] is { Value: { } v } s ? $"{v:0.0#}{(s.Verified ? "" : "*")} [grey]{Format.Esc(Shorten(s.Basis))}[/]" : r.Scores[b].Guide is { } g ? $"[grey]guide {g:0.0#}*[/]" : "—");
        }
        Add("Q4_K_M file", (r, m) => r.Q4KmBytes is { } bytes ? Format.Gb(bytes) : "—");
        ctx.Human.Write(t);
        foreach (var n in notes) ctx.Human.MarkupLine($"[grey]{Format.Esc(n)}[/]");
        return ExitCodes.Ok;
    }

    private static string Shorten(string? s) => s is null ? "" : s.Length > 34 ? s[..31] + "..." : s;
}
