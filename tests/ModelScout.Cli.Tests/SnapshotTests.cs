using ModelScout.Cli.Framework;

namespace ModelScout.Cli.Tests;

/// <summary>What users see, pinned: a change to any table or JSON document shows up as a reviewed diff.</summary>
public class SnapshotTests
{
    [Theory]
    [InlineData("fit-this-machine.txt", "fit")]
    [InlineData("fit-rtx4090-details.txt", "fit", "--gpu", "RTX 4090", "--ram", "64", "--model", "llama3.1:70b", "--model", "qwen2.5-coder:32b")]
    [InlineData("fit-2x3090.txt", "fit", "--gpus", "2x\"RTX 3090\"", "--ram", "64", "--ctx", "32K")]
    [InlineData("fit-apple-m3.txt", "fit", "--apple", "m3-16")]
    [InlineData("fit-pi5.txt", "fit", "--profile", "pi5-8gb", "--ctx", "2048")]
    [InlineData("recommend-all.txt", "recommend")]
    [InlineData("recommend-coding.txt", "recommend", "--use-case", "coding")]
    [InlineData("recommend-multilingual-mau.txt", "recommend", "--use-case", "multilingual", "--guide-assumptions", "--mau", "150M")]
    [InlineData("models.txt", "models", "--hosted")]
    [InlineData("show-deepseek.txt", "show", "deepseek-v3:671b")]
    [InlineData("compare.txt", "compare", "llama3.1:70b", "gpt-3.5-turbo", "gpt-4o")]
    [InlineData("quant-coder32b-24gb.txt", "quant", "qwen2.5-coder:32b", "--memory", "24GB")]
    [InlineData("license-llama.txt", "license", "llama3.1:8b", "--commercial", "--saas", "--mau", "800M", "--train-other-models")]
    [InlineData("license-deepseek.txt", "license", "deepseek-v3")]
    [InlineData("explain-k-quants.txt", "explain", "k-quants")]
    [InlineData("explain-faq-gpt4o.txt", "explain", "replace-gpt-4o")]
    [InlineData("explain-mxfp4-moe.txt", "explain", "MXFP4_MOE")]
    [InlineData("fit-gpt-oss-20b.txt", "fit", "--model", "gpt-oss-20b", "--gpu", "RTX 4090")]
    [InlineData("runtimes.txt", "runtimes", "--model", "qwen2.5-coder:7b", "--users", "8", "--gpu", "RTX 4090")]
    [InlineData("cost.txt", "cost", "--tokens-per-day", "10M")]
    public void Human_output_matches_its_snapshot(string snapshot, params string[] args)
    {
        var run = Scout.Run(args);
        Assert.True(run.ExitCode is 0 or 4, $"exit {run.ExitCode}: {run.Stderr}");
        Snapshot.Match(snapshot, run.Stdout);
    }

    [Theory]
    [InlineData("fit.json", "fit", "--json")]
    [InlineData("recommend-coding.json", "recommend", "--use-case", "coding", "--json")]
    [InlineData("quant.json", "quant", "llama3.1:8b", "--memory", "8GB", "--json")]
    [InlineData("license.json", "license", "qwen2.5:72b", "--commercial", "--mau", "150M", "--json")]
    public void Json_output_matches_its_snapshot(string snapshot, params string[] args)
    {
        var run = Scout.Run(args);
        Assert.True(run.ExitCode is 0 or 4, run.Stderr);
        Snapshot.Match(snapshot, run.Stdout);
        // Only what JSON requires is escaped: quotes, dashes, section signs and '+' stay readable.
        Assert.DoesNotMatch(@"\\u00(27|60|2B|3C|A7)|\\u20", run.Stdout);
        using var doc = System.Text.Json.JsonDocument.Parse(run.Stdout);
    }

    [Fact]
    public void Json_text_escapes_only_what_json_requires()
    {
        var text = CommandContext.JsonText("Q4_K_M+ctx <b> Müller's \"run\"\n", Commands.CliStrings.Default.String);
        Assert.Equal("\"Q4_K_M+ctx <b> Müller's \\\"run\\\"\\n\"", text);
    }
}
