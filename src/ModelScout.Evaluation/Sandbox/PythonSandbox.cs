using System.Diagnostics;
using System.Text;

namespace ModelScout.Evaluation.Sandbox;

/// <summary>
/// Runs an untrusted python program (a HumanEval candidate) in its own directory with time, memory, file-size and
/// process limits, no network where the machine allows a network namespace, and a scrubbed environment.
/// What each layer contains, as root and not, is in docs/eval-sandbox.md.
/// </summary>
public sealed class PythonSandbox : ICodeRunner
{
    private static readonly TimeSpan SweepDeadline = TimeSpan.FromSeconds(5);

    private readonly SandboxLimits limits;
    private readonly Lazy<SandboxIsolation> isolation;

    public PythonSandbox(SandboxLimits? limits = null)
    {
        this.limits = limits ?? new SandboxLimits();
        isolation = new Lazy<SandboxIsolation>(() => SandboxIsolation.For(this.limits.PythonPath));
    }

    /// <summary>A given outer layer instead of the probed one, so that tests can exercise the weaker layers too.</summary>
    internal PythonSandbox(SandboxLimits limits, SandboxIsolation isolation)
    {
        this.limits = limits;
        this.isolation = new Lazy<SandboxIsolation>(isolation);
    }

    /// <summary>The outer layer in use (probed on first use, cached per python for the process).</summary>
    public SandboxIsolation Isolation => isolation.Value;

    /// <inheritdoc />
    public bool NetworkIsolated => Isolation.NetworkIsolated;

    /// <inheritdoc />
    public async Task<CodeRunResult> RunAsync(string program, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(program);
        var clock = Stopwatch.StartNew();
        var iso = Isolation;
        if (iso.Error is not null) return new CodeRunResult(CodeRunOutcome.SandboxError, iso.Error, clock.Elapsed);

        var dir = SandboxDirectory.Create(limits.WorkRoot);
        try
        {
            await File.WriteAllTextAsync(Path.Combine(dir, SandboxLauncher.FileName), SandboxLauncher.Source, cancellationToken);
            await File.WriteAllTextAsync(Path.Combine(dir, SandboxLauncher.ProgramFileName), program, cancellationToken);
            var start = iso.StartInfo(dir, limits);
            start.RedirectStandardOutput = true;
            start.RedirectStandardError = true;

            using var process = new Process { StartInfo = start };
            try
            {
                process.Start();
            }
            catch (System.ComponentModel.Win32Exception e)
            {
                return new CodeRunResult(CodeRunOutcome.SandboxError, $"could not start {start.FileName}: {e.Message}; install util-linux (setsid, unshare, setpriv) and python3", clock.Elapsed);
            }

            var sessionId = process.Id;
            process.StandardInput.Close();
            var stdout = new OutputTail(limits.OutputLimitBytes);
            var stderr = new OutputTail(limits.OutputLimitBytes);
            var readOut = stdout.DrainAsync(process.StandardOutput.BaseStream);
            var readErr = stderr.DrainAsync(process.StandardError.BaseStream);

            var timedOut = false;
            using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
            {
                if (limits.WallTimeout > TimeSpan.Zero) timeout.CancelAfter(limits.WallTimeout);
                try
                {
                    await process.WaitForExitAsync(timeout.Token);
                }
                catch (OperationCanceledException)
                {
                    timedOut = true;
                    KillTree(process);
                }
            }

            // Always sweep: a program may leave a child behind that outlives it (only possible without a PID namespace).
            await SandboxDirectory.KillSessionAsync(sessionId, SweepDeadline);
            try
            {
                await process.WaitForExitAsync(CancellationToken.None).WaitAsync(SweepDeadline, CancellationToken.None);
                await Task.WhenAll(readOut, readErr).WaitAsync(SweepDeadline, CancellationToken.None);
            }
            catch (TimeoutException)
            {
                // Something still holds the pipes; report what was read so far rather than hang the evaluation.
            }
            cancellationToken.ThrowIfCancellationRequested();

            var elapsed = clock.Elapsed;
            if (timedOut)
            {
                return new CodeRunResult(CodeRunOutcome.TimedOut, $"timed out after {limits.WallTimeout.TotalSeconds:0.###} s{Tail(stderr, stdout)}", elapsed);
            }
            if (!process.HasExited)
            {
                return new CodeRunResult(CodeRunOutcome.SandboxError, "the program's processes could not be stopped; check for leftovers with ps", elapsed);
            }
            return Classify(process.ExitCode, stderr, stdout, elapsed);
        }
        finally
        {
            SandboxDirectory.Delete(dir);
        }
    }

