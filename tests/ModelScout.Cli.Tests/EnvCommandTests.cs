using System.Text.Json;
using ModelScout.Core.Settings;

namespace ModelScout.Cli.Tests;

public sealed class EnvCommandTests : IDisposable
{
    private readonly string profile = Directory.CreateTempSubdirectory("scout-env-").FullName;

    public void Dispose() => Directory.Delete(profile, recursive: true);

    [Fact]
    public void Env_lists_where_each_thing_lives_and_every_variable_with_its_source()
    {
        var settings = new ScoutSettings(n => n switch { "SCOUT_HOME" => Path.Combine(profile, "home"), "OLLAMA_KEEP_ALIVE" => "1h", _ => null }, profile);
        var run = Scout.RunIn(settings, null, "env", "--json");
        Assert.Equal(0, run.ExitCode);
        var root = JsonDocument.Parse(run.Stdout).RootElement;
        Assert.Equal("modelscout/env/v1", root.GetProperty("schema").GetString());
        var paths = root.GetProperty("paths");
        Assert.Equal(Path.Combine(profile, "home"), paths.GetProperty("home").GetString());
        Assert.Equal(Path.Combine(profile, "home", "models"), paths.GetProperty("models").GetString());
        Assert.Equal(Path.Combine(profile, "home", "eval.db"), paths.GetProperty("evalDatabase").GetString());
        var variables = root.GetProperty("variables").EnumerateArray().ToDictionary(v => v.GetProperty("name").GetString()!);
        Assert.Equal(ScoutVariables.All.Count, variables.Count);
        Assert.Equal("SCOUT_HOME", variables["SCOUT_HOME"].GetProperty("from").GetString());
        Assert.Equal(("1h", "OLLAMA_KEEP_ALIVE"), (variables["SCOUT_KEEP_ALIVE"].GetProperty("value").GetString(), variables["SCOUT_KEEP_ALIVE"].GetProperty("from").GetString()));
        Assert.Equal("default", variables["SCOUT_MODELS"].GetProperty("from").GetString());
    }

    [Fact]
    public void Eval_results_an_earlier_version_left_in_the_old_place_are_moved_and_listed()
    {
        var legacy = Path.Combine(profile, ".scout", "eval.db");
        Directory.CreateDirectory(Path.GetDirectoryName(legacy)!);
        using (var store = ModelScout.Evaluation.Results.EvalStore.Open(legacy))
        {
        }
        var run = Scout.RunIn(new ScoutSettings(_ => null, profile), null, "eval", "list", "--json");
        Assert.Equal(0, run.ExitCode);
        Assert.Contains($"moved {legacy}", run.Stderr, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(profile, ".modelscout", "eval.db")));
        Assert.False(File.Exists(legacy));
    }
}

public sealed class PullRegistryTests
{
    private static ScoutSettings With(string? registry) => new(n => n == "SCOUT_REGISTRY" ? registry : null, Scout.IsolatedHome);

    [Fact]
    public void The_registry_is_the_option_else_SCOUT_REGISTRY_else_ollamas()
    {
        Assert.Null(ModelScout.Cli.Commands.PullCommand.Registry(null, With(null)));
        Assert.Equal("https://env.example/", ModelScout.Cli.Commands.PullCommand.Registry(null, With("https://env.example/"))?.AbsoluteUri);
        Assert.Equal("https://mirror.example/", ModelScout.Cli.Commands.PullCommand.Registry("https://mirror.example", With("https://env.example/"))?.AbsoluteUri);
    }

    [Theory]
    [InlineData(null, "ftp://env.example", "SCOUT_REGISTRY")]
    [InlineData("not a url", null, "--registry")]
    public void A_registry_that_is_not_http_names_where_it_came_from(string? option, string? env, string source)
    {
        var e = Assert.Throws<ModelScout.Cli.Framework.CliException>(() => ModelScout.Cli.Commands.PullCommand.Registry(option, With(env)));
        Assert.StartsWith(source, e.Message, StringComparison.Ordinal);
    }
}
