using ModelScout.Evaluation.Sandbox;

namespace ModelScout.Evaluation.Tests.Sandbox;

// Every outer layer, not only the one the probe picks on this machine: the fallbacks must classify outcomes the same
// way and leave nothing running. (Fork bombs stay in PythonSandboxTests: as root only the uid-65534 layer bounds them.)
public sealed class SandboxLayerTests : IDisposable
{
    private readonly string workRoot = Path.Combine(Path.GetTempPath(), "scout-sandbox-layer-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(workRoot)) Directory.Delete(workRoot, recursive: true);
    }

    public static TheoryData<SandboxIsolationKind> Kinds() => new(Enum.GetValues<SandboxIsolationKind>());

    private PythonSandbox? Sandbox(SandboxIsolationKind kind)
    {
        var probed = SandboxIsolation.For(null);
        if (probed.Error is not null) return null;
        // The root-only layers cannot be built by a user without privileges; the user-namespace layer needs them to be allowed.
        if (kind is SandboxIsolationKind.NamespacesAsNobody or SandboxIsolationKind.NamespacesWithoutCapabilities && !Environment.IsPrivilegedProcess) return null;
        if (kind != SandboxIsolationKind.SessionOnly && probed.Kind == SandboxIsolationKind.SessionOnly) return null;
        if (kind == SandboxIsolationKind.NamespacesAsNobody && probed.Kind != SandboxIsolationKind.NamespacesAsNobody) return null;
        return new PythonSandbox(new SandboxLimits { WorkRoot = workRoot, WallTimeout = TimeSpan.FromSeconds(3) }, probed with { Kind = kind });
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public async Task Each_layer_classifies_pass_fail_and_timeout(SandboxIsolationKind kind)
    {
        var sandbox = Sandbox(kind);
        if (sandbox is null) return;

        Assert.Equal(CodeRunOutcome.Passed, (await sandbox.RunAsync("import os\nassert 'HOME' in os.environ and len(os.environ) < 12\n", CancellationToken.None)).Outcome);
        var failed = await sandbox.RunAsync("assert 1 == 2, 'nope'\n", CancellationToken.None);
        Assert.Equal(CodeRunOutcome.Failed, failed.Outcome);
        Assert.Contains("AssertionError: nope", failed.Detail, StringComparison.Ordinal);
        Assert.Equal(CodeRunOutcome.TimedOut, (await sandbox.RunAsync("while True:\n    pass\n", CancellationToken.None)).Outcome);
        Assert.Equal(kind != SandboxIsolationKind.SessionOnly, sandbox.NetworkIsolated);
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public async Task A_child_left_running_after_the_program_exits_is_killed(SandboxIsolationKind kind)
    {
        var sandbox = Sandbox(kind);
        if (sandbox is null) return;

        // ctypes fork gets past the python guard; the child sleeps on while the parent exits with success.
        var result = await sandbox.RunAsync("import ctypes, time\nif ctypes.CDLL(None).fork() == 0:\n    time.sleep(60)\n", CancellationToken.None);

        Assert.Equal(CodeRunOutcome.Passed, result.Outcome);
        Assert.Empty(ProcessesMentioning(workRoot));
    }

    internal static List<int> ProcessesMentioning(string marker)
    {
        var found = new List<int>();
        foreach (var entry in Directory.GetDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(entry), out var pid)) continue;
            try
            {
                var cmdline = File.ReadAllText(Path.Combine(entry, "cmdline"));
                var stat = File.ReadAllText(Path.Combine(entry, "stat"));
                var state = stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[0];
                if (state != "Z" && cmdline.Contains(marker, StringComparison.Ordinal)) found.Add(pid);
            }
            catch (IOException)
            {
            }
            catch (UnauthorizedAccessException)
            {
            }
        }
        return found;
    }
}