    private static void KillTree(Process process)
    {
        try
        {
            process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // Exited on its own at the last moment.
        }
    }

    internal static CodeRunResult Classify(int exitCode, OutputTail stderr, OutputTail stdout, TimeSpan elapsed)
    {
        var errorText = stderr.Text;
        if (exitCode == 0) return new CodeRunResult(CodeRunOutcome.Passed, "passed", elapsed);

        // unshare -f passes the child's fatal signal on as 128 + signal.
        var signal = exitCode > 128 ? exitCode - 128 : 0;
        const int SigKill = 9, SigXcpu = 24, SigXfsz = 25;
        if (signal is SigXcpu or SigKill or SigXfsz)
        {
            var what = signal switch { SigXcpu => "CPU time limit (SIGXCPU)", SigXfsz => "file size limit (SIGXFSZ)", _ => "killed (SIGKILL), most likely the memory limit" };
            return new CodeRunResult(CodeRunOutcome.ResourceLimit, what + Tail(stderr, stdout), elapsed);
        }
        var lastLine = LastLines(errorText, 1);
        if (lastLine.StartsWith("MemoryError", StringComparison.Ordinal))
        {
            return new CodeRunResult(CodeRunOutcome.ResourceLimit, "memory limit (MemoryError)" + Tail(stderr, stdout), elapsed);
        }
        if (lastLine.Contains("[Errno 27]", StringComparison.Ordinal) || lastLine.Contains("File too large", StringComparison.Ordinal))
        {
            return new CodeRunResult(CodeRunOutcome.ResourceLimit, "file size limit" + Tail(stderr, stdout), elapsed);
        }
        return new CodeRunResult(CodeRunOutcome.Failed, $"exit {exitCode}{Tail(stderr, stdout)}", elapsed);
    }

    private static string Tail(OutputTail stderr, OutputTail stdout)
    {
        var source = stderr.Text.Length > 0 ? stderr : stdout;
        var lines = LastLines(source.Text, 10);
        if (lines.Length == 0) return "";
        return (source.Truncated ? ": (output cut to its last part)\n" : ": ") + lines;
    }

    private static string LastLines(string text, int count)
    {
        var lines = text.TrimEnd().Split('\n');
        return string.Join('\n', lines.Skip(Math.Max(0, lines.Length - count))).Trim();
    }

    /// <summary>Reads a stream to its end, keeping only the last <c>limit</c> bytes.</summary>
    internal sealed class OutputTail(int limit)
    {
        private readonly byte[] ring = new byte[Math.Max(1, limit)];
        private long total;
        private bool truncated;

        public bool Truncated => truncated;

        public string Text
        {
            get
            {
                if (total <= ring.Length) return Encoding.UTF8.GetString(ring, 0, (int)total);
                var start = (int)(total % ring.Length);
                var ordered = new byte[ring.Length];
                Array.Copy(ring, start, ordered, 0, ring.Length - start);
                Array.Copy(ring, 0, ordered, ring.Length - start, start);
                return Encoding.UTF8.GetString(ordered);
            }
        }

        public async Task DrainAsync(Stream stream)
        {
            var buffer = new byte[16 * 1024];
            int read;
            while ((read = await stream.ReadAsync(buffer)) > 0)
            {
                Append(buffer.AsSpan(0, read));
            }
        }

        internal void Append(ReadOnlySpan<byte> data)
        {
            if (data.Length >= ring.Length)
            {
                truncated |= total + data.Length > ring.Length;
                data[^ring.Length..].CopyTo(ring);
                // The ring now starts at index 0: a total of exactly one ring says so.
                total = ring.Length;
                return;
            }
            truncated |= total + data.Length > ring.Length;
            var at = (int)(total % ring.Length);
            var first = Math.Min(data.Length, ring.Length - at);
            data[..first].CopyTo(ring.AsSpan(at));
            data[first..].CopyTo(ring);
            total += data.Length;
        }
    }
}
