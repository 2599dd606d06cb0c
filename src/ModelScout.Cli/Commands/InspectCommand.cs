using ModelScout.Cli.Output;
using ModelScout.Core.Fit;
using ModelScout.Core.Machines;
using ModelScout.Core.Planning;
using ModelScout.Gguf;

namespace ModelScout.Cli.Commands;

/// <summary>scout inspect: what a GGUF file (local or at a URL) is, whether it is safe to open, and whether it fits.</summary>
internal sealed class InspectCommand : ICommandBuilder
{
    private readonly Argument<string> source = new("file") { Description = "A GGUF file, or an http(s) URL to one (only the header is downloaded)" };
    private readonly Option<bool> tensors = new("--tensors") { Description = "List every tensor: name, shape, type, bytes, offset" };
    private readonly Option<bool> validate = new("--validate") { Description = "Only check the file; exit 4 with the precise problem when it is malformed" };
    private readonly Option<bool> metadata = new("--metadata") { Description = "List every metadata key" };

    public Command Build(CommonOptions o) =>
        o.AddPlanning(new Command("inspect", "Read a GGUF file's header (from disk or over HTTP range requests): architecture, parameters, real bits per weight, type mix, shape, tokenizer, licence, validation, and the memory plan at --ctx on this machine.") { source, tensors, validate, metadata });

    public int Run(CommandContext ctx)
    {
        var p = ctx.Parse;
        var path = p.GetValue(source)!;
        var (file, downloaded, report) = GgufLoader.LoadValid(path);
        if (p.GetValue(validate))
        {
            if (ctx.Json)
            {
                ctx.WriteJson(Describe(ctx, path, file, downloaded, report, null, null, null, false, false), CliJson.Default.InspectJson);
                return ExitCodes.Ok;
            }
            ctx.Human.MarkupLine($"[green]valid[/]: GGUF v{file.Version}, {file.Metadata.Count} metadata keys, {file.Tensors.Count} tensors, data from byte {file.DataOffset:N0}");
            foreach (var w in report.Warnings) ctx.Human.MarkupLine($"[yellow]warning:[/] {Format.Esc(w)}");
            return ExitCodes.Ok;
        }

        var catalog = ctx.Catalog;
        var machine = ctx.Machines.Get(ctx.Options.Hardware(p), catalog);
        var planned = ctx.Deployments.PlanFile(file, path, machine, ctx.Options.ContextAsked(p), ctx.Options.Kv(p, catalog.Document.Estimator.DefaultUbatch));

        if (ctx.Json)
        {
            ctx.WriteJson(Describe(ctx, path, file, downloaded, report, planned.File, ModelFitJson.From(planned.Plan), machine, p.GetValue(tensors), p.GetValue(metadata))
                with { Context = planned.Context }, CliJson.Default.InspectJson);
            return ExitCodes.Ok;
        }
        Render(ctx, path, file, downloaded, report, planned, machine, p.GetValue(tensors), p.GetValue(metadata));
        return ExitCodes.Ok;
    }

    private static InspectJson Describe(CommandContext ctx, string path, GgufFile f, long? downloaded, GgufValidationReport report, FileModel? model,
        ModelFitJson? plan, Machine? machine, bool withTensors, bool withMetadata)
    {
        var info = model?.Info ?? GgufModelInfo.From(f);
        var h = info.Hyper;
        return new InspectJson("modelscout/inspect/v1", path, f.FileLength, f.Version, f.BigEndian, f.HeaderBytes, f.DataOffset, f.Alignment, true, report.Warnings,
            info.Architecture, info.Name, info.License, info.QuantizedBy, info.BaseModel, info.Parameters, info.TensorBytes, Math.Round(info.BitsPerWeight, 4),
            info.FileType?.Name, info.Types.Select(t => new TypeShareJson(t.Type.ToString(), t.Tensors, t.Elements, t.Bytes, Math.Round(t.BitsPerWeight, 4))).ToList(),
            info.Upgrades.Select(u => new UpgradeJson(u.Type.ToString(), u.Tensors.Count, u.Tensors)).ToList(),
            new HyperJson(h.BlockCount, h.ContextLength, h.EmbeddingLength, h.FeedForwardLength, h.HeadCount, h.HeadCountKv, h.KeyLength, h.ValueLength, h.RopeFreqBase,
                h.RopeDimensionCount, h.RopeScalingType, h.RopeScalingFactor, h.ExpertCount, h.ExpertUsedCount, h.SlidingWindow, h.KvLoraRank),
            new TokenizerJson(info.TokenizerModel, info.TokenizerPre, info.VocabularySize, info.MergeCount, info.HasChatTemplate, info.ChatTemplateLength, info.SpecialTokens),
            model?.CatalogMatch?.Id,
            withMetadata ? f.Metadata.Select(kv => new MetadataJson(kv.Key, kv.Value.IsArray ? $"array<{kv.Value.ElementType.ToString()!.ToLowerInvariant()}>" : kv.Value.Type.ToString().ToLowerInvariant(), kv.Value.Display(200))).ToList() : [],
            withTensors ? f.Tensors.Select(t => new TensorJson(t.Name, t.Dimensions, t.Type.ToString(), t.Elements, t.Bytes, t.Offset)).ToList() : null,
            plan, machine is null ? null : MachineJson.From(machine), null, downloaded);
    }

