using System.Text.Json.Nodes;
using ModelScout.Cli.Output;
using ModelScout.Prompting.Templates;
using ModelScout.Store;

namespace ModelScout.Cli.Commands;

/// <summary>scout import FILE NAME: copies a validated GGUF into the store under a name.</summary>
internal sealed class ImportCommand : ICommandBuilder
{
    private readonly Argument<string> file = new("file") { Description = "A GGUF file (validated before anything is copied)" };
    private readonly Argument<string> name = new("name") { Description = "Name to store it under: model[:tag] or namespace/model:tag" };

    public Command Build(CommonOptions o) =>
        new("import", "Copy a GGUF file into the model store under NAME[:TAG] (checked first; hashed while copying; renamed into place atomically).") { file, name, o.Models };

    public int Run(CommandContext ctx)
    {
        var path = ctx.Parse.GetValue(file)!;
        var model = StoreProgress.Run(ctx, $"importing {Path.GetFileName(path)}", (store, progress, ct) => store.ImportAsync(path, ctx.Parse.GetValue(name)!, progress, ct));
        return StoreText.Report(ctx, "import", model, path, StoreText.Stored("imported", model));
    }
}

/// <summary>scout create NAME -f Modelfile: a stored model from a Modelfile (FROM a stored model, a blob digest or a GGUF path).</summary>
internal sealed class CreateCommand : ICommandBuilder
{
    private readonly Argument<string> name = new("name") { Description = "Name of the new model: model[:tag] or namespace/model:tag" };
    private readonly Option<string> file = new("--file", "-f") { Description = "The Modelfile (docs/modelfile.md)", DefaultValueFactory = _ => "Modelfile", HelpName = "FILE" };

    public Command Build(CommonOptions o) =>
        new("create", "Create a model in the store from a Modelfile: FROM a stored model, a blob digest or a GGUF file, with PARAMETER, TEMPLATE, SYSTEM, MESSAGE and LICENSE.") { name, file, o.Models };

    public int Run(CommandContext ctx)
    {
        var path = Path.GetFullPath(ctx.Parse.GetValue(file)!);
        if (!File.Exists(path)) throw new CliException($"no Modelfile at {path}; write one (docs/modelfile.md) or pass -f FILE", ExitCodes.NotFound);
        Modelfile modelfile;
        JsonObject? parameters;
        try
        {
            modelfile = Modelfile.Parse(File.ReadAllText(path));
            parameters = modelfile.Parameters.Count > 0 ? modelfile.ParametersJson() : null;
        }
        catch (ModelfileException e)
        {
            throw new CliException($"{path}: {e.Message}", ExitCodes.Error);
        }
        if (!string.IsNullOrEmpty(modelfile.Adapter)) throw new CliException($"{path}: ADAPTER (LoRA) is not supported yet; merge the adapter into the GGUF first", ExitCodes.Error);
        // FROM ./model.gguf is relative to the Modelfile, as with `ollama create -f`.
        var relative = Path.Combine(Path.GetDirectoryName(path)!, modelfile.From);
        var definition = new ModelDefinition
        {
            From = File.Exists(relative) ? Path.GetFullPath(relative) : modelfile.From,
            Parameters = parameters,
            Template = modelfile.Template,
            System = modelfile.System,
            Licenses = modelfile.Licenses.Count > 0 ? modelfile.Licenses : null,
            Messages = modelfile.Messages.Count > 0 ? modelfile.Messages : null,
        };
        var model = StoreProgress.Run(ctx, $"creating {ctx.Parse.GetValue(name)}", (store, progress, ct) => store.CreateAsync(ctx.Parse.GetValue(name)!, definition, progress, ct));
        return StoreText.Report(ctx, "create", model, path, StoreText.Stored("created", model));
    }
}

