using ModelScout.Cli.Output;
using ModelScout.Core.Fit;

namespace ModelScout.Cli.Commands;

/// <summary>
/// scout show: a model in the store (like <c>ollama show</c>) when NAME is stored, else everything the catalog knows about
/// it, with the source of each fact.
/// </summary>
internal sealed class ShowCommand : ICommandBuilder
{
    private readonly Argument<string> model = new("model") { Description = "A stored model, or an Ollama tag, id or name from the catalog (llama3.1:8b, qwen2.5-coder-7b, gpt-4o)" };
    private readonly StoredModelView stored = new();

    public Command Build(CommonOptions o)
    {
        var c = new Command("show", "A stored model's architecture, parameters, quantization, context, template, system prompt, parameters and licence; for a catalog model, everything known: context, licence, scores with their settings and sources, sizes, and how the guide's memory claims hold up.") { model };
        stored.AddOptions(c);
        c.Options.Add(o.Models);
        return c;
    }

    public int Run(CommandContext ctx)
    {
        var name = ctx.Parse.GetValue(model)!;
        // Catalog names such as "Llama 3.1 8B" are not valid store names; those go straight to the catalog.
        if (ModelScout.Store.ModelName.TryParse(name, out _) is not null && ctx.Store.Find(name) is { } local) return stored.Run(ctx, local);
        if (stored.AnyRequested(ctx.Parse))
            throw new CliException($"model '{name}' is not in the model store ({ctx.Store.Root}); --modelfile, --parameters, --template, --system and --license show stored models. `scout list` shows them.", ExitCodes.NotFound);
        return RunCatalog(ctx);
    }

