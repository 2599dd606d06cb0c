namespace ModelScout.Inference.Engine;

/// <summary>Renders a Modelfile TEMPLATE (Go text/template syntax) for a chat.</summary>
internal static class OllamaTemplates
{
    public static string Render(string template, IReadOnlyList<ChatTurn> turns)
    {
        // Placeholder until the template engine lands: supports the two fields every template uses.
        var system = turns.FirstOrDefault(t => t.Role == "system")?.Content ?? "";
        var prompt = turns.LastOrDefault(t => t.Role == "user")?.Content ?? "";
        return template.Replace("{{ .System }}", system, StringComparison.Ordinal).Replace("{{ .Prompt }}", prompt, StringComparison.Ordinal);
    }
}
