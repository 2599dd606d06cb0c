using System.Collections.Concurrent;
using System.Diagnostics;

namespace ModelScout.Evaluation.Sandbox;

/// <summary>Which outer layer wraps the python launcher; chosen once per python by trying the strongest first.</summary>
public enum SandboxIsolationKind
{
    /// <summary>Root: new network, PID and mount namespaces, the file system read-only except the run's directory, run as uid 65534.</summary>
    NamespacesAsNobody,

    /// <summary>Root, but the python is not readable by uid 65534: the same namespaces, uid 0 with every capability dropped.</summary>
    NamespacesWithoutCapabilities,

    /// <summary>Not root: a user namespace holding the same network, PID and mount namespaces.</summary>
    UserNamespace,

    /// <summary>No namespaces here: a new session killed as a whole, and the launcher's python-level guards only.</summary>
    SessionOnly,
}

/// <summary>The outer layer found to work on this machine, and the tools it runs.</summary>
/// <param name="Python">Absolute path of the python executable.</param>
/// <param name="Error">Set when no python could be started at all; says what to install.</param>
public sealed record SandboxIsolation(SandboxIsolationKind Kind, string Python, string? Error = null)
{
    /// <summary>True when the program runs in its own network namespace (loopback down, nothing else).</summary>
    public bool NetworkIsolated => Error is null && Kind != SandboxIsolationKind.SessionOnly;

    /// <summary>A few words for the report.</summary>
    public string Description => Error ?? Kind switch
    {
        SandboxIsolationKind.NamespacesAsNobody => "network/pid/mount namespaces, read-only file system, uid 65534",
        SandboxIsolationKind.NamespacesWithoutCapabilities => "network/pid/mount namespaces, read-only file system, uid 0 without capabilities",
        SandboxIsolationKind.UserNamespace => "user namespace with network/pid/mount namespaces, read-only file system",
        _ => "process session and python-level guards only; network NOT isolated",
    };

    private static readonly ConcurrentDictionary<string, Lazy<SandboxIsolation>> Cache = new(StringComparer.Ordinal);

    // Runs inside the new namespaces as (mapped) root: everything read-only except the run's directory, then drops privilege.
    internal const string SetupScript = """
        set -e
        d="$1"; who="$2"; shift 2
        if [ "$who" = nobody ]; then chown 65534:65534 "$d"; fi
        # /sys is hidden under an empty read-only tmpfs in one step instead of a remount per cgroup controller.
        mount -t tmpfs -o ro,size=4k,mode=555 scout-sandbox /sys 2>/dev/null || mount -o remount,bind,ro /sys 2>/dev/null || true
        while read -r _ mnt _ opts _; do
          case "$mnt" in /proc|/proc/*|/dev|/dev/pts|/sys|/sys/*|*\\*) continue ;; esac
          case "$opts" in ro|ro,*) continue ;; esac
          # Per-mount flag in this namespace only: the host's mounts stay as they are.
          mount -o remount,bind,ro "$mnt" 2>/dev/null || true
        done < /proc/self/mounts
        mount --bind "$d" "$d"
        mount -o remount,bind,rw "$d"
        cd "$d"
        unset OLDPWD PWD
        # Not exec: the shell stays PID 1 of the namespace and turns a fatal signal into 128 + signal, which unshare passes on.
        set +e
        case "$who" in
          nobody) setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all --bounding-set=-all --no-new-privs "$@" ;;
          nocaps) setpriv --inh-caps=-all --bounding-set=-all --no-new-privs "$@" ;;
          *) "$@" ;;
        esac
        exit $?
        """;

    /// <summary>The isolation for <paramref name="python"/> (null: python3 on PATH), probed once per process and cached.</summary>
    public static SandboxIsolation For(string? python) =>
        Cache.GetOrAdd(python ?? "", key => new Lazy<SandboxIsolation>(() => Probe(key.Length == 0 ? null : key))).Value;

    private static SandboxIsolation Probe(string? python)
    {
        var resolved = ResolvePython(python);
        if (resolved is null)
        {
            return new SandboxIsolation(SandboxIsolationKind.SessionOnly, python ?? "python3",
                $"'{python ?? "python3"}' could not be started: install Python 3 (e.g. apt-get install python3) or set the sandbox's python path");
        }

        var candidates = Environment.IsPrivilegedProcess
            ? new[] { SandboxIsolationKind.NamespacesAsNobody, SandboxIsolationKind.NamespacesWithoutCapabilities }
            : new[] { SandboxIsolationKind.UserNamespace };
        foreach (var kind in candidates)
        {
            if (Works(new SandboxIsolation(kind, resolved))) return new SandboxIsolation(kind, resolved);
        }

        var fallback = new SandboxIsolation(SandboxIsolationKind.SessionOnly, resolved);
        return Works(fallback)
            ? fallback
            : fallback with { Error = $"the sandbox launcher could not run with {resolved}: check that it is Python 3 with the standard library and that setsid (util-linux) is installed" };
    }

