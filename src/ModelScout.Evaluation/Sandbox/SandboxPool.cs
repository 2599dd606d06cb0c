namespace ModelScout.Evaluation.Sandbox;

/// <summary>
/// Runs programs through an inner <see cref="ICodeRunner"/> with at most <c>maxConcurrency</c> at once
/// (default: one per core), so HumanEval's execution keeps every core busy without oversubscribing them.
/// </summary>
public sealed class SandboxPool : ICodeRunner, IDisposable
{
    private readonly ICodeRunner inner;
    private readonly SemaphoreSlim gate;

    public SandboxPool(ICodeRunner inner, int? maxConcurrency = null)
    {
        ArgumentNullException.ThrowIfNull(inner);
        var limit = maxConcurrency ?? Environment.ProcessorCount;
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1, nameof(maxConcurrency));
        this.inner = inner;
        MaxConcurrency = limit;
        gate = new SemaphoreSlim(limit, limit);
    }

    /// <summary>How many programs may run at the same time.</summary>
    public int MaxConcurrency { get; }

    /// <inheritdoc />
    public bool NetworkIsolated => inner.NetworkIsolated;

    /// <inheritdoc />
    public async Task<CodeRunResult> RunAsync(string program, CancellationToken cancellationToken)
    {
        await gate.WaitAsync(cancellationToken);
        try
        {
            return await inner.RunAsync(program, cancellationToken);
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>Runs every program, at most <see cref="MaxConcurrency"/> at once; results in the programs' order.</summary>
    public Task<CodeRunResult[]> RunAllAsync(IEnumerable<string> programs, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(programs);
        return Task.WhenAll(programs.Select(p => RunAsync(p, cancellationToken)));
    }

    public void Dispose() => gate.Dispose();
}
