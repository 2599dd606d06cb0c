namespace ModelScout.Hardware;

/// <summary>
/// Reads AMD GPUs from the amdgpu driver's sysfs files when rocm-smi is missing or fails:
/// <c>/sys/class/drm/cardN/device/{vendor, mem_info_vram_total, mem_info_vram_used, product_name}</c>.
/// </summary>
public static class AmdSysfsReader
{
    /// <summary>Where the DRM cards live.</summary>
    public const string DrmRoot = "/sys/class/drm";

    /// <summary>PCI vendor id of AMD/ATI.</summary>
    public const string AmdVendorId = "0x1002";

    /// <summary>Every AMD card under <see cref="DrmRoot"/>; connectors (card0-DP-1) and other vendors are skipped.</summary>
    public static AmdGpuListing Read(ISystemFiles files)
    {
        ArgumentNullException.ThrowIfNull(files);
        var gpus = new List<AmdGpuReading>();
        var warnings = new List<string>();
        foreach (var directory in files.ListDirectories(DrmRoot))
        {
            var name = directory.TrimEnd('/')[(directory.TrimEnd('/').LastIndexOf('/') + 1)..];
            if (!name.StartsWith("card", StringComparison.Ordinal) || !ParseText.TryInt(name[4..], out var index) || index < 0) continue;
            var device = directory.TrimEnd('/') + "/device/";
            var vendor = files.ReadText(device + "vendor")?.Trim();
            if (!string.Equals(vendor, AmdVendorId, StringComparison.OrdinalIgnoreCase)) continue;

            var totalText = files.ReadText(device + "mem_info_vram_total");
            long? total = ParseText.TryLong(totalText, out var t) && t >= 0 ? t : null;
            if (total is null) warnings.Add($"sysfs: {name} is an AMD GPU but {device}mem_info_vram_total is {(totalText is null ? "missing" : $"'{ParseText.Clip(totalText)}'")}");
            long? used = ParseText.TryLong(files.ReadText(device + "mem_info_vram_used"), out var u) && u >= 0 ? u : null;

            var product = files.ReadText(device + "product_name")?.Trim();
            var deviceId = files.ReadText(device + "device")?.Trim();
            var label = !string.IsNullOrEmpty(product) ? product
                : !string.IsNullOrEmpty(deviceId) ? $"AMD GPU (device {deviceId})"
                : $"AMD GPU {name}";
            gpus.Add(new AmdGpuReading(index, [label], total, used));
        }
        gpus.Sort((a, b) => a.Index.CompareTo(b.Index));
        return new AmdGpuListing(gpus, warnings);
    }
}
