using System.Reflection;
using ModelScout.Evaluation.Sandbox;
using Xunit.Sdk;

namespace ModelScout.Evaluation.Tests.Sandbox;

// Every outer layer, not only the one the probe picks on this machine: the fallbacks must classify outcomes the same
// way and leave nothing running. (Fork bombs stay in PythonSandboxTests: as root only the uid-65534 layer bounds them.)
// Each theory has one [SandboxLayer] row per SandboxIsolationKind; a new kind needs a row of its own.
public sealed class SandboxLayerTests : IDisposable
{
    private readonly string workRoot = Path.Combine(Path.GetTempPath(), "scout-sandbox-layer-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(workRoot)) Directory.Delete(workRoot, recursive: true);
    }

    /// <summary>Why this machine cannot build <paramref name="kind"/>, or null when it can.</summary>
    internal static string? WhyNot(SandboxIsolationKind kind)
    {
        var probed = SandboxIsolation.For(null);
        if (probed.Error is not null) return $"no sandbox layer runs here: {probed.Error}";
        // The root-only layers cannot be built by a user without privileges; the user-namespace layer needs them to be allowed.
        if (kind is SandboxIsolationKind.NamespacesAsNobody or SandboxIsolationKind.NamespacesWithoutCapabilities && !Environment.IsPrivilegedProcess)
        {
            return $"the {kind} layer needs root, and the tests do not run as root here";
        }
        if (kind != SandboxIsolationKind.SessionOnly && probed.Kind == SandboxIsolationKind.SessionOnly)
        {
            return $"the {kind} layer needs namespaces, and this machine allows none (the sandbox probe fell back to SessionOnly)";
        }
        if (kind == SandboxIsolationKind.NamespacesAsNobody && probed.Kind != SandboxIsolationKind.NamespacesAsNobody)
        {
            return $"the NamespacesAsNobody layer does not work here (the sandbox probe chose {probed.Kind}, e.g. python is not readable by uid 65534)";
        }
        return null;
    }

    private PythonSandbox Sandbox(SandboxIsolationKind kind) =>
        new(new SandboxLimits { WorkRoot = workRoot, WallTimeout = TimeSpan.FromSeconds(3) }, SandboxIsolation.For(null) with { Kind = kind });

    [Theory]
    [SandboxLayer(SandboxIsolationKind.NamespacesAsNobody)]
    [SandboxLayer(SandboxIsolationKind.NamespacesWithoutCapabilities)]
    [SandboxLayer(SandboxIsolationKind.UserNamespace)]
    [SandboxLayer(SandboxIsolationKind.SessionOnly)]
    public async Task Each_layer_classifies_pass_fail_and_timeout(SandboxIsolationKind kind)
    {
        var sandbox = Sandbox(kind);

        Assert.Equal(CodeRunOutcome.Passed, (await sandbox.RunAsync("import os\nassert 'HOME' in os.environ and len(os.environ) < 12\n", CancellationToken.None)).Outcome);
        var failed = await sandbox.RunAsync("assert 1 == 2, 'nope'\n", CancellationToken.None);
        Assert.Equal(CodeRunOutcome.Failed, failed.Outcome);
        Assert.Contains("AssertionError: nope", failed.Detail, StringComparison.Ordinal);
        Assert.Equal(CodeRunOutcome.TimedOut, (await sandbox.RunAsync("while True:\n    pass\n", CancellationToken.None)).Outcome);
        Assert.Equal(kind != SandboxIsolationKind.SessionOnly, sandbox.NetworkIsolated);
    }

    [Theory]
    [SandboxLayer(SandboxIsolationKind.NamespacesAsNobody)]
    [SandboxLayer(SandboxIsolationKind.NamespacesWithoutCapabilities)]
    [SandboxLayer(SandboxIsolationKind.UserNamespace)]
    [SandboxLayer(SandboxIsolationKind.SessionOnly)]
    public async Task A_child_left_running_after_the_program_exits_is_killed(SandboxIsolationKind kind)
    {
        var sandbox = Sandbox(kind);

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

/// <summary>
/// One sandbox layer as a theory row. Where this machine cannot build the layer the row is reported as skipped with
/// the reason, rather than passing without running anything.
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = true)]
public sealed class SandboxLayerAttribute : DataAttribute
{
    public SandboxLayerAttribute(SandboxIsolationKind kind)
    {
        Kind = kind;
        Skip = SandboxLayerTests.WhyNot(kind);
    }

    public SandboxIsolationKind Kind { get; }

    public override IEnumerable<object[]> GetData(MethodInfo testMethod) => [[Kind]];
}
