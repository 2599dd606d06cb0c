using ModelScout.Testing;

namespace ModelScout.Hardware.Tests;

/// <summary>Reads the hand-written samples beside the tests and the outputs recorded on a real H200 in tests/Fixtures.</summary>
internal static class TestFiles
{
    /// <summary>A hand-written sample copied next to the test assembly.</summary>
    public static string Sample(string name) => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Samples", name));

    /// <summary>A file recorded on the real H200 machine (tests/Fixtures/hardware-samples/nvidia-h200).</summary>
    public static string H200(string name) => File.ReadAllText(RepoPaths.Fixture("hardware-samples", "nvidia-h200", name));
}
