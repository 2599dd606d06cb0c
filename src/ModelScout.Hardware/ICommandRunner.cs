namespace ModelScout.Hardware;

/// <summary>What a finished (or abandoned) command left behind.</summary>
/// <param name="ExitCode">Exit status; -1 when the process could not be started or had to be killed.</param>
/// <param name="StandardOutput">Everything it printed on stdout (possibly partial after a timeout).</param>
/// <param name="StandardError">Everything it printed on stderr, or why it could not be started.</param>
/// <param name="TimedOut">True when it ran past its timeout and was killed.</param>
public sealed record CommandResult(int ExitCode, string StandardOutput, string StandardError, bool TimedOut = false)
{
    /// <summary>True when the command ran to the end and exited with status 0.</summary>
    public bool Succeeded => !TimedOut && ExitCode == 0;
}

/// <summary>Runs external tools (nvidia-smi, rocm-smi, sysctl ...); the seam tests replace with a fake.</summary>
public interface ICommandRunner
{
    /// <summary>
    /// Runs <paramref name="executable"/> with <paramref name="arguments"/>, giving up after <paramref name="timeout"/>.
    /// Returns null, without starting anything, when the executable is not on PATH. Never throws for a missing or
    /// failing tool.
    /// </summary>
    CommandResult? Run(string executable, IReadOnlyList<string> arguments, TimeSpan timeout);
}
