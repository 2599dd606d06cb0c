using System.Text.RegularExpressions;
using ModelScout.Core.Catalog;

namespace ModelScout.Cli.EvalReports;

/// <summary>
/// Finds the catalog model an eval run measured, from the model id the run used: an Ollama tag (quantized tags
/// included), a catalog id or alias, a Hugging Face id, or a GGUF file name such as
/// <c>Meta-Llama-3.1-8B-Instruct-Q4_K_M.gguf</c>. No match is a normal outcome, reported as such.
/// </summary>
internal static partial class PublishedScores
{
    public static (ModelEntry Model, string MatchedBy)? Match(Catalog catalog, string modelId)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        foreach (var candidate in Candidates(modelId))
            if (catalog.FindModel(candidate) is { } found) return (found.Model, candidate);
        return null;
    }

    private static IEnumerable<string> Candidates(string modelId)
    {
        var id = modelId.Trim();
        if (id.Length == 0) yield break;
        yield return id;
        // A path or an org/name: the last part is what names the model.
        var name = id.Replace('\\', '/');
        name = name[(name.LastIndexOf('/') + 1)..];
        if (name.EndsWith(".gguf", StringComparison.OrdinalIgnoreCase)) name = name[..^5];
        if (name != id) yield return name;
        var bare = QuantSuffix().Replace(name, "");
        if (bare != name) yield return bare;
        var noInstruct = InstructSuffix().Replace(bare, "");
        if (noInstruct != bare) yield return noInstruct;
    }

    [GeneratedRegex(@"[-_.](i?q\d(_k)?(_[a-z0-9]+)?|f16|bf16|fp16|f32)$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex QuantSuffix();

    [GeneratedRegex(@"[-_.](instruct|chat|it)$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex InstructSuffix();
}
