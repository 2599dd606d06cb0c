namespace ModelScout.Hardware;

/// <summary>The operating systems the probe knows how to read.</summary>
public enum OsPlatformKind
{
    /// <summary>Linux (and anything else with /proc): /proc, cgroups, sysfs, nvidia-smi, rocm-smi.</summary>
    Linux,
    /// <summary>macOS: sysctl and vm_stat.</summary>
    MacOs,
    /// <summary>Windows: what .NET reports, plus nvidia-smi.</summary>
    Windows,
}

/// <summary>Tells which <see cref="OsPlatformKind"/> this process runs on.</summary>
public static class OsPlatformDetector
{
    /// <summary>The platform of the running process; unknown Unix-likes are read as Linux.</summary>
    public static OsPlatformKind Current =>
        OperatingSystem.IsMacOS() ? OsPlatformKind.MacOs
        : OperatingSystem.IsWindows() ? OsPlatformKind.Windows
        : OsPlatformKind.Linux;
}
