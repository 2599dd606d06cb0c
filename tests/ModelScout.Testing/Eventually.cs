using System.Diagnostics;
using System.Globalization;

namespace ModelScout.Testing;

/// <summary>
/// Waits for a condition that another thread makes true, with a deadline: a test whose condition never holds fails
/// with what it waited for instead of spinning until the test host is killed.
/// </summary>
public static class Eventually
{
    private static readonly TimeSpan DefaultPoll = TimeSpan.FromMilliseconds(10);

    /// <summary>
    /// Completes once <paramref name="condition"/> holds; throws <see cref="TimeoutException"/> naming
    /// <paramref name="what"/> (and <paramref name="state"/>'s description of where things stood) once
    /// <paramref name="timeout"/> has passed without it.
    /// </summary>
    /// <param name="what">The awaited condition in words, as in "five tokens have streamed".</param>
    /// <param name="state">Describes the state at the deadline, for the failure message.</param>
    /// <param name="poll">Time between checks; 10 ms unless given.</param>
    public static async Task WaitUntilAsync(Func<bool> condition, TimeSpan timeout, string what, Func<string>? state = null, TimeSpan? poll = null)
    {
        ArgumentNullException.ThrowIfNull(condition);
        ArgumentException.ThrowIfNullOrWhiteSpace(what);
        var started = Stopwatch.GetTimestamp();
        while (!condition())
        {
            if (Stopwatch.GetElapsedTime(started) >= timeout)
            {
                // One last look: the condition may have come true while the deadline passed.
                if (condition()) return;
                throw new TimeoutException(string.Create(CultureInfo.InvariantCulture,
                    $"timed out after {timeout.TotalSeconds:0.###} s waiting until {what}{(state is null ? "" : "; " + state())}"));
            }
            await Task.Delay(poll ?? DefaultPoll).ConfigureAwait(false);
        }
    }
}
