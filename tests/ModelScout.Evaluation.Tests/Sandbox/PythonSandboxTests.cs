using System.Net;
using System.Net.Sockets;
using ModelScout.Evaluation.Sandbox;
using ModelScout.Testing;

namespace ModelScout.Evaluation.Tests.Sandbox;

// Programs are real python run through the real sandbox. Timeouts are short so that the hostile cases end quickly;
// nothing here measures speed.
public sealed class PythonSandboxTests : IDisposable
{
    private readonly string workRoot = Path.Combine(Path.GetTempPath(), "scout-sandbox-test-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(workRoot)) Directory.Delete(workRoot, recursive: true);
    }

    private PythonSandbox Sandbox(SandboxLimits? limits = null) =>
        new((limits ?? new SandboxLimits()) with { WorkRoot = workRoot });

    private static Task<CodeRunResult> Run(PythonSandbox sandbox, string program) => sandbox.RunAsync(program, CancellationToken.None);

    [Fact]
    public async Task A_correct_program_passes_and_its_directory_is_removed()
    {
        var result = await Run(Sandbox(), "def add(a, b):\n    return a + b\n\nassert add(2, 3) == 5\nprint('ok')\n");

        Assert.Equal(CodeRunOutcome.Passed, result.Outcome);
        Assert.Empty(Directory.GetFileSystemEntries(workRoot));
    }

    [Fact]
    public async Task An_assertion_failure_fails_with_the_error_in_the_detail()
    {
        var result = await Run(Sandbox(), "def check(f):\n    assert f(2) == 5, 'wrong sum'\n\ncheck(lambda x: x)\n");

        Assert.Equal(CodeRunOutcome.Failed, result.Outcome);
        Assert.Contains("AssertionError: wrong sum", result.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_infinite_loop_times_out_at_the_wall_clock_limit()
    {
        var result = await Run(Sandbox(new SandboxLimits { WallTimeout = TimeSpan.FromSeconds(1.5) }), "while True:\n    pass\n");

        Assert.Equal(CodeRunOutcome.TimedOut, result.Outcome);
        Assert.True(result.Elapsed < TimeSpan.FromSeconds(10), result.Elapsed.ToString());
    }

    [Fact]
    public async Task Cancelling_a_run_kills_it_and_throws()
    {
        var sandbox = Sandbox(new SandboxLimits { WallTimeout = TimeSpan.FromSeconds(60) });
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(1));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => sandbox.RunAsync("while True:\n    pass\n", cancel.Token));

        Assert.Empty(ProcessesMentioning(workRoot));
        Assert.Empty(Directory.GetFileSystemEntries(workRoot));
    }

