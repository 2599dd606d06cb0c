namespace ModelScout.Evaluation.Sandbox;

/// <summary>The limits every program run by <see cref="PythonSandbox"/> gets. Zero or less turns a limit off.</summary>
public sealed record SandboxLimits
{
    /// <summary>Wall-clock time before the whole program (every process it started) is killed: TimedOut.</summary>
    public TimeSpan WallTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>RLIMIT_CPU per process, in seconds; the kernel sends SIGXCPU then SIGKILL: ResourceLimit.</summary>
    public int CpuSeconds { get; init; } = 10;

    /// <summary>RLIMIT_AS per process: a large allocation fails with MemoryError instead of swapping the machine.</summary>
    public long MemoryBytes { get; init; } = 1L << 30;

    /// <summary>RLIMIT_FSIZE: the largest file the program may write.</summary>
    public long FileSizeBytes { get; init; } = 16L << 20;

    /// <summary>RLIMIT_NPROC: per user, so it only bites when the program runs as an unprivileged user (see docs/eval-sandbox.md).</summary>
    public int MaxProcesses { get; init; } = 64;

    /// <summary>How much of stdout and of stderr is kept (the tail); the rest is read and dropped.</summary>
    public int OutputLimitBytes { get; init; } = 64 * 1024;

    /// <summary>The python to run; null finds python3 on PATH and resolves it to the real executable.</summary>
    public string? PythonPath { get; init; }

    /// <summary>Folder under which each run gets its own directory; null is the system temp folder.</summary>
    public string? WorkRoot { get; init; }
}
