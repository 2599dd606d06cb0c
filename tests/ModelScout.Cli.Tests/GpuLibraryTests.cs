using System.Diagnostics;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using ModelScout.Cli.Framework;
using ModelScout.Core.Settings;
using ModelScout.Engine;
using ModelScout.Testing;

namespace ModelScout.Cli.Tests;

/// <summary>SCOUT_LLAMA_LIBRARY through the commands that run llama.cpp, and scout ps.</summary>
public sealed class GpuLibraryTests
{
    private static string Stories => RepoPaths.Model("stories260K.gguf");

    private static CliRun WithLibrary(string library, params string[] args)
    {
        var home = Directory.CreateTempSubdirectory("scout-gpu-home-").FullName;
        var settings = new ScoutSettings(n => n == "SCOUT_LLAMA_LIBRARY" ? library : null, home);
        var run = new RunEnvironment(new StringReader(""), true, (resolver, s) => new ModelHost(resolver, s), _ => new Nothing());
        return Scout.RunIn(settings, run, args);
    }

    private sealed class Nothing : IDisposable
    {
        public void Dispose() { }
    }

    private static string NotALibrary()
    {
        var path = Path.Combine(Directory.CreateTempSubdirectory("scout-lib-").FullName, "libllama.so");
        File.WriteAllText(path, "not a library");
        return path;
    }

    [Fact]
    public void Run_with_a_missing_library_exits_1_saying_there_is_no_file()
    {
        var missing = Path.Combine(Path.GetTempPath(), "scout-no-build", "libllama.so");
        var run = WithLibrary(missing, "run", Stories, "Once", "--num-predict", "2");
        Assert.Equal(ExitCodes.Error, run.ExitCode);
        Assert.Contains($"there is no file {missing}", run.Stderr, StringComparison.Ordinal);
        Assert.Equal("", run.Stdout);
    }

