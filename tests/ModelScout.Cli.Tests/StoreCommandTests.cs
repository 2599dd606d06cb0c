using System.Text.Json;
using ModelScout.Testing;

namespace ModelScout.Cli.Tests;

public sealed class StoreCommandTests : IDisposable
{
    private readonly string dir = Path.Combine(Path.GetTempPath(), "scout-cli-store-" + Guid.NewGuid().ToString("N"));
    private static string Stories => RepoPaths.Model("stories260K.gguf");

    public void Dispose()
    {
        if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
    }

    private CliRun Run(params string[] args) => Scout.Run([.. args, "--models", dir]);

    [Fact]
    public void Import_list_show_copy_and_remove_work_end_to_end()
    {
        var import = Run("import", Stories, "stories:260k");
        Assert.Equal(0, import.ExitCode);
        Assert.Contains("imported stories:260k (llama 293K F32, 1.2 MB)", import.Stdout, StringComparison.Ordinal);
        Assert.Contains("writing manifest", import.Stderr, StringComparison.Ordinal);

        Assert.Equal(0, Run("cp", "stories:260k", "team/tiny").ExitCode);
        var list = Run("ls");
        Assert.Equal(0, list.ExitCode);
        Assert.Contains("stories:260k", list.Stdout, StringComparison.Ordinal);
        Assert.Contains("team/tiny:latest", list.Stdout, StringComparison.Ordinal);
        Assert.Contains("llama 293K F32", list.Stdout, StringComparison.Ordinal);

        var show = Run("show", "STORIES:260K");
        Assert.Equal(0, show.ExitCode);
        Assert.Contains("architecture        llama", show.Stdout, StringComparison.Ordinal);
        Assert.Contains("context length      2048", show.Stdout, StringComparison.Ordinal);
        Assert.Contains("quantization        F32", show.Stdout, StringComparison.Ordinal);

        var rm = Run("rm", "stories:260k", "nosuch");
        Assert.Equal(3, rm.ExitCode);
        Assert.Contains("deleted 'stories:260k'", rm.Stdout, StringComparison.Ordinal);
        Assert.Contains("model 'nosuch' not found", rm.Stderr, StringComparison.Ordinal);
        var json = JsonDocument.Parse(Run("list", "--json").Stdout).RootElement;
        Assert.Equal("modelscout/list/v1", json.GetProperty("schema").GetString());
        var only = Assert.Single(json.GetProperty("models").EnumerateArray());
        Assert.Equal("team/tiny:latest", only.GetProperty("name").GetString());
        Assert.True(File.Exists(only.GetProperty("modelPath").GetString()), "the shared blob was deleted with the first name");
        Assert.Equal("293K", only.GetProperty("details").GetProperty("parameterSize").GetString());
    }

    [Fact]
    public void Create_builds_a_model_from_a_modelfile_next_to_its_gguf()
    {
        Directory.CreateDirectory(dir);
        var work = Path.Combine(dir, "work");
        Directory.CreateDirectory(work);
        File.Copy(Stories, Path.Combine(work, "tiny.gguf"));
        var modelfile = Path.Combine(work, "Modelfile");
        File.WriteAllText(modelfile, "FROM ./tiny.gguf\nPARAMETER temperature 0\nPARAMETER stop \"Lily\"\nSYSTEM \"\"\"Tell short stories.\"\"\"\n");

        var create = Run("create", "storyteller", "-f", modelfile);
        Assert.Equal(0, create.ExitCode);
        Assert.Contains("created storyteller:latest (llama 293K F32", create.Stdout, StringComparison.Ordinal);
        var show = Run("show", "storyteller", "--parameters");
        Assert.Contains("temperature", show.Stdout, StringComparison.Ordinal);
        Assert.Contains("stop", show.Stdout, StringComparison.Ordinal);
        Assert.Contains("Tell short stories.", Run("show", "storyteller", "--system").Stdout, StringComparison.Ordinal);

        // A second model FROM the first shares its GGUF blob.
        File.WriteAllText(modelfile, "FROM storyteller\nPARAMETER temperature 0.7\n");
        Assert.Equal(0, Run("create", "storyteller:warm", "-f", modelfile).ExitCode);
        var models = JsonDocument.Parse(Run("list", "--json").Stdout).RootElement.GetProperty("models").EnumerateArray().ToList();
        Assert.Equal(2, models.Count);
        Assert.Single(models.Select(m => m.GetProperty("modelPath").GetString()).Distinct());
    }

