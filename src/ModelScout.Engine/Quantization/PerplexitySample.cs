namespace ModelScout.Engine.Quantization;

/// <summary>
/// ModelScout's own sample text for perplexity when the user gives none: about 4,400 words of plain English prose
/// (two short stories and a note on measuring) written for this project. It is not a standard corpus: figures over it
/// compare models with each other on this machine, not with published Wikitext-2 numbers.
/// </summary>
public static class PerplexitySample
{
    private static readonly Lazy<string> TextValue = new(Load);

    /// <summary>How output and reports name the text.</summary>
    public const string Label = "ModelScout's own sample, not a standard corpus";

    /// <summary>The text.</summary>
    public static string Text => TextValue.Value;

    private static string Load()
    {
        using var stream = typeof(PerplexitySample).Assembly.GetManifestResourceStream("ModelScout.Engine.PerplexitySample.txt")
            ?? throw new InvalidOperationException("the sample text is missing from the engine assembly");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
