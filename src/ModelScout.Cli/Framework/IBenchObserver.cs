using ModelScout.LoadTest;

namespace ModelScout.Cli.Framework;

/// <summary>
/// Watches a <c>scout bench</c> run from outside the command (the web UI's Bench page): the command calls it at each
/// step and stops when <see cref="Cancellation"/> fires, as it does on Ctrl-C, keeping what was measured.
/// </summary>
internal interface IBenchObserver
{
    /// <summary>Stops the run; the report of what finished is still saved, marked interrupted.</summary>
    CancellationToken Cancellation { get; }

    /// <summary>The options were checked and every endpoint answered a test request: the measured run starts now.</summary>
    void Started(IReadOnlyList<BenchTarget> targets, LoadPlan plan);

    /// <summary>A measured request finished (from several threads at once).</summary>
    void Progress(BenchProgress progress);

    /// <summary>The run ended and its report was saved as <paramref name="id"/> at <paramref name="path"/> (both null when saving failed).</summary>
    void Finished(BenchReport report, string? id, string? path);
}
