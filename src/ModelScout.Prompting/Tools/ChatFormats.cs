using System.Text.RegularExpressions;

namespace ModelScout.Prompting.Tools;

/// <summary>Detects a model's <see cref="ChatFormat"/> from its templates.</summary>
public static partial class ChatFormats
{
    private const string ThinkOpen = "<think>";
    private const string ThinkClose = "</think>";

    private static readonly string[] Levels = ["low", "medium", "high"];

    /// <summary>
    /// The format of a model whose Modelfile TEMPLATE is <paramref name="ollamaTemplate"/> (Go syntax) and whose GGUF
    /// <c>tokenizer.chat_template</c> is <paramref name="ggufTemplate"/> (Jinja). The Ollama template wins when both
    /// exist; with neither, <see cref="ChatFormat.Plain"/>.
    /// </summary>
    /// <remarks>
    /// The family comes from the markers in the template text (Llama 3.1-3.3, Qwen 2.5 / Hermes, Qwen3, Mistral,
    /// Phi-4-mini, DeepSeek V3/R1). An Ollama template takes tools when it mentions <c>.Tools</c> (in its family's
    /// syntax, or the generic JSON convention when no family is recognised) and reasons when it mentions
    /// <c>.Thinking</c>, <c>.Think</c> or a <c>&lt;think&gt;</c> tag; it is used as it is (no fallback). A GGUF
    /// template takes tools when its family is recognised, and gets that family's <see cref="FamilyTemplates"/>
    /// template as <see cref="ChatFormat.FallbackTemplate"/>, since llama.cpp's template support renders it without tools.
    /// </remarks>
    public static ChatFormat Detect(string? ollamaTemplate, string? ggufTemplate)
    {
        if (!string.IsNullOrWhiteSpace(ollamaTemplate)) return FromOllama(ollamaTemplate);
        if (!string.IsNullOrWhiteSpace(ggufTemplate)) return FromJinja(ggufTemplate);
        return ChatFormat.Plain;
    }

    private enum Family
    {
        None,
        Llama3,
        Hermes,
        Qwen3,
        Mistral,
        Phi4Mini,
        DeepSeek,
        DeepSeekR1,
    }

    // Most specific markers first: DeepSeek's and Phi-4-mini's tokens cannot be mistaken for another family's, while
    // a Llama 3 template may quote <tool_call> in a prompt and a DeepSeek-R1 distill of Qwen keeps Qwen's markers.
    private static Family Recognise(string text)
    {
        var thinks = HasThinkTag(text);
        if (text.Contains("<｜tool▁calls▁begin｜>", StringComparison.Ordinal) || text.Contains("<｜Assistant｜>", StringComparison.Ordinal))
            return thinks ? Family.DeepSeekR1 : Family.DeepSeek;
        if (text.Contains("<|tool_call|>", StringComparison.Ordinal) || text.Contains("<|tool|>", StringComparison.Ordinal))
            return Family.Phi4Mini;
        if (text.Contains("[TOOL_CALLS]", StringComparison.Ordinal) || text.Contains("[AVAILABLE_TOOLS]", StringComparison.Ordinal))
            return Family.Mistral;
        if (text.Contains("<|python_tag|>", StringComparison.Ordinal) || text.Contains("<|start_header_id|>ipython", StringComparison.Ordinal)
            || text.Contains("Environment: ipython", StringComparison.Ordinal))
            return Family.Llama3;
        if (text.Contains("<tool_call>", StringComparison.Ordinal))
            return thinks ? Family.Qwen3 : Family.Hermes;
        return Family.None;
    }

    private static bool HasThinkTag(string text) =>
        text.Contains(ThinkOpen, StringComparison.Ordinal) || text.Contains(ThinkClose, StringComparison.Ordinal);

    private static ChatFormat FromOllama(string text)
    {
        var family = Recognise(text);
        var tools = OllamaTools().IsMatch(text);
        var thinks = OllamaThinking().IsMatch(text) || HasThinkTag(text);
        return new ChatFormat
        {
            Family = tools && family == Family.None ? "generic" : Name(family),
            ToolSyntax = !tools ? ToolCallSyntax.None : family == Family.None ? ToolCallSyntax.GenericJson : Syntax(family),
            ThinkOpen = thinks ? ThinkOpen : null,
            ThinkClose = thinks ? ThinkClose : null,
            CanDisableThinking = thinks && family != Family.DeepSeekR1 && OllamaThinkSwitch().IsMatch(text),
            ThinkLevels = thinks && OllamaThinkLevel().IsMatch(text) ? Levels : [],
        };
    }

    private static ChatFormat FromJinja(string text)
    {
        var family = Recognise(text);
        var thinks = HasThinkTag(text) || text.Contains("reasoning_content", StringComparison.Ordinal);
        return new ChatFormat
        {
            Family = Name(family),
            ToolSyntax = Syntax(family),
            ThinkOpen = thinks ? ThinkOpen : null,
            ThinkClose = thinks ? ThinkClose : null,
            CanDisableThinking = thinks && family != Family.DeepSeekR1 && text.Contains("enable_thinking", StringComparison.Ordinal),
            // A template the family is not known for renders well enough through llama.cpp: it takes no tools anyway.
            FallbackTemplate = family == Family.None ? null : Fallback(family),
        };
    }

    private static string Name(Family family) => family switch
    {
        Family.Llama3 => "llama3",
        Family.Hermes => "hermes",
        Family.Qwen3 => "qwen3",
        Family.Mistral => "mistral",
        Family.Phi4Mini => "phi4-mini",
        Family.DeepSeek or Family.DeepSeekR1 => "deepseek",
        _ => "none",
    };

    private static ToolCallSyntax Syntax(Family family) => family switch
    {
        Family.Llama3 => ToolCallSyntax.Llama3,
        Family.Hermes or Family.Qwen3 => ToolCallSyntax.Hermes,
        Family.Mistral => ToolCallSyntax.Mistral,
        Family.Phi4Mini => ToolCallSyntax.Phi4Mini,
        Family.DeepSeek or Family.DeepSeekR1 => ToolCallSyntax.DeepSeek,
        _ => ToolCallSyntax.None,
    };

    private static string? Fallback(Family family) => family switch
    {
        Family.Llama3 => FamilyTemplates.Llama3,
        Family.Hermes => FamilyTemplates.Hermes,
        Family.Qwen3 => FamilyTemplates.Qwen3,
        Family.Mistral => FamilyTemplates.Mistral,
        Family.Phi4Mini => FamilyTemplates.Phi4Mini,
        Family.DeepSeek => FamilyTemplates.DeepSeek,
        Family.DeepSeekR1 => FamilyTemplates.DeepSeekR1,
        _ => null,
    };

    [GeneratedRegex(@"\.Tools\b")]
    private static partial Regex OllamaTools();

    [GeneratedRegex(@"\.(Thinking|Think|IsThinkSet|ThinkLevel)\b")]
    private static partial Regex OllamaThinking();

    [GeneratedRegex(@"\.(Think|IsThinkSet)\b")]
    private static partial Regex OllamaThinkSwitch();

    [GeneratedRegex(@"\.ThinkLevel\b")]
    private static partial Regex OllamaThinkLevel();
}
