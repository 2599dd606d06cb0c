namespace ModelScout.Gguf.Fuzzing;

/// <summary>
/// xoshiro256** seeded through SplitMix64: the same seed gives the same stream on every runtime and machine, which
/// System.Random does not promise. Not for anything but reproducible test data.
/// </summary>
internal struct FuzzRandom
{
    private ulong s0;
    private ulong s1;
    private ulong s2;
    private ulong s3;

    public FuzzRandom(ulong seed)
    {
        var x = seed;
        s0 = SplitMix(ref x);
        s1 = SplitMix(ref x);
        s2 = SplitMix(ref x);
        s3 = SplitMix(ref x);
    }

    /// <summary>The seed of variant <paramref name="index"/> of a run: a pure function of the three numbers.</summary>
    public static ulong Derive(ulong baseSeed, ulong stream, long index)
    {
        var x = baseSeed ^ (stream * 0x9E3779B97F4A7C15UL) ^ ((ulong)index * 0xD1B54A32D192ED03UL);
        _ = SplitMix(ref x);
        return SplitMix(ref x);
    }

    /// <summary>FNV-1a of a name, to give each seed file its own stream.</summary>
    public static ulong Hash(string name)
    {
        var h = 0xCBF29CE484222325UL;
        foreach (var c in name)
        {
            h ^= c;
            h *= 0x100000001B3UL;
        }
        return h;
    }

    private static ulong SplitMix(ref ulong x)
    {
        var z = x += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    public ulong NextU64()
    {
        var result = ulong.RotateLeft(s1 * 5, 7) * 9;
        var t = s1 << 17;
        s2 ^= s0;
        s3 ^= s1;
        s1 ^= s2;
        s0 ^= s3;
        s2 ^= t;
        s3 = ulong.RotateLeft(s3, 45);
        return result;
    }

    public uint NextU32() => (uint)(NextU64() >> 32);

    /// <summary>Uniform in [0, n); 0 when n is not positive.</summary>
    public int Next(int n) => n <= 0 ? 0 : (int)(((NextU64() >> 32) * (ulong)n) >> 32);

    /// <summary>Uniform in [lo, hi).</summary>
    public int Next(int lo, int hi) => lo + Next(hi - lo);

    public bool Chance(double p) => (NextU64() >> 11) * (1.0 / (1UL << 53)) < p;

    public T Pick<T>(IReadOnlyList<T> items) => items[Next(items.Count)];

    /// <summary>1 + a geometric count: 1 most often, rarely up to <paramref name="max"/>.</summary>
    public int Count(int max, double more = 0.35)
    {
        var n = 1;
        while (n < max && Chance(more)) n++;
        return n;
    }

    public void Fill(Span<byte> span)
    {
        for (var i = 0; i < span.Length; i++) span[i] = (byte)NextU64();
    }
}
