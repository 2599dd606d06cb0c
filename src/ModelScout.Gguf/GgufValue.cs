using System.Globalization;
using System.Text;

namespace ModelScout.Gguf;

/// <summary>GGUF metadata value types, by their id in the file.</summary>
#pragma warning disable CA1720 // the names are the format's own
public enum GgufValueType : uint
{
    UInt8 = 0,
    Int8 = 1,
    UInt16 = 2,
    Int16 = 3,
    UInt32 = 4,
    Int32 = 5,
    Float32 = 6,
    Bool = 7,
    String = 8,
    Array = 9,
    UInt64 = 10,
    Int64 = 11,
    Float64 = 12,
}
#pragma warning restore CA1720

/// <summary>
/// One metadata value: a scalar, or an array whose elements share one type (typed CLR arrays: byte[], int[], float[],
/// string[] ...; arrays of arrays hold <see cref="GgufValue"/>[]).
/// </summary>
public sealed class GgufValue
{
    private readonly object value;

    private GgufValue(GgufValueType type, GgufValueType? elementType, object value)
    {
        Type = type;
        ElementType = elementType;
        this.value = value;
    }

    /// <summary>The value's type.</summary>
    public GgufValueType Type { get; }

    /// <summary>For arrays, the element type.</summary>
    public GgufValueType? ElementType { get; }

    /// <summary>True for arrays.</summary>
    public bool IsArray => Type == GgufValueType.Array;

    /// <summary>Elements of an array; 1 for a scalar.</summary>
    public int Count => value is Array a ? a.Length : 1;

    /// <summary>The boxed scalar, or the typed array.</summary>
    public object Raw => value;

    /// <summary>Size in bytes of one scalar of a fixed-size type; 0 for strings and arrays.</summary>
    public static int FixedSize(GgufValueType t) => t switch
    {
        GgufValueType.UInt8 or GgufValueType.Int8 or GgufValueType.Bool => 1,
        GgufValueType.UInt16 or GgufValueType.Int16 => 2,
        GgufValueType.UInt32 or GgufValueType.Int32 or GgufValueType.Float32 => 4,
        GgufValueType.UInt64 or GgufValueType.Int64 or GgufValueType.Float64 => 8,
        _ => 0,
    };

    public static GgufValue Of(byte v) => new(GgufValueType.UInt8, null, v);
    public static GgufValue Of(sbyte v) => new(GgufValueType.Int8, null, v);
    public static GgufValue Of(ushort v) => new(GgufValueType.UInt16, null, v);
    public static GgufValue Of(short v) => new(GgufValueType.Int16, null, v);
    public static GgufValue Of(uint v) => new(GgufValueType.UInt32, null, v);
    public static GgufValue Of(int v) => new(GgufValueType.Int32, null, v);
    public static GgufValue Of(float v) => new(GgufValueType.Float32, null, v);
    public static GgufValue Of(bool v) => new(GgufValueType.Bool, null, v);
    public static GgufValue Of(string v) => new(GgufValueType.String, null, v ?? throw new ArgumentNullException(nameof(v)));
    public static GgufValue Of(ulong v) => new(GgufValueType.UInt64, null, v);
    public static GgufValue Of(long v) => new(GgufValueType.Int64, null, v);
    public static GgufValue Of(double v) => new(GgufValueType.Float64, null, v);

    // The GGUF element type of each CLR array type, looked up by the exact type.
    private static readonly Dictionary<Type, GgufValueType> ElementTypes = new()
    {
        [typeof(byte[])] = GgufValueType.UInt8,
        [typeof(sbyte[])] = GgufValueType.Int8,
        [typeof(ushort[])] = GgufValueType.UInt16,
        [typeof(short[])] = GgufValueType.Int16,
        [typeof(uint[])] = GgufValueType.UInt32,
        [typeof(int[])] = GgufValueType.Int32,
        [typeof(float[])] = GgufValueType.Float32,
        [typeof(bool[])] = GgufValueType.Bool,
        [typeof(string[])] = GgufValueType.String,
        [typeof(ulong[])] = GgufValueType.UInt64,
        [typeof(long[])] = GgufValueType.Int64,
        [typeof(double[])] = GgufValueType.Float64,
        [typeof(GgufValue[])] = GgufValueType.Array,
    };

