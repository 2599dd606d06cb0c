using System.Text.RegularExpressions;

namespace ModelScout.Evaluation.Scoring;

/// <summary>What the MMLU scorer read: the letter, or why none could be read; for logprobs, the log-probability of each letter seen.</summary>
public sealed record MmluExtraction(char? Letter, string? Failure, IReadOnlyDictionary<char, double>? LetterLogprobs = null);

/// <summary>Reads the chosen letter (A-D) out of a generative reply or out of the top logprobs of the first generated token.</summary>
public static partial class MmluAnswer
{
    // "Answer: B", "answer is (B)", "The correct answer is: B", "Final answer - B".
    [GeneratedRegex(@"\banswer(?:\s+is)?\s*[:：\-]?\s*(?:option\s+|choice\s+)?[\(\[]?\s*([A-Da-d])\s*[\)\]]?(?![A-Za-z0-9])(?<rest>[^\n]*)", RegexOptions.IgnoreCase)]
    private static partial Regex AnswerPattern();

    // A reply that is only the letter: "B", "(b)", "B.".
    [GeneratedRegex(@"^[\(\[]?\s*([A-Da-d])\s*[\)\]\.:]?$")]
    private static partial Regex BareLetter();

    // A reply that starts with the option as it was listed: "B. Paris", "B) Paris".
    [GeneratedRegex(@"^([A-D])[\.\)]\s+\S")]
    private static partial Regex ListedOption();

    // "A or B", "A/B", "A and C": the reply names two letters.
    [GeneratedRegex(@"^\s*(?:or|and|/|,|&)\s*[\(\[]?[A-Da-d](?![A-Za-z0-9])", RegexOptions.IgnoreCase)]
    private static partial Regex SecondLetter();

    [GeneratedRegex(@"\\(?:boxed|text|textbf|mathrm)\{([^{}]*)\}")]
    private static partial Regex LatexWrapper();

    /// <summary>The answer in a generative reply; the last "Answer: X" statement counts.</summary>
    public static MmluExtraction FromText(string reply)
    {
        var text = StripMarkup(reply);
        var matches = AnswerPattern().Matches(text);
        for (var i = matches.Count - 1; i >= 0; i--)
        {
            var m = matches[i];
            var letter = m.Groups[1].Value[0];
            var rest = m.Groups["rest"].Value;
            // A lower-case letter is only an answer when nothing follows it: "the answer is a trick question" is not "a".
            if (char.IsLower(letter) && rest.Trim().Trim('.', '!').Length > 0) continue;
            if (SecondLetter().IsMatch(rest)) return new MmluExtraction(null, "ambiguous: more than one letter given as the answer");
            return new MmluExtraction(char.ToUpperInvariant(letter), null);
        }
        var trimmed = text.Trim();
        var bare = BareLetter().Match(trimmed);
        if (bare.Success) return new MmluExtraction(char.ToUpperInvariant(bare.Groups[1].Value[0]), null);
        var listed = ListedOption().Match(trimmed);
        if (listed.Success) return new MmluExtraction(listed.Groups[1].Value[0], null);
        return new MmluExtraction(null, "no \"Answer: X\" line found");
    }

    /// <summary>
    /// The most probable letter among the alternatives at the first generated position (the chosen token and its top
    /// logprobs); tokens such as " A", "A", "(A" or "▁A" count as A. Fails when no letter appears at all.
    /// </summary>
    public static MmluExtraction FromLogprobs(IReadOnlyList<IReadOnlyList<TokenChoice>>? logprobs)
    {
        if (logprobs is null || logprobs.Count == 0 || logprobs[0].Count == 0)
            return new MmluExtraction(null, "the endpoint returned no logprobs");
        var best = new Dictionary<char, double>();
        foreach (var choice in logprobs[0])
        {
            if (LetterOf(choice.Token) is not { } letter || double.IsNaN(choice.Logprob)) continue;
            if (!best.TryGetValue(letter, out var seen) || choice.Logprob > seen) best[letter] = choice.Logprob;
        }
        if (best.Count == 0) return new MmluExtraction(null, "none of A, B, C, D among the top logprobs", best);
        var top = best.MaxBy(kv => kv.Value).Key;
        return new MmluExtraction(top, null, best);
    }

    /// <summary>The letter a token stands for, or null: surrounding space, SentencePiece/BPE space marks and brackets are ignored.</summary>
    public static char? LetterOf(string token)
    {
        var t = token.Trim().TrimStart('▁', 'Ġ').Trim().TrimStart('(', '[').TrimEnd(')', ']', '.', ':');
        return t.Length == 1 && t[0] is >= 'A' and <= 'D' ? t[0] : null;
    }

    private static string StripMarkup(string reply)
    {
        var text = reply.Replace("**", "", StringComparison.Ordinal).Replace("__", "", StringComparison.Ordinal)
            .Replace("`", "", StringComparison.Ordinal).Replace("$", "", StringComparison.Ordinal);
        // Unwrap \boxed{B}, \text{B}: twice covers \boxed{\text{B}}.
        text = LatexWrapper().Replace(text, "$1");
        text = LatexWrapper().Replace(text, "$1");
        return text.Replace("#", "", StringComparison.Ordinal);
    }
}
