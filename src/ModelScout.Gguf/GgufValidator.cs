namespace ModelScout.Gguf;

/// <summary>What validation found that is not fatal.</summary>
public sealed record GgufValidationReport(IReadOnlyList<string> Warnings)
{
    /// <summary>True when nothing at all was found.</summary>
    public bool Clean => Warnings.Count == 0;
}

/// <summary>
/// Checks a parsed header against the file as llama.cpp's loader would, before any native code opens it: tensors in
/// order, each starting where the previous one (padded to the alignment) ends, none past the end of the file.
/// Fatal problems raise <see cref="GgufFormatException"/>; oddities llama.cpp tolerates are returned as warnings.
/// </summary>
public static class GgufValidator
{
    /// <summary>Reads and validates the file at <paramref name="path"/>.</summary>
    public static (GgufFile File, GgufValidationReport Report) ValidateFile(string path, GgufLimits? limits = null)
    {
        var file = GgufReader.ReadFile(path, limits);
        return (file, Validate(file));
    }

    /// <summary>Validates a parsed header; the file length must be known to check tensor bounds.</summary>
    public static GgufValidationReport Validate(GgufFile file)
    {
        ArgumentNullException.ThrowIfNull(file);
        var warnings = new List<string>();
        long expected = 0;
        foreach (var t in file.Tensors)
        {
            if (t.Offset != expected)
            {
                var how = t.Offset < expected
                    ? $"which overlaps the tensor before it (the next free offset is {expected:N0})"
                    : $"leaving a gap of {t.Offset - expected:N0} bytes after the tensor before it";
                throw new GgufFormatException(t.InfoOffset,
                    $"tensor '{t.Name}' starts at data offset {t.Offset:N0}, {how}; llama.cpp requires tensors in file order, each padded to {file.Alignment} bytes");
            }
            try
            {
                expected = checked(expected + Pad(t.Bytes, file.Alignment));
                _ = checked(file.DataOffset + expected);
            }
            catch (OverflowException)
            {
                throw new GgufFormatException(t.InfoOffset, $"tensor '{t.Name}' ends beyond any possible file size");
            }
        }

        if (file.FileLength is { } length)
        {
            if (file.Tensors.Count == 0)
            {
                // A vocab-only file may end right after its metadata.
                if (length > file.DataOffset) warnings.Add($"{length - file.DataOffset:N0} bytes follow the metadata of a file with no tensors");
            }
            else
            {
                var last = file.Tensors[^1];
                var dataEnd = file.DataOffset + last.Offset + last.Bytes;
                if (dataEnd > length)
                {
                    var cut = file.Tensors.First(t => file.DataOffset + t.Offset + t.Bytes > length);
                    throw new GgufFormatException(length,
                        $"the file ends at byte {length:N0} but tensor '{cut.Name}' needs bytes {file.DataOffset + cut.Offset:N0} to {file.DataOffset + cut.Offset + cut.Bytes:N0}: the file is truncated by {dataEnd - length:N0} bytes");
                }
                var paddedEnd = file.DataOffset + expected;
                if (length > paddedEnd)
                    warnings.Add($"{length - paddedEnd:N0} unexpected bytes after the last tensor (its data and padding end at byte {paddedEnd:N0})");
            }
        }
        else
        {
            warnings.Add("the file length is unknown, so tensor bounds were not checked");
        }

        var arch = file.Architecture;
        if (arch is null)
        {
            if (file.Tensors.Count > 0) warnings.Add("no general.architecture: llama.cpp cannot load this as a model");
        }
        else if (file.Tensors.Count > 0 && !file.Has(arch + ".block_count"))
        {
            warnings.Add($"no {arch}.block_count: llama.cpp will refuse to load it");
        }
        return new GgufValidationReport(warnings);
    }

    internal static long Pad(long bytes, int alignment) => checked(bytes + alignment - 1) / alignment * alignment;
}