/// <summary>scout pull NAME|URL: downloads from an Ollama-compatible registry or a direct GGUF link, resumably.</summary>
internal sealed class PullCommand : ICommandBuilder
{
    private readonly Argument<string> source = new("model") { Description = "A model name (llama3.1:8b, host:port/namespace/model:tag) or an http(s) URL of a GGUF file" };
    private readonly Option<string?> registry = new("--registry") { Description = $"Registry for names without a host (also ${ScoutVariables.Registry.Name}; default {ScoutVariables.Registry.Default})", HelpName = "URL" };
    private readonly Option<bool> insecure = new("--insecure") { Description = "Allow plain http to a registry or URL that is not on this machine" };
    private readonly Option<string?> storeName = new("--name") { Description = "Name to store a URL download under (default: the file name, lower-cased, tag latest)", HelpName = "NAME" };
    private readonly Option<int> connections = new("--connections") { Description = "Parallel range requests for large files", DefaultValueFactory = _ => 4, HelpName = "N" };

    public Command Build(CommonOptions o) =>
        new("pull", "Download a model from an Ollama-compatible registry, or a GGUF from a URL: resumable (rerun to continue), sha256-verified, renamed into place only when complete.") { source, registry, insecure, storeName, connections, o.Models };

    public int Run(CommandContext ctx)
    {
        var p = ctx.Parse;
        var what = p.GetValue(source)!;
        var registryUri = Registry(p.GetValue(registry), ctx.Settings);
        var n = p.GetValue(connections);
        if (n is < 1 or > 16) throw new CliException("--connections must be between 1 and 16");
        var options = new PullOptions { Registry = registryUri, Insecure = p.GetValue(insecure), Name = p.GetValue(storeName), Connections = n };
        var model = StoreProgress.Run(ctx, $"pulling {what}", (store, progress, ct) => store.PullAsync(what, options, progress, ct));
        return StoreText.Report(ctx, "pull", model, what, StoreText.Stored("pulled", model));
    }

    /// <summary>The registry for names without a host: --registry, else $SCOUT_REGISTRY, else null (Ollama's).</summary>
    internal static Uri? Registry(string? option, ScoutSettings settings)
    {
        var (text, source) = option is { Length: > 0 } ? (option, "--registry")
            : settings.Get(ScoutVariables.Registry) is { } set ? (set, ScoutVariables.Registry.Name) : (null, null);
        if (text is null) return null;
        return Uri.TryCreate(text.Trim(), UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https"
            ? uri
            : throw new CliException($"{source}: '{text}' is not an http(s) URL; use e.g. https://registry.example.com");
    }
}

/// <summary>scout list (ls): the stored models, newest first.</summary>
internal sealed class ListCommand : ICommandBuilder
{
    public Command Build(CommonOptions o)
    {
        var c = new Command("list", "List the models in the store: name, id, size, details, when modified.") { o.Models };
        c.Aliases.Add("ls");
        return c;
    }

    public int Run(CommandContext ctx)
    {
        // Leftovers of a scout that was killed mid-write (temporary files, manifests whose blobs are gone) go first.
        var cleaned = ctx.Store.Clean();
        var models = ctx.Store.List();
        if (ctx.Json)
        {
            ctx.WriteJson(new ListJson("modelscout/list/v1", ctx.Store.Root, models.Select(StoredModelJson.From).ToList(), CleanupJson.From(cleaned)), CliJson.Default.ListJson);
            return ExitCodes.Ok;
        }
        foreach (var line in StoreText.Cleanup(cleaned)) ctx.Human.MarkupLine(Format.Esc(line));
        if (models.Count == 0)
        {
            ctx.Human.MarkupLine($"No models in {Format.Esc(ctx.Store.Root)}. Add one with `scout pull NAME|URL` or `scout import FILE NAME`.");
            return ExitCodes.Ok;
        }
        var table = new Table().Border(TableBorder.Simple);
        table.AddColumns("Name", "ID", "Size", "Details", "Modified");
        var now = DateTimeOffset.UtcNow;
        foreach (var m in models)
            table.AddRow(Format.Esc(m.Name), m.Digest[..12], Format.Gb(m.Size), Format.Esc(StoreText.Details(m)), StoreText.Ago(now - m.ModifiedAt));
        ctx.Human.Write(table);
        return ExitCodes.Ok;
    }
}

/// <summary>scout rm NAME...: removes models and the blobs nothing else uses.</summary>
internal sealed class RemoveCommand : ICommandBuilder
{
    private readonly Argument<string[]> names = new("name") { Description = "Models to remove", Arity = ArgumentArity.OneOrMore };

