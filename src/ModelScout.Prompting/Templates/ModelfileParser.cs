using System.Text;

namespace ModelScout.Prompting.Templates;

// One pass over the text: instruction word, arguments, value (bare to end of line, "quoted" or """triple quoted""").
internal sealed class ModelfileParser
{
    private const string Triple = "\"\"\"";
    private readonly string text;
    private int pos;
    private int line = 1;
    private int lineStart;

    private ModelfileParser(string text) => this.text = text;

    public static Modelfile Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return new ModelfileParser(text.Replace("\r\n", "\n", StringComparison.Ordinal)).Run();
    }

    private int Column => pos - lineStart + 1;

    private Modelfile Run()
    {
        string? from = null, template = null, system = null, adapter = null;
        var parameters = new List<KeyValuePair<string, string>>();
        var parameterLines = new List<int>();
        var licenses = new List<string>();
        var messages = new List<ChatTurn>();

        while (true)
        {
            SkipBlank();
            if (pos >= text.Length) break;
            if (text[pos] == '#')
            {
                while (pos < text.Length && text[pos] != '\n') pos++;
                continue;
            }

            var (wordLine, wordColumn) = (line, Column);
            var word = ReadWord();
            if (word.Length == 0)
                throw Error($"expected an instruction ({string.Join(", ", Modelfile.Instructions)}), found '{text[pos]}'", wordLine, wordColumn);
            var instruction = word.ToUpperInvariant();
            if (!Modelfile.Instructions.Contains(instruction))
                throw Error($"unknown instruction '{word}'{Suggest(instruction)}; a Modelfile uses {string.Join(", ", Modelfile.Instructions)}", wordLine, wordColumn);

            switch (instruction)
            {
                case "FROM":
                    if (from is not null) throw Error("a Modelfile has one FROM; remove the second one", wordLine, wordColumn);
                    from = ReadValue(instruction, "FROM llama3.1:8b or FROM ./model.gguf");
                    break;
                case "ADAPTER":
                    if (adapter is not null) throw Error("a Modelfile has at most one ADAPTER; remove the second one", wordLine, wordColumn);
                    adapter = ReadValue(instruction, "ADAPTER ./lora.gguf");
                    break;
                case "PARAMETER":
                    var (name, _) = ReadArgument(instruction, "a parameter name, like PARAMETER temperature 0.7");
                    parameters.Add(new(name, ReadValue(instruction, $"PARAMETER {name} <value>")));
                    parameterLines.Add(wordLine);
                    break;
                case "TEMPLATE":
                    template = ReadValue(instruction, "TEMPLATE \"\"\"{{ .Prompt }}\"\"\"");
                    break;
                case "SYSTEM":
                    system = ReadValue(instruction, "SYSTEM \"\"\"You are a helpful assistant.\"\"\"");
                    break;
                case "LICENSE":
                    licenses.Add(ReadValue(instruction, "LICENSE \"\"\"<licence text>\"\"\""));
                    break;
                default:
                    var (role, roleColumn) = ReadArgument(instruction, "a role, like MESSAGE user Hello");
                    var lower = role.ToLowerInvariant();
                    if (!Modelfile.MessageRoles.Contains(lower))
                        throw Error($"MESSAGE role '{role}' is not one of {string.Join(", ", Modelfile.MessageRoles)}", line, roleColumn);
                    messages.Add(new ChatTurn(lower, ReadValue(instruction, $"MESSAGE {lower} <text>")));
                    break;
            }
        }

        if (from is null) throw Error("no FROM instruction: start the Modelfile with FROM <model name or GGUF path>", 1, 1);
        return new Modelfile
        {
            From = from,
            Parameters = parameters,
            ParameterLines = parameterLines,
            Template = template,
            System = system,
            Licenses = licenses,
            Messages = messages,
            Adapter = adapter,
        };
    }

    private static string Suggest(string instruction)
    {
        var best = Modelfile.Instructions.MinBy(i => EditDistance.Of(i, instruction))!;
        return EditDistance.Of(best, instruction) <= 2 ? $" (did you mean {best}?)" : "";
    }

    private void SkipBlank()
    {
        while (pos < text.Length && char.IsWhiteSpace(text[pos])) Advance();
    }

    private void SkipSpaces()
    {
        while (pos < text.Length && text[pos] is ' ' or '\t') pos++;
    }

    private void Advance()
    {
        if (text[pos] == '\n')
        {
            line++;
            lineStart = pos + 1;
        }
        pos++;
    }

    private string ReadWord()
    {
        var start = pos;
        while (pos < text.Length && char.IsAsciiLetter(text[pos])) pos++;
        return text[start..pos];
    }

    // A single word on the instruction line (a parameter name or a message role).
    private (string Word, int Column) ReadArgument(string instruction, string expected)
    {
        RequireSpace(instruction, expected);
        var (start, column) = (pos, Column);
        while (pos < text.Length && !char.IsWhiteSpace(text[pos])) pos++;
        return (text[start..pos], column);
    }

    private void RequireSpace(string instruction, string expected)
    {
        if (pos < text.Length && text[pos] is not (' ' or '\t' or '\n'))
            throw Error($"expected a space after {instruction}", line, Column);
        SkipSpaces();
        if (pos >= text.Length || text[pos] == '\n')
            throw Error($"{instruction} needs {expected}", line, Column);
    }

    private string ReadValue(string instruction, string example)
    {
        RequireSpace(instruction, "a value, like " + example);
        var (startLine, startColumn) = (line, Column);
        string value;
        if (string.CompareOrdinal(text, pos, Triple, 0, 3) == 0)
        {
            pos += 3;
            var end = text.IndexOf(Triple, pos, StringComparison.Ordinal);
            if (end < 0) throw Error("this \"\"\" is never closed: end the text with \"\"\"", startLine, startColumn);
            value = text[pos..end];
            while (pos < end) Advance();
            pos += 3;
        }
        else if (text[pos] == '"')
        {
            pos++;
            var b = new StringBuilder();
            while (true)
            {
                if (pos >= text.Length) throw Error("this \" is never closed: end the text with \" (write \\\" for a quote inside it)", startLine, startColumn);
                var c = text[pos];
                if (c == '"') break;
                if (c == '\\' && pos + 1 < text.Length && text[pos + 1] is '"' or '\\')
                {
                    b.Append(text[pos + 1]);
                    pos += 2;
                    continue;
                }
                b.Append(c);
                Advance();
            }
            pos++;
            value = b.ToString();
        }
        else
        {
            var start = pos;
            while (pos < text.Length && text[pos] != '\n') pos++;
            return text[start..pos].TrimEnd();
        }

        SkipSpaces();
        if (pos < text.Length && text[pos] != '\n')
            throw Error($"unexpected text after the closing quote of {instruction}: put the whole value inside the quotes", line, Column);
        return value;
    }

    private static ModelfileException Error(string message, int line, int column) => new(message, line, column);
}

