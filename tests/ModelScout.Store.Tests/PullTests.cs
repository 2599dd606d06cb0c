using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using ModelScout.Testing;

namespace ModelScout.Store.Tests;

public sealed class PullTests : IAsyncLifetime
{
    private FakeRegistry registry = null!;
    private readonly byte[] stories = File.ReadAllBytes(TestModels.Stories);
    private string modelDigest = "";

    public async Task InitializeAsync()
    {
        registry = await FakeRegistry.StartAsync();
        (_, modelDigest) = registry.Publish("library", "tiny", "latest", stories,
            ("application/vnd.ollama.image.template", "{{ .Prompt }}"),
            ("application/vnd.ollama.image.params", "{\"num_ctx\":1024,\"stop\":[\"\\u003c/s\\u003e\"],\"temperature\":0}\n"));
    }

    public async Task DisposeAsync() => await registry.DisposeAsync();

    private PullOptions Options(int connections = 1) => new() { Registry = registry.BaseUri, Connections = connections, StallTimeout = TimeSpan.FromSeconds(5) };

    private IReadOnlyList<RegistryRequest> ModelRequests => registry.RequestsFor(modelDigest);

    [Fact]
    public async Task A_pull_stores_every_layer_verified_and_reports_Ollama_statuses_in_order()
    {
        using var t = new TempStore();
        var progress = new ProgressLog();
        var model = await t.Store.PullAsync("tiny", Options(), progress);

        Assert.Equal("tiny:latest", model.Name);
        Assert.Equal(TestModels.StoriesSha, model.ModelDigest);
        Assert.Equal(stories, File.ReadAllBytes(model.ModelPath));
        Assert.Equal("{{ .Prompt }}", model.Template);
        Assert.Equal(("llama", "293K", "F32"), (model.Details.Family, model.Details.ParameterSize, model.Details.QuantizationLevel));
        var resolved = t.Store.Resolve("tiny");
        Assert.Equal((1024, 0f), (resolved.Parameters.NumCtx, resolved.Parameters.Temperature));
        Assert.Equal(["</s>"], resolved.Parameters.Stop);

        var statuses = progress.Statuses;
        var order = new[] { "pulling manifest", "pulling " + TestModels.StoriesSha[7..19], "verifying sha256 digest", "writing manifest", "success" };
        Assert.Equal(order, statuses.Where(order.Contains).Distinct());
        var last = progress.Items.Last(p => p.Digest == modelDigest && p.Status.StartsWith("pulling", StringComparison.Ordinal));
        Assert.Equal((stories.LongLength, stories.LongLength), (last.Total, last.Completed));
        Assert.Empty(t.PartialFiles());

        // Everything is present: a second pull fetches the manifest and no blob.
        var before = registry.Requests.Count;
        await t.Store.PullAsync("tiny", Options());
        Assert.Equal(1, registry.Requests.Count - before);
    }

    [Fact]
    public async Task A_name_with_a_loopback_host_is_pulled_from_that_host_over_http()
    {
        using var t = new TempStore();
        var name = $"{registry.BaseUri.Authority}/library/tiny";
        var model = await t.Store.PullAsync(name, new PullOptions());
        Assert.Equal($"{registry.BaseUri.Authority}/library/tiny:latest", model.Name);
        Assert.NotNull(t.Store.Find(name));
    }