    public Command Build(CommonOptions o) =>
        new("rm", "Remove models from the store; blobs no other model uses are deleted. Exit 3 when a name was not there.") { names, o.Models };

    public int Run(CommandContext ctx)
    {
        var deleted = new List<string>();
        var missing = new List<string>();
        foreach (var name in ctx.Parse.GetValue(names)!)
        {
            var found = ctx.Store.Find(name);
            if (found is not null && ctx.Store.Remove(name))
            {
                deleted.Add(found.Name);
                ctx.Human.MarkupLine($"deleted '{Format.Esc(found.Name)}'");
            }
            else missing.Add(name);
        }
        if (ctx.Json) ctx.WriteJson(new RemoveJson("modelscout/rm/v1", ctx.Store.Root, deleted, missing), CliJson.Default.RemoveJson);
        if (missing.Count == 0) return ExitCodes.Ok;
        foreach (var m in missing) ctx.Stderr.WriteLine($"scout: model '{m}' not found in {ctx.Store.Root}; `scout list` shows the stored models");
        return ExitCodes.NotFound;
    }
}

/// <summary>scout cp SRC DST: a second name for a stored model (blobs are shared, nothing is copied).</summary>
internal sealed class CopyCommand : ICommandBuilder
{
    private readonly Argument<string> from = new("source") { Description = "A stored model" };
    private readonly Argument<string> to = new("destination") { Description = "The new name" };

    public Command Build(CommonOptions o) =>
        new("cp", "Give a stored model another name (the blobs are shared).") { from, to, o.Models };

    public int Run(CommandContext ctx)
    {
        var source = ctx.Parse.GetValue(from)!;
        var model = ctx.Store.Copy(source, ctx.Parse.GetValue(to)!);
        return StoreText.Report(ctx, "cp", model, source, $"copied '{Format.Esc(ctx.Store.Find(source)?.Name ?? source)}' to '{Format.Esc(model.Name)}'");
    }
}

/// <summary>Short texts shared by the store commands, and how the ones that store a model report it.</summary>
internal static class StoreText
{
    /// <summary>One line per kind of leftover the cleanup removed; none when the store was consistent.</summary>
    public static IEnumerable<string> Cleanup(StoreCleanup c)
    {
        if (c.TempFiles.Count > 0)
            yield return $"Cleaned up {c.TempFiles.Count} temporary file(s) left by an interrupted import, create, copy or upload: {string.Join(", ", c.TempFiles)}";
        foreach (var d in c.DamagedManifests)
            yield return $"Removed model '{d.Name}': {d.Problem} (an interrupted write or remove); import, create or pull it again";
        if (c.OrphanBlobs.Count > 0)
            yield return $"Removed {c.OrphanBlobs.Count} blob(s) no model uses (left by an interrupted remove): {string.Join(", ", c.OrphanBlobs)}";
        if (!c.IsEmpty) yield return $"Freed {Format.Gb(c.BytesFreed)}.";
    }

    /// <summary>The model a command stored: the <c>modelscout/COMMAND/v1</c> document with --json, and one line for people.</summary>
    public static int Report(CommandContext ctx, string command, StoredModel model, string source, string line)
    {
        if (ctx.Json) ctx.WriteJson(new StoreResultJson($"modelscout/{command}/v1", ctx.Store.Root, StoredModelJson.From(model), source), CliJson.Default.StoreResultJson);
        ctx.Human.MarkupLine(line);
        return ExitCodes.Ok;
    }

    /// <summary>"pulled NAME (details, size)", in markup.</summary>
    public static string Stored(string verb, StoredModel m) => $"{verb} [bold]{Format.Esc(m.Name)}[/] ({Format.Esc(Details(m))}, {Format.Gb(m.Size)})";

