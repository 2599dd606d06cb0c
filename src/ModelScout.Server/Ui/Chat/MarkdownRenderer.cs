using System.Net;
using ColorCode;
using Markdig;
using Markdig.Renderers;
using Markdig.Renderers.Html;
using Markdig.Syntax;
using Markdig.Syntax.Inlines;

namespace ModelScout.Server.Ui.Chat;

/// <summary>
/// Markdown to HTML for the chat page, safely: Markdig with raw HTML disabled (so a reply's <c>&lt;script&gt;</c> is
/// text), links only to http(s), mailto or in-page targets, images shown as links to them (never loaded), and fenced
/// code highlighted by ColorCode into CSS classes (no inline styles, which the page's CSP forbids).
/// </summary>
public static class MarkdownRenderer
{
    private static readonly MarkdownPipeline Pipeline = new MarkdownPipelineBuilder()
        .UsePipeTables()
        .UseEmphasisExtras()
        .UseAutoLinks()
        .DisableHtml()
        .Build();

    /// <summary>The HTML of <paramref name="markdown"/>; every piece of the input reaches it escaped or checked.</summary>
    public static string Render(string markdown)
    {
        var document = Markdown.Parse(markdown ?? "", Pipeline);
        foreach (var link in document.Descendants<LinkInline>().ToList())
        {
            if (!SafeUrl(link.Url)) link.Url = "#";
            if (!link.IsImage) continue;
            // An image in a reply is never loaded (the CSP allows only this server's images, and a remote one would tell
            // its host who reads the reply): it becomes a link to the image, its alt text the link's text; inside a
            // link (where a second link cannot go) just its alt text.
            var alt = string.Concat(link.Descendants<LiteralInline>().Select(l => l.Content.ToString()));
            if (alt.Length == 0) alt = "image";
            if (InsideLink(link))
            {
                link.ReplaceBy(new LiteralInline(alt), copyChildren: false);
                continue;
            }
            link.IsImage = false;
            link.GetAttributes().AddClass("image-link");
            if (link.FirstChild is null) link.AppendChild(new LiteralInline(alt));
        }
        foreach (var link in document.Descendants<AutolinkInline>())
        {
            if (!SafeUrl(link.Url)) link.Url = "#";
        }
        using var writer = new StringWriter();
        var renderer = new HtmlRenderer(writer);
        Pipeline.Setup(renderer);
        renderer.ObjectRenderers.RemoveAll(r => r is CodeBlockRenderer);
        renderer.ObjectRenderers.Insert(0, new HighlightedCodeRenderer());
        renderer.Render(document);
        writer.Flush();
        return writer.ToString();
    }

    private static bool InsideLink(Inline inline)
    {
        for (var p = inline.Parent; p is not null; p = p.Parent)
        {
            if (p is LinkInline { IsImage: false }) return true;
        }
        return false;
    }

    /// <summary>http(s), mailto, or a relative/in-page target without a scheme; never javascript:, data: or vbscript:.</summary>
    public static bool SafeUrl(string? url)
    {
        if (string.IsNullOrWhiteSpace(url)) return true;
        var u = new string([.. url.Where(c => !char.IsControl(c) && !char.IsWhiteSpace(c))]);
        var colon = u.IndexOf(':', StringComparison.Ordinal);
        var slash = u.IndexOfAny(['/', '?', '#']);
        if (colon < 0 || (slash >= 0 && slash < colon)) return true;
        var scheme = u[..colon].ToUpperInvariant();
        return scheme is "HTTP" or "HTTPS" or "MAILTO";
    }

    /// <summary>A code block: <c>&lt;pre class="code" data-lang="…"&gt;</c> with ColorCode's classes when the language is known.</summary>
    private sealed class HighlightedCodeRenderer : HtmlObjectRenderer<CodeBlock>
    {
        private static readonly HtmlClassFormatter Formatter = new();

        protected override void Write(HtmlRenderer renderer, CodeBlock obj)
        {
            var code = obj.Lines.ToString();
            var info = (obj as FencedCodeBlock)?.Info?.Trim() ?? "";
            var language = info.Length > 0 ? Languages.FindById(info) : null;
            renderer.EnsureLine();
            renderer.Write("<pre class=\"code\"");
            if (info.Length > 0) renderer.Write(" data-lang=\"").Write(WebUtility.HtmlEncode(info)).Write('"');
            renderer.Write("><code>");
            renderer.Write(language is null ? WebUtility.HtmlEncode(code) : Highlight(code, language));
            renderer.Write("</code></pre>");
            renderer.EnsureLine();
        }

        /// <summary>ColorCode's spans without its wrapping div/pre.</summary>
        private static string Highlight(string code, ILanguage language)
        {
            var html = Formatter.GetHtmlString(code, language);
            var start = html.IndexOf("<pre>", StringComparison.Ordinal);
            var end = html.LastIndexOf("</pre>", StringComparison.Ordinal);
            return start >= 0 && end > start ? html[(start + "<pre>".Length)..end] : WebUtility.HtmlEncode(code);
        }
    }
}