    [Fact]
    public async Task The_cpu_limit_ends_a_busy_program_as_a_resource_limit()
    {
        var result = await Run(Sandbox(new SandboxLimits { CpuSeconds = 1, WallTimeout = TimeSpan.FromSeconds(30) }), "while True:\n    pass\n");

        Assert.Equal(CodeRunOutcome.ResourceLimit, result.Outcome);
        Assert.Contains("CPU", result.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Allocating_ten_gigabytes_hits_the_memory_limit()
    {
        var result = await Run(Sandbox(), "block = bytearray(10 * 1024 ** 3)\nprint(len(block))\n");

        Assert.Equal(CodeRunOutcome.ResourceLimit, result.Outcome);
        Assert.Contains("memory", result.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Writing_past_the_file_size_limit_is_a_resource_limit()
    {
        var result = await Run(Sandbox(new SandboxLimits { FileSizeBytes = 1 << 20 }), "with open('big.bin', 'wb') as f:\n    f.write(b'x' * (4 << 20))\n");

        Assert.Equal(CodeRunOutcome.ResourceLimit, result.Outcome);
        Assert.Contains("file size", result.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_fork_bomb_is_contained_and_leaves_no_process_behind()
    {
        // ctypes goes straight to libc, past the launcher's python-level guard, so the outer layers are what is tested.
        const string Bomb = """
            import ctypes
            libc = ctypes.CDLL(None)
            while True:
                libc.fork()
            """;
        var sandbox = Sandbox(new SandboxLimits { WallTimeout = TimeSpan.FromSeconds(2), MaxProcesses = 32 });

        var result = await Run(sandbox, Bomb);

        Assert.Contains(result.Outcome, new[] { CodeRunOutcome.TimedOut, CodeRunOutcome.ResourceLimit, CodeRunOutcome.Failed });
        // Every process the bomb made carries the run directory (under workRoot) in its command line.
        List<int> left = [];
        await Eventually.WaitUntilAsync(() => (left = ProcessesMentioning(workRoot)).Count == 0, TimeSpan.FromSeconds(10), "every process the bomb made has exited",
            () => "still running: " + string.Join(", ", left), TimeSpan.FromMilliseconds(50));
        Assert.Empty(left);
    }

    [Fact]
    public async Task The_python_level_guard_refuses_os_fork_and_subprocess()
    {
        var result = await Run(Sandbox(), "import os\nos.fork()\n");
        Assert.Equal(CodeRunOutcome.Failed, result.Outcome);
        Assert.Contains("disabled in the ModelScout sandbox", result.Detail, StringComparison.Ordinal);

        result = await Run(Sandbox(), "import subprocess\nsubprocess.run(['true'])\n");
        Assert.Equal(CodeRunOutcome.Failed, result.Outcome);
        Assert.Contains("disabled in the ModelScout sandbox", result.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Writing_outside_its_directory_does_not_happen_where_the_file_system_is_read_only()
    {
        var outside = Path.Combine(Path.GetTempPath(), "scout-outside-" + Guid.NewGuid().ToString("N"));
        var sandbox = Sandbox();
        try
        {
            var result = await Run(sandbox, $"open({Py(outside)}, 'w').write('escaped')\n");

            if (sandbox.Isolation.Kind == SandboxIsolationKind.SessionOnly)
            {
                // Without a mount namespace nothing stops the write; docs/eval-sandbox.md says so. Assert that this is the mode reported.
                Assert.False(sandbox.NetworkIsolated);
                return;
            }
            Assert.Equal(CodeRunOutcome.Failed, result.Outcome);
            Assert.False(File.Exists(outside));
        }
        finally
        {
            File.Delete(outside);
        }
    }

    [Fact]
    public async Task A_connection_to_a_local_listener_never_arrives()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var sandbox = Sandbox();

        // _socket is below the launcher's python-level block, so only the network namespace stands in the way.
        var result = await Run(sandbox, $"import _socket\ns = _socket.socket()\ns.settimeout(2)\ns.connect(('127.0.0.1', {port}))\ns.send(b'hello')\n");

        if (sandbox.NetworkIsolated)
        {
            Assert.Equal(CodeRunOutcome.Failed, result.Outcome);
            Assert.False(listener.Pending());
        }
        else
        {
            Assert.Equal(SandboxIsolationKind.SessionOnly, sandbox.Isolation.Kind);
        }

        // The ordinary socket module is refused in every mode.
        result = await Run(sandbox, $"import socket\nsocket.create_connection(('127.0.0.1', {port}), timeout=2)\n");
        Assert.Equal(CodeRunOutcome.Failed, result.Outcome);
        Assert.False(listener.Pending());
    }

    [Fact]
    public async Task The_environment_is_scrubbed()
    {
        var name = "SCOUT_TEST_SECRET_" + Guid.NewGuid().ToString("N");
        Environment.SetEnvironmentVariable(name, "hunter2");
        try
        {
            var result = await Run(Sandbox(), $$"""
                import os
                assert {{Py(name)}} not in os.environ, 'secret visible'
                assert 'hunter2' not in repr(dict(os.environ)), 'secret value visible'
                assert os.environ['HOME'] == os.getcwd(), os.environ['HOME']
                extra = set(os.environ) - {'PATH', 'LANG', 'HOME', 'TMPDIR', 'PYTHONDONTWRITEBYTECODE', 'PYTHONHASHSEED', 'PYTHONIOENCODING', 'LC_CTYPE'}
                assert not extra, sorted(extra)
                """);

            Assert.True(result.Outcome == CodeRunOutcome.Passed, result.Detail);
        }
        finally
        {
            Environment.SetEnvironmentVariable(name, null);
        }
    }

    [Fact]
    public async Task Stdin_is_closed()
    {
        var result = await Run(Sandbox(new SandboxLimits { WallTimeout = TimeSpan.FromSeconds(5) }), "import sys\nassert sys.stdin.read() == ''\n");

        Assert.True(result.Outcome == CodeRunOutcome.Passed, result.Detail);
    }

    [Fact]
    public async Task Huge_output_is_capped_and_the_run_still_ends()
    {
        var limits = new SandboxLimits { OutputLimitBytes = 4096 };
        var result = await Run(Sandbox(limits), "import sys\nsys.stderr.write(''.join('line %d\\n' % i for i in range(200000)))\nraise SystemExit(3)\n");

        Assert.Equal(CodeRunOutcome.Failed, result.Outcome);
        Assert.True(result.Detail.Length < 4096, result.Detail.Length.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Contains("line 199999", result.Detail, StringComparison.Ordinal);
        Assert.Contains("cut", result.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_missing_python_is_a_sandbox_error_that_says_what_to_install()
    {
        var result = await Run(Sandbox(new SandboxLimits { PythonPath = "/nonexistent/python3" }), "print(1)\n");

        Assert.Equal(CodeRunOutcome.SandboxError, result.Outcome);
        Assert.Contains("install Python 3", result.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_pool_runs_real_programs_and_keeps_their_order()
    {
        using var pool = new SandboxPool(Sandbox(), maxConcurrency: 2);
        var programs = new[] { "pass\n", "assert False\n", "pass\n", "raise SystemExit(2)\n" };

        var results = await pool.RunAllAsync(programs, CancellationToken.None);

        Assert.Equal(
            new[] { CodeRunOutcome.Passed, CodeRunOutcome.Failed, CodeRunOutcome.Passed, CodeRunOutcome.Failed },
            results.Select(r => r.Outcome).ToArray());
    }

    private static string Py(string text) => "'" + text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("'", "\\'", StringComparison.Ordinal) + "'";

    private static List<int> ProcessesMentioning(string marker) => SandboxLayerTests.ProcessesMentioning(marker);
}
