using ModelScout.Cli.Framework;
using ModelScout.Engine;
using ModelScout.Testing;

namespace ModelScout.Cli.Tests;

/// <summary>scout run through the real engine (ModelHost over llama.cpp) on stories260K, greedy, one thread.</summary>
public class RunEngineTests
{
    private static readonly string Stories = Path.GetFullPath(RepoPaths.Model("stories260K.gguf"));

    private static RunEnvironment Real(string stdin, bool terminal) =>
        new(new StringReader(stdin), terminal, (resolver, settings) => new ModelHost(resolver, settings with { Threads = 1 }), _ => new Nothing());

    [Fact]
    public void One_shot_on_stories260K_at_temperature_0_continues_like_llama_cpp()
    {
        var run = Scout.RunWith(Real("", terminal: true), "run", Stories, "Once upon a time", "--temperature", "0", "--threads", "1", "--num-predict", "24");
        Assert.True(run.ExitCode == 0, run.Stderr);
        Assert.StartsWith(", there was a little girl named Lily", run.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void Chat_on_stories260K_shows_the_header_and_answers_each_turn()
    {
        var script = "/show info\n/set parameter temperature 0\n/set parameter num_predict 8\nOnce upon a time\nThe end\n/bye\n";
        var run = Scout.RunWith(Real(script, terminal: true), "run", Stories, "--threads", "1");
        Assert.True(run.ExitCode == 0, run.Stderr);
        Assert.Contains("    architecture        llama\n", run.Stdout, StringComparison.Ordinal);
        Assert.Contains("    context length      2048\n", run.Stdout, StringComparison.Ordinal);
        Assert.Contains("Set parameter 'num_predict' to '8'", run.Stdout, StringComparison.Ordinal);
        // Two answers, each followed by a blank line and the next prompt.
        var answers = run.Stdout.Split(">>> ").Where(part => part.EndsWith("\n\n", StringComparison.Ordinal) && !part.Contains("Model", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, answers.Count);
        Assert.All(answers, a => Assert.False(string.IsNullOrWhiteSpace(a)));
    }

    [Fact]
    public void Tools_file_with_a_required_call_prints_the_call_and_its_json_form_has_schema_valid_arguments()
    {
        var dir = Directory.CreateTempSubdirectory("scout-run-tools-").FullName;
        var tools = Path.Combine(dir, "tools.json");
        File.WriteAllText(tools, """
            [{"type":"function","function":{"name":"get_weather","description":"Weather in a city",
              "parameters":{"type":"object","properties":{"city":{"type":"string","maxLength":10},"days":{"type":"integer","minimum":1,"maximum":7}},"required":["city","days"]}}}]
            """);
        var text = Scout.RunWith(Real("", terminal: true), "run", Stories, "Weather in Paris?", "--tools", tools, "--tool-choice", "required", "--temperature", "0", "--threads", "1", "--num-predict", "1500");
        Assert.True(text.ExitCode == 0, text.Stderr);
        Assert.Contains("tool call: get_weather {\"city\":", text.Stdout, StringComparison.Ordinal);

        var json = Scout.RunWith(Real("", terminal: true), "run", Stories, "Weather in Paris?", "--tools", tools, "--tool-choice", "get_weather", "--temperature", "0", "--threads", "1", "--num-predict", "1500", "--json");
        Assert.True(json.ExitCode == 0, json.Stderr);
        using var doc = System.Text.Json.JsonDocument.Parse(json.Stdout);
        var calls = doc.RootElement.GetProperty("toolCalls").EnumerateArray().ToList();
        Assert.NotEmpty(calls);
        foreach (var call in calls)
        {
            Assert.Equal("get_weather", call.GetProperty("name").GetString());
            var args = call.GetProperty("arguments");
            Assert.InRange(args.GetProperty("city").GetString()!.Length, 0, 10);
            Assert.InRange(args.GetProperty("days").GetInt32(), 1, 7);
        }
    }

    [Fact]
    public void A_tool_choice_without_tools_and_a_broken_tools_file_are_clear_errors()
    {
        var dir = Directory.CreateTempSubdirectory("scout-run-tools-").FullName;
        var broken = Path.Combine(dir, "tools.json");
        File.WriteAllText(broken, "[{\"type\":\"function\",");
        var noTools = Scout.RunWith(Real("", terminal: true), "run", Stories, "hi", "--tool-choice", "required");
        Assert.NotEqual(0, noTools.ExitCode);
        Assert.Contains("--tool-choice needs --tools FILE", noTools.Stderr, StringComparison.Ordinal);
        var bad = Scout.RunWith(Real("", terminal: true), "run", Stories, "hi", "--tools", broken);
        Assert.NotEqual(0, bad.ExitCode);
        Assert.Contains("is not valid JSON", bad.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Set_think_in_the_chat_is_acknowledged_and_refused_by_a_model_that_cannot_think()
    {
        var script = "/set think high\n/set parameter num_predict 4\nOnce upon a time\n/set nothink\n/bye\n";
        var run = Scout.RunWith(Real(script, terminal: true), "run", Stories, "--threads", "1");
        Assert.True(run.ExitCode == 0, run.Stderr);
        Assert.Contains("Set 'think' mode to 'high'.", run.Stdout, StringComparison.Ordinal);
        Assert.Contains("Set 'nothink' mode.", run.Stdout, StringComparison.Ordinal);
        Assert.Contains("does not support thinking", run.Stderr, StringComparison.Ordinal);
    }

    private sealed class Nothing : IDisposable
    {
        public void Dispose() { }
    }
}
