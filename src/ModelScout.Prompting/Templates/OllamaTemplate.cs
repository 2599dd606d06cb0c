namespace ModelScout.Prompting.Templates;

/// <summary>
/// A prompt template in the Go text/template dialect Ollama's model library uses: fields (<c>.System</c>,
/// <c>.Prompt</c>, <c>.Response</c>, <c>.Messages</c> and each message's <c>.Role</c>/<c>.Content</c>), variables,
/// <c>if</c>/<c>else if</c>/<c>range</c>/<c>with</c>, trim markers, comments and the comparison, logic and
/// <c>len</c>/<c>slice</c>/<c>index</c>/<c>print</c> functions. Parse once, render many times; rendering is thread-safe.
/// </summary>
public sealed class OllamaTemplate
{
    private readonly TemplateNode.List root;
    private readonly int responseOffset;

    private OllamaTemplate(string source, TemplateNode.List root, IReadOnlySet<string> fields)
    {
        Source = source;
        this.root = root;
        Fields = fields;
        responseOffset = TemplateNode.FirstFieldOffset(root, "Response");
    }

    /// <summary>The template text as given.</summary>
    public string Source { get; }

    /// <summary>Every field name the template mentions anywhere (<c>System</c>, <c>Messages</c>, <c>Role</c>, ...).</summary>
    public IReadOnlySet<string> Fields { get; }

    /// <summary>True when the template iterates <c>.Messages</c> itself (Ollama's chat-aware templates).</summary>
    public bool UsesMessages => Fields.Contains("Messages");

    /// <summary>Parses <paramref name="text"/>; unsupported or malformed syntax is a <see cref="TemplateException"/> with its position.</summary>
    public static OllamaTemplate Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var (list, fields) = TemplateParser.Parse(text);
        return new OllamaTemplate(text, list, fields);
    }

    /// <summary>Executes the template over <paramref name="data"/>; a runtime error (unknown field, bad index) is a <see cref="TemplateException"/>.</summary>
    public string Render(TemplateData data)
    {
        ArgumentNullException.ThrowIfNull(data);
        return new TemplateEvaluator(Source, data, int.MaxValue).Run(root);
    }

    /// <summary>
    /// Renders a chat the way Ollama does. Consecutive messages of one role are joined with a blank line and all system
    /// messages together become <c>.System</c>; tool results and assistant turns that carry tool calls are never joined,
    /// so parallel calls and their results stay one message each. A template that uses <c>.Messages</c> is rendered once
    /// over them. An older template (only <c>.System</c>/<c>.Prompt</c>/<c>.Response</c>) is rendered once per exchange,
    /// and the last rendering stops where <c>.Response</c> appears, so the prompt ends where the model should start writing.
    /// </summary>
    public string RenderChat(IReadOnlyList<ChatTurn> messages) => RenderChat(messages, [], null);

    /// <summary>As <see cref="RenderChat(IReadOnlyList{ChatTurn})"/>, with the request's tools and reasoning setting visible to the template.</summary>
    public string RenderChat(IReadOnlyList<ChatTurn> messages, IReadOnlyList<ToolDefinition> tools, ThinkSetting? think)
    {
        ArgumentNullException.ThrowIfNull(messages);
        ArgumentNullException.ThrowIfNull(tools);
        var collated = Collate(messages, out var systems);

        if (UsesMessages)
            return Render(new TemplateData { System = string.Join("\n\n", systems), Messages = collated, Tools = tools, Think = think });

        var b = new System.Text.StringBuilder();
        string system = "", prompt = "", response = "";
        void Flush()
        {
            b.Append(Render(new TemplateData { System = system, Prompt = prompt, Response = response, Tools = tools, Think = think }));
            system = prompt = response = "";
        }
        foreach (var m in collated)
        {
            switch (m.Role)
            {
                case "system":
                    if (prompt.Length > 0 || response.Length > 0) Flush();
                    system = m.Content;
                    break;
                case "user":
                    if (response.Length > 0) Flush();
                    prompt = m.Content;
                    break;
                case "assistant":
                    response = m.Content;
                    break;
            }
        }
        var last = new TemplateData { System = system, Prompt = prompt, Response = response, Tools = tools, Think = think };
        b.Append(new TemplateEvaluator(Source, last, responseOffset).Run(root));
        return b.ToString();
    }

    private static List<ChatTurn> Collate(IReadOnlyList<ChatTurn> messages, out List<string> systems)
    {
        var collated = new List<ChatTurn>();
        systems = [];
        var callNames = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var turn in messages)
        {
            var m = turn;
            if (m.Role == "system") systems.Add(m.Content);
            foreach (var call in m.ToolCalls ?? []) callNames[call.Id] = call.Name;
            // An OpenAI tool result names its call, not its function: give templates that read .ToolName the name.
            if (m.Role == "tool" && string.IsNullOrEmpty(m.ToolName) && m.ToolCallId is { } id && callNames.TryGetValue(id, out var name))
                m = m with { ToolName = name };

            if (collated.Count > 0 && collated[^1].Role == m.Role && Joinable(collated[^1]) && Joinable(m))
                collated[^1] = collated[^1] with { Content = collated[^1].Content + "\n\n" + m.Content };
            else
                collated.Add(m);
        }
        return collated;
    }

    private static bool Joinable(ChatTurn m) => m.Role != "tool" && (m.ToolCalls is null || m.ToolCalls.Count == 0);
}

/// <summary>What a template sees as its dot: Ollama's <c>.System</c>, <c>.Prompt</c>, <c>.Response</c> and <c>.Messages</c>.</summary>
public sealed record TemplateData
{
    /// <summary>The system prompt (empty when null).</summary>
    public string? System { get; init; }

    /// <summary>The user's prompt for a completion-style template (empty when null).</summary>
    public string? Prompt { get; init; }

    /// <summary>The assistant's answer so far (empty when null; empty at the end of a prompt).</summary>
    public string? Response { get; init; }

    /// <summary>The conversation for chat-aware templates.</summary>
    public IReadOnlyList<ChatTurn> Messages { get; init; } = [];

    /// <summary>The tools offered with this request (<c>.Tools</c>); empty when none.</summary>
    public IReadOnlyList<ToolDefinition> Tools { get; init; } = [];

    /// <summary>The request's reasoning setting (<c>.Think</c>, <c>.ThinkLevel</c>, <c>.IsThinkSet</c>); null when not set.</summary>
    public ThinkSetting? Think { get; init; }

    /// <summary>The date <c>currentDate</c> prints (and <c>yesterdayDate</c> counts back from); today's local date when null.</summary>
    public DateOnly? Today { get; init; }
}

/// <summary>A template that cannot be parsed or executed, with the 1-based line and column of the fault.</summary>
public sealed class TemplateException : FormatException
{
    public TemplateException(string message, int line, int column)
        : base($"template line {line}, column {column}: {message}")
    {
        Line = line;
        Column = column;
    }

    public TemplateException() : this("invalid template", 0, 0) { }

    public TemplateException(string message) : base(message) { }

    public TemplateException(string message, Exception inner) : base(message, inner) { }

    /// <summary>1-based line of the fault.</summary>
    public int Line { get; }

    /// <summary>1-based column of the fault.</summary>
    public int Column { get; }

    internal static TemplateException At(string source, int offset, string message)
    {
        var line = 1;
        var lineStart = 0;
        for (var i = 0; i < offset && i < source.Length; i++)
        {
            if (source[i] == '\n')
            {
                line++;
                lineStart = i + 1;
            }
        }
        return new TemplateException(message, line, offset - lineStart + 1);
    }
}
