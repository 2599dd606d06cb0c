using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.RegularExpressions;
using ModelScout.Cli.Framework;
using ModelScout.Core.Settings;
using ModelScout.Engine;
using ModelScout.Testing;

namespace ModelScout.Cli.Tests;

/// <summary>What a newcomer hit in an hour of use (issue 12, section 4), each pinned.</summary>
public sealed partial class NewcomerTests : IDisposable
{
    private readonly string temp = Directory.CreateTempSubdirectory("scout-newcomer-").FullName;

    private static string Stories => Path.GetFullPath(RepoPaths.Model("stories260K.gguf"));

    public void Dispose() => Directory.Delete(temp, recursive: true);

    /// <summary>Runs with <paramref name="variables"/> as the whole environment.</summary>
    private static CliRun RunWithEnvironment(IReadOnlyDictionary<string, string> variables, params string[] args) =>
        Scout.RunIn(new ScoutSettings(name => variables.GetValueOrDefault(name), Scout.IsolatedHome), null, args);

    private static JsonElement OneDocument(CliRun run)
    {
        // JsonDocument.Parse refuses anything after the first value: two documents back to back fail here.
        using var doc = JsonDocument.Parse(run.Stdout);
        return doc.RootElement.Clone();
    }

    // ---- 1 and 11: serve on a busy port, and on a store folder that does not exist ----

