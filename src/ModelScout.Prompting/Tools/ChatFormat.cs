namespace ModelScout.Prompting.Tools;

/// <summary>How a model family writes tool calls in its replies.</summary>
public enum ToolCallSyntax
{
    /// <summary>The template shows no tools: the model cannot be given any.</summary>
    None,

    /// <summary>Llama 3.1-3.3: a bare JSON object <c>{"name": ..., "parameters": {...}}</c>, or <c>&lt;|python_tag|&gt;</c> before it.</summary>
    Llama3,

    /// <summary>Qwen 2.5/3 and Hermes: <c>&lt;tool_call&gt;{"name": ..., "arguments": {...}}&lt;/tool_call&gt;</c>, one block per call.</summary>
    Hermes,

    /// <summary>Mistral: <c>[TOOL_CALLS]</c> then a JSON array of <c>{"name", "arguments"}</c> (or the newer <c>name[ARGS]{...}</c>).</summary>
    Mistral,

    /// <summary>Phi-4-mini: <c>&lt;|tool_call|&gt;[{"name", "arguments"}]&lt;|/tool_call|&gt;</c>.</summary>
    Phi4Mini,

    /// <summary>DeepSeek V3/R1: <c>&lt;｜tool▁calls▁begin｜&gt;</c> ... <c>&lt;｜tool▁call▁begin｜&gt;function&lt;｜tool▁sep｜&gt;NAME</c> and a JSON block.</summary>
    DeepSeek,

    /// <summary>Any other model: a JSON object <c>{"name", "arguments"}</c> or an array of them, alone in the reply.</summary>
    GenericJson,
}

/// <summary>
/// What a model's chat template says about tools and reasoning, detected from the template text
/// (<see cref="ChatFormats.Detect"/>): the family, how its replies write calls, and its thinking markers.
/// </summary>
public sealed record ChatFormat
{
    /// <summary>Short family name ("llama3", "qwen3", "hermes", "mistral", "phi4-mini", "deepseek", "generic", "none").</summary>
    public required string Family { get; init; }

    /// <summary>How replies write tool calls; <see cref="ToolCallSyntax.None"/> when the model cannot take tools.</summary>
    public ToolCallSyntax ToolSyntax { get; init; }

    /// <summary>True when requests with tools are accepted.</summary>
    public bool SupportsTools => ToolSyntax != ToolCallSyntax.None;

    /// <summary>The tag that opens a reasoning block (<c>&lt;think&gt;</c>); null when the model does not reason.</summary>
    public string? ThinkOpen { get; init; }

    /// <summary>The tag that closes a reasoning block (<c>&lt;/think&gt;</c>).</summary>
    public string? ThinkClose { get; init; }

    /// <summary>True when the model writes a reasoning block that can be separated from its answer.</summary>
    public bool SupportsThinking => ThinkOpen is not null;

    /// <summary>True when the template can turn reasoning off (<c>think: false</c>); false for models that always reason (DeepSeek-R1).</summary>
    public bool CanDisableThinking { get; init; }

    /// <summary>Reasoning levels the template understands ("low", "medium", "high"); empty when it takes only on/off.</summary>
    public IReadOnlyList<string> ThinkLevels { get; init; } = [];

    /// <summary>
    /// A Go template written for this family (ModelScout's own, in Ollama's dialect) that renders tools, tool calls,
    /// tool results and reasoning. Used when the model's own template cannot: a GGUF Jinja template, which llama.cpp's
    /// built-in template support renders without tools. Null when the model's own template is used as is.
    /// </summary>
    public string? FallbackTemplate { get; init; }

    /// <summary>True when a prompt rendered for this family leaves the model inside an open reasoning block.</summary>
    public bool StartsInThinking(string renderedPrompt)
    {
        ArgumentNullException.ThrowIfNull(renderedPrompt);
        if (ThinkOpen is null) return false;
        var trimmed = renderedPrompt.AsSpan().TrimEnd();
        return trimmed.EndsWith(ThinkOpen, StringComparison.Ordinal);
    }

    /// <summary>
    /// A model with no template and no detected family: tools through the generic JSON convention, no reasoning, and
    /// <see cref="FamilyTemplates.Generic"/> (plain text) as its template.
    /// </summary>
    public static ChatFormat Plain { get; } = new() { Family = "generic", ToolSyntax = ToolCallSyntax.GenericJson, FallbackTemplate = FamilyTemplates.Generic };
}