    private static bool Works(SandboxIsolation isolation)
    {
        var dir = SandboxDirectory.Create(null);
        try
        {
            File.WriteAllText(Path.Combine(dir, SandboxLauncher.FileName), SandboxLauncher.Source);
            File.WriteAllText(Path.Combine(dir, SandboxLauncher.ProgramFileName), "import os\nopen('probe', 'w').write(str(os.getpid()))\n");
            var start = isolation.StartInfo(dir, new SandboxLimits());
            start.RedirectStandardOutput = true;
            start.RedirectStandardError = true;
            using var process = Process.Start(start);
            if (process is null) return false;
            _ = process.StandardOutput.ReadToEndAsync();
            _ = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(TimeSpan.FromSeconds(20)))
            {
                process.Kill(entireProcessTree: true);
                return false;
            }
            return process.ExitCode == 0 && File.Exists(Path.Combine(dir, "probe"));
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return false;
        }
        finally
        {
            SandboxDirectory.Delete(dir);
        }
    }

    private static string? ResolvePython(string? python)
    {
        // A pyenv or asdf shim is a script that needs the caller's environment; the sandbox scrubs it, so run the real binary.
        try
        {
            var start = new ProcessStartInfo(python ?? "python3") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            start.ArgumentList.Add("-c");
            start.ArgumentList.Add("import sys; print(sys.executable)");
            using var process = Process.Start(start);
            if (process is null) return null;
            var output = process.StandardOutput.ReadToEndAsync();
            _ = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(TimeSpan.FromSeconds(20)))
            {
                process.Kill(entireProcessTree: true);
                return null;
            }
            var path = output.Result.Trim();
            return process.ExitCode == 0 && Path.IsPathRooted(path) && File.Exists(path) ? path : null;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null;
        }
    }

    /// <summary>The command line for one run in <paramref name="directory"/>; scrubbed environment, stdin redirected (closed by the caller).</summary>
    internal ProcessStartInfo StartInfo(string directory, SandboxLimits limits)
    {
        var start = new ProcessStartInfo
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            WorkingDirectory = directory,
        };
        // setsid puts everything the program starts into a session whose id is the pid we know, so it can be swept afterwards.
        start.FileName = "setsid";
        if (Kind != SandboxIsolationKind.SessionOnly)
        {
            start.ArgumentList.Add("unshare");
            if (Kind == SandboxIsolationKind.UserNamespace) start.ArgumentList.Add("-r");
            foreach (var arg in new[] { "-m", "-n", "-p", "-f", "--kill-child", "--mount-proc", "--propagation", "private", "--", "/bin/sh", "-c", SetupScript, "sh", directory })
            {
                start.ArgumentList.Add(arg);
            }
            start.ArgumentList.Add(Kind switch
            {
                SandboxIsolationKind.NamespacesAsNobody => "nobody",
                SandboxIsolationKind.NamespacesWithoutCapabilities => "nocaps",
                _ => "keep",
            });
        }

        start.ArgumentList.Add(Python);
        start.ArgumentList.Add("-s");
        start.ArgumentList.Add("-B");
        start.ArgumentList.Add(Path.Combine(directory, SandboxLauncher.FileName));
        start.ArgumentList.Add(Path.Combine(directory, SandboxLauncher.ProgramFileName));
        start.ArgumentList.Add(Invariant(limits.CpuSeconds));
        start.ArgumentList.Add(Invariant(limits.MemoryBytes));
        start.ArgumentList.Add(Invariant(limits.FileSizeBytes));
        start.ArgumentList.Add(Invariant(limits.MaxProcesses));
        // The python-level socket block stays on even inside a network namespace: a second wall costs nothing.
        start.ArgumentList.Add("1");

        start.Environment.Clear();
        start.Environment["PATH"] = "/usr/local/bin:/usr/bin:/bin";
        start.Environment["LANG"] = "C.UTF-8";
        start.Environment["HOME"] = directory;
        start.Environment["TMPDIR"] = directory;
        start.Environment["PYTHONDONTWRITEBYTECODE"] = "1";
        start.Environment["PYTHONHASHSEED"] = "0";
        start.Environment["PYTHONIOENCODING"] = "utf-8";
        return start;
    }

    private static string Invariant(long value) => value.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
