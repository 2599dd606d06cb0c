using System.Diagnostics;
using System.Runtime.Versioning;
using ModelScout.Core.Catalog;

namespace ModelScout.Hardware.Tests;

public class RealMachineTests
{
    [Fact]
    public void Probing_this_machine_is_fast_and_gives_cores_and_RAM()
    {
        var clock = Stopwatch.StartNew();

        var machine = HardwareProbe.ForThisMachine(Catalog.Embedded).Probe();

        clock.Stop();
        Assert.True(machine.Cpu.Cores >= 1);
        Assert.True(machine.Cpu.Threads >= machine.Cpu.Cores);
        Assert.True(machine.Ram.TotalBytes > 0);
        Assert.InRange(machine.Ram.AvailableBytes, 0, machine.Ram.TotalBytes);
        Assert.True(machine.RamBandwidthGBps > 0);
        Assert.False(machine.Simulated);
        Assert.All(machine.Gpus, g => Assert.True(g.TotalBytes > 0));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(15), $"the probe took {clock.Elapsed}");
    }

    [Fact]
    public void Platform_detection_matches_the_runtime()
    {
        var expected = OperatingSystem.IsWindows() ? OsPlatformKind.Windows : OperatingSystem.IsMacOS() ? OsPlatformKind.MacOs : OsPlatformKind.Linux;
        Assert.Equal(expected, OsPlatformDetector.Current);
    }

    [Fact]
    public void Real_files_read_text_and_list_directories()
    {
        var files = new SystemFiles();
        var root = ModelScout.Testing.RepoPaths.Root;

        Assert.Contains("ModelScout", files.ReadText(Path.Combine(root, "ModelScout.slnx")), StringComparison.Ordinal);
        Assert.Null(files.ReadText(Path.Combine(root, "no-such-file.txt")));
        Assert.Contains(Path.Combine(root, "src"), files.ListDirectories(root));
        Assert.Empty(files.ListDirectories(Path.Combine(root, "no-such-directory")));
    }
}

public class ProcessCommandRunnerTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);

    [Fact]
    public void Missing_executable_returns_null_without_starting_anything()
    {
        var runner = new ProcessCommandRunner();

        Assert.Null(runner.Run("scout-no-such-tool-4f1c", [], Timeout));
        Assert.Null(new ProcessCommandRunner("").Run("sh", ["-c", "true"], Timeout));
    }

    [PosixFact]
    public void Captures_output_and_exit_code()
    {
        var runner = new ProcessCommandRunner();

        var result = runner.Run("sh", ["-c", "echo out; echo err >&2; exit 3"], Timeout);

        Assert.NotNull(result);
        Assert.Equal(("out\n", "err\n", 3, false), (result.StandardOutput, result.StandardError, result.ExitCode, result.TimedOut));
        Assert.False(result.Succeeded);
    }

    [PosixFact]
    public void Arguments_pass_through_unsplit()
    {
        var result = new ProcessCommandRunner().Run("sh", ["-c", "printf '%s|' \"$@\"", "sh", "a b", "c"], Timeout);

        Assert.Equal("a b|c|", result?.StandardOutput);
    }

    [PosixFact]
    public void A_hanging_tool_is_killed_at_the_timeout()
    {
        var clock = Stopwatch.StartNew();

        var result = new ProcessCommandRunner().Run("sh", ["-c", "echo started; sleep 30"], TimeSpan.FromMilliseconds(300));

        clock.Stop();
        Assert.NotNull(result);
        Assert.True(result.TimedOut);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"took {clock.Elapsed}");
    }

    [PosixFact]
    public void A_tool_that_waits_for_input_sees_end_of_file()
    {
        var result = new ProcessCommandRunner().Run("cat", [], Timeout);

        Assert.Equal((0, "", false), (result?.ExitCode, result?.StandardOutput, result?.TimedOut));
    }

    [PosixFact]
    [UnsupportedOSPlatform("windows")]
    public void A_file_that_is_not_executable_is_not_run()
    {
        var dir = Directory.CreateTempSubdirectory("scout-runner-");
        try
        {
            File.WriteAllText(Path.Combine(dir.FullName, "tool"), "#!/bin/sh\necho hi\n");

            Assert.Null(new ProcessCommandRunner(dir.FullName).Run("tool", [], Timeout));

            File.SetUnixFileMode(Path.Combine(dir.FullName, "tool"), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            Assert.Equal("hi\n", new ProcessCommandRunner(dir.FullName).Run("tool", [], Timeout)?.StandardOutput);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [PosixFact]
    [UnsupportedOSPlatform("windows")]
    public void A_broken_executable_is_a_failed_result_not_an_exception()
    {
        var dir = Directory.CreateTempSubdirectory("scout-runner-");
        try
        {
            var path = Path.Combine(dir.FullName, "broken");
            File.WriteAllBytes(path, [0x00, 0x01, 0x02, 0x03]);
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserExecute);

            var result = new ProcessCommandRunner(dir.FullName).Run("broken", [], Timeout);

            Assert.NotNull(result);
            Assert.False(result.Succeeded);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }
}

/// <summary>A fact that needs a POSIX shell and tools (sh, cat, Unix file modes): reported as skipped on Windows.</summary>
public sealed class PosixFactAttribute : FactAttribute
{
    public PosixFactAttribute()
    {
        if (OperatingSystem.IsWindows()) Skip = "needs sh, cat and Unix file modes, which Windows does not have";
    }
}
