using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text.Json;
using ModelScout.Testing;

namespace ModelScout.Cli.Tests;

/// <summary>
/// How the build picks a runtime identifier, and which platforms the tool is packed for. The packages themselves are
/// checked by bench/pack-tool.sh (packing takes minutes); here MSBuild is asked, by evaluating the projects (seconds),
/// what a pack would do, and the test output is looked at for what a build did.
/// </summary>
public sealed class ToolPackagingTests
{
    [Fact]
    public void The_test_output_carries_llama_cpp_for_this_machine_only()
    {
        // A build without a RID gets every platform's llama.cpp (~110 MB per output); one hard-coded to another
        // platform gets the wrong one.
        var runtimes = Path.Combine(AppContext.BaseDirectory, "runtimes");
        var withLlama = Directory.EnumerateDirectories(runtimes)
            .Where(d => Directory.EnumerateFiles(d, "*", SearchOption.AllDirectories).Any(f => Path.GetFileName(f).Contains("llama", StringComparison.Ordinal)))
            .Select(Path.GetFileName)
            .ToList();

        Assert.Equal([RuntimeInformation.RuntimeIdentifier], withLlama);
    }

    [Fact]
    public void Packing_leaves_the_RID_to_the_pack_and_covers_every_platform_the_llama_backend_ships()
    {
        var cli = Evaluate("src/ModelScout.Cli/ModelScout.Cli.csproj", "-getProperty:RuntimeIdentifier", "-getProperty:ToolPackageRuntimeIdentifiers");
        var engine = Evaluate("src/ModelScout.Engine/ModelScout.Engine.csproj", "-getProperty:RuntimeIdentifier", "-getItem:Content");

        // The top-level tool package is RID-neutral; a RID fixed in the build would make it one platform's.
        Assert.Equal("", Property(cli, "RuntimeIdentifier"));
        Assert.Equal("", Property(engine, "RuntimeIdentifier"));

        // RID-less, LLamaSharp.Backend.Cpu offers every platform it ships (LLamaSharpRuntimes/<rid>/...).
        var shipped = engine.GetProperty("Items").GetProperty("Content").EnumerateArray()
            .Select(i => i.GetProperty("FullPath").GetString()!.Replace('\\', '/'))
            .Select(p => p.Split("/LLamaSharpRuntimes/", 2))
            .Where(parts => parts.Length == 2)
            .Select(parts => parts[1].Split('/')[0])
            .ToHashSet(StringComparer.Ordinal);
        var packed = Property(cli, "ToolPackageRuntimeIdentifiers").Split(';', StringSplitOptions.RemoveEmptyEntries).ToHashSet(StringComparer.Ordinal);

        Assert.Contains("linux-x64", shipped);
        Assert.Empty(shipped.Except(packed));
        Assert.Contains("any", packed);
    }

    private static string Property(JsonElement result, string name) => result.GetProperty("Properties").GetProperty(name).GetString()!;

    /// <summary>Evaluates a project as `dotnet pack` would (no build, no restore) and returns MSBuild's JSON answer.</summary>
    private static JsonElement Evaluate(string project, params string[] queries)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = RepoPaths.Root,
        };
        foreach (var a in (string[])["msbuild", Path.Combine(RepoPaths.Root, project), "-p:_IsPacking=true", "-nologo", .. queries]) start.ArgumentList.Add(a);
        // The test host's own MSBuild settings must not leak into the child evaluation.
        start.Environment.Remove("MSBuildExtensionsPath");
        start.Environment.Remove("MSBuildSDKsPath");
        start.Environment.Remove("MSBUILD_EXE_PATH");
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        Assert.True(process.WaitForExit(TimeSpan.FromMinutes(3)), "dotnet msbuild did not finish in 3 minutes");
        Assert.True(process.ExitCode == 0, $"dotnet msbuild exited {process.ExitCode}: {stdout.Result}{stderr.Result}");
        using var doc = JsonDocument.Parse(stdout.Result);
        return doc.RootElement.Clone();
    }
}
