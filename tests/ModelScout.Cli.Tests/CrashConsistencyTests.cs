using System.Diagnostics;
using System.Text.Json;
using ModelScout.Store;
using ModelScout.Testing;

namespace ModelScout.Cli.Tests;

/// <summary>
/// kill -9 in the middle of import, create, cp and rm: the real scout binary runs as a child process, stops at a named
/// step of its store write (SCOUT_TEST_PAUSE_AT) and is killed there. Afterwards no manifest names a missing or partial
/// blob and no partial blob is under its final name; the next `scout list` removes the leftovers and says so, and the
/// same command run again succeeds.
/// </summary>
public sealed class CrashConsistencyTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("scout-crash-").FullName;

    private string Root => Path.Combine(dir, "store");

    private static string Stories => RepoPaths.Model("stories260K.gguf");

    public void Dispose()
    {
        try
        {
            Directory.Delete(dir, recursive: true);
        }
        catch (IOException)
        {
            // Left in the temp folder at worst.
        }
    }

    private string[] Command(string operation) => operation switch
    {
        "import" => ["import", Stories, "fresh"],
        "create" => ["create", "fresh", "-f", Modelfile()],
        "cp" => ["cp", "base", "copy"],
        "rm" => ["rm", "base"],
        _ => throw new ArgumentOutOfRangeException(nameof(operation)),
    };

    private string Modelfile()
    {
        var path = Path.Combine(dir, "Modelfile");
        File.WriteAllText(path, $"FROM {Stories}\nSYSTEM You tell short stories.\nPARAMETER temperature 0.2\n");
        return path;
    }

    [Theory]
    [InlineData("import", "blob-written")]
    [InlineData("import", "blob-committed")]
    [InlineData("import", "manifest-written")]
    [InlineData("create", "blob-written")]
    [InlineData("create", "manifest-written")]
    [InlineData("cp", "manifest-written")]
    [InlineData("rm", "manifest-removed")]
    public async Task Killed_at_a_write_step_the_store_stays_consistent_and_list_cleans_up(string operation, string step)
    {
        var store = new ModelStore(Root);
        if (operation is "cp" or "rm") await store.ImportAsync(Stories, "base");
        var args = Command(operation);

        await KillAtAsync(step, args);

        // What a reader sees right after the crash: temporaries at most, never a manifest naming a missing or partial blob.
        var problems = StoreAudit.Problems(Root, allowTemporaries: true);
        Assert.True(problems.Count == 0, $"after kill -9 at {step}:\n{string.Join("\n", problems)}");
        var temporaries = Temporaries();
        if (step is "blob-written" or "manifest-written") Assert.NotEmpty(temporaries);
        if (step == "manifest-removed") Assert.Null(store.Find("base"));

        var list = Scout.Run("list", "--json", "--models", Root);
        Assert.True(list.ExitCode == 0, list.Stderr);
        using (var json = JsonDocument.Parse(list.Stdout))
        {
            var cleaned = json.RootElement.GetProperty("cleaned");
            Assert.Equal(temporaries.Length, cleaned.GetProperty("tempFiles").GetArrayLength());
            Assert.Equal(0, cleaned.GetProperty("damagedManifests").GetArrayLength());
        }
        Assert.Empty(StoreAudit.Problems(Root));
        Assert.Empty(Temporaries());

        // The interrupted command runs to the end the second time.
        if (operation != "rm")
        {
            var again = Scout.Run([.. args, "--models", Root]);
            Assert.True(again.ExitCode == 0, again.Stderr);
            Assert.NotNull(store.Find(operation == "cp" ? "copy" : "fresh"));
            Assert.Empty(StoreAudit.Problems(Root));
        }
    }

    [Fact]
    public async Task List_says_in_words_what_it_cleaned_after_a_killed_import()
    {
        await KillAtAsync("blob-written", Command("import"));
        var list = Scout.Run("list", "--models", Root);
        Assert.True(list.ExitCode == 0, list.Stderr);
        Assert.Contains("Cleaned up 1 temporary file(s) left by an interrupted import", list.Stdout, StringComparison.Ordinal);
        var second = Scout.Run("list", "--models", Root);
        Assert.DoesNotContain("Cleaned up", second.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task List_removes_a_model_whose_blob_a_crash_lost_and_names_it()
    {
        var store = new ModelStore(Root);
        var model = await store.ImportAsync(Stories, "lost");
        File.Delete(model.ModelPath);
        var list = Scout.Run("list", "--json", "--models", Root);
        using var json = JsonDocument.Parse(list.Stdout);
        var damaged = json.RootElement.GetProperty("cleaned").GetProperty("damagedManifests");
        Assert.Equal("lost:latest", damaged[0].GetProperty("name").GetString());
        Assert.Contains("is missing", damaged[0].GetProperty("problem").GetString(), StringComparison.Ordinal);
        Assert.Equal(0, json.RootElement.GetProperty("models").GetArrayLength());
        Assert.Empty(StoreAudit.Problems(Root));
    }

    private string[] Temporaries() =>
    [
        .. Directory.Exists(Path.Combine(Root, "blobs", "partial")) ? Directory.GetFiles(Path.Combine(Root, "blobs", "partial")) : [],
        .. Directory.Exists(Path.Combine(Root, "manifests")) ? Directory.GetFiles(Path.Combine(Root, "manifests"), ".*", SearchOption.AllDirectories) : [],
    ];

    /// <summary>Runs the built scout with <paramref name="args"/>, waits until it reports it paused at <paramref name="step"/>, and SIGKILLs it.</summary>
    private async Task KillAtAsync(string step, string[] args)
    {
        var psi = new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "scout.dll"), .. args, "--models", Root])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        psi.Environment["SCOUT_TEST_PAUSE_AT"] = step;
        psi.Environment["SCOUT_HOME"] = Path.Combine(dir, "home");
        psi.Environment["NO_COLOR"] = "1";
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var seen = new List<string>();
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            while (await p.StandardError.ReadLineAsync(deadline.Token) is { } line)
            {
                seen.Add(line);
                if (line == $"paused at {step}") break;
            }
        }
        catch (OperationCanceledException)
        {
            // Reported below with what it printed.
        }
        var paused = seen.Contains($"paused at {step}");
        p.Kill(entireProcessTree: true);
        await p.WaitForExitAsync();
        Assert.True(paused, $"scout {string.Join(' ', args)} never paused at {step}; it printed:\n{string.Join("\n", seen)}\n{await stdout}");
    }
}
