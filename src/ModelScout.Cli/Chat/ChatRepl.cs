using System.Globalization;
using ModelScout.Engine;
using ModelScout.Gguf;
using ModelScout.Prompting;
using ModelScout.Store;

namespace ModelScout.Cli.Chat;

/// <summary>
/// The interactive chat of <c>scout run</c>, modelled on <c>ollama run</c>: reads lines from a <see cref="TextReader"/>,
/// streams answers to a <see cref="TextWriter"/>, and sends the whole conversation as messages on every turn.
/// It never touches the console itself, so tests drive it with strings.
/// </summary>
internal sealed class ChatRepl
{
    private const string Fence = "\"\"\"";

    private readonly IInferenceService engine;
    private readonly ResolvedModel model;
    private readonly GgufModelInfo info;
    private readonly TextReader input;
    private readonly TextWriter output;
    private readonly TextWriter notes;
    private readonly bool echo;
    private readonly List<ChatTurn> history = [];
    private readonly Lock gate = new();
    private CancellationTokenSource? answering;

    /// <param name="engine">Where answers come from.</param>
    /// <param name="model">The resolved model (its own parameters and system message).</param>
    /// <param name="info">Facts from the model's GGUF header, for <c>/show info</c>.</param>
    /// <param name="settings">What the first request goes out with.</param>
    /// <param name="input">The user's lines.</param>
    /// <param name="output">Answers, prompts and command replies.</param>
    /// <param name="notes">Timings (<c>--verbose</c>) and errors; ollama writes those to stderr.</param>
    /// <param name="echo">Write each input line after its prompt, so a scripted session reads like a terminal.</param>
    public ChatRepl(IInferenceService engine, ResolvedModel model, GgufModelInfo info, RunSettings settings, TextReader input, TextWriter output, TextWriter notes, bool echo = false)
    {
        this.engine = engine;
        this.model = model;
        this.info = info;
        Settings = settings;
        this.input = input;
        this.output = output;
        this.notes = notes;
        this.echo = echo;
    }

    /// <summary>The settings the next request goes out with.</summary>
    public RunSettings Settings { get; private set; }

    /// <summary>Completed turns (user, assistant, ...), without the system message.</summary>
    public IReadOnlyList<ChatTurn> History => history;

