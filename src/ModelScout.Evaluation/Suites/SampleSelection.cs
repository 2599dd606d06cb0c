using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace ModelScout.Evaluation.Suites;

/// <summary>
/// Which items of a dataset a run uses (<c>--limit N</c> or <c>--fraction F</c>). The choice depends only on the seed and the
/// item ids, so the same command picks the same items on every machine and a resumed run sees the same set.
/// </summary>
/// <param name="Limit">At most this many items.</param>
/// <param name="Fraction">This share of the items (0 &lt; F ≤ 1), rounded up.</param>
public sealed record SampleSelection(int? Limit = null, double? Fraction = null, int Seed = 0)
{
    /// <summary>Every item, in dataset order.</summary>
    public static SampleSelection All { get; } = new();

    /// <summary>The chosen items, kept in dataset order.</summary>
    public IReadOnlyList<T> Apply<T>(IReadOnlyList<T> items, Func<T, string> id)
    {
        if (Limit is < 0) throw new InvalidOperationException($"--limit must not be negative (got {Limit})");
        if (Fraction is { } f && (double.IsNaN(f) || f <= 0 || f > 1))
            throw new InvalidOperationException($"--fraction must be above 0 and at most 1 (got {f})");
        var count = items.Count;
        if (Fraction is { } fraction) count = Math.Min(count, (int)Math.Ceiling(fraction * items.Count));
        if (Limit is { } limit) count = Math.Min(count, limit);
        if (count == items.Count) return items;
        // Rank by a keyed hash of the id: a seeded shuffle that does not depend on the runtime's Random.
        var chosen = items.Select((item, index) => (index, rank: Rank(id(item))))
            .OrderBy(x => x.rank).ThenBy(x => x.index)
            .Take(count)
            .Select(x => x.index)
            .Order()
            .ToList();
        return [.. chosen.Select(i => items[i])];
    }

    private ulong Rank(string id)
    {
        Span<byte> digest = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes($"{Seed}\n{id}"), digest);
        return BinaryPrimitives.ReadUInt64BigEndian(digest);
    }
}
