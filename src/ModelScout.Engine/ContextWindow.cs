namespace ModelScout.Engine;

/// <summary>
/// The arithmetic of a slot's context window, as Ollama's runner does it: how many leading tokens survive a shift or a
/// truncation (<c>num_keep</c>), how many a shift drops, and how an earlier exchange's token ids go before a prompt.
/// </summary>
internal static class ContextWindow
{
    /// <summary>
    /// Tokens kept at the start of the slot when it shifts or its prompt is cut: <paramref name="numKeep"/> (Ollama's
    /// default 4) after the <paramref name="specialPrefix"/> tokens the tokenizer puts first (BOS), or the whole prompt
    /// when it is negative; at most <paramref name="numCtx"/> - 1, so that a shift can always drop something.
    /// </summary>
    public static int Keep(int? numKeep, int promptLength, int specialPrefix, int numCtx)
    {
        var keep = numKeep is { } n && n < 0 ? promptLength : (numKeep ?? 4) + specialPrefix;
        return Math.Clamp(keep, 0, Math.Max(0, numCtx - 1));
    }

    /// <summary>
    /// Tokens a shift drops from a slot holding <paramref name="past"/> tokens: half of those after the first
    /// <paramref name="keep"/> (llama.cpp's <c>n_discard = (n_past - n_keep) / 2</c>, Ollama's target), at least one, and
    /// none when nothing follows the kept tokens.
    /// </summary>
    public static int Discard(int past, int keep) => past - keep < 1 ? 0 : Math.Max((past - keep) / 2, 1);

    /// <summary>
    /// <paramref name="earlier"/> (the ids of a previous exchange, which start with the special prefix when it came from
    /// this model) before <paramref name="prompt"/>, with the special prefix once at the front. Ids outside the model's
    /// vocabulary are refused: llama.cpp would read past its embedding table.
    /// </summary>
    public static int[] Prepend(IReadOnlyList<int> earlier, int[] prompt, int[] specialPrefix, int vocabulary)
    {
        ArgumentNullException.ThrowIfNull(earlier);
        ArgumentNullException.ThrowIfNull(prompt);
        ArgumentNullException.ThrowIfNull(specialPrefix);
        for (var i = 0; i < earlier.Count; i++)
        {
            if (earlier[i] < 0 || earlier[i] >= vocabulary)
                throw new InferenceException(InferenceErrorKind.InvalidRequest,
                    $"context[{i}] is token id {earlier[i]}, outside this model's vocabulary of {vocabulary}; send back the context of an answer from the same model, or leave it out")
                { Param = "context" };
        }
        var result = new List<int>(specialPrefix.Length + earlier.Count + prompt.Length);
        result.AddRange(specialPrefix);
        result.AddRange(StartsWith(earlier, specialPrefix) ? earlier.Skip(specialPrefix.Length) : earlier);
        result.AddRange(StartsWith(prompt, specialPrefix) ? prompt.AsSpan(specialPrefix.Length).ToArray() : prompt);
        return [.. result];
    }

    private static bool StartsWith(IReadOnlyList<int> tokens, int[] prefix)
    {
        if (prefix.Length == 0 || tokens.Count < prefix.Length) return false;
        for (var i = 0; i < prefix.Length; i++)
        {
            if (tokens[i] != prefix[i]) return false;
        }
        return true;
    }
}

/// <summary>What one context shift did to a slot (for tests and logs): the tokens kept at the front, how many were dropped after them, and the slot's state afterwards.</summary>
/// <param name="Kept">The first tokens of the slot, untouched.</param>
/// <param name="Discarded">Tokens dropped right after them.</param>
/// <param name="Before">Tokens the slot held before the shift.</param>
/// <param name="After">Tokens it holds after (its cached-token list).</param>
/// <param name="KvMaxPosition">The highest position llama.cpp's memory holds for the slot's sequence afterwards (After - 1 when the shift moved the cache as the list says).</param>
internal sealed record ContextShiftRecord(IReadOnlyList<int> Kept, int Discarded, int Before, int After, int KvMaxPosition);