    /// <summary>Runs until <c>/bye</c> or the end of input.</summary>
    public async Task RunAsync(CancellationToken cancellationToken = default)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            var text = ReadMessage();
            if (text is null) break;
            if (string.IsNullOrWhiteSpace(text)) continue;
            if (text.StartsWith('/'))
            {
                if (!Command(text.Trim())) break;
                continue;
            }
            await AnswerAsync(text, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Ctrl-C: stops the answer being written (the session goes on), or, at the prompt, says how to leave.
    /// Safe to call from the console's signal thread.
    /// </summary>
    public void Interrupt()
    {
        lock (gate)
        {
            if (answering is { } running)
            {
                running.Cancel();
                return;
            }
        }
        output.Write("\nUse Ctrl + d or /bye to exit.\n>>> ");
        output.Flush();
    }

    // A message is one line, or every line between a """ and the next line ending in """.
    private string? ReadMessage()
    {
        var line = ReadLine(">>> ");
        if (line is null || !line.StartsWith(Fence, StringComparison.Ordinal)) return line;
        var first = line[Fence.Length..];
        if (first.Length >= Fence.Length && first.EndsWith(Fence, StringComparison.Ordinal)) return first[..^Fence.Length];
        var parts = new List<string>();
        if (first.Length > 0) parts.Add(first);
        while (true)
        {
            var next = ReadLine("... ");
            if (next is null) break; // end of input closes the block
            if (next.EndsWith(Fence, StringComparison.Ordinal))
            {
                var last = next[..^Fence.Length];
                if (last.Length > 0) parts.Add(last);
                break;
            }
            parts.Add(next);
        }
        return string.Join('\n', parts);
    }

    private string? ReadLine(string prompt)
    {
        output.Write(prompt);
        output.Flush();
        var line = input.ReadLine();
        if (echo) output.WriteLine(line ?? "");
        else if (line is null) output.WriteLine();
        return line;
    }

    private async Task AnswerAsync(string text, CancellationToken cancellationToken)
    {
        var user = new ChatTurn("user", text);
        var messages = new List<ChatTurn>(history.Count + 2);
        if (Settings.System is { } system) messages.Add(new ChatTurn("system", system));
        messages.AddRange(history);
        messages.Add(user);
        var request = Settings.Request(messages: messages);
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        lock (gate) answering = cts;
        Answer answer;
        try
        {
            answer = await AnswerStream.CopyAsync(engine, request, output, cts.Token, Settings.HideThinking).ConfigureAwait(false);
        }
        catch (InferenceException e)
        {
            notes.WriteLine($"Error: {e.Message}");
            notes.Flush();
            return;
        }
        finally
        {
            lock (gate) answering = null;
        }
        output.WriteLine();
        if (answer.Cancelled)
        {
            // A cut-off answer stays out of the history: the next turn should not build on half a reply.
            output.WriteLine("(answer cancelled; it is not kept in the conversation)");
            output.WriteLine();
            return;
        }
        output.WriteLine();
        history.Add(user);
        history.Add(new ChatTurn("assistant", answer.Text) { ToolCalls = answer.ToolCalls.Count > 0 ? answer.ToolCalls : null });
        if (answer.ToolCalls.Count > 0)
            output.WriteLine("(scout run prints tool calls but does not run them: type the result as your next message, or serve the model to an agent with scout serve)\n");
        if (Settings.Verbose && answer.Stats is { } stats)
        {
            notes.Write(VerboseStats.Format(stats));
            notes.WriteLine();
        }
        output.Flush();
        notes.Flush();
    }

    // False ends the session.
    private bool Command(string line)
    {
        var words = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        switch (words[0])
        {
            case "/bye" or "/exit":
                return false;
            case "/clear":
                history.Clear();
                Reply("Cleared session context");
                break;
            case "/set":
                Set(line, words);
                break;
            case "/show":
                Show(words);
                break;
            case "/?" or "/help":
                Help(words.Length > 1 ? words[1] : null);
                break;
            default:
                Reply($"Unknown command '{words[0]}'. Type /? for help");
                break;
        }
        return true;
    }

    private void Set(string line, string[] words)
    {
        if (words.Length < 2)
        {
            Help("/set");
            return;
        }
        switch (words[1])
        {
            case "parameter":
                if (words.Length < 4)
                {
                    Reply("Usage: /set parameter NAME VALUE (names: " + string.Join(", ", ModelOptions.KnownNames.Order(StringComparer.Ordinal)) + ")");
                    return;
                }
                try
                {
                    var option = OptionText.Parse(words[2], words[3..]);
                    Settings = Settings with { Options = option.Over(Settings.Options) };
                    Reply($"Set parameter '{words[2]}' to '{string.Join(", ", words[3..])}'");
                }
                catch (InvalidRequestException e)
                {
                    Reply($"Couldn't set parameter: {e.Message}");
                }
                break;
            case "system":
                // Everything after "/set system " is the message, spaces and all.
                var at = line.IndexOf("system", StringComparison.Ordinal) + "system".Length;
                var text = line[at..].Trim();
                if (text.Length >= 2 * Fence.Length && text.StartsWith(Fence, StringComparison.Ordinal) && text.EndsWith(Fence, StringComparison.Ordinal))
                    text = text[Fence.Length..^Fence.Length];
                Settings = Settings with { System = text.Length == 0 ? null : text };
                Reply(text.Length == 0 ? "Cleared system message." : "Set system message.");
                break;
            case "verbose":
                Settings = Settings with { Verbose = true };
                Reply("Set 'verbose' mode.");
                break;
            case "quiet":
                Settings = Settings with { Verbose = false };
                Reply("Set 'quiet' mode.");
                break;
            case "format" when words.Length > 2 && words[2] == "json":
                Settings = Settings with { Format = new OutputConstraint.AnyJson() };
                Reply("Set format to 'json' mode.");
                break;
            case "think":
                try
                {
                    var level = words.Length > 2 ? words[2] : "true";
                    Settings = Settings with { Think = ToolsFile.Think(level) };
                    Reply(Settings.Think is { Level: { } l } ? $"Set 'think' mode to '{l}'." : "Set 'think' mode.");
                }
                catch (CliException e)
                {
                    Reply($"Couldn't set think: {e.Message}");
                }
                break;
            case "nothink":
                Settings = Settings with { Think = ModelScout.Prompting.ThinkSetting.Off };
                Reply("Set 'nothink' mode.");
                break;
            case "hidethinking":
                Settings = Settings with { HideThinking = true };
                Reply("Set 'hidethinking' mode.");
                break;
            case "nohidethinking":
                Settings = Settings with { HideThinking = false };
                Reply("Set 'nohidethinking' mode.");
                break;
            case "noformat":
                Settings = Settings with { Format = null };
                Reply("Disabled format.");
                break;
            default:
                Reply($"Unknown command '/set {words[1]}'. Type /? for help");
                break;
        }
    }

    private void Show(string[] words)
    {
        switch (words.Length > 1 ? words[1] : null)
        {
            case "info":
                ShowInfo();
                break;
            case "parameters":
                ShowParameters();
                break;
            case "system":
                Reply(Settings.System ?? model.System ?? "No system message was specified for this model.");
                break;
            default:
                Help("/show");
                break;
        }
    }

    private void ShowInfo()
    {
        var h = info.Hyper;
        var rows = new List<(string, string?)>
        {
            ("architecture", info.Architecture),
            ("parameters", Count(info.Parameters)),
            ("context length", h.ContextLength?.ToString(CultureInfo.InvariantCulture)),
            ("embedding length", h.EmbeddingLength?.ToString(CultureInfo.InvariantCulture)),
            ("layers", h.BlockCount?.ToString(CultureInfo.InvariantCulture)),
            ("quantization", info.FileType?.Name ?? info.MainType?.ToString()),
            ("vocabulary", info.VocabularySize?.ToString(CultureInfo.InvariantCulture)),
            ("chat template", info.HasChatTemplate ? "from the file" : "none (prompts are sent as plain text)"),
            ("license", info.License),
        };
        output.WriteLine("  Model");
        foreach (var (k, v) in rows)
            if (!string.IsNullOrEmpty(v)) output.WriteLine($"    {k,-20}{v}");
        output.WriteLine();
    }

    private void ShowParameters()
    {
        var user = OptionText.Describe(Settings.Options);
        var own = OptionText.Describe(model.Parameters);
        if (user.Count == 0 && own.Count == 0)
        {
            Reply("No parameters are set; the defaults apply (Ollama's: temperature 0.8, top_k 40, top_p 0.9, num_ctx 2048, ...).");
            return;
        }
        if (user.Count > 0)
        {
            output.WriteLine("User defined parameters:");
            foreach (var (k, v) in user) output.WriteLine($"{k,-30} {v}");
            output.WriteLine();
        }
        if (own.Count > 0)
        {
            output.WriteLine("Model defined parameters:");
            foreach (var (k, v) in own) output.WriteLine($"{k,-30} {v}");
            output.WriteLine();
        }
    }

    private void Help(string? topic)
    {
        var text = topic switch
        {
            "/set" or "set" => """
                Available Commands:
                  /set parameter NAME VALUE   Set a parameter (num_ctx, temperature, seed, top_k, top_p, stop, ...)
                  /set system TEXT            Set the system message
                  /set format json            Answer in JSON
                  /set noformat               Answer in free text
                  /set think [LEVEL]          Reasoning models: think (optionally low, medium, high)
                  /set nothink                Reasoning models: answer without thinking
                  /set hidethinking           Do not print the reasoning
                  /set nohidethinking         Print the reasoning
                  /set verbose                Show timings after each answer
                  /set quiet                  Stop showing timings
                """,
            "/show" or "show" => """
                Available Commands:
                  /show info         Architecture, parameters, context length, quantization
                  /show parameters   Parameters set for this session and by the model
                  /show system       The system message
                """,
            _ => """"
                Available Commands:
                  /set            Set session variables
                  /show           Show model information
                  /clear          Clear session context
                  /bye            Exit
                  /?, /help       Help for a command
                  /? shortcuts    Help for keyboard shortcuts

                Use """ to begin a multi-line message.
                """",
        };
        if (topic is "shortcuts")
            text = """
                Available keyboard shortcuts:
                  Ctrl + c    Stop the answer being written
                  Ctrl + d    Exit (at an empty prompt)
                """;
        output.WriteLine(text.TrimEnd('\n'));
        output.WriteLine();
    }

    private void Reply(string text)
    {
        output.WriteLine(text);
        output.Flush();
    }

    private static string Count(long n) => n switch
    {
        >= 1_000_000_000 => (n / 1e9).ToString("0.00", CultureInfo.InvariantCulture) + "B",
        >= 1_000_000 => (n / 1e6).ToString("0.00", CultureInfo.InvariantCulture) + "M",
        >= 1_000 => (n / 1e3).ToString("0.00", CultureInfo.InvariantCulture) + "K",
        _ => n.ToString(CultureInfo.InvariantCulture),
    };
}
