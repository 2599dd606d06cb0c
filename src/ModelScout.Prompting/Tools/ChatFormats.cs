namespace ModelScout.Prompting.Tools;

/// <summary>Detects a model's <see cref="ChatFormat"/> from its templates.</summary>
public static class ChatFormats
{
    /// <summary>
    /// The format of a model whose Modelfile TEMPLATE is <paramref name="ollamaTemplate"/> (Go syntax) and whose GGUF
    /// <c>tokenizer.chat_template</c> is <paramref name="ggufTemplate"/> (Jinja). The Ollama template wins when both
    /// exist; with neither, <see cref="ChatFormat.Plain"/>.
    /// </summary>
    public static ChatFormat Detect(string? ollamaTemplate, string? ggufTemplate) =>
        throw new NotImplementedException("issue 13: ChatFormats.Detect");
}