    [Fact]
    public async Task Serve_on_a_busy_port_prints_one_message_without_a_stack_trace_and_creates_a_missing_store()
    {
        using var busy = new TcpListener(IPAddress.Loopback, 0);
        busy.Start();
        var port = ((IPEndPoint)busy.LocalEndpoint).Port;
        var models = Path.Combine(temp, "no", "such", "store");

        // The real process: the host logs to the process's own stderr, which an in-process run cannot see.
        var bin = AppContext.BaseDirectory;
        var psi = new ProcessStartInfo("dotnet", ["exec", "--depsfile", Path.Combine(bin, "ModelScout.Cli.Tests.deps.json"), Path.Combine(bin, "scout.dll"),
            "serve", "--host", $"127.0.0.1:{port}", "--models", models, "--threads", "1"])
        { RedirectStandardOutput = true, RedirectStandardError = true };
        psi.Environment["SCOUT_HOME"] = Path.Combine(temp, "home");
        using var p = Process.Start(psi)!;
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        var stdout = p.StandardOutput.ReadToEndAsync(timeout.Token);
        var stderr = p.StandardError.ReadToEndAsync(timeout.Token);
        await p.WaitForExitAsync(timeout.Token);
        var output = await stdout + await stderr;

        Assert.Equal(ExitCodes.Error, p.ExitCode);
        Assert.Contains($"127.0.0.1:{port} is already in use", output, StringComparison.Ordinal);
        Assert.Contains($"--host 127.0.0.1:{port + 1}", output, StringComparison.Ordinal);
        Assert.Contains("SCOUT_HOST", output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", output, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", output, StringComparison.Ordinal);
        Assert.True(output.Length < 1000, output);
        // 11: the store folder did not exist; serve created it and said so.
        Assert.True(Directory.Exists(models));
        Assert.Contains($"created the model store {models}", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Serve_says_when_the_store_has_no_models()
    {
        using var busy = new TcpListener(IPAddress.Loopback, 0);
        busy.Start();
        var port = ((IPEndPoint)busy.LocalEndpoint).Port;
        var run = Scout.Run("serve", "--host", $"127.0.0.1:{port}", "--models", temp);
        Assert.Equal(ExitCodes.Error, run.ExitCode);
        Assert.Contains($"no models in {temp} yet", run.Stderr, StringComparison.Ordinal);
        Assert.Contains("already in use", run.Stderr, StringComparison.Ordinal);
    }

    // ---- 2: a mistyped command, and no command ----

    [Theory]
    [InlineData("fti", "scout fit")]
    [InlineData("recomend", "scout recommend")]
    [InlineData("lst", "scout list")]
    public void A_mistyped_command_gets_the_closest_one_and_exit_2(string typed, string meant)
    {
        var run = Scout.Run(typed);
        Assert.Equal(ExitCodes.Usage, run.ExitCode);
        Assert.Contains($"Did you mean `{meant}`", run.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("Required command was not provided", run.Stderr, StringComparison.Ordinal);
        Assert.Equal("", run.Stdout);
    }

    [Fact]
    public void A_mistyped_subcommand_or_option_gets_the_closest_one()
    {
        var option = Scout.Run("fit", "--gpuz", "RTX 4090");
        Assert.Equal(ExitCodes.Usage, option.ExitCode);
        Assert.Contains("Did you mean --gpu", option.Stderr, StringComparison.Ordinal);

        var json = Scout.Run("recomend", "--json");
        Assert.Equal(ExitCodes.Usage, json.ExitCode);
        var error = OneDocument(json);
        Assert.Equal("modelscout/error/v1", error.GetProperty("schema").GetString());
        Assert.Equal(["scout recommend"], error.GetProperty("suggestions").EnumerateArray().Select(s => s.GetString()));
    }

    [Fact]
    public void Nothing_close_gets_no_guess_but_the_way_to_the_list()
    {
        var run = Scout.Run("zzzzzz");
        Assert.Equal(ExitCodes.Usage, run.ExitCode);
        Assert.DoesNotContain("Did you mean", run.Stderr, StringComparison.Ordinal);
        Assert.Contains("`scout --help` lists the commands", run.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Scout_alone_prints_the_help_and_exits_2_as_git_does()
    {
        var run = Scout.Run();
        Assert.Equal(ExitCodes.Usage, run.ExitCode);
        Assert.Contains("Usage:", run.Stdout, StringComparison.Ordinal);
        foreach (var command in new[] { "fit", "recommend", "serve", "bench" }) Assert.Contains(command, run.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("Required command was not provided", run.Stdout + run.Stderr, StringComparison.Ordinal);
    }

    // ---- 4: every --json output is one document ----

    [Theory]
    [InlineData("recommend")]
    [InlineData("recommend", "--use-case", "coding")]
    [InlineData("fit")]
    [InlineData("fit", "--model", "llama3.1:405b")]
    [InlineData("models")]
    [InlineData("show", "llama3.1:8b")]
    [InlineData("compare", "llama3.1:70b", "gpt-4o")]
    [InlineData("quant", "llama3.1:8b")]
    [InlineData("license", "llama3.1:8b")]
    [InlineData("explain")]
    [InlineData("runtimes", "--model", "qwen2.5-coder:7b")]
    [InlineData("cost", "--tokens-per-day", "10M")]
    [InlineData("env")]
    [InlineData("show", "no-such-model")]
    [InlineData("fti")]
    public void Every_json_output_is_one_parseable_document(params string[] args)
    {
        var run = Scout.Run([.. args, "--json"]);
        var root = OneDocument(run);
        Assert.StartsWith("modelscout/", root.GetProperty("schema").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Inspect_and_list_json_are_one_document()
    {
        Assert.Equal("modelscout/inspect/v1", OneDocument(Scout.Run("inspect", Stories, "--json")).GetProperty("schema").GetString());
        Assert.Equal("modelscout/list/v1", OneDocument(Scout.Run("list", "--models", temp, "--json")).GetProperty("schema").GetString());
    }

    [Fact]
    public void Recommend_json_for_every_use_case_is_one_document_with_one_entry_per_use_case()
    {
        var run = Scout.Run("recommend", "--json");
        Assert.True(run.ExitCode is 0 or 4, run.Stderr);
        var root = OneDocument(run);
        Assert.Equal("modelscout/recommend-all/v1", root.GetProperty("schema").GetString());
        var each = root.GetProperty("recommendations").EnumerateArray().ToList();
        var useCases = ModelScout.Core.Catalog.Catalog.Embedded.Document.UseCases.Select(u => u.Id).ToList();
        Assert.Equal(useCases, each.Select(r => r.GetProperty("useCase").GetProperty("id").GetString()));
        Assert.All(each, r => Assert.Equal("modelscout/recommend/v1", r.GetProperty("schema").GetString()));
    }

    // ---- 10: piped output never wraps a command ----

    [Fact]
    public void A_long_command_is_one_intact_line_and_tables_follow_COLUMNS_when_piped()
    {
        var env = new Dictionary<string, string> { ["COLUMNS"] = "60" };
        var json = OneDocument(Scout.Run("fit", "--file", Stories, "--json"));
        var commands = json.GetProperty("models")[0].GetProperty("commands").EnumerateArray().Select(c => c.GetProperty("command").GetString()!).ToList();
        Assert.Contains(commands, c => c.Length > 60);

        var run = RunWithEnvironment(env, "fit", "--file", Stories);
        Assert.Equal(0, run.ExitCode);
        var lines = run.Stdout.Split('\n');
        Assert.All(commands, c => Assert.Contains(lines, l => l.Trim() == c));
        Assert.All(lines.Where(l => l.Length > 0 && "╭│├╰─".Contains(l[0], StringComparison.Ordinal)), l => Assert.True(l.Length <= 60, l));
    }

    [Fact]
    public void The_fit_overview_lists_each_command_on_its_own_line_not_in_a_table_cell()
    {
        var json = OneDocument(Scout.Run("fit", "--json"));
        var commands = json.GetProperty("models").EnumerateArray().Where(m => m.GetProperty("fits").GetBoolean())
            .Select(m => m.TryGetProperty("runtime", out var r) && r.TryGetProperty("command", out var c) ? c.GetString()! : m.GetProperty("commands")[0].GetProperty("command").GetString()!)
            .ToList();
        Assert.NotEmpty(commands);
        var run = RunWithEnvironment(new Dictionary<string, string> { ["COLUMNS"] = "80" }, "fit");
        var lines = run.Stdout.Split('\n');
        Assert.All(commands, c => Assert.Contains(lines, l => l.Trim() == c));
    }

    [Fact]
    public void Recommend_and_runtimes_print_their_commands_whole_at_any_width()
    {
        var env = new Dictionary<string, string> { ["COLUMNS"] = "40" };
        var recommend = OneDocument(Scout.Run("recommend", "--use-case", "coding", "--json"));
        var command = recommend.GetProperty("runtime").GetProperty("command").GetString()!;
        var run = RunWithEnvironment(env, "recommend", "--use-case", "coding");
        Assert.Contains(run.Stdout.Split('\n'), l => l.Trim() == command);

        var runtimes = RunWithEnvironment(env, "runtimes");
        Assert.Equal(0, runtimes.ExitCode);
        var install = ModelScout.Core.Catalog.Catalog.Embedded.Document.Runtimes.First(r => r.Id == "ollama").Install["linux"];
        Assert.Contains(runtimes.Stdout.Split('\n'), l => l.Trim() == install);
    }

    // ---- 9: bench --requests below the default rounds ----

    [Fact]
    public void Bench_requests_below_three_is_not_refused_for_the_default_rounds_but_an_explicit_conflict_is()
    {
        // Nothing listens on port 9: the run gets past the checks and fails on the connection (exit 1, not 2).
        var run = Scout.Run("bench", "--endpoint", "http://127.0.0.1:9/v1", "--model", "m", "--requests", "2");
        Assert.Equal(ExitCodes.Error, run.ExitCode);
        Assert.DoesNotContain("--rounds", run.Stderr, StringComparison.Ordinal);
        var conflict = Scout.Run("bench", "--endpoint", "http://127.0.0.1:9/v1", "--model", "m", "--requests", "2", "--rounds", "3");
        Assert.Equal(ExitCodes.Usage, conflict.ExitCode);
        Assert.Contains("--rounds 3 is more than --requests 2", conflict.Stderr, StringComparison.Ordinal);
    }

    // ---- 13: a file that is not a GGUF ----

    [Fact]
    public void Inspect_run_fit_and_bench_on_a_file_that_is_not_gguf_exit_5_bad_input()
    {
        var path = Path.Combine(temp, "page.gguf");
        File.WriteAllText(path, "<!DOCTYPE html><html><body>Sign in to download</body></html>");
        Assert.Equal(5, ExitCodes.BadInput);
        foreach (var args in new[] { new[] { "inspect", path }, ["fit", "--file", path], ["inspect", path, "--json"], ["bench", "--local", path, "--threads", "1"] })
        {
            var run = Scout.Run(args);
            Assert.Equal(ExitCodes.BadInput, run.ExitCode);
            Assert.Contains("is not a valid GGUF file", run.Stderr, StringComparison.Ordinal);
        }
        var env = new RunEnvironment(new StringReader(""), true, (_, _) => throw new InvalidOperationException("the engine must not start"), _ => new NoSubscription());
        var started = Scout.RunWith(env, "run", path, "hi");
        Assert.Equal(ExitCodes.BadInput, started.ExitCode);
    }

    private sealed class NoSubscription : IDisposable
    {
        public void Dispose()
        {
        }
    }

    // ---- 14: a model's name is its stored name or its file name ----

    [Fact]
    public void Fit_file_names_a_file_by_its_file_name_and_a_stored_model_by_its_stored_name()
    {
        var byFile = OneDocument(Scout.Run("fit", "--file", Stories, "--json"));
        Assert.Equal("stories260K.gguf", byFile.GetProperty("models")[0].GetProperty("name").GetString());

        Assert.Equal(0, Scout.Run("import", Stories, "tiny-stories", "--models", temp).ExitCode);
        var env = new Dictionary<string, string> { ["SCOUT_MODELS"] = temp };
        var stored = RunWithEnvironment(env, "fit", "--file", "tiny-stories", "--json");
        Assert.True(stored.ExitCode == 0, stored.Stderr);
        Assert.StartsWith("tiny-stories", OneDocument(stored).GetProperty("models")[0].GetProperty("name").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Bench_local_names_a_stored_model_by_its_name_not_its_blob()
    {
        Assert.Equal(0, Scout.Run("import", Stories, "tiny-stories", "--models", temp).ExitCode);
        var env = new Dictionary<string, string> { ["SCOUT_MODELS"] = temp };
        string[] quick = ["--pp", "8", "--tg", "2", "--repetitions", "1", "--threads", "1"];

        var human = RunWithEnvironment(env, ["bench", "--local", "tiny-stories", .. quick]);
        Assert.True(human.ExitCode == 0, human.Stderr);
        Assert.Contains("tiny-stories", human.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("sha256-", human.Stdout, StringComparison.Ordinal);

        var file = RunWithEnvironment(env, ["bench", "--local", Stories, .. quick, "--json"]);
        Assert.True(file.ExitCode == 0, file.Stderr);
        Assert.Equal("stories260K.gguf", OneDocument(file).GetProperty("name").GetString());
    }

    // ---- 16: one default thread count ----

    [Fact]
    public void Every_help_shows_the_thread_count_the_engine_uses()
    {
        var engineDefault = EngineSettings.FromEnvironment(_ => null).Threads;
        var expected = $"default: {engineDefault} here, {Environment.ProcessorCount} cores";
        foreach (var command in new[] { new[] { "serve" }, ["run"], ["bench"], ["eval"] })
        {
            var help = Scout.Run([.. command, "--help"]);
            Assert.Equal(0, help.ExitCode);
            // Help wraps descriptions into a column: compare with the whitespace collapsed.
            var flat = Spaces().Replace(help.Stdout, " ");
            Assert.Contains(expected, flat, StringComparison.Ordinal);
        }
    }

    [GeneratedRegex(@"\s+")]
    private static partial Regex Spaces();
}