    [Fact]
    public void Serve_with_a_file_that_is_not_a_library_refuses_to_start()
    {
        var run = WithLibrary(NotALibrary(), "serve", "--host", "127.0.0.1:0");
        Assert.Equal(ExitCodes.Error, run.ExitCode);
        Assert.Contains("is not a shared library", run.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("listening", run.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void Bench_local_with_a_bad_library_names_the_library_not_the_model()
    {
        var run = WithLibrary(NotALibrary(), "bench", "--local", Stories, "--pp", "8", "--tg", "4", "--repetitions", "1");
        Assert.Equal(ExitCodes.Error, run.ExitCode);
        Assert.Contains("SCOUT_LLAMA_LIBRARY", run.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("scout inspect", run.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Gpu_layers_must_be_auto_or_a_count()
    {
        var run = Scout.Run("bench", "--local", Stories, "--gpu-layers", "many");
        Assert.Equal(ExitCodes.Usage, run.ExitCode);
        Assert.Contains("--gpu-layers=many is neither auto nor a layer count", run.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Env_lists_the_library_and_gpu_layer_settings()
    {
        var run = Scout.Run("env");
        Assert.Equal(0, run.ExitCode);
        Assert.Contains(ScoutVariables.LlamaLibrary.Name, run.Stdout, StringComparison.Ordinal);
        Assert.Contains(ScoutVariables.GpuLayers.Name, run.Stdout, StringComparison.Ordinal);
    }

    // The bundled build as a user would give it: the file the CPU policy would pick, passed explicitly, in a new
    // process (a process loads one llama.cpp library, and this test process loaded one already).
    private static string BundledLibrary()
    {
        var native = Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native");
        var flags = File.Exists("/proc/cpuinfo") ? File.ReadAllText("/proc/cpuinfo") : "";
        var level = flags.Contains(" avx2", StringComparison.Ordinal) ? "avx2" : "noavx";
        return Path.Combine(native, level, "libllama.so");
    }

    private static async Task<(int Code, string Stdout, string Stderr)> ScoutProcess(string library, params string[] args)
    {
        // scout.dll with this test assembly's dependency list, which names every library the engine needs.
        var bin = AppContext.BaseDirectory;
        var psi = new ProcessStartInfo("dotnet", ["exec", "--runtimeconfig", Path.Combine(bin, "ModelScout.Cli.Tests.runtimeconfig.json"),
            "--depsfile", Path.Combine(bin, "ModelScout.Cli.Tests.deps.json"), Path.Combine(bin, "scout.dll"), .. args]) { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true };
        psi.Environment["SCOUT_LLAMA_LIBRARY"] = library;
        psi.Environment["SCOUT_HOME"] = Directory.CreateTempSubdirectory("scout-gpu-home-").FullName;
        psi.Environment["SCOUT_NUM_THREAD"] = "1";
        using var p = Process.Start(psi)!;
        p.StandardInput.Close();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        var stdout = p.StandardOutput.ReadToEndAsync(timeout.Token);
        var stderr = p.StandardError.ReadToEndAsync(timeout.Token);
        await p.WaitForExitAsync(timeout.Token);
        return (p.ExitCode, await stdout, await stderr);
    }

    [LinuxX64Fact]
    public async Task Run_on_the_bundled_library_given_explicitly_says_which_library_and_backend_it_used()
    {
        var library = BundledLibrary();
        var (code, stdout, stderr) = await ScoutProcess(library, "run", Stories, "Once upon a time", "--num-predict", "4", "--temperature", "0");
        Assert.True(code == 0, stderr);
        Assert.NotEqual("", stdout.Trim());
        Assert.Contains("0 layers on the GPU (CPU only)", stderr, StringComparison.Ordinal);
        Assert.Contains($"llama.cpp library {library} (CPU only", stderr, StringComparison.Ordinal);
    }

    [LinuxX64Fact]
    public async Task Bench_local_on_the_bundled_library_given_explicitly_reports_it_and_zero_gpu_layers_in_json()
    {
        var library = BundledLibrary();
        var (code, stdout, stderr) = await ScoutProcess(library, "bench", "--local", Stories, "--pp", "8", "--tg", "4", "--repetitions", "1", "--gpu-layers", "auto", "--json");
        Assert.True(code == 0, stderr);
        var doc = JsonDocument.Parse(stdout).RootElement;
        Assert.Equal(library, doc.GetProperty("library").GetString());
        Assert.Equal(0, doc.GetProperty("gpuLayers").GetInt32());
        Assert.Equal(0, doc.GetProperty("gpuBytes").GetInt64());
        Assert.Contains("CPU :", doc.GetProperty("backend").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Ps_shows_the_cpu_gpu_split_and_layers_from_api_ps()
    {
        await using var server = await LoopbackHttpServer.StartAsync(app => app.MapGet("/api/ps", () => Microsoft.AspNetCore.Http.Results.Text(
            """{"models":[{"name":"llama3.1:8b","model":"llama3.1:8b","size":4000000000,"digest":"abc","details":{},"expires_at":"2026-03-04T05:06:07Z","size_vram":1000000000,"context_length":8192,"gpu_layers":8,"total_layers":33}]}""",
            "application/json")));
        var run = Scout.Run("ps", "--host", server.BaseUri.Authority);
        Assert.True(run.ExitCode == 0, run.Stderr);
        Assert.Contains("llama3.1:8b", run.Stdout, StringComparison.Ordinal);
        Assert.Contains("75%/25% CPU/GPU", run.Stdout, StringComparison.Ordinal);
        Assert.Contains("8/33", run.Stdout, StringComparison.Ordinal);
        var json = JsonDocument.Parse(Scout.Run("ps", "--host", server.BaseUri.Authority, "--json").Stdout).RootElement.GetProperty("models")[0];
        Assert.Equal(1000000000, json.GetProperty("size_vram").GetInt64());
        Assert.Equal(8, json.GetProperty("gpu_layers").GetInt32());
    }

    [Fact]
    public void Ps_without_a_server_says_how_to_start_one()
    {
        var run = Scout.Run("ps", "--host", "127.0.0.1:1");
        Assert.Equal(ExitCodes.Error, run.ExitCode);
        Assert.Contains("start one with `scout serve`", run.Stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(100, 0, "100% CPU")]
    [InlineData(100, 100, "100% GPU")]
    [InlineData(4000, 1000, "75%/25% CPU/GPU")]
    public void Processor_column_reads_like_ollamas(long size, long vram, string expected) =>
        Assert.Equal(expected, ModelScout.Cli.Commands.PsCommand.Processor(size, vram));
}

/// <summary>Runs where the bundled linux-x64 llama.cpp build can load; a named skip elsewhere.</summary>
public sealed class LinuxX64FactAttribute : FactAttribute
{
    public LinuxX64FactAttribute()
    {
        if (!OperatingSystem.IsLinux() || System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture != System.Runtime.InteropServices.Architecture.X64)
            Skip = "starts scout on the bundled linux-x64 llama.cpp build";
    }
}
