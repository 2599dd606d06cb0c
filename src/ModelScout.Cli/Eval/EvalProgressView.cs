using System.Diagnostics;
using System.Globalization;
using ModelScout.Evaluation;
using ModelScout.Evaluation.Running;

namespace ModelScout.Cli.Eval;

/// <summary>
/// Progress of a run: one Spectre bar per suite with its ETA on a terminal, otherwise a plain line on stderr when a
/// suite starts, at most every few seconds while it runs, and when it finishes (logs and CI stay readable).
/// </summary>
internal static class EvalProgressView
{
    private static readonly TimeSpan PlainInterval = TimeSpan.FromSeconds(5);

    public static async Task<T> RunAsync<T>(CommandContext ctx, IReadOnlyList<IEvalSuite> suites, Func<IProgress<EvalProgress>, Task<T>> run)
    {
        if (!ctx.ProgressOnTerminal) return await run(new PlainProgress(ctx.Stderr)).ConfigureAwait(false);
        T result = default!;
        await ctx.Notes.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn(), new SpinnerColumn())
            .StartAsync(async p =>
            {
                var tasks = suites.ToDictionary(s => s.Name, s => p.AddTask(s.Name, autoStart: false, maxValue: Math.Max(1, s.Items.Count)));
                result = await run(new BarProgress(tasks)).ConfigureAwait(false);
            }).ConfigureAwait(false);
        return result;
    }

    private static string Line(EvalProgress p)
    {
        var sb = new System.Text.StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"{p.Suite} {p.Done}/{p.Total}");
        if (p.Errors > 0) sb.Append(CultureInfo.InvariantCulture, $", {p.Errors} errors");
        if (p.Truncated > 0) sb.Append(CultureInfo.InvariantCulture, $", {p.Truncated} truncated");
        if (p.Shortened > 0) sb.Append(CultureInfo.InvariantCulture, $", {p.Shortened} shortened to fit");
        if (p.Eta is { } eta && p.Done < p.Total) sb.Append(CultureInfo.InvariantCulture, $", about {Format.Duration(eta)} left");
        return sb.ToString();
    }

    // Reports arrive on the runner's tasks; both views are updated synchronously under their own locks.
    private sealed class BarProgress(Dictionary<string, ProgressTask> tasks) : IProgress<EvalProgress>
    {
        public void Report(EvalProgress value)
        {
            if (!tasks.TryGetValue(value.Suite, out var task)) return;
            if (!task.IsStarted) task.StartTask();
            task.Value = value.Done;
            task.Description = value.Errors + value.Truncated > 0
                ? $"{value.Suite} [grey]({value.Errors} err, {value.Truncated} trunc)[/]"
                : value.Suite;
            if (value.Done >= value.Total) task.StopTask();
        }
    }

    private sealed class PlainProgress(TextWriter writer) : IProgress<EvalProgress>
    {
        private readonly Lock gate = new();
        private readonly Dictionary<string, long> last = new(StringComparer.Ordinal);

        public void Report(EvalProgress value)
        {
            lock (gate)
            {
                var now = Stopwatch.GetTimestamp();
                var first = !last.TryGetValue(value.Suite, out var previous);
                var finished = value.Done >= value.Total;
                if (!first && !finished && Stopwatch.GetElapsedTime(previous, now) < PlainInterval) return;
                if (!first && finished && previous == long.MaxValue) return;
                last[value.Suite] = finished ? long.MaxValue : now;
                writer.WriteLine(Line(value));
            }
        }
    }

    private static class Format
    {
        public static string Duration(TimeSpan t) => t.TotalHours >= 1
            ? $"{(int)t.TotalHours}h{t.Minutes:00}m"
            : t.TotalMinutes >= 1 ? $"{(int)t.TotalMinutes}m{t.Seconds:00}s" : $"{Math.Max(1, (int)Math.Ceiling(t.TotalSeconds))}s";
    }
}
