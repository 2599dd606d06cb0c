using static System.FormattableString;

namespace ModelScout.Hardware;

/// <summary>One GPU row read from nvidia-smi.</summary>
/// <param name="Index">Device index (the row number when the output has no index column).</param>
/// <param name="Name">Name as the driver prints it.</param>
/// <param name="TotalMiB">Total memory in MiB; null when nvidia-smi reported it as unavailable.</param>
/// <param name="FreeMiB">Free memory in MiB; null when not reported.</param>
/// <param name="DriverVersion">Driver version, when reported.</param>
/// <param name="ComputeCapability">CUDA compute capability ("9.0"), when reported.</param>
public sealed record NvidiaGpuReading(int Index, string Name, long? TotalMiB, long? FreeMiB, string? DriverVersion, string? ComputeCapability);

/// <summary>What nvidia-smi's CSV said: the GPUs it listed and what could not be read.</summary>
public sealed record NvidiaSmiReading(IReadOnlyList<NvidiaGpuReading> Gpus, IReadOnlyList<string> Warnings);

/// <summary>
/// Parses <c>nvidia-smi --query-gpu=... --format=csv</c> output: the noheader/nounits form of <see cref="QueryArguments"/>,
/// the headered form with units (<c>memory.total [MiB]</c>, <c>143771 MiB</c>) and the short
/// <c>name, memory.total, memory.free</c> form. Bad lines become warnings; nothing throws.
/// </summary>
public static class NvidiaSmiParser
{
    /// <summary>The arguments the probe passes to nvidia-smi.</summary>
    public static IReadOnlyList<string> QueryArguments { get; } =
        ["--query-gpu=index,name,memory.total,memory.free,driver_version,compute_cap", "--format=csv,noheader,nounits"];

    private static readonly Layout QueryLayout = new(0, 1, 2, 3, 4, 5, 6);
    private static readonly Layout ShortLayout = new(null, 0, 1, 2, null, null, 3);

    /// <summary>Reads every GPU row; malformed rows and error messages become warnings.</summary>
    public static NvidiaSmiReading Parse(string? output)
    {
        var gpus = new List<NvidiaGpuReading>();
        var warnings = new List<string>();
        if (string.IsNullOrWhiteSpace(output))
        {
            warnings.Add("nvidia-smi printed nothing");
            return new NvidiaSmiReading(gpus, warnings);
        }

        Layout? header = null;
        var bad = 0;
        var lineNumber = 0;
        foreach (var line in ParseText.Lines(output))
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line)) continue;
            var fields = line.Split(',').Select(f => f.Trim()).ToArray();
            if (IsHeader(fields))
            {
                header = HeaderLayout(fields);
                if (header is null) ParseText.AddCapped(warnings, ref bad, Invariant($"nvidia-smi line {lineNumber}: header without name and memory.total columns: '{ParseText.Clip(line)}'"));
                continue;
            }
            var layout = header ?? (fields.Length == QueryLayout.Width ? QueryLayout : fields.Length == ShortLayout.Width ? ShortLayout : null);
            if (layout is null || fields.Length != layout.Width)
            {
                ParseText.AddCapped(warnings, ref bad, Invariant($"nvidia-smi line {lineNumber} not understood: '{ParseText.Clip(line)}'"));
                continue;
            }
            var problem = ReadRow(fields, layout, gpus.Count, out var gpu);
            if (gpu is null) ParseText.AddCapped(warnings, ref bad, Invariant($"nvidia-smi line {lineNumber}: {problem}: '{ParseText.Clip(line)}'"));
            else gpus.Add(gpu);
        }
        ParseText.Summarise(warnings, bad, "nvidia-smi");
        return new NvidiaSmiReading(gpus, warnings);
    }

    private static string ReadRow(string[] fields, Layout layout, int row, out NvidiaGpuReading? gpu)
    {
        gpu = null;
        var name = fields[layout.Name];
        if (name.Length == 0 || IsUnavailable(name)) return "no GPU name";
        var index = row;
        if (layout.Index is { } i && !ParseText.TryInt(fields[i], out index)) return $"index '{fields[i]}' is not a number";
        if (!TryMiB(fields[layout.Total], out var total)) return $"memory.total '{fields[layout.Total]}' is not a size";
        long? free = null;
        if (layout.Free is { } f && !TryMiB(fields[f], out free)) return $"memory.free '{fields[f]}' is not a size";
        gpu = new NvidiaGpuReading(index, name, total, free, Optional(fields, layout.Driver), Optional(fields, layout.ComputeCapability));
        return "";
    }

    private static string? Optional(string[] fields, int? column) =>
        column is { } c && fields[c].Length > 0 && !IsUnavailable(fields[c]) ? fields[c] : null;

    /// <summary>"[N/A]", "[Not Supported]", "[Unknown Error]", "N/A": nvidia-smi's ways of saying it does not know.</summary>
    private static bool IsUnavailable(string value) =>
        (value.StartsWith('[') && value.EndsWith(']')) || value.Equals("N/A", StringComparison.OrdinalIgnoreCase);

    /// <summary>A MiB figure with or without its unit; unavailable values read as null.</summary>
    private static bool TryMiB(string value, out long? mib)
    {
        mib = null;
        if (IsUnavailable(value)) return true;
        var parts = value.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length is 0 or > 2 || !ParseText.TryDouble(parts[0], out var number) || number < 0) return false;
        var unit = parts.Length == 2 ? parts[1] : "MiB";
        double? scale = unit.ToUpperInvariant() switch
        {
            "MIB" or "MB" => 1,
            "GIB" or "GB" => 1024,
            "KIB" or "KB" => 1.0 / 1024,
            _ => null,
        };
        if (scale is null) return false;
        mib = (long)Math.Round(number * scale.Value);
        return true;
    }

    private static string ColumnName(string field)
    {
        var bracket = field.IndexOf('[', StringComparison.Ordinal);
        return (bracket >= 0 ? field[..bracket] : field).Trim().ToLowerInvariant();
    }

    private static bool IsHeader(string[] fields) =>
        fields.Any(f => ColumnName(f) is "name" or "memory.total" or "index");

    private static Layout? HeaderLayout(string[] fields)
    {
        var columns = fields.Select(ColumnName).ToList();
        int? Find(params string[] names)
        {
            var at = columns.FindIndex(c => names.Contains(c));
            return at >= 0 ? at : null;
        }
        var name = Find("name", "gpu_name");
        var total = Find("memory.total");
        if (name is null || total is null) return null;
        return new Layout(Find("index"), name.Value, total.Value, Find("memory.free"), Find("driver_version"), Find("compute_cap"), fields.Length);
    }

    private sealed record Layout(int? Index, int Name, int Total, int? Free, int? Driver, int? ComputeCapability, int Width);
}
