using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using ModelScout.Prompting;

namespace ModelScout.Store.Tests;

public class ModelStoreTests
{
    [Fact]
    public async Task Importing_stories260K_stores_one_content_addressed_blob_and_an_Ollama_manifest()
    {
        using var t = new TempStore();
        var progress = new ProgressLog();
        var model = await t.Store.ImportAsync(TestModels.Stories, "stories", progress);

        Assert.Equal("stories:latest", model.Name);
        Assert.Equal("registry.ollama.ai/library/stories:latest", model.FullName);
        Assert.Equal(TestModels.StoriesSha, model.ModelDigest);
        Assert.Equal(Path.Combine(t.Blobs, "sha256-" + TestModels.StoriesSha[7..]), model.ModelPath);
        Assert.Equal(File.ReadAllBytes(TestModels.Stories), File.ReadAllBytes(model.ModelPath));
        Assert.Equal(("gguf", "llama", "293K", "F32"), (model.Details.Format, model.Details.Family, model.Details.ParameterSize, model.Details.QuantizationLevel));
        Assert.Equal(1_185_376, model.Size);

        var manifestPath = Path.Combine(t.Manifests, "registry.ollama.ai", "library", "stories", "latest");
        var manifestBytes = File.ReadAllBytes(manifestPath);
        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(manifestBytes)), model.Digest);
        var manifest = JsonDocument.Parse(manifestBytes).RootElement;
        Assert.Equal(2, manifest.GetProperty("schemaVersion").GetInt32());
        Assert.Equal("application/vnd.docker.distribution.manifest.v2+json", manifest.GetProperty("mediaType").GetString());
        var config = manifest.GetProperty("config");
        Assert.Equal("application/vnd.docker.container.image.v1+json", config.GetProperty("mediaType").GetString());
        var layer = Assert.Single(manifest.GetProperty("layers").EnumerateArray());
        Assert.Equal("application/vnd.ollama.image.model", layer.GetProperty("mediaType").GetString());
        Assert.Equal(TestModels.StoriesSha, layer.GetProperty("digest").GetString());

        var configJson = JsonDocument.Parse(File.ReadAllBytes(t.Store.BlobPath(config.GetProperty("digest").GetString()!)!)).RootElement;
        Assert.Equal("gguf", configJson.GetProperty("model_format").GetString());
        Assert.Equal("llama", configJson.GetProperty("model_family").GetString());
        Assert.Equal("293K", configJson.GetProperty("model_type").GetString());
        Assert.Equal("F32", configJson.GetProperty("file_type").GetString());

        Assert.Equal(2, t.BlobFiles().Length);
        Assert.Empty(t.PartialFiles());
        Assert.Contains("writing manifest", progress.Statuses);
        Assert.Equal("success", progress.Items[^1].Status);
    }

    [Fact]
    public async Task An_uploaded_blob_is_kept_only_when_it_hashes_to_its_digest()
    {
        using var t = new TempStore();
        var bytes = System.Text.Encoding.UTF8.GetBytes("FROM stories\n");
        var digest = "sha256:" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bytes));
        var wrong = "sha256:" + new string('0', 64);

        var e = await Assert.ThrowsAsync<StoreException>(() => t.Store.AddBlobAsync(new MemoryStream(bytes), wrong));
        Assert.Equal(StoreErrorKind.InvalidRequest, e.Kind);
        Assert.Contains(digest, e.Message, StringComparison.Ordinal);
        Assert.Null(t.Store.BlobPath(wrong));
        Assert.Null(t.Store.BlobPath(digest));

        Assert.Equal(digest, await t.Store.AddBlobAsync(new MemoryStream(bytes), digest));
        Assert.Equal(bytes, await File.ReadAllBytesAsync(t.Store.BlobPath(digest)!));
        // Nothing half-written is left beside it.
        Assert.Single(Directory.GetFiles(Path.Combine(t.Store.Root, "blobs")));
    }

    [Fact]
    public async Task Details_come_from_the_header_of_a_GGUF_made_by_the_writer()
    {
        using var t = new TempStore();
        var path = TestModels.WriteTemp(TestModels.Written());
        try
        {
            var model = await t.Store.ImportAsync(path, "written:v1");
            Assert.Equal("Q4_K_M", model.Details.QuantizationLevel);
            Assert.Equal("3K", model.Details.ParameterSize);
            Assert.Equal(["llama"], model.Details.Families);
            Assert.Equal(File.ReadAllBytes(path), File.ReadAllBytes(model.ModelPath));
        }
        finally
        {
            File.Delete(path);
        }
    }

    public static TheoryData<string, byte[]> BadFiles()
    {
        var stories = File.ReadAllBytes(TestModels.Stories);
        var corrupt = (byte[])stories.Clone();
        // The tensor count (bytes 8-15) claims more tensors than the file could ever describe.
        BitConverter.TryWriteBytes(corrupt.AsSpan(8, 8), long.MaxValue);
        return new TheoryData<string, byte[]>
        {
            { "not a GGUF", Encoding.UTF8.GetBytes("this is a README, not a model\n") },
            { "corrupt", corrupt },
            { "truncated", stories[..5000] },
            { "cut in the tensor data", stories[..(stories.Length - 1000)] },
        };
    }

    [Theory]
    [MemberData(nameof(BadFiles))]
    public async Task A_file_that_is_not_a_valid_GGUF_is_refused_and_nothing_is_written(string what, byte[] bytes)
    {
        using var t = new TempStore();
        var path = TestModels.WriteTemp(bytes);
        try
        {
            var e = await Assert.ThrowsAsync<StoreException>(() => t.Store.ImportAsync(path, "bad"));
            Assert.Equal(StoreErrorKind.InvalidRequest, e.Kind);
            Assert.Contains("is not a valid GGUF file (at byte", e.Message, StringComparison.Ordinal);
            Assert.Contains("nothing was written", e.Message, StringComparison.Ordinal);
            Assert.False(Directory.Exists(t.Dir), $"{what}: the store directory was created");
            Assert.Null(t.Store.Find("bad"));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task Importing_a_missing_file_says_so()
    {
        using var t = new TempStore();
        var e = await Assert.ThrowsAsync<StoreException>(() => t.Store.ImportAsync("/no/such/model.gguf", "x"));
        Assert.Contains("no such file: /no/such/model.gguf", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Names_are_found_whatever_their_letter_case_and_a_new_spelling_replaces_the_old()
    {
        using var t = new TempStore();
        await t.Store.ImportAsync(TestModels.Stories, "Tiny:Q1");
        Assert.Equal("Tiny:Q1", t.Store.Find("tiny:q1")!.Name);
        Assert.Equal("Tiny:Q1", t.Store.Resolve("TINY:q1").Name);

        await t.Store.ImportAsync(TestModels.Stories, "tiny:q1");
        var listed = Assert.Single(t.Store.List());
        Assert.Equal("tiny:q1", listed.Name);
        Assert.Single(t.ManifestFiles());
    }

    [Fact]
    public async Task List_is_newest_first_and_skips_a_damaged_manifest()
    {
        using var t = new TempStore();
        await t.Store.ImportAsync(TestModels.Stories, "older");
        var older = Path.Combine(t.Manifests, "registry.ollama.ai", "library", "older", "latest");
        File.SetLastWriteTimeUtc(older, DateTime.UtcNow.AddHours(-1));
        await t.Store.ImportAsync(TestModels.TinyRandom, "newer");
        var damaged = Path.Combine(t.Manifests, "registry.ollama.ai", "library", "damaged", "latest");
        Directory.CreateDirectory(Path.GetDirectoryName(damaged)!);
        File.WriteAllText(damaged, "{ not json");

        Assert.Equal(["newer:latest", "older:latest"], t.Store.List().Select(m => m.Name));
        Assert.Null(t.Store.Find("damaged"));
    }

    [Fact]
    public async Task Remove_deletes_only_the_blobs_no_other_model_uses()
    {
        using var t = new TempStore();
        var a = await t.Store.ImportAsync(TestModels.Stories, "a");
        t.Store.Copy("a", "b");
        await t.Store.CreateAsync("c", new ModelDefinition { From = "a", System = "Be brief." });
        var other = await t.Store.ImportAsync(TestModels.TinyRandom, "other");

        Assert.True(t.Store.Remove("a"));
        Assert.True(File.Exists(a.ModelPath));
        Assert.True(t.Store.Remove("B"));
        Assert.True(File.Exists(a.ModelPath));
        var systemBlob = t.Store.BlobPath(Digest("Be brief."));
        Assert.NotNull(systemBlob);
        Assert.True(t.Store.Remove("c"));
        Assert.False(File.Exists(a.ModelPath));
        Assert.False(File.Exists(systemBlob));

        Assert.True(File.Exists(other.ModelPath));
        Assert.Equal(["other:latest"], t.Store.List().Select(m => m.Name));
        Assert.False(t.Store.Remove("a"));
        Assert.False(Directory.Exists(Path.Combine(t.Manifests, "registry.ollama.ai", "library", "a")));

        Assert.True(t.Store.Remove("other"));
        Assert.Empty(t.BlobFiles());
        Assert.Empty(t.ManifestFiles());
    }

    private static string Digest(string text) => "sha256:" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(text)));

    [Fact]
    public async Task Copy_gives_a_second_name_to_the_same_manifest()
    {
        using var t = new TempStore();
        var source = await t.Store.ImportAsync(TestModels.Stories, "stories");
        var copy = t.Store.Copy("stories", "team/stories:v2");
        Assert.Equal("team/stories:v2", copy.Name);
        Assert.Equal(source.Digest, copy.Digest);
        Assert.Equal(source.ModelPath, copy.ModelPath);
        Assert.Equal(2, t.Store.List().Count);
        Assert.Equal(2, t.BlobFiles().Length);

        var e = Assert.Throws<StoreException>(() => t.Store.Copy("missing", "x"));
        Assert.Equal(StoreErrorKind.NotFound, e.Kind);
    }

    [Fact]
    public async Task Create_writes_template_system_params_license_and_messages_layers_and_Resolve_returns_them()
    {
        using var t = new TempStore();
        await t.Store.ImportAsync(TestModels.Stories, "stories");
        var created = await t.Store.CreateAsync("custom", new ModelDefinition
        {
            From = "stories",
            Parameters = new JsonObject { ["temperature"] = "0.2", ["num_ctx"] = 512, ["stop"] = "</s>" },
            Template = "{{ .System }} {{ .Prompt }}",
            System = "You are terse.",
            Licenses = ["MIT"],
            Messages = [new ChatTurn("user", "hi"), new ChatTurn("assistant", "Once upon a time")],
        });

        Assert.Equal("{{ .System }} {{ .Prompt }}", created.Template);
        Assert.Equal("You are terse.", created.System);
        Assert.Equal(["MIT"], created.Licenses);
        Assert.Equal([new ChatTurn("user", "hi"), new ChatTurn("assistant", "Once upon a time")], created.Messages);
        Assert.Equal("stories:latest", created.Details.ParentModel);
        Assert.Equal(TestModels.StoriesSha, created.ModelDigest);

        // Numbers typed, stop as an array, keys sorted, HTML characters escaped as Go escapes them, a final newline.
        var paramsBlob = t.Store.BlobPath(Digest("{\"num_ctx\":512,\"stop\":[\"\\u003c/s\\u003e\"],\"temperature\":0.2}\n"));
        Assert.NotNull(paramsBlob);

        var resolved = t.Store.Resolve("custom");
        Assert.Equal(0.2f, resolved.Parameters.Temperature);
        Assert.Equal(512, resolved.Parameters.NumCtx);
        Assert.Equal(["</s>"], resolved.Parameters.Stop);
        Assert.Equal("You are terse.", resolved.System);
        Assert.Equal("{{ .System }} {{ .Prompt }}", resolved.Template);
        Assert.Equal(created.ModelPath, resolved.GgufPath);
        Assert.Equal(TestModels.StoriesSha, resolved.Digest);
        Assert.Equal(created.Messages, resolved.Messages);

        // A model made from it inherits its layers; new parameters are merged name by name.
        var derived = await t.Store.CreateAsync("derived", new ModelDefinition { From = "custom", Parameters = new JsonObject { ["top_k"] = 10, ["temperature"] = 0.5 } });
        Assert.Equal("{{ .System }} {{ .Prompt }}", derived.Template);
        Assert.Equal(["MIT"], derived.Licenses);
        var p = t.Store.Resolve("derived").Parameters;
        Assert.Equal((0.5f, 10, 512), (p.Temperature, p.TopK, p.NumCtx));
        Assert.Equal("custom:latest", derived.Details.ParentModel);
    }

    [Fact]
    public async Task Create_from_a_blob_digest_or_a_file_and_refuse_unknown_sources()
    {
        using var t = new TempStore();
        var imported = await t.Store.ImportAsync(TestModels.Stories, "stories");
        var fromBlob = await t.Store.CreateAsync("fromblob", new ModelDefinition { From = imported.ModelDigest, System = "s" });
        Assert.Equal(imported.ModelPath, fromBlob.ModelPath);
        Assert.Equal("llama", fromBlob.Details.Family);

        var fromFile = await t.Store.CreateAsync("fromfile", new ModelDefinition { From = TestModels.TinyRandom });
        Assert.Equal("F16", fromFile.Details.QuantizationLevel);

        var e = await Assert.ThrowsAsync<StoreException>(() => t.Store.CreateAsync("x", new ModelDefinition { From = "sha256:" + new string('0', 64) }));
        Assert.Equal(StoreErrorKind.NotFound, e.Kind);
        e = await Assert.ThrowsAsync<StoreException>(() => t.Store.CreateAsync("x", new ModelDefinition { From = "nothing-here" }));
        Assert.Equal(StoreErrorKind.NotFound, e.Kind);
        Assert.Contains("neither a stored model", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_bad_parameter_value_is_refused_before_anything_is_written()
    {
        using var t = new TempStore();
        await t.Store.ImportAsync(TestModels.Stories, "stories");
        var blobs = t.BlobFiles().Length;
        var e = await Assert.ThrowsAsync<StoreException>(() => t.Store.CreateAsync("x", new ModelDefinition { From = "stories", Parameters = new JsonObject { ["temperature"] = "hot" } }));
        Assert.Equal(StoreErrorKind.InvalidRequest, e.Kind);
        Assert.Contains("temperature", e.Message, StringComparison.Ordinal);
        Assert.Null(t.Store.Find("x"));
        Assert.Equal(blobs, t.BlobFiles().Length);
    }

    [Fact]
    public void Resolving_an_unknown_model_says_how_to_get_it()
    {
        using var t = new TempStore();
        var e = Assert.Throws<StoreException>(() => t.Store.Resolve("llama3.1:8b"));
        Assert.Equal(StoreErrorKind.NotFound, e.Kind);
        Assert.Equal("model 'llama3.1:8b' not found; run `scout pull llama3.1:8b` or `scout import FILE llama3.1:8b`", e.Message);
    }

    [Fact]
    public async Task A_model_whose_blob_is_gone_resolves_to_a_clear_error()
    {
        using var t = new TempStore();
        var m = await t.Store.ImportAsync(TestModels.Stories, "stories");
        File.Delete(m.ModelPath);
        var e = Assert.Throws<StoreException>(() => t.Store.Resolve("stories"));
        Assert.Equal(StoreErrorKind.Damaged, e.Kind);
        Assert.Contains("damaged", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StoreThenFile_takes_stored_names_first_then_paths_to_GGUF_files()
    {
        using var t = new TempStore();
        await t.Store.ImportAsync(TestModels.Stories, "stories");
        var resolver = ModelResolvers.StoreThenFile(t.Store);

        Assert.Equal(TestModels.StoriesSha, resolver.Resolve("stories").Digest);
        var file = resolver.Resolve(TestModels.Stories);
        Assert.Equal(Path.GetFullPath(TestModels.Stories), file.GgufPath);
        Assert.Null(file.Digest);

        var e = Assert.Throws<StoreException>(() => resolver.Resolve("missing"));
        Assert.Contains("scout pull missing", e.Message, StringComparison.Ordinal);
        e = Assert.Throws<StoreException>(() => resolver.Resolve("/no/such/file.gguf"));
        Assert.Equal(StoreErrorKind.NotFound, e.Kind);
    }

    [Fact]
    public async Task Concurrent_imports_of_one_file_share_one_blob_and_leave_no_temporary_files()
    {
        using var t = new TempStore();
        var second = new ModelStore(t.Dir);
        await Task.WhenAll(Enumerable.Range(0, 6).Select(i => Task.Run(() => (i % 2 == 0 ? t.Store : second).ImportAsync(TestModels.Stories, $"m{i}"))));
        Assert.Equal(6, t.Store.List().Count);
        Assert.Equal(2, t.BlobFiles().Length);
        Assert.Empty(t.PartialFiles());
        Assert.Empty(Directory.GetFiles(t.Manifests, ".*", SearchOption.AllDirectories));
        Assert.All(t.Store.List(), m => Assert.Equal(TestModels.StoriesSha, m.ModelDigest));
    }

    [Fact]
    public void Reading_a_store_that_does_not_exist_creates_nothing()
    {
        using var t = new TempStore();
        Assert.Empty(t.Store.List());
        Assert.Null(t.Store.Find("anything"));
        Assert.False(t.Store.Remove("anything"));
        Assert.Null(t.Store.BlobPath(TestModels.StoriesSha));
        Assert.False(Directory.Exists(t.Dir));
    }
}