    [Fact]
    public async Task Blob_redirects_are_followed()
    {
        using var t = new TempStore();
        registry.RedirectBlobs = true;
        var model = await t.Store.PullAsync("tiny", Options());
        Assert.Equal(stories, File.ReadAllBytes(model.ModelPath));
        Assert.Contains(registry.Requests, r => r.Path.StartsWith("/cdn/", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_connection_dropped_mid_blob_is_resumed_with_a_Range_request()
    {
        using var t = new TempStore();
        registry.DropAt(modelDigest, 600_000);
        var model = await t.Store.PullAsync("tiny", Options());

        Assert.Equal(stories, File.ReadAllBytes(model.ModelPath));
        var served = ModelRequests;
        Assert.Equal(2, served.Count);
        Assert.Null(served[0].Range);
        Assert.Equal(600_000, served[0].BytesSent);
        Assert.Equal(206, served[1].Status);
        Assert.Matches(@"^bytes=\d+-\d*$", served[1].Range);
        var resumedAt = long.Parse(served[1].Range!["bytes=".Length..served[1].Range!.IndexOf('-', StringComparison.Ordinal)], System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(resumedAt, 1, 600_000);
        Assert.True(served.Sum(r => r.BytesSent) < 2 * stories.Length);
    }

    [Fact]
    public async Task An_interrupted_pull_fails_clearly_leaves_nothing_half_written_and_a_rerun_resumes()
    {
        using var t = new TempStore();
        t.Store.Registry.Transfer = t.Store.Registry.Transfer with { MaxAttempts = 2 };
        registry.DropAt(modelDigest, 700_000, times: 100);
        var e = await Assert.ThrowsAsync<StoreException>(() => t.Store.PullAsync("tiny", Options()));
        Assert.Contains("run the same pull again to resume", e.Message, StringComparison.Ordinal);
        Assert.Null(t.Store.BlobPath(modelDigest));
        Assert.Empty(t.ManifestFiles());
        Assert.NotEmpty(t.PartialFiles());

        registry.ClearFaults();
        var sentBefore = ModelRequests.Sum(r => r.BytesSent);
        var model = await t.Store.PullAsync("tiny", Options());
        Assert.Equal(stories, File.ReadAllBytes(model.ModelPath));
        var resumed = ModelRequests[^1];
        Assert.StartsWith("bytes=", resumed.Range, StringComparison.Ordinal);
        Assert.Equal(206, resumed.Status);
        Assert.True(resumed.BytesSent <= stories.Length - 600_000, $"the rerun fetched {resumed.BytesSent} bytes");
        Assert.InRange(sentBefore, 700_000, long.MaxValue);
        Assert.Empty(t.PartialFiles());
    }

    [Fact]
    public async Task A_blob_with_the_wrong_digest_is_rejected_and_nothing_of_it_is_kept()
    {
        using var t = new TempStore();
        registry.Corrupt(modelDigest);
        var e = await Assert.ThrowsAsync<StoreException>(() => t.Store.PullAsync("tiny", Options()));
        Assert.Contains("digest mismatch", e.Message, StringComparison.Ordinal);
        Assert.Contains(modelDigest, e.Message, StringComparison.Ordinal);
        Assert.Null(t.Store.BlobPath(modelDigest));
        Assert.DoesNotContain(t.BlobFiles(), f => f.EndsWith(modelDigest[7..], StringComparison.Ordinal));
        Assert.Empty(t.ManifestFiles());
        Assert.Empty(t.PartialFiles());
        Assert.Null(t.Store.Find("tiny"));
    }

    [Fact]
    public async Task An_unknown_model_is_a_clear_not_found_error()
    {
        using var t = new TempStore();
        var e = await Assert.ThrowsAsync<StoreException>(() => t.Store.PullAsync("nosuch:7b", Options()));
        Assert.Equal(StoreErrorKind.NotFound, e.Kind);
        Assert.Contains("model 'nosuch:7b' was not found in the registry", e.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(t.Manifests));
    }

    [Fact]
    public async Task A_slow_server_still_completes()
    {
        using var t = new TempStore();
        registry.ChunkSize = 64 << 10;
        registry.ChunkDelay = TimeSpan.FromMilliseconds(15);
        var model = await t.Store.PullAsync("tiny", Options() with { StallTimeout = TimeSpan.FromSeconds(2) });
        Assert.Equal(stories, File.ReadAllBytes(model.ModelPath));
        Assert.Single(ModelRequests);
    }

    [Fact]
    public async Task A_stalled_server_times_out_with_a_clear_error_instead_of_hanging()
    {
        using var t = new TempStore();
        t.Store.Registry.Transfer = t.Store.Registry.Transfer with { MaxAttempts = 2 };
        registry.StallAt(modelDigest, 100_000);
        var clock = Stopwatch.StartNew();
        var e = await Assert.ThrowsAsync<StoreException>(() => t.Store.PullAsync("tiny", Options() with { StallTimeout = TimeSpan.FromSeconds(1) }));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(9), $"took {clock.Elapsed}");
        Assert.True(e.Message.Contains("no data for 1 s", StringComparison.Ordinal), e.Message);
        Assert.Contains("run the same pull again to resume", e.Message, StringComparison.Ordinal);
        Assert.Empty(t.ManifestFiles());
    }

    [Fact]
    public async Task A_server_that_ignores_Range_makes_the_resume_start_over_cleanly()
    {
        using var t = new TempStore();
        registry.IgnoreRange = true;
        registry.DropAt(modelDigest, 500_000);
        var progress = new ProgressLog();
        var model = await t.Store.PullAsync("tiny", Options(), progress);

        Assert.Equal(stories, File.ReadAllBytes(model.ModelPath));
        var served = ModelRequests;
        Assert.Equal(2, served.Count);
        Assert.NotNull(served[1].Range);
        Assert.Equal(200, served[1].Status);
        Assert.Equal(stories.Length, served[1].BytesSent);
        Assert.Contains(progress.Statuses, s => s.Contains("restarting", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Parallel_ranges_write_each_part_at_its_offset_and_produce_the_exact_bytes()
    {
        using var t = new TempStore();
        t.Store.Registry.Transfer = t.Store.Registry.Transfer with { ParallelThreshold = 256 << 10, MinPartSize = 128 << 10 };
        // One part loses its connection half way and resumes inside its own range.
        registry.DropAt(modelDigest, 450_000);
        var model = await t.Store.PullAsync("tiny", Options(connections: 4));

        Assert.Equal(stories, File.ReadAllBytes(model.ModelPath));
        var ranges = ModelRequests.Select(r => r.Range!).ToList();
        Assert.All(ranges, r => Assert.Matches(@"^bytes=\d+-\d+$", r));
        Assert.Equal(5, ranges.Count);
        Assert.Equal(4, ranges.Select(r => r.Split('-')[1]).Distinct().Count());
        Assert.True(ModelRequests.Sum(r => r.BytesSent) < 2 * stories.Length);
    }

    [Fact]
    public async Task Parallel_ranges_fall_back_to_one_stream_when_the_server_ignores_Range()
    {
        using var t = new TempStore();
        t.Store.Registry.Transfer = t.Store.Registry.Transfer with { ParallelThreshold = 256 << 10, MinPartSize = 128 << 10 };
        registry.IgnoreRange = true;
        var model = await t.Store.PullAsync("tiny", Options(connections: 4));
        Assert.Equal(stories, File.ReadAllBytes(model.ModelPath));
        Assert.Contains(ModelRequests, r => r.Range is null && r.Status == 200);
    }

    [Fact]
    public async Task A_direct_URL_is_named_after_its_file_and_checked_to_be_a_GGUF()
    {
        using var t = new TempStore();
        registry.AddFile("Stories-260K.gguf", stories);
        registry.DropAt("Stories-260K.gguf", 300_000);
        var url = new Uri(registry.BaseUri, "files/Stories-260K.gguf").AbsoluteUri;
        var progress = new ProgressLog();
        var model = await t.Store.PullAsync(url, new PullOptions(), progress);

        Assert.Equal("stories-260k:latest", model.Name);
        Assert.Equal(TestModels.StoriesSha, model.ModelDigest);
        Assert.Equal("llama", model.Details.Family);
        Assert.Equal(stories, File.ReadAllBytes(model.ModelPath));
        Assert.Contains(registry.RequestsFor("Stories-260K.gguf"), r => r.Range is { } range && range.StartsWith("bytes=", StringComparison.Ordinal) && !range.StartsWith("bytes=0-", StringComparison.Ordinal));
        Assert.Equal("success", progress.Items[^1].Status);
        Assert.Empty(t.PartialFiles());

        var named = await t.Store.PullAsync(url, new PullOptions { Name = "mine:v1" });
        Assert.Equal("mine:v1", named.Name);
    }

    [Fact]
    public async Task A_direct_URL_that_is_not_a_GGUF_is_discarded()
    {
        using var t = new TempStore();
        registry.AddFile("model.gguf", Encoding.UTF8.GetBytes("<html>Sign in to download</html>"));
        var e = await Assert.ThrowsAsync<StoreException>(() => t.Store.PullAsync(new Uri(registry.BaseUri, "files/model.gguf").AbsoluteUri));
        Assert.Equal(StoreErrorKind.InvalidRequest, e.Kind);
        Assert.Contains("is not a valid GGUF file", e.Message, StringComparison.Ordinal);
        Assert.Empty(t.BlobFiles());
        Assert.Empty(t.ManifestFiles());
        Assert.Empty(t.PartialFiles());
    }

    [Fact]
    public async Task A_missing_direct_URL_is_not_found()
    {
        using var t = new TempStore();
        var e = await Assert.ThrowsAsync<StoreException>(() => t.Store.PullAsync(new Uri(registry.BaseUri, "files/none.gguf").AbsoluteUri));
        Assert.Equal(StoreErrorKind.NotFound, e.Kind);
    }

    [Fact]
    public void The_registry_comes_from_the_name_then_the_options_and_plain_http_needs_insecure()
    {
        using var t = new TempStore();
        var store = t.Store;
        Assert.Equal("https://registry.ollama.ai/", RegistryClient.RegistryFor(ModelName.Parse("llama3.1"), new PullOptions()).AbsoluteUri);
        Assert.Equal("https://example.com:5000/", RegistryClient.RegistryFor(ModelName.Parse("example.com:5000/ns/m"), new PullOptions()).AbsoluteUri);
        Assert.Equal("http://example.com:5000/", RegistryClient.RegistryFor(ModelName.Parse("example.com:5000/ns/m"), new PullOptions { Insecure = true }).AbsoluteUri);
        Assert.Equal("http://localhost:5000/", RegistryClient.RegistryFor(ModelName.Parse("localhost:5000/ns/m"), new PullOptions()).AbsoluteUri);
        Assert.Equal("https://mirror.example/", RegistryClient.RegistryFor(ModelName.Parse("m"), new PullOptions { Registry = new Uri("https://mirror.example") }).AbsoluteUri);

        var e = Assert.Throws<StoreException>(() => RegistryClient.RegistryFor(ModelName.Parse("m"), new PullOptions { Registry = new Uri("http://mirror.example") }));
        Assert.Contains("--insecure", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void URL_file_names_become_lower_case_model_names()
    {
        Assert.Equal("llama-3.2-1b-instruct-q4_k_m:latest", RegistryClient.NameFromUrl(new Uri("https://huggingface.co/x/y/resolve/main/Llama-3.2-1B-Instruct-Q4_K_M.gguf?download=true")).DisplayName);
        Assert.Equal("my-model:latest", RegistryClient.NameFromUrl(new Uri("https://host/files/my%20model.gguf")).DisplayName);
    }

    [Fact]
    public async Task Two_stores_pulling_the_same_model_at_once_both_succeed_with_one_copy()
    {
        using var t = new TempStore();
        var other = new ModelStore(t.Dir) { Registry = { Transfer = t.Store.Registry.Transfer } };
        registry.ChunkDelay = TimeSpan.FromMilliseconds(2);
        var results = await Task.WhenAll(t.Store.PullAsync("tiny", Options()), other.PullAsync("tiny", Options()));
        Assert.All(results, m => Assert.Equal(stories, File.ReadAllBytes(m.ModelPath)));
        Assert.Empty(t.PartialFiles());
        Assert.Single(t.Store.List());
        Assert.Equal(SHA256.HashData(stories), SHA256.HashData(File.ReadAllBytes(t.Store.BlobPath(modelDigest)!)));
    }
}