internal enum ModelfileParameterType
{
    Integer,
    Float,
    Bool,
    Strings,
}

// Every option Ollama accepts in a Modelfile, with the JSON type its params layer stores.
internal static class ModelfileParameters
{
    public static IReadOnlyDictionary<string, ModelfileParameterType> Types { get; } = Build();

    private static Dictionary<string, ModelfileParameterType> Build()
    {
        var types = new Dictionary<string, ModelfileParameterType>(StringComparer.Ordinal);
        foreach (var n in new[] { "num_ctx", "num_predict", "num_keep", "top_k", "repeat_last_n", "seed", "num_thread", "num_batch", "num_gpu", "main_gpu", "mirostat" })
            types[n] = ModelfileParameterType.Integer;
        foreach (var n in new[] { "temperature", "top_p", "min_p", "typical_p", "repeat_penalty", "presence_penalty", "frequency_penalty", "mirostat_eta", "mirostat_tau", "tfs_z" })
            types[n] = ModelfileParameterType.Float;
        foreach (var n in new[] { "penalize_newline", "use_mmap", "use_mlock", "numa", "low_vram", "f16_kv", "logits_all", "vocab_only" })
            types[n] = ModelfileParameterType.Bool;
        types["stop"] = ModelfileParameterType.Strings;
        foreach (var known in ModelOptions.KnownNames)
        {
            if (!types.ContainsKey(known)) throw new InvalidOperationException($"ModelOptions knows '{known}' but the Modelfile parameter table does not");
        }
        return types;
    }

    // Go's strconv.ParseBool spellings.
    public static bool? Bool(string raw) => raw switch
    {
        "1" or "t" or "T" or "true" or "TRUE" or "True" => true,
        "0" or "f" or "F" or "false" or "FALSE" or "False" => false,
        _ => null,
    };

    public static string Suggest(string name)
    {
        var best = Types.Keys.MinBy(k => EditDistance.Of(k, name))!;
        return EditDistance.Of(best, name) <= 3 ? $" (did you mean {best}?)" : "";
    }
}

internal static class EditDistance
{
    public static int Of(string a, string b)
    {
        var prev = new int[b.Length + 1];
        var cur = new int[b.Length + 1];
        for (var j = 0; j <= b.Length; j++) prev[j] = j;
        for (var i = 1; i <= a.Length; i++)
        {
            cur[0] = i;
            for (var j = 1; j <= b.Length; j++)
                cur[j] = Math.Min(Math.Min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
            (prev, cur) = (cur, prev);
        }
        return prev[b.Length];
    }
}
