namespace ModelScout.Cli.Framework;

/// <summary>Process exit codes, documented in docs/cli.md.</summary>
internal static class ExitCodes
{
    /// <summary>Done; for verdict commands, the answer is yes.</summary>
    public const int Ok = 0;
    /// <summary>Something failed (bad catalog file, I/O).</summary>
    public const int Error = 1;
    /// <summary>The command line could not be parsed.</summary>
    public const int Usage = 2;
    /// <summary>A model, term, use case or profile was not found.</summary>
    public const int NotFound = 3;
    /// <summary>The answer is no: the model does not fit, or the licence does not allow the use.</summary>
    public const int Negative = 4;
    /// <summary>An input file is not what the command reads: not a GGUF file, or a malformed one.</summary>
    public const int BadInput = 5;
}

/// <summary>An error the user can fix, with the exit code to return.</summary>
internal sealed class CliException(string message, int exitCode = ExitCodes.Usage) : Exception(message)
{
    public int ExitCode { get; } = exitCode;

    /// <summary>Close matches for a name that was not found.</summary>
    public IReadOnlyList<string> Suggestions { get; init; } = [];
}
