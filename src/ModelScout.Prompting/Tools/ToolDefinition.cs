namespace ModelScout.Prompting;

/// <summary>
/// A function the model may call: its name, what it does, and its parameters as a JSON Schema object (raw JSON text,
/// <c>{"type":"object","properties":{}}</c> when the caller gave none).
/// </summary>
public sealed record ToolDefinition(string Name, string? Description, string ParametersJson)
{
    /// <summary>The schema used for a function declared without parameters.</summary>
    public const string NoParameters = """{"type":"object","properties":{}}""";

    /// <summary>Longest function name (OpenAI's limit).</summary>
    public const int MaxNameLength = 64;

    /// <summary>A function name both APIs accept: 1 to 64 letters, digits, '_' or '-' (<c>^[a-zA-Z0-9_-]{1,64}$</c>).</summary>
    public static bool IsValidName(string? name) =>
        !string.IsNullOrEmpty(name) && name.Length <= MaxNameLength && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-');
}

/// <summary>One call the model made: an id the result refers back to, the function's name, and its arguments as a JSON object (raw text).</summary>
public sealed record ToolCall(string Id, string Name, string ArgumentsJson);

/// <summary>Whether and which tool the model must call (OpenAI's <c>tool_choice</c>).</summary>
public abstract record ToolChoice
{
    private ToolChoice() { }

    /// <summary>The model decides (the default when tools are given).</summary>
    public static readonly ToolChoice Auto = new AutoChoice();

    /// <summary>The model must not call a tool; the tools are not shown to it.</summary>
    public static readonly ToolChoice None = new NoneChoice();

    /// <summary>The model must call at least one of the tools; enforced with a grammar.</summary>
    public static readonly ToolChoice Required = new RequiredChoice();

    public sealed record AutoChoice : ToolChoice;

    public sealed record NoneChoice : ToolChoice;

    public sealed record RequiredChoice : ToolChoice;

    /// <summary>The model must call this function; enforced with a grammar.</summary>
    public sealed record Named(string Name) : ToolChoice;
}

/// <summary>
/// What the client asked about reasoning: Ollama's <c>think</c> (true, false, or a level such as "high"), OpenAI's
/// <c>reasoning_effort</c>. A request that says nothing carries no setting and the model's template decides.
/// </summary>
public sealed record ThinkSetting(bool Enabled, string? Level = null)
{
    public static readonly ThinkSetting On = new(true);

    public static readonly ThinkSetting Off = new(false);

    /// <summary>The reasoning levels Ollama's <c>think</c> and OpenAI's <c>reasoning_effort</c> name.</summary>
    public static IReadOnlyList<string> Levels { get; } = ["low", "medium", "high"];
}