    public static string Details(StoredModel m) =>
        string.Join(" ", new[] { m.Details.Family, m.Details.ParameterSize, m.Details.QuantizationLevel }.Where(s => !string.IsNullOrEmpty(s)));

    public static string Ago(TimeSpan age) => age.TotalSeconds switch
    {
        < 60 => "just now",
        < 3600 => Plural((int)age.TotalMinutes, "minute"),
        < 86400 => Plural((int)age.TotalHours, "hour"),
        < 86400 * 60 => Plural((int)age.TotalDays, "day"),
        _ => Plural((int)(age.TotalDays / 30), "month"),
    };

    private static string Plural(int n, string unit) => $"{n} {unit}{(n == 1 ? "" : "s")} ago";
}

/// <summary>
/// Shows a store operation's progress: a Spectre progress bar per blob on a terminal, one plain line per step otherwise
/// (CI logs, pipes, --json). Ctrl+C cancels cleanly; what was downloaded is kept for the next run.
/// </summary>
internal static class StoreProgress
{
    public static StoredModel Run(CommandContext ctx, string title, Func<ModelStore, IProgress<PullProgress>, CancellationToken, Task<StoredModel>> operation)
    {
        using var cts = new CancellationTokenSource();
        ConsoleCancelEventHandler onCancel = (_, e) =>
        {
            e.Cancel = true;
            cts.Cancel();
        };
        Console.CancelKeyPress += onCancel;
        try
        {
            return ctx.ProgressOnTerminal ? WithBars(ctx, operation, cts.Token) : WithLines(ctx, operation, cts.Token);
        }
        finally
        {
            Console.CancelKeyPress -= onCancel;
        }
    }

    private static StoredModel WithLines(CommandContext ctx, Func<ModelStore, IProgress<PullProgress>, CancellationToken, Task<StoredModel>> operation, CancellationToken ct)
    {
        var lines = new LineProgress(ctx.Stderr);
        return operation(ctx.Store, lines, ct).GetAwaiter().GetResult();
    }

    private static StoredModel WithBars(CommandContext ctx, Func<ModelStore, IProgress<PullProgress>, CancellationToken, Task<StoredModel>> operation, CancellationToken ct)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(Console.Error),
            Ansi = AnsiSupport.Detect,
            ColorSystem = ColorSystemSupport.Detect,
            Interactive = InteractionSupport.Yes,
        });
        StoredModel? result = null;
        console.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(), new DownloadedColumn(), new TransferSpeedColumn(), new RemainingTimeColumn())
            .StartAsync(async live =>
            {
                var bars = new BarProgress(live);
                result = await operation(ctx.Store, bars, ct);
            }).GetAwaiter().GetResult();
        return result!;
    }

    /// <summary>One line per new step; byte counts only when a blob is done.</summary>
    private sealed class LineProgress(TextWriter writer) : IProgress<PullProgress>
    {
        private string? last;
        private readonly HashSet<string> finished = new(StringComparer.Ordinal);

        public void Report(PullProgress value)
        {
            lock (finished)
            {
                var text = value.Status;
                if (value.Total is { } total && value.Completed is { } done)
                {
                    if (done < total || !finished.Add(text)) return;
                    text = $"{text}: {Format.Gb(total)}";
                }
                if (text == last) return;
                last = text;
                writer.WriteLine(text);
            }
        }
    }

    private sealed class BarProgress(ProgressContext live) : IProgress<PullProgress>
    {
        private readonly Dictionary<string, ProgressTask> tasks = new(StringComparer.Ordinal);
        private ProgressTask? step;

        public void Report(PullProgress value)
        {
            lock (tasks)
            {
                if (value.Total is { } total && value.Completed is { } done)
                {
                    if (!tasks.TryGetValue(value.Status, out var task))
                    {
                        task = live.AddTask(Markup.Escape(value.Status), maxValue: Math.Max(1, total));
                        tasks[value.Status] = task;
                    }
                    task.MaxValue = Math.Max(1, total);
                    task.Value = done;
                    return;
                }
                step?.StopTask();
                step = live.AddTask(Markup.Escape(value.Status), maxValue: 1);
                step.Value = 1;
            }
        }
    }
}
