using System.Globalization;

namespace ModelScout.Evaluation.Results;

/// <summary>
/// One of <see cref="Count"/> parts of every suite's items, for a run split over machines (<c>--shard i/N</c>, as NeMo
/// Evaluator splits a dataset): the item at position k of a suite's list (after <c>--limit</c>/<c>--fraction</c>, in
/// dataset order) belongs to shard (k mod N) + 1. Every machine computes the same split from the same command, the
/// shards together hold each item exactly once, and taking every N-th item keeps each shard's mix of subjects close
/// to the whole's.
/// </summary>
/// <param name="Index">1 to <see cref="Count"/>.</param>
public sealed record Shard(int Index, int Count)
{
    /// <summary>Reads "i/N" (shards count from 1); throws <see cref="FormatException"/> saying what is wrong.</summary>
    public static Shard Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var parts = text.Split('/', StringSplitOptions.TrimEntries);
        if (parts.Length != 2
            || !int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var index)
            || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var count))
            throw new FormatException($"'{text}' is not i/N; write it like 1/4 (the first of four shards)");
        if (count < 1) throw new FormatException($"'{text}': N must be at least 1");
        if (index < 1 || index > count) throw new FormatException($"'{text}': shards count from 1 to {count}, e.g. 1/{count}");
        return new Shard(index, count);
    }

    /// <summary>The items of this shard, in their order.</summary>
    public IReadOnlyList<T> Apply<T>(IReadOnlyList<T> items)
    {
        ArgumentNullException.ThrowIfNull(items);
        return [.. items.Where((_, k) => k % Count == Index - 1)];
    }

    /// <summary>"i/N".</summary>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Index}/{Count}");

    /// <summary>What a shard's run name ends with after the whole run's name: "-shard2of4".</summary>
    public string NameSuffix => string.Create(CultureInfo.InvariantCulture, $"-shard{Index}of{Count}");
}
