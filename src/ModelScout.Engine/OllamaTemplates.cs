using System.Collections.Concurrent;
using ModelScout.Prompting;
using ModelScout.Prompting.Templates;

namespace ModelScout.Engine;

/// <summary>Renders a Modelfile TEMPLATE (Go text/template syntax) for a chat; parsed templates are cached by text.</summary>
internal static class OllamaTemplates
{
    private static readonly ConcurrentDictionary<string, OllamaTemplate> Parsed = new(StringComparer.Ordinal);

    public static string Render(string template, IReadOnlyList<ChatTurn> turns, IReadOnlyList<ToolDefinition>? tools = null, ThinkSetting? think = null)
    {
        try
        {
            var t = Parsed.Count > 256 ? OllamaTemplate.Parse(template) : Parsed.GetOrAdd(template, OllamaTemplate.Parse);
            return t.RenderChat(turns, tools ?? [], think);
        }
        catch (TemplateException e)
        {
            throw new InferenceException(InferenceErrorKind.InvalidRequest, $"the model's prompt template cannot be rendered: {e.Message}; fix its TEMPLATE (scout show NAME --template)") { Param = "template" };
        }
    }
}