    private static void Render(CommandContext ctx, string path, GgufFile f, long? downloaded, GgufValidationReport report, FilePlan planned, Machine machine,
        bool withTensors, bool withMetadata)
    {
        var con = ctx.Human;
        var model = planned.File;
        var info = model.Info;
        var h = info.Hyper;
        con.Write(new Rule($"[bold]{Format.Esc(Path.GetFileName(path.TrimEnd('/')))}[/]").LeftJustified());
        var grid = new Grid().AddColumn().AddColumn();
        void Row(string k, string? v) { if (!string.IsNullOrEmpty(v)) grid.AddRow($"[grey]{k}[/]", Format.Esc(v)); }
        Row("File", $"{(f.FileLength is { } len ? Format.Gb(len) + ", " : "")}GGUF v{f.Version}{(f.BigEndian ? " big-endian" : "")}; header {f.HeaderBytes:N0} bytes, data from byte {f.DataOffset:N0} (alignment {f.Alignment})"
            + (downloaded is { } d ? $"; {d:N0} bytes downloaded to read it" : ""));
        Row("Valid", report.Clean ? "yes" : "yes, with warnings: " + string.Join("; ", report.Warnings));
        Row("Model", $"{info.Name ?? "(no name)"} — architecture {info.Architecture ?? "?"}{(info.SizeLabel is { } s ? $", {s}" : "")}");
        Row("Parameters", $"{info.Parameters:N0} in {f.Tensors.Count:N0} tensors");
        Row("File type", $"{info.FileType?.Name ?? (info.FileTypeId is { } id ? $"id {id} (unknown)" : $"not stated (most weights {info.MainType})")}: {info.BitsPerWeight:0.00} bits per weight over {Format.Gb(info.TensorBytes)} of tensors");
        if (h.BlockCount is not null)
        {
            var kv = h.HeadCountKv.Count == 0 ? h.HeadCount?.ToString(System.Globalization.CultureInfo.InvariantCulture) : h.HeadCountKv.Distinct().Count() == 1 ? h.HeadCountKv[0].ToString(System.Globalization.CultureInfo.InvariantCulture) : $"{h.HeadCountKv.Min()}-{h.HeadCountKv.Max()} per block";
            var head = model.Entry.Architecture is { } a ? $"head dim {a.KeyLength}{(a.ValueLength is { } v && v != a.KeyLength ? "/" + v : "")}" : "";
            Row("Shape", $"{h.BlockCount} blocks, hidden {h.EmbeddingLength}, {h.HeadCount} heads / {kv} KV heads, {head}, FFN {h.FeedForwardLength}");
        }
        Row("Context", h.ContextLength is { } c ? $"{c:N0} tokens trained{(h.RopeScalingType is { } rs ? $"; RoPE scaling {rs}{(h.RopeScalingFactor is { } sf ? $" x{sf:0.##}" : "")}" : "")}{(h.RopeFreqBase is { } fb ? $"; RoPE base {fb:0.##}" : "")}" : null);
        if (h.ExpertCount is { } e) Row("Experts", $"{e} routed, {h.ExpertUsedCount} per token{(h.ExpertSharedCount is { } sh ? $", {sh} shared" : "")}");
        if (h.SlidingWindow is { } sw) Row("Sliding window", $"{sw:N0} tokens" + (model.Entry.Architecture?.SlidingWindow is { } swa ? $" (every {swa.GlobalEvery} blocks one is global)" : ""));
        if (h.KvLoraRank is { } lora) Row("Latent attention", $"KV rank {lora}{(h.KeyLengthMla is null ? " (no MLA metadata: full cache)" : "")}");
        Row("Tokenizer", $"{info.TokenizerModel ?? "none"}{(info.TokenizerPre is { } pre ? $" ({pre})" : "")}, {info.VocabularySize?.ToString("N0", System.Globalization.CultureInfo.InvariantCulture) ?? "no"} tokens{(info.MergeCount is { } m ? $", {m:N0} merges" : "")}; chat template: {(info.HasChatTemplate ? $"yes ({info.ChatTemplateLength:N0} characters)" : "none")}");
        // Ids past the vocabulary (often 4294967295, i.e. -1) mean "no such token".
        var special = info.SpecialTokens.Where(kv => info.VocabularySize is not { } vocab || kv.Value < vocab).Select(kv => $"{kv.Key} {kv.Value}").ToList();
        if (special.Count > 0) Row("Special tokens", string.Join(", ", special));
        Row("Licence", info.License is { } lic ? $"{lic} (as the file states it)" : "not stated in the file");
        Row("Made by", string.Join("; ", new[] { info.QuantizedBy is { } q ? "quantized by " + q : null, info.BaseModel is { } bm ? "base model " + bm : null }.Where(x => x is not null)));
        if (model.CatalogMatch is { } match) Row("Catalog", $"same shape as {match.Name}: scout show {match.Ollama?.Tags.FirstOrDefault() ?? match.Id} / scout license {match.Ollama?.Tags.FirstOrDefault() ?? match.Id}");
        con.Write(grid);

        var types = new Table().Border(TableBorder.Simple);
        types.AddColumns("Type", "Tensors", "Parameters", "Bytes", "Bits/weight");
        foreach (var t in info.Types)
            types.AddRow(t.Type.ToString(), t.Tensors.ToString("N0", System.Globalization.CultureInfo.InvariantCulture), t.Elements.ToString("N0", System.Globalization.CultureInfo.InvariantCulture), Format.Bytes(t.Bytes), t.BitsPerWeight.ToString("0.00", System.Globalization.CultureInfo.InvariantCulture));
        con.Write(types);
        foreach (var (type, names) in info.Upgrades)
            con.MarkupLine($"[grey]{type} (not the main {info.MainType}): {Format.Esc(Summarise(names))}[/]");

        con.WriteLine();
        con.MarkupLine($"[bold]At {Format.Tokens(planned.Context)} context on {Format.Esc(machine.Simulated ? "the described machine" : "this machine")}[/] ({Format.Esc(Format.Machine(machine))}):");
        PlanView.Details(con, planned.Plan);

        if (withMetadata)
        {
            var t = new Table().Border(TableBorder.Simple);
            t.AddColumns("Key", "Type", "Value");
            foreach (var (k, v) in f.Metadata)
                t.AddRow(Format.Esc(k), v.IsArray ? $"array<{v.ElementType.ToString()!.ToLowerInvariant()}>" : v.Type.ToString().ToLowerInvariant(), Format.Esc(v.Display(80)));
            con.Write(t);
        }
        if (withTensors)
        {
            var t = new Table().Border(TableBorder.Simple);
            t.AddColumns("Tensor", "Shape", "Type", "Bytes", "Offset");
            foreach (var x in f.Tensors) t.AddRow(Format.Esc(x.Name), x.Shape, x.Type.ToString(), x.Bytes.ToString("N0", System.Globalization.CultureInfo.InvariantCulture), x.Offset.ToString("N0", System.Globalization.CultureInfo.InvariantCulture));
            con.Write(t);
        }
    }

    // "output.weight, blk.0-31.attn_v.weight (16), ..." rather than hundreds of names.
    private static string Summarise(IReadOnlyList<string> names)
    {
        var groups = names.GroupBy(n => n.StartsWith("blk.", StringComparison.Ordinal) ? n[(n.IndexOf('.', 4) + 1)..] : n)
            .Select(g => g.Count() > 1 ? $"{g.Key} in {g.Count()} blocks" : g.First());
        return string.Join(", ", groups);
    }
}

/// <summary>Reads a GGUF header from a path or an http(s) URL.</summary>
internal static class GgufLoader
{
    /// <summary>Reads and validates a header; a file that is not a valid GGUF is exit code 5 with the byte and the problem.</summary>
    public static (GgufFile File, long? BytesDownloaded, GgufValidationReport Report) LoadValid(string source)
    {
        var (file, downloaded) = Load(source);
        try
        {
            return (file, downloaded, GgufValidator.Validate(file));
        }
        catch (GgufFormatException e)
        {
            throw Invalid(source, e);
        }
    }

    private static CliException Invalid(string source, GgufFormatException e) =>
        new($"{source} is not a valid GGUF file: {e.Message}. Check that it is the .gguf you meant (a download that stopped early or an HTML page saved as .gguf fails here).", ExitCodes.BadInput);

    private static (GgufFile File, long? BytesDownloaded) Load(string source)
    {
        if (Uri.TryCreate(source, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https") return LoadRemote(uri, source);
        if (!File.Exists(source)) throw new CliException($"no such file: {source}", ExitCodes.NotFound);
        try
        {
            return (GgufReader.ReadFile(source), null);
        }
        catch (GgufFormatException e)
        {
            throw Invalid(source, e);
        }
        catch (IOException e)
        {
            throw new CliException($"cannot read {source}: {e.Message}", ExitCodes.Error);
        }
        catch (UnauthorizedAccessException e)
        {
            throw new CliException($"cannot read {source}: {e.Message}", ExitCodes.Error);
        }
    }

    // Only the header travels: range requests that grow as the parser needs more.
    private static (GgufFile, long?) LoadRemote(Uri uri, string source)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(60) };
        try
        {
            var result = GgufRemote.Read(uri, http);
            return (result.File, result.BytesReceived);
        }
        catch (GgufFormatException e)
        {
            throw Invalid(source, e);
        }
        catch (GgufRemoteException e)
        {
            throw new CliException($"{e.Message}. Check the URL (for Hugging Face use a /resolve/ link), your network, and whether the file needs a token.", ExitCodes.Error);
        }
    }
}
