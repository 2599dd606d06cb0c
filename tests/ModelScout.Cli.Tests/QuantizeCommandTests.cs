using System.Text.Json;
using ModelScout.Core.Settings;
using ModelScout.Testing;

namespace ModelScout.Cli.Tests;

public sealed class QuantizeCommandTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("scout-quantize-cli-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    private ScoutSettings Settings => new(_ => null, Path.Combine(dir, "profile"));

    private CliRun Scout(params string[] args) => Tests.Scout.RunIn(Settings, null, args);

    private string Source()
    {
        var path = Path.Combine(dir, "stories260K.gguf");
        if (!File.Exists(path)) File.Copy(RepoPaths.Model("stories260K.gguf"), path);
        return path;
    }

    [Fact]
    public void Two_types_write_two_validated_files_beside_the_source_and_import_each_with_its_type_as_tag()
    {
        var src = Source();
        var models = Path.Combine(dir, "store");
        var r = Scout("quantize", src, "--type", "q4_k_m,Q2_K", "--threads", "1", "--import", "tiny", "--models", models, "--json");
        Assert.True(r.ExitCode == 0, r.Stderr);
        using var doc = JsonDocument.Parse(r.Stdout);
        var results = doc.RootElement.GetProperty("results").EnumerateArray().ToList();
        Assert.Equal(["Q4_K_M", "Q2_K"], results.Select(x => x.GetProperty("type").GetString()));
        foreach (var x in results)
        {
            var path = x.GetProperty("path").GetString()!;
            Assert.Equal(dir, Path.GetDirectoryName(path));
            Assert.Equal(new FileInfo(path).Length, x.GetProperty("bytes").GetInt64());
            Assert.Equal(5, x.GetProperty("tensorTypes").GetProperty("F16").GetInt32());
            Assert.NotEmpty(x.GetProperty("fallbacks").EnumerateArray());
        }
        Assert.True(File.Exists(Path.Combine(dir, "stories260K-Q4_K_M.gguf")));
        Assert.Equal(4, results[1].GetProperty("tensorTypes").EnumerateObject().Count());
        Assert.Equal("tiny:q2_k", results[1].GetProperty("imported").GetString());
        Assert.Contains("quantizing Q2_K: 100%", r.Stderr, StringComparison.Ordinal);

        var list = Scout("list", "--models", models, "--json");
        Assert.Contains("tiny:q4_k_m", list.Stdout, StringComparison.Ordinal);
        Assert.Contains("tiny:q2_k", list.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void A_stored_source_quantizes_into_the_given_folder()
    {
        var models = Path.Combine(dir, "store");
        Assert.Equal(0, Scout("import", Source(), "stories:f32", "--models", models).ExitCode);
        var outDir = Path.Combine(dir, "out") + Path.DirectorySeparatorChar;
        var r = Scout("quantize", "stories:f32", outDir, "--type", "Q6_K", "--threads", "1", "--models", models);
        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.True(File.Exists(Path.Combine(outDir, "stories-Q6_K.gguf")), r.Stdout);
        Assert.Contains("bits per weight", r.Stdout, StringComparison.Ordinal);
        Assert.Contains("fallbacks", r.Stdout, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Q8_0", "blk.0.ffn_down.weight", 1)]
    [InlineData("Q9_K", "not a type scout can quantize to", 2)]
    public void A_type_the_source_cannot_take_or_an_unknown_one_fails_with_the_reason(string type, string expected, int code)
    {
        var r = Scout("quantize", Source(), "--type", type, "--threads", "1");
        Assert.Equal(code, r.ExitCode);
        Assert.Contains(expected, r.Stderr, StringComparison.Ordinal);
        Assert.Single(Directory.GetFiles(dir));
    }

    [Fact]
    public void An_importance_matrix_is_refused_saying_why()
    {
        var r = Scout("quantize", Source(), "--type", "Q4_K_M", "--imatrix", Source());
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("LLamaSharp 0.30", r.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Several_types_into_one_file_name_is_refused()
    {
        var r = Scout("quantize", Source(), Path.Combine(dir, "x.gguf"), "--type", "Q4_K_M,Q2_K");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("need a folder", r.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Perplexity_with_a_base_caches_the_base_once_and_reuses_it()
    {
        var src = Source();
        Assert.Equal(0, Scout("quantize", src, "--type", "Q2_K", "--threads", "1").ExitCode);
        var q = Path.Combine(dir, "stories260K-Q2_K.gguf");
        var first = Scout("perplexity", q, "--base", src, "--ctx", "128", "--chunks", "3", "--threads", "1", "--json");
        Assert.True(first.ExitCode == 0, first.Stderr);
        var second = Scout("perplexity", q, "--base", src, "--ctx", "128", "--chunks", "3", "--threads", "1", "--json");
        Assert.True(second.ExitCode == 0, second.Stderr);
        using var a = JsonDocument.Parse(first.Stdout);
        using var b = JsonDocument.Parse(second.Stdout);
        Assert.False(a.RootElement.GetProperty("base").GetProperty("reused").GetBoolean());
        Assert.True(b.RootElement.GetProperty("base").GetProperty("reused").GetBoolean());
        var cache = a.RootElement.GetProperty("base").GetProperty("cache").GetString()!;
        Assert.StartsWith(Path.Combine(dir, "profile", ".modelscout", "cache"), cache, StringComparison.Ordinal);
        Assert.True(File.Exists(cache));
        Assert.Equal(a.RootElement.GetProperty("divergence").GetProperty("klDivergence").GetProperty("value").GetDouble(),
            b.RootElement.GetProperty("divergence").GetProperty("klDivergence").GetProperty("value").GetDouble());
        Assert.InRange(a.RootElement.GetProperty("divergence").GetProperty("klDivergence").GetProperty("value").GetDouble(), 1e-4, 1);
        Assert.Equal("ModelScout's own sample, not a standard corpus", a.RootElement.GetProperty("text").GetString());
        Assert.Equal(3 * 63, a.RootElement.GetProperty("scoredTokens").GetInt32());

        var human = Scout("perplexity", q, "--base", src, "--ctx", "128", "--chunks", "3", "--threads", "1");
        Assert.Contains("text: ModelScout's own sample, not a standard corpus", human.Stdout, StringComparison.Ordinal);
        Assert.Contains("KL divergence: mean", human.Stdout, StringComparison.Ordinal);
        Assert.Contains("same top token:", human.Stdout, StringComparison.Ordinal);
        Assert.Contains("reusing the base's cached logits", human.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Perplexity_of_a_text_file_and_its_errors()
    {
        var text = Path.Combine(dir, "text.txt");
        File.WriteAllText(text, string.Concat(Enumerable.Repeat("Once upon a time there was a little dog. He liked to run in the park with his friend. ", 40)));
        var r = Scout("perplexity", Source(), "--text", text, "--ctx", "64", "--threads", "1", "--json");
        Assert.True(r.ExitCode == 0, r.Stderr);
        using var doc = JsonDocument.Parse(r.Stdout);
        Assert.Equal(Path.GetFullPath(text), doc.RootElement.GetProperty("text").GetString());
        // The text repeats: a trained model predicts it well.
        Assert.InRange(doc.RootElement.GetProperty("perplexity").GetProperty("value").GetDouble(), 1, 5);
        Assert.Contains("chunk", r.Stderr, StringComparison.Ordinal);

        var missing = Scout("perplexity", Source(), "--text", Path.Combine(dir, "none.txt"));
        Assert.Equal(3, missing.ExitCode);
        var shortText = Scout("perplexity", Source(), "--text", text, "--ctx", "4096", "--threads", "1");
        Assert.Equal(1, shortText.ExitCode);
        Assert.Contains("needs at least 8192", shortText.Stderr, StringComparison.Ordinal);
        var notGguf = Scout("perplexity", text, "--ctx", "64");
        Assert.Equal(5, notGguf.ExitCode);
        Assert.Equal(5, Scout("quantize", text, "--type", "Q4_K_M").ExitCode);
        var odd = Scout("perplexity", Source(), "--ctx", "63");
        Assert.Equal(2, odd.ExitCode);
        Assert.Contains("even number", odd.Stderr, StringComparison.Ordinal);
    }
}
