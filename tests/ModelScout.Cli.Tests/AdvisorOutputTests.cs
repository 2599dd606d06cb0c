using System.Text.Json;
using ModelScout.Cli.Framework;

namespace ModelScout.Cli.Tests;

/// <summary>Units (GB = 10^9 bytes, GiB = 2^30), runtimes with many users, cost wording and the recommend overview.</summary>
public class AdvisorOutputTests
{
    private static JsonElement Json(CliRun run) => JsonDocument.Parse(run.Stdout).RootElement;

    [Theory]
    [InlineData("24", 24.0)]
    [InlineData("24G", 24.0)]
    [InlineData("24GiB", 24.0)]
    [InlineData("24 gib", 24.0)]
    [InlineData("24GB", 24e9 / 1073741824)]
    [InlineData("0.5TB", 0.5e12 / 1073741824)]
    [InlineData("1TiB", 1024.0)]
    [InlineData("512MB", 512e6 / 1073741824)]
    [InlineData("512MiB", 0.5)]
    public void Sizes_read_GB_as_ten_to_the_ninth_and_bare_numbers_as_GiB(string text, double gib) =>
        Assert.Equal(gib, Units.ParseGiB(text, "--memory"), 9);

    [Fact]
    public void Quant_memory_24GB_is_22_35_GiB_and_a_level_needing_23_9_GiB_no_longer_fits()
    {
        var doc = Json(Scout.Run("quant", "qwen2.5-coder:32b", "--memory", "24GB", "--json"));
        Assert.Equal(24_000_000_000, doc.GetProperty("memoryBytes").GetInt64());
        var q5 = doc.GetProperty("levels").EnumerateArray().Single(l => l.GetProperty("id").GetString() == "Q5_K_M");
        Assert.InRange(q5.GetProperty("needBytes").GetInt64(), 24_000_000_001, 24L << 30);
        Assert.False(q5.GetProperty("fits").GetBoolean());
        var gib = Json(Scout.Run("quant", "qwen2.5-coder:32b", "--memory", "24GiB", "--json"));
        Assert.Equal(24L << 30, gib.GetProperty("memoryBytes").GetInt64());
        Assert.True(gib.GetProperty("levels").EnumerateArray().Single(l => l.GetProperty("id").GetString() == "Q5_K_M").GetProperty("fits").GetBoolean());

        var text = Scout.Run("quant", "qwen2.5-coder:32b", "--memory", "24GB").Stdout;
        Assert.Contains("in 24GB = 22.35 GiB of GPU memory", text, StringComparison.Ordinal);
        Assert.Contains("File (GB)", text, StringComparison.Ordinal);
        Assert.Contains("Needs (GiB)", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Runtimes_for_8_users_prints_the_command_it_recommends_with_8_slots_of_the_context_each()
    {
        var run = Scout.Run("runtimes", "--model", "qwen2.5-coder:7b", "--users", "8", "--cpu-only");
        Assert.Equal(0, run.ExitCode);
        Assert.Contains("--parallel 8", run.Stdout, StringComparison.Ordinal);
        Assert.Contains("llama-server -m Qwen2.5-Coder-7B-Instruct-Q4_K_M.gguf -c 65536 --parallel 8 ", run.Stdout, StringComparison.Ordinal);
        Assert.Contains("each of the 8 concurrent requests gets 8K of context", run.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("-c 8192 ", run.Stdout, StringComparison.Ordinal);
        var choice = Json(Scout.Run("runtimes", "--model", "qwen2.5-coder:7b", "--users", "8", "--cpu-only", "--json")).GetProperty("choice");
        Assert.Equal("llama.cpp", choice.GetProperty("id").GetString());
        Assert.Contains("--parallel 8", choice.GetRawText(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("10M")]
    [InlineData("200M")]
    public void Cost_names_one_machine_and_never_both_gives_and_denies_a_break_even(string perDay)
    {
        var run = Scout.Run("cost", "--tokens-per-day", perDay);
        Assert.Equal(0, run.ExitCode);
        Assert.DoesNotContain("(s)", run.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("of 6 GPU", run.Stdout, StringComparison.Ordinal);
        Assert.Contains("8x H100 SXM 80GB", run.Stdout, StringComparison.Ordinal);
        Assert.Contains("Self-hosting never breaks even", run.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("breaks even with GPT-4o at about", run.Stdout, StringComparison.Ordinal);
        var doc = Json(Scout.Run("cost", "--tokens-per-day", perDay, "--json"));
        Assert.False(doc.TryGetProperty("breakEvenTokensPerDay", out var be) && be.ValueKind != JsonValueKind.Null);
        Assert.StartsWith("Self-hosting never breaks even", doc.GetProperty("breakEven").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public void The_recommend_overview_names_the_device_of_rows_planned_elsewhere()
    {
        var run = Scout.Run("recommend");
        var enterprise = run.Stdout.Split('\n').First(l => l.StartsWith("│ Enterprise GPT-4o", StringComparison.Ordinal));
        Assert.Contains("on 8x-h100:", enterprise, StringComparison.Ordinal);
        var general = run.Stdout.Split('\n').First(l => l.StartsWith("│ General assistant", StringComparison.Ordinal));
        Assert.DoesNotContain("on ", general.Split('│')[4], StringComparison.Ordinal);
    }
}
