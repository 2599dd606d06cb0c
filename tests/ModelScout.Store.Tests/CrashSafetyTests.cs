using ModelScout.Testing;

namespace ModelScout.Store.Tests;

/// <summary>
/// What a crash or a concurrent writer can leave, and what <see cref="ModelStore.Clean"/> does with it: temporaries no
/// live writer holds go, those a writer holds stay; manifests naming a missing blob go; unreferenced blobs go once older
/// than the grace period; resumable downloads stay. Creates and removals of the same names at once never leave a
/// manifest naming a missing blob.
/// </summary>
public sealed class CrashSafetyTests
{
    [Fact]
    public async Task A_temporary_file_a_writer_holds_is_kept_and_one_a_dead_writer_left_is_removed()
    {
        using var t = new TempStore();
        await t.Store.ImportAsync(TestModels.Stories, "stories");
        var partial = Path.Combine(t.Blobs, "partial");
        var held = Path.Combine(partial, "copy-held.tmp");
        var dead = Path.Combine(partial, "copy-dead.tmp");
        var download = Path.Combine(partial, "sha256-" + new string('a', 64));
        File.WriteAllBytes(dead, new byte[1000]);
        File.WriteAllBytes(download, new byte[10]);
        var manifestTemp = Path.Combine(t.Manifests, "registry.ollama.ai", "library", "stories", ".latest.0123.tmp");
        File.WriteAllText(manifestTemp, "{");

        StoreCleanup cleaned;
        using (var writer = DurableFile.CreateTemp(held))
        {
            writer.Write(new byte[10]);
            cleaned = t.Store.Clean();
            Assert.True(File.Exists(held), "a temporary file its writer still holds was removed");
        }
        Assert.False(File.Exists(dead));
        Assert.False(File.Exists(manifestTemp));
        Assert.True(File.Exists(download), "a resumable download was removed");
        Assert.Equal([Path.Combine("blobs", "partial", "copy-dead.tmp"), Path.Combine("manifests", "registry.ollama.ai", "library", "stories", ".latest.0123.tmp")],
            cleaned.TempFiles.Order(StringComparer.Ordinal));
        Assert.Equal(1001, cleaned.BytesFreed);
        Assert.Single(t.Store.List());

        // Once its writer is gone, the next clean takes it.
        Assert.Equal([Path.Combine("blobs", "partial", "copy-held.tmp")], t.Store.Clean().TempFiles);
    }

    [Fact]
    public async Task A_manifest_whose_blob_is_missing_or_cut_short_is_removed_and_named()
    {
        using var t = new TempStore();
        var whole = await t.Store.ImportAsync(TestModels.Stories, "whole");
        await t.Store.CreateAsync("short", new ModelDefinition { From = "whole", System = "Be brief." });
        await t.Store.CreateAsync("missing", new ModelDefinition { From = "whole", System = "Gone." });
        File.Delete(Path.Combine(t.Blobs, "sha256-" + Sha("Gone.")[7..]));
        var systemBlob = Path.Combine(t.Blobs, "sha256-" + Sha("Be brief.")[7..]);
        File.WriteAllText(systemBlob, "Be");

        var cleaned = t.Store.Clean();

        Assert.Equal(["missing:latest", "short:latest"], cleaned.DamagedManifests.Select(d => d.Name).Order(StringComparer.Ordinal));
        Assert.Contains(cleaned.DamagedManifests, d => d.Name == "short:latest" && d.Problem.Contains("has 2 bytes, not 9", StringComparison.Ordinal));
        Assert.Equal(["whole:latest"], t.Store.List().Select(m => m.Name));
        Assert.DoesNotContain(StoreAudit.Problems(t.Dir), p => !p.Contains("hash to", StringComparison.Ordinal));
        Assert.True(File.Exists(whole.ModelPath));
    }

    [Fact]
    public async Task Blobs_no_manifest_names_go_only_once_older_than_the_grace_period()
    {
        using var t = new TempStore();
        var model = await t.Store.ImportAsync(TestModels.Stories, "a");
        await t.Store.CreateAsync("b", new ModelDefinition { From = "a", System = "orphan soon" });
        var orphan = Path.Combine(t.Blobs, "sha256-" + Sha("orphan soon")[7..]);
        // An rm killed after the manifest went and before the blobs did.
        File.Delete(Path.Combine(t.Manifests, "registry.ollama.ai", "library", "b", "latest"));

        Assert.Empty(t.Store.Clean().OrphanBlobs);
        Assert.True(File.Exists(orphan), "a fresh blob (an upload a create has not named yet) was removed");

        File.SetLastWriteTimeUtc(orphan, DateTime.UtcNow.AddHours(-2));
        var cleaned = t.Store.Clean();
        Assert.Contains(Path.Combine("blobs", "sha256-" + Sha("orphan soon")[7..]), cleaned.OrphanBlobs);
        Assert.False(File.Exists(orphan));
        Assert.True(File.Exists(model.ModelPath), "a blob a manifest names was removed");
        Assert.Empty(StoreAudit.Problems(t.Dir));
    }

    [Fact]
    public async Task Creating_copying_and_removing_the_same_names_at_once_never_leaves_a_manifest_naming_a_missing_blob()
    {
        // On the old code a create whose manifest a concurrent rm took was a 500 ("vanished right after it was written"),
        // and an rm could delete a blob a create was about to name.
        using var t = new TempStore();
        await t.Store.ImportAsync(TestModels.Stories, "base");
        for (var i = 0; i < 25; i++)
        {
            var system = $"shared system {i % 3}";
            var work = new Task[]
            {
                Task.Run(() => t.Store.CreateAsync("x", new ModelDefinition { From = "base", System = system })),
                Task.Run(() => t.Store.CreateAsync("y", new ModelDefinition { From = "base", System = system })),
                Task.Run(() => t.Store.Remove("x")),
                Task.Run(() => t.Store.Remove("y")),
                Task.Run(() => t.Store.Copy("base", "z")),
                Task.Run(() => t.Store.Remove("z")),
            };
            foreach (var task in work)
            {
                try
                {
                    await task;
                }
                catch (StoreException e) when (e.Kind == StoreErrorKind.NotFound)
                {
                    // A removal raced ahead of the write that needed its blob; the caller is told to run it again.
                }
            }
            var problems = StoreAudit.Problems(t.Dir);
            Assert.True(problems.Count == 0, $"round {i}:\n{string.Join("\n", problems)}");
        }
    }

    private static string Sha(string text) => "sha256:" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(text)));
}