    [Fact]
    public void Create_names_the_line_of_a_bad_modelfile_and_a_missing_one()
    {
        Directory.CreateDirectory(dir);
        var modelfile = Path.Combine(dir, "Modelfile");
        File.WriteAllText(modelfile, "FROM stories\nPARAMETER temprature 0\n");
        var bad = Run("create", "x", "-f", modelfile);
        Assert.Equal(1, bad.ExitCode);
        Assert.Contains("line 2", bad.Stderr, StringComparison.Ordinal);
        var missing = Run("create", "x", "-f", Path.Combine(dir, "nope"));
        Assert.Equal(3, missing.ExitCode);
        Assert.Contains("no Modelfile at", missing.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Show_prints_a_stored_models_modelfile_and_parts_and_json()
    {
        Assert.Equal(0, Run("import", Stories, "stories").ExitCode);
        var modelfile = Run("show", "stories", "--modelfile");
        Assert.Equal(0, modelfile.ExitCode);
        Assert.Contains("# FROM stories:latest", modelfile.Stdout, StringComparison.Ordinal);
        Assert.Contains("\nFROM " + Path.Combine(dir, "blobs", "sha256-270cba1bd5109f42d03350f60406024560464db173c0e387d91f0426d3bd256d"), modelfile.Stdout, StringComparison.Ordinal);

        var json = JsonDocument.Parse(Run("show", "stories", "--json").Stdout).RootElement;
        Assert.Equal("modelscout/show-stored/v1", json.GetProperty("schema").GetString());
        Assert.Equal(2048, json.GetProperty("modelInfo").GetProperty("contextLength").GetInt64());
        Assert.Equal(292_800, json.GetProperty("modelInfo").GetProperty("parameters").GetInt64());
    }

    [Fact]
    public void Show_still_shows_catalog_models_and_refuses_stored_only_flags_for_them()
    {
        var catalog = Run("show", "llama3.1:8b");
        Assert.Equal(0, catalog.ExitCode);
        Assert.Contains("Llama", catalog.Stdout, StringComparison.Ordinal);
        var flags = Run("show", "llama3.1:8b", "--modelfile");
        Assert.Equal(3, flags.ExitCode);
        Assert.Contains("is not in the model store", flags.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Importing_a_file_that_is_not_a_GGUF_exits_1_and_stores_nothing()
    {
        var path = Path.Combine(Path.GetTempPath(), $"scout-notgguf-{Guid.NewGuid():N}.gguf");
        File.WriteAllText(path, "hello");
        try
        {
            var run = Run("import", path, "bad");
            Assert.Equal(1, run.ExitCode);
            Assert.Contains("is not a valid GGUF file", run.Stderr, StringComparison.Ordinal);
            Assert.False(Directory.Exists(dir));
            var badName = Run("import", Stories, "bad name");
            Assert.Equal(1, badName.ExitCode);
            Assert.Contains("invalid model name 'bad name'", badName.Stderr, StringComparison.Ordinal);
            Assert.False(Directory.Exists(dir));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Copying_a_missing_model_exits_3_with_what_to_do()
    {
        var run = Run("cp", "missing", "other");
        Assert.Equal(3, run.ExitCode);
        Assert.Contains("scout pull missing", run.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Pull_from_a_registry_prints_plain_progress_lines_and_json()
    {
        await using var registry = await FakeRegistry.StartAsync();
        registry.Publish("library", "tiny", "latest", File.ReadAllBytes(Stories));
        var run = await Task.Run(() => Run("pull", "tiny", "--registry", registry.BaseUri.AbsoluteUri, "--json"));
        Assert.Equal(0, run.ExitCode);
        var lines = run.Stderr.Split('\n');
        Assert.Contains("pulling manifest", lines);
        Assert.Contains("pulling 270cba1bd510: 1.2 MB", lines);
        Assert.Contains("verifying sha256 digest", lines);
        Assert.Contains("success", lines);
        var json = JsonDocument.Parse(run.Stdout).RootElement;
        Assert.Equal("modelscout/pull/v1", json.GetProperty("schema").GetString());
        Assert.Equal("tiny:latest", json.GetProperty("model").GetProperty("name").GetString());

        var missing = await Task.Run(() => Run("pull", "nosuch", "--registry", registry.BaseUri.AbsoluteUri));
        Assert.Equal(3, missing.ExitCode);
        Assert.Contains("was not found in the registry", missing.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Pull_refuses_plain_http_to_a_remote_registry_without_insecure()
    {
        var run = Run("pull", "tiny", "--registry", "http://registry.example.com");
        Assert.Equal(1, run.ExitCode);
        Assert.Contains("--insecure", run.Stderr, StringComparison.Ordinal);
    }
}
