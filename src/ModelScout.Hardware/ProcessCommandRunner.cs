using System.ComponentModel;
using System.Diagnostics;

namespace ModelScout.Hardware;

/// <summary>Runs tools as child processes: looks them up on PATH first, kills them on timeout, never throws for a tool's failure.</summary>
public sealed class ProcessCommandRunner : ICommandRunner
{
    // After the process is gone its pipes close at once; a grandchild that kept them open must not hold us up.
    private static readonly TimeSpan DrainWait = TimeSpan.FromSeconds(1);

    private readonly string[] searchDirectories;
    private readonly string[] executableExtensions;

    /// <summary>A runner that searches this process's PATH.</summary>
    public ProcessCommandRunner()
        : this(Environment.GetEnvironmentVariable("PATH"))
    {
    }

    /// <summary>A runner that searches <paramref name="searchPath"/> (PATH syntax) instead of this process's PATH.</summary>
    public ProcessCommandRunner(string? searchPath)
    {
        searchDirectories = (searchPath ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        executableExtensions = OperatingSystem.IsWindows()
            ? [.. (Environment.GetEnvironmentVariable("PATHEXT") ?? ".COM;.EXE;.BAT;.CMD")
                .Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)]
            : [];
    }

    /// <summary>The full path <paramref name="executable"/> resolves to, or null when it is not on the search path.</summary>
    public string? FindExecutable(string executable)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(executable);
        if (executable.Contains(Path.DirectorySeparatorChar, StringComparison.Ordinal)
            || executable.Contains(Path.AltDirectorySeparatorChar, StringComparison.Ordinal))
        {
            return IsExecutableFile(executable) ? executable : null;
        }
        foreach (var directory in searchDirectories)
        {
            foreach (var candidate in CandidateNames(executable))
            {
                string full;
                try
                {
                    full = Path.Combine(directory, candidate);
                }
                catch (ArgumentException)
                {
                    continue;
                }
                if (IsExecutableFile(full)) return full;
            }
        }
        return null;
    }

    /// <inheritdoc />
    public CommandResult? Run(string executable, IReadOnlyList<string> arguments, TimeSpan timeout)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        var path = FindExecutable(executable);
        if (path is null) return null;

        var start = new ProcessStartInfo(path)
        {
            UseShellExecute = false,
            CreateNoWindow = true,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        // Tools print numbers and messages the same way everywhere under the C locale.
        start.Environment["LC_ALL"] = "C";

        using var process = new Process { StartInfo = start };
        try
        {
            if (!process.Start()) return new CommandResult(-1, "", $"{executable} could not be started");
        }
        catch (Exception e) when (e is Win32Exception or InvalidOperationException or IOException or UnauthorizedAccessException)
        {
            return new CommandResult(-1, "", $"{executable} could not be started: {e.Message}");
        }

        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        try
        {
            // A tool that waits for input sees end-of-file instead of hanging.
            process.StandardInput.Close();
        }
        catch (IOException)
        {
            // It exited before we closed its input; nothing to do.
        }

        var exited = process.WaitForExit(timeout);
        if (!exited)
        {
            try
            {
                process.Kill(entireProcessTree: true);
            }
            catch (Exception e) when (e is InvalidOperationException or Win32Exception or NotSupportedException)
            {
                // It exited between the wait and the kill, or cannot be killed; either way we stop waiting for it.
            }
            process.WaitForExit(DrainWait);
        }

        // After a normal exit the pipes close with it, so the reads finish; give them as long as the tool had, since on a
        // loaded machine the read continuations can lag. After a kill, a grandchild may hold the pipes open: wait briefly.
        var drain = exited ? (timeout > DrainWait ? timeout : DrainWait) : DrainWait;
        var output = Collect(stdout, drain);
        var error = Collect(stderr, drain);
        if (!exited) return new CommandResult(-1, output, error, TimedOut: true);
        int code;
        try
        {
            code = process.ExitCode;
        }
        catch (InvalidOperationException)
        {
            code = -1;
        }
        return new CommandResult(code, output, error);
    }

    private static string Collect(Task<string> reading, TimeSpan wait)
    {
        try
        {
            return reading.Wait(wait) ? reading.Result : "";
        }
        catch (AggregateException)
        {
            return "";
        }
    }

    private IEnumerable<string> CandidateNames(string executable)
    {
        if (executableExtensions.Length == 0 || Path.HasExtension(executable))
        {
            yield return executable;
            if (executableExtensions.Length == 0) yield break;
        }
        foreach (var extension in executableExtensions) yield return executable + extension;
    }

    private static bool IsExecutableFile(string path)
    {
        try
        {
            if (!File.Exists(path)) return false;
            if (OperatingSystem.IsWindows()) return true;
            const UnixFileMode anyExecute = UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute;
            return (File.GetUnixFileMode(path) & anyExecute) != 0;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            return false;
        }
    }
}
