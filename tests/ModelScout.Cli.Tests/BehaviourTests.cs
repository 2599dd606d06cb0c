using System.Diagnostics;
using System.Text.Json;

namespace ModelScout.Cli.Tests;

public class BehaviourTests
{
    private static JsonElement Json(CliRun run) => JsonDocument.Parse(run.Stdout).RootElement;

    [Fact]
    public void Json_goes_to_stdout_alone_and_warnings_to_stderr()
    {
        var run = Scout.Run("fit", "--json");
        var doc = Json(run);
        Assert.Equal("modelscout/fit/v1", doc.GetProperty("schema").GetString());
        Assert.Equal(ModelScout.Core.Catalog.Catalog.Embedded.OpenModels.Count(), doc.GetProperty("models").GetArrayLength());
        Assert.Contains("test warning", run.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("warning:", run.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_fitting_model_reports_a_memory_breakdown_that_adds_up_and_a_command()
    {
        foreach (var m in Json(Scout.Run("fit", "--json", "--profile", "rtx-4090")).GetProperty("models").EnumerateArray().Where(m => m.GetProperty("fits").GetBoolean()))
        {
            var best = m.GetProperty("best");
            var memory = best.GetProperty("memory");
            var devices = memory.GetProperty("gpus").EnumerateArray().Append(memory.GetProperty("host"));
            foreach (var d in devices)
            {
                var parts = d.GetProperty("weightsBytes").GetInt64() + d.GetProperty("kvCacheBytes").GetInt64() + d.GetProperty("computeBytes").GetInt64() + d.GetProperty("outputBytes").GetInt64() + d.GetProperty("overheadBytes").GetInt64();
                Assert.Equal(parts, d.GetProperty("totalBytes").GetInt64());
            }
            Assert.Contains(m.GetProperty("commands").EnumerateArray(), c => c.GetProperty("command").GetString()!.StartsWith("llama-server -m ", StringComparison.Ordinal));
            Assert.True(best.GetProperty("speed").GetProperty("low").GetDouble() > 0);
        }
    }

    [Fact]
    public void Unknown_model_exits_3_with_did_you_mean_in_text_and_json()
    {
        var run = Scout.Run("show", "llama3:8b");
        Assert.Equal(3, run.ExitCode);
        Assert.Contains("Did you mean: llama3.1:8b", run.Stderr, StringComparison.Ordinal);
        var json = Scout.Run("show", "llama3:8b", "--json");
        Assert.Equal(3, json.ExitCode);
        var doc = Json(json);
        Assert.Equal("modelscout/error/v1", doc.GetProperty("schema").GetString());
        Assert.Contains("llama3.1:8b", doc.GetProperty("suggestions").EnumerateArray().Select(s => s.GetString()));
    }

    [Fact]
    public void A_model_that_does_not_fit_exits_4()
    {
        Assert.Equal(4, Scout.Run("fit", "--model", "llama3.1:405b").ExitCode);
        Assert.Equal(0, Scout.Run("fit", "--model", "llama3.1:8b").ExitCode);
    }

    [Fact]
    public void A_use_the_licence_forbids_exits_4_and_an_allowed_one_exits_0()
    {
        Assert.Equal(4, Scout.Run("license", "mistral-large", "--commercial").ExitCode);
        Assert.Equal(0, Scout.Run("license", "phi4", "--commercial", "--saas").ExitCode);
        Assert.Equal(4, Scout.Run("license", "llama3.1:8b", "--mau", "701M").ExitCode);
    }

    [Theory]
    [InlineData("fit", "--ctx", "lots")]
    [InlineData("fit", "--kv-type", "q5_1")]
    [InlineData("fit", "--no-such-option")]
    [InlineData("quant", "llama3.1:8b", "--memory", "eight")]
    [InlineData("recommend", "--license", "maybe")]
    [InlineData("cost")]
    public void Bad_arguments_exit_2_with_a_message(params string[] args)
    {
        var run = Scout.Run(args);
        Assert.Equal(2, run.ExitCode);
        Assert.StartsWith("scout: ", run.Stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--gpu", "RTX 9999")]
    [InlineData("--profile", "pi6")]
    public void Unknown_hardware_names_say_what_exists(string option, string value)
    {
        var run = Scout.Run("fit", option, value);
        Assert.Equal(3, run.ExitCode);
        Assert.Contains(value, run.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void A_broken_catalog_file_is_reported_not_crashed_on()
    {
        var path = Path.Combine(Path.GetTempPath(), $"scout-bad-{Guid.NewGuid():N}.json");
        File.WriteAllText(path, "{ \"models\": [ { \"id\": \"x\" ");
        try
        {
            var run = Scout.Run("models", "--catalog", path);
            Assert.Equal(1, run.ExitCode);
            Assert.Contains("not valid JSON", run.Stderr, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Recommend_json_explains_every_exclusion_and_every_score()
    {
        var doc = Json(Scout.Run("recommend", "--use-case", "eu-apache", "--json"));
        Assert.All(doc.GetProperty("excluded").EnumerateArray(), e => Assert.False(string.IsNullOrWhiteSpace(e.GetProperty("reason").GetString())));
        var top = doc.GetProperty("picks")[0];
        Assert.Equal("mistral-small-3.1-24b", top.GetProperty("id").GetString());
        Assert.NotEmpty(top.GetProperty("reasons").EnumerateArray());
        Assert.Equal("apache-2.0", top.GetProperty("license").GetString());
    }

    [Fact]
    public async Task The_built_binary_probes_this_machine_and_answers_in_json()
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "scout.dll");
        Assert.True(File.Exists(dll), dll);
        var psi = new ProcessStartInfo("dotnet", [dll, "fit", "--json"]) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var p = Process.Start(psi)!;
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        var stdout = p.StandardOutput.ReadToEndAsync(timeout.Token);
        var stderr = p.StandardError.ReadToEndAsync(timeout.Token);
        await p.WaitForExitAsync(timeout.Token);
        Assert.True(p.ExitCode == 0, await stderr);
        var doc = JsonDocument.Parse(await stdout).RootElement;
        var machine = doc.GetProperty("machine");
        Assert.False(machine.GetProperty("simulated").GetBoolean());
        Assert.True(machine.GetProperty("cpu").GetProperty("cores").GetInt32() >= 1);
        Assert.True(machine.GetProperty("ram").GetProperty("totalBytes").GetInt64() > 0);
        Assert.Contains(doc.GetProperty("models").EnumerateArray(), m => m.GetProperty("fits").GetBoolean());
    }
}
