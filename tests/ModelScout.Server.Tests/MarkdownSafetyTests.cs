using ModelScout.Server.Ui.Chat;

namespace ModelScout.Server.Tests;

/// <summary>The chat page's Markdown: what a hostile reply can and cannot put in the page.</summary>
public sealed class MarkdownSafetyTests
{
    [Theory]
    [InlineData("![a cat](https://tracker.example/pixel.png?who=me)", "https://tracker.example/pixel.png?who=me", "a cat")]
    [InlineData("![x](javascript:window.__xss=1)", "#", "x")]
    [InlineData("![](data:image/svg+xml;base64,PHN2Zz4=)", "#", "image")]
    [InlineData("[![inner](https://a.example/i.png)](https://b.example/)", "https://b.example/", "inner")]
    public void An_image_is_never_an_img_element_but_a_link_to_a_safe_url(string markdown, string href, string text)
    {
        var html = MarkdownRenderer.Render(markdown);
        Assert.DoesNotContain("<img", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("javascript:", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("data:", html, StringComparison.OrdinalIgnoreCase);
        Assert.Contains($"href=\"{href}\"", html, StringComparison.Ordinal);
        if (!markdown.StartsWith('[')) Assert.Contains("class=\"image-link\"", html, StringComparison.Ordinal);
        Assert.Equal(1, html.Split("<a ").Length - 1);
        Assert.Contains($">{text}</a>", html, StringComparison.Ordinal);
    }

    [Fact]
    public void Raw_html_and_script_urls_stay_text()
    {
        var html = MarkdownRenderer.Render("<script>window.__xss=1</script> \"><svg onload=window.__xss=1> [go](JaVaScRiPt:alert(1)) <javascript:alert(1)>");
        Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<svg", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("href=\"javascript", html, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("&lt;script&gt;", html, StringComparison.Ordinal);
    }
}