    /// <summary>An array of scalars; the element type follows the CLR array type.</summary>
    public static GgufValue Array(Array elements)
    {
        ArgumentNullException.ThrowIfNull(elements);
        // Exact types, not type patterns: the CLR lets an int[] pass for a uint[] (sbyte[] for byte[], short[] for
        // ushort[], long[] for ulong[]), so `elements is uint[]` is true for an int[] and would mislabel it.
        var type = elements.GetType();
        return ElementTypes.TryGetValue(type, out var t)
            ? new GgufValue(GgufValueType.Array, t, elements)
            : throw new ArgumentException($"no GGUF element type for {type.Name}", nameof(elements));
    }

    internal static GgufValue FromArray(GgufValueType elementType, Array elements) => new(GgufValueType.Array, elementType, elements);

    internal static GgufValue FromScalar(GgufValueType type, object boxed) => new(type, null, boxed);

    /// <summary>The string, or null when this is not a string.</summary>
    public string? AsString() => value as string;

    /// <summary>Any integer scalar as a 64-bit signed value, or null (UInt64 above long.MaxValue is null too).</summary>
    public long? AsInt64() => value switch
    {
        byte b => b,
        sbyte b => b,
        ushort s => s,
        short s => s,
        uint u => u,
        int i => i,
        long l => l,
        ulong u when u <= long.MaxValue => (long)u,
        _ => null,
    };

    /// <summary>Any numeric scalar as a double, or null.</summary>
    public double? AsDouble() => value switch
    {
        float f => f,
        double d => d,
        bool => null,
        ulong u => u,
        _ => AsInt64(),
    };

    /// <summary>A boolean scalar, or null.</summary>
    public bool? AsBool() => value as bool?;

    /// <summary>The elements of a string array, or null.</summary>
    public string[]? AsStrings() => value as string[];

    /// <summary>The elements of an integer array as 64-bit values, or null for other types.</summary>
    public long[]? AsInt64Array() => !IsArray ? null : ElementType switch
    {
        // By the element type, not by type patterns, which cannot tell an int[] from a uint[] (see Array).
        GgufValueType.UInt8 => ((byte[])value).Select(x => (long)x).ToArray(),
        GgufValueType.Int8 => ((sbyte[])value).Select(x => (long)x).ToArray(),
        GgufValueType.UInt16 => ((ushort[])value).Select(x => (long)x).ToArray(),
        GgufValueType.Int16 => ((short[])value).Select(x => (long)x).ToArray(),
        GgufValueType.UInt32 => ((uint[])value).Select(x => (long)x).ToArray(),
        GgufValueType.Int32 => ((int[])value).Select(x => (long)x).ToArray(),
        GgufValueType.Int64 => (long[])value,
        GgufValueType.UInt64 => ((ulong[])value).Select(x => (long)Math.Min(x, long.MaxValue)).ToArray(),
        _ => null,
    };

    /// <summary>A short human rendering: scalars in full (strings cut at <paramref name="max"/> characters), arrays by type and length.</summary>
    public string Display(int max = 60) => value switch
    {
        string s => s.Length <= max ? Quote(s) : Quote(s[..max]) + $"… ({s.Length:N0} chars)",
        Array a => $"[{ElementType?.ToString().ToLowerInvariant()} × {a.Length:N0}]",
        bool b => b ? "true" : "false",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };

    private static string Quote(string s)
    {
        var sb = new StringBuilder(s.Length + 2).Append('"');
        foreach (var c in s) sb.Append(c switch { '\n' => "\\n", '\r' => "\\r", '\t' => "\\t", '"' => "\\\"", _ => c.ToString() });
        return sb.Append('"').ToString();
    }

    public override string ToString() => Display();
}
