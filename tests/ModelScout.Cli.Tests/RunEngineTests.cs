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

    private sealed class Nothing : IDisposable
    {
        public void Dispose() { }
    }
}