    private int RunCatalog(CommandContext ctx)
    {
        var catalog = ctx.Catalog;
        var m = ctx.ResolveModel(ctx.Parse.GetValue(model)!);
        var license = m.License is { } id ? catalog.License(id) : null;
        var q4 = catalog.Quantization(catalog.Document.QuantizationGuidance.Default)!;
        var weights = m.IsOpen ? ctx.Planner.WeightsOf(m, q4) : null;
        var claims = GuideMinimums.Check(catalog, ctx.Planner, m);
        if (ctx.Json)
        {
            var sources = m.Scores.Values.SelectMany(s => s.Results.Select(r => r.Source)).Distinct().ToDictionary(k => k, catalog.SourceTitle);
            ctx.WriteJson(new ShowJson("modelscout/show/v1", m, license, weights?.TotalBytes, weights is null ? null : Math.Round(weights.BitsPerWeight, 3),
                claims.Select(c => new ClaimJson(c.Claim, c.Memory, c.GiB, c.Quant, c.MaxContext, c.NeedAt4K, c.Verdict.ToString().ToLowerInvariant(), c.Text)).ToList(), sources)
            {
                ServingWeights = (m.Serving?.Precisions ?? []).Select(x => new ServingWeightJson(x.Id, x.Checkpoint, x.Format, x.Covers, ServingWeights.Bytes(m, x), x.MeasuredWeightsGiB)).ToList(),
            }, CliJson.Default.ShowJson);
            return ExitCodes.Ok;
        }
        var con = ctx.Human;
        con.Write(new Rule($"[bold]{Format.Esc(m.Name)}[/]").LeftJustified());
        var facts = new Grid().AddColumn().AddColumn();
        void Row(string k, string? v) { if (!string.IsNullOrEmpty(v)) facts.AddRow($"[grey]{k}[/]", Format.Esc(v)); }
        Row("Kind", m.IsOpen ? "open weights" : $"hosted ({m.Provider})");
        Row("Publisher", m.Publisher is null ? null : $"{m.Publisher} ({m.PublisherCountry}), released {m.Released}");
        Row("Ollama", m.Ollama is { } o ? string.Join(", ", o.Tags) + (o.SizeGb is { } gb ? $" — {gb:0.#} GB download ({o.SizeSource})" : "") : null);
        Row("Hugging Face", m.HuggingFace);
        if (m.Parameters is { } p)
            Row("Parameters", $"{p.Total:N0}{(p.Active is { } a ? $", {a / 1e9:0.#}B active per token" : "")} — {p.Source}");
        if (m.Context is { } c)
            Row("Context", $"{Format.Tokens(c.Max)} max, {Format.Tokens(c.Native)} as shipped{(c.Trained is { } tr ? $", trained at {Format.Tokens(tr)}" : "")}{(c.Method is null ? "" : $" — {c.Method}")} ({c.Source})");
        if (m.Architecture is { } ar)
        {
            Row("Architecture", $"GGUF {ar.GgufArchitecture}: {ar.Layers} layers, hidden {ar.EmbeddingLength}, {ar.HeadCount} heads / {ar.KvHeadCount} KV heads, head dim {ar.KeyLength}{(ar.ValueLength is { } v ? "/" + v : "")}, FFN {ar.FeedForwardLength}, vocab {ar.VocabSize:N0}{(ar.TiedEmbeddings ? ", tied embeddings" : "")} ({ar.Source})");
            if (ar.SlidingWindow is { } sw) Row(sw.Kind == "chunked" ? "Chunked attention" : "Sliding window", $"{sw.Window} tokens on local layers, one layer in {sw.GlobalEvery} global");
            if (ar.Mla is { } mla) Row("Latent attention", $"KV rank {mla.KvLoraRank} + RoPE {mla.QkRopeHeadDim} = {mla.KvLoraRank + mla.QkRopeHeadDim} cached elements per token per layer");
            if (ar.Moe is { } moe) Row("Experts", $"{moe.Experts} routed + {moe.SharedExperts} shared, {moe.ExpertsUsed} used per token, first {moe.LeadingDenseLayers} layers dense{(moe.Interleave > 1 ? $", then every {moe.Interleave}th layer MoE" : "")}");
        }
        if (m.Serving is { } sv)
        {
            Row("Released as", sv.Native.ToUpperInvariant() + (sv.NativeCovers is { } nc ? $" ({nc})" : ""));
            Row("GPU serving", string.Join("; ", sv.Precisions.Select(x => $"{x.Id}: {x.Checkpoint}, {Format.Gb(ServingWeights.Bytes(m, x))} of weights{(x.Official ? "" : ", third-party")}")));
        }
        if (m.NoGguf) Row("GGUF", "none published: llama.cpp and Ollama cannot run it; serve it on GPUs (above)");
        if (weights is not null) Row("Q4_K_M file", $"{Format.Gb(weights.TotalBytes)} ({weights.BitsPerWeight:0.00} bits per weight, computed from the tensor shapes)");
        if (license is not null) Row("Licence", $"{license.Name}{(m.Checkpoints.Count > 1 ? $" (checkpoints: {string.Join(", ", m.Checkpoints.Select(k => $"{k.Id} → {catalog.License(k.License)!.Name}"))})" : "")} — scout license {m.Ollama?.Tags.FirstOrDefault() ?? m.Id}");
        Row("Best for (guide)", m.Guide?.BestFor);
        con.Write(facts);

        var scores = new Table().Border(TableBorder.Simple);
        scores.AddColumns("Benchmark", "Value", "Model", "Setting", "Source", "Guide says");
        foreach (var (bench, set) in m.Scores)
        {
            var name = catalog.Benchmark(bench)?.Name ?? bench;
            if (set.Results.Count == 0)
            {
                if (set.Guide is not null || set.Note is not null) scores.AddRow(name, "—", "", Format.Esc(set.Note ?? "no primary source"), "", set.Guide?.ToString("0.0#", System.Globalization.CultureInfo.InvariantCulture) ?? "");
                continue;
            }
            foreach (var (r, i) in set.Results.Select((r, i) => (r, i)))
            {
                scores.AddRow(i == 0 ? name : "", r.Value.ToString("0.0#", System.Globalization.CultureInfo.InvariantCulture) + (r.Unverified ? "*" : ""), r.Variant, Format.Esc(r.Setting + (r.Note is null ? "" : $" ({r.Note})")),
                    Format.Esc(r.Source), i == 0 ? set.Guide?.ToString("0.0#", System.Globalization.CultureInfo.InvariantCulture) ?? "" : "");
            }
            if (set.Note is not null) scores.AddRow("", "", "", $"[grey]{Format.Esc(set.Note)}[/]", "", "");
        }
        con.Write(scores);
        foreach (var claim in claims) con.MarkupLine($"Guide claim \"{Format.Esc(claim.Claim)}\": {Format.Esc(claim.Text)}");
        foreach (var s in m.Guide?.Statements ?? []) con.MarkupLine($"[grey]The guide: {Format.Esc(s)}[/]");
        foreach (var n in m.Notes.Concat(m.Ollama?.SizeNote is { } sn ? [sn] : []).Concat(m.Context?.Note is { } cn ? [cn] : [])) con.MarkupLine($"[grey]Note: {Format.Esc(n)}[/]");
        var used = m.Scores.Values.SelectMany(s => s.Results.Select(r => r.Source)).Distinct();
        con.MarkupLine("[grey]Sources: " + Format.Esc(string.Join("; ", used.Select(k => $"{k} = {catalog.SourceTitle(k)}"))) + "[/]");
        return ExitCodes.Ok;
    }
}
