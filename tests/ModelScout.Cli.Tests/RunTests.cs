using System.Text.Json;
using ModelScout.Cli.Chat;
using ModelScout.Cli.Framework;
using ModelScout.Engine;
using ModelScout.Gguf;
using ModelScout.Prompting;
using ModelScout.Store;
using ModelScout.Testing;

namespace ModelScout.Cli.Tests;

/// <summary>scout run against a scripted engine: the REPL's commands, history, Ctrl-C, one-shot input and output forms.</summary>
public class RunTests
{
    private static readonly string Stories = Path.GetFullPath(RepoPaths.Model("stories260K.gguf"));

    private static RunEnvironment Env(IInferenceService engine, string stdin = "", bool terminal = false, Action<Action>? interrupts = null) =>
        new(new StringReader(stdin), terminal, (_, _) => engine, action =>
        {
            interrupts?.Invoke(action);
            return new Unsubscribe();
        });

    private static (ChatRepl Repl, StringWriter Out) Repl(IInferenceService engine, string script, RunSettings? settings = null)
    {
        var model = ModelResolvers.StoreThenFile(new ModelStore(Path.Combine(Path.GetTempPath(), "scout-no-store"))).Resolve(Stories);
        var info = GgufModelInfo.From(GgufReader.ReadFile(Stories));
        var output = new StringWriter();
        var repl = new ChatRepl(engine, model, info, settings ?? new RunSettings { Model = model.Name }, new StringReader(script), output, output, echo: true);
        return (repl, output);
    }

    private static string Text(StringWriter w) => w.ToString().ReplaceLineEndings("\n");

    [Fact]
    public async Task Chat_script_with_multiline_input_set_show_and_bye_gives_the_expected_transcript()
    {
        var engine = new ScriptedEngine { Reply = r => $"turn {r.Messages!.Count(m => m.Role == "user")}: {r.Messages![^1].Content.Replace('\n', '|')}" };
        var (repl, output) = Repl(engine, """"
            """
            Tell me
            a story
            """
            /set parameter temperature 0
            /set parameter stop User: END
            /set system You are terse.
            /show info
            /show parameters
            What next?
            /bye
            never read
            """");
        await repl.RunAsync();
        Assert.Equal(""""
            >>> """
            ... Tell me
            ... a story
            ... """
            turn 1: Tell me|a story

            >>> /set parameter temperature 0
            Set parameter 'temperature' to '0'
            >>> /set parameter stop User: END
            Set parameter 'stop' to 'User:, END'
            >>> /set system You are terse.
            Set system message.
            >>> /show info
              Model
                architecture        llama
                parameters          292.80K
                context length      2048
                embedding length    64
                layers              5
                quantization        F32
                vocabulary          512
                chat template       none (prompts are sent as plain text)

            >>> /show parameters
            User defined parameters:
            temperature                    0
            stop                           "User:" "END"

            >>> What next?
            turn 2: What next?

            >>> /bye

            """", Text(output));

        // Every turn carries the whole conversation; the system message leads once it is set.
        Assert.Equal(2, engine.Requests.Count);
        Assert.Equal([new ChatTurn("user", "Tell me\na story")], engine.Requests[0].Messages);
        Assert.Equal(
            [new ChatTurn("system", "You are terse."), new ChatTurn("user", "Tell me\na story"), new ChatTurn("assistant", "turn 1: Tell me|a story"), new ChatTurn("user", "What next?")],
            engine.Requests[1].Messages);
        Assert.Equal(0f, engine.Requests[1].Options.Temperature);
        Assert.Equal(["User:", "END"], engine.Requests[1].Options.Stop);
        Assert.Null(engine.Requests[0].Options.Temperature);
    }

    [Fact]
    public async Task Clear_forgets_the_conversation_and_end_of_input_ends_the_chat()
    {
        var engine = new ScriptedEngine { Reply = r => "fine" };
        var (repl, _) = Repl(engine, "hello\n/clear\nagain\n");
        await repl.RunAsync();
        Assert.Equal(2, engine.Requests.Count);
        Assert.Equal([new ChatTurn("user", "again")], engine.Requests[1].Messages);
        Assert.Equal(2, repl.History.Count);
    }

    [Fact]
    public async Task Bad_parameters_and_unknown_commands_are_explained_and_the_chat_goes_on()
    {
        var engine = new ScriptedEngine();
        var (repl, output) = Repl(engine, "/set parameter temperature hot\n/set parameter bogus 1\n/frobnicate\n/set parameter seed 42\nhi\n/bye\n");
        await repl.RunAsync();
        var text = Text(output);
        Assert.Contains("Couldn't set parameter: option 'temperature' must be a number, got string \"hot\"", text, StringComparison.Ordinal);
        Assert.Contains("Couldn't set parameter: unknown parameter 'bogus'; known: frequency_penalty, min_p,", text, StringComparison.Ordinal);
        Assert.Contains("Unknown command '/frobnicate'. Type /? for help", text, StringComparison.Ordinal);
        var request = Assert.Single(engine.Requests);
        Assert.Equal(42, request.Options.Seed);
        Assert.Null(request.Options.Temperature);
    }

    [Fact]
    public async Task Ctrl_c_stops_the_answer_keeps_it_out_of_the_history_and_the_chat_goes_on()
    {
        var engine = new ScriptedEngine { HoldAfterFirstToken = true, Reply = r => "a very long answer" };
        var input = new BlockingLines();
        var output = new StringWriter();
        var model = ModelResolvers.StoreThenFile(new ModelStore(Path.Combine(Path.GetTempPath(), "scout-no-store"))).Resolve(Stories);
        var repl = new ChatRepl(engine, model, GgufModelInfo.From(GgufReader.ReadFile(Stories)), new RunSettings { Model = model.Name }, input, TextWriter.Synchronized(output), TextWriter.Null);
        input.Add("tell me everything");
        var session = repl.RunAsync();
        await engine.FirstTokenSent.Task.WaitAsync(TimeSpan.FromSeconds(10));
        repl.Interrupt();
        input.Add("/bye");
        await session.WaitAsync(TimeSpan.FromSeconds(10));
        var text = Text(output);
        Assert.Contains(">>> a\n(answer cancelled; it is not kept in the conversation)\n", text, StringComparison.Ordinal);
        Assert.EndsWith(">>> ", text.TrimEnd('\n'), StringComparison.Ordinal);
        Assert.Empty(repl.History);
    }

    [Fact]
    public void Ctrl_c_at_the_prompt_says_how_to_leave()
    {
        var output = new StringWriter();
        var model = ModelResolvers.StoreThenFile(new ModelStore(Path.Combine(Path.GetTempPath(), "scout-no-store"))).Resolve(Stories);
        var repl = new ChatRepl(new ScriptedEngine(), model, GgufModelInfo.From(GgufReader.ReadFile(Stories)), new RunSettings { Model = model.Name }, new StringReader(""), output, output);
        repl.Interrupt();
        Assert.Equal("\nUse Ctrl + d or /bye to exit.\n>>> ", Text(output));
    }

    [Fact]
    public void One_shot_joins_the_prompt_words_streams_the_answer_and_prints_timings_on_stderr_with_verbose()
    {
        var engine = new ScriptedEngine { Reply = r => "Once there was" };
        var run = Scout.RunWith(Env(engine, terminal: true), "run", Stories, "Once", "upon", "a", "time", "--temperature", "0", "--seed", "7", "--num-predict", "20", "--ctx", "1K", "--system", "Be brief", "--verbose");
        Assert.Equal(0, run.ExitCode);
        Assert.Equal("Once there was\n", run.Stdout);
        var request = Assert.Single(engine.Requests);
        Assert.Equal("Once upon a time", request.Prompt);
        Assert.Null(request.Messages);
        Assert.Equal("Be brief", request.System);
        Assert.Equal(Stories, request.Model);
        Assert.Equal(new ModelOptions { Temperature = 0, Seed = 7, NumPredict = 20, NumCtx = 1024 }, request.Options);
        Assert.Equal(
            """
            total duration:       1.5s
            load duration:        12.5ms
            prompt eval count:    10 token(s)
            prompt eval duration: 5ms
            prompt eval rate:     2000.00 tokens/s
            eval count:           3 token(s)
            eval duration:        750ms
            eval rate:            4.00 tokens/s

            """, run.Stderr);
    }

    [Fact]
    public void Piped_stdin_is_the_prompt_and_comes_before_the_argument_words()
    {
        var engine = new ScriptedEngine { Reply = r => "summary" };
        var run = Scout.RunWith(Env(engine, "a long text\nfrom a pipe\n"), "run", Stories, "Summarise:");
        Assert.Equal(0, run.ExitCode);
        Assert.Equal("a long text\nfrom a pipe Summarise:", Assert.Single(engine.Requests).Prompt);
        Assert.Equal("summary\n", run.Stdout);
    }

    [Fact]
    public void Json_one_shot_writes_one_run_v1_document_and_no_streamed_text()
    {
        var engine = new ScriptedEngine { Reply = r => "{\"a\": 1}" };
        var run = Scout.RunWith(Env(engine, terminal: true), "run", Stories, "give", "json", "--json", "--format", "json", "--keep-alive", "10m");
        Assert.Equal(0, run.ExitCode);
        var doc = JsonDocument.Parse(run.Stdout).RootElement;
        Assert.Equal("modelscout/run/v1", doc.GetProperty("schema").GetString());
        Assert.Equal("{\"a\": 1}", doc.GetProperty("response").GetString());
        Assert.Equal("stop", doc.GetProperty("doneReason").GetString());
        var stats = doc.GetProperty("stats");
        Assert.Equal(10, stats.GetProperty("promptTokens").GetInt32());
        Assert.Equal(2, stats.GetProperty("completionTokens").GetInt32());
        Assert.Equal(4.0, stats.GetProperty("tokensPerSecond").GetDouble());
        Assert.Equal(1500.0, stats.GetProperty("totalDurationMs").GetDouble());
        var request = Assert.Single(engine.Requests);
        Assert.IsType<OutputConstraint.AnyJson>(request.Format);
        Assert.Equal(TimeSpan.FromMinutes(10), request.KeepAlive);
    }

    [Fact]
    public void A_chat_in_a_terminal_loads_the_model_first_and_reads_lines_until_bye()
    {
        var engine = new ScriptedEngine { Reply = r => "hello there" };
        var run = Scout.RunWith(Env(engine, "hi\n/bye\n", terminal: true), "run", Stories);
        Assert.Equal(0, run.ExitCode);
        Assert.Equal(1, engine.Loads);
        Assert.Equal(">>> hello there\n\n>>> ", run.Stdout);
    }

    [Fact]
    public void Json_in_a_chat_bad_options_and_bad_formats_are_usage_errors()
    {
        var engine = new ScriptedEngine();
        var json = Scout.RunWith(Env(engine, terminal: true), "run", Stories, "--json");
        Assert.Equal(2, json.ExitCode);
        Assert.Contains("--json needs a prompt", json.Stderr, StringComparison.Ordinal);
        Assert.Equal("modelscout/error/v1", JsonDocument.Parse(json.Stdout).RootElement.GetProperty("schema").GetString());
        Assert.Equal(2, Scout.RunWith(Env(engine, terminal: true), "run", Stories, "hi", "--keep-alive", "soon").ExitCode);
        Assert.Equal(2, Scout.RunWith(Env(engine, terminal: true), "run", Stories, "hi", "--format", "yaml").ExitCode);
        Assert.Equal(2, Scout.RunWith(Env(engine, terminal: true), "run", Stories, "hi", "--threads", "0").ExitCode);
        Assert.Empty(engine.Requests);
    }

    [Fact]
    public void A_file_that_is_not_gguf_exits_5_and_a_missing_one_exits_3_before_the_engine_starts()
    {
        var bad = Path.Combine(Path.GetTempPath(), $"scout-run-bad-{Guid.NewGuid():N}.gguf");
        File.WriteAllText(bad, "this is not a model\n");
        try
        {
            var started = false;
            var env = new RunEnvironment(new StringReader(""), true, (_, _) => { started = true; return new ScriptedEngine(); }, _ => new Unsubscribe());
            var run = Scout.RunWith(env, "run", bad, "hi");
            Assert.Equal(5, run.ExitCode);
            Assert.Contains($"{bad} is not a valid GGUF file", run.Stderr, StringComparison.Ordinal);
            var missing = Scout.RunWith(env, "run", bad + ".nope", "hi");
            Assert.Equal(3, missing.ExitCode);
            Assert.Contains("is neither a stored model nor a GGUF file", missing.Stderr, StringComparison.Ordinal);
            Assert.False(started);
        }
        finally
        {
            File.Delete(bad);
        }
    }

    [Fact]
    public void Engine_errors_become_exit_codes_with_the_engine_s_message()
    {
        var engine = new FailingEngine(new InferenceException(InferenceErrorKind.ModelLoadFailed, "llama.cpp could not load the model"));
        var run = Scout.RunWith(Env(engine, terminal: true), "run", Stories, "hi");
        Assert.Equal(1, run.ExitCode);
        Assert.Contains("scout: llama.cpp could not load the model. `scout inspect FILE` shows what the file holds.", run.Stderr, StringComparison.Ordinal);
    }

    private sealed class Unsubscribe : IDisposable
    {
        public void Dispose() { }
    }

    /// <summary>Lines handed over one at a time; ReadLine waits for the next, as a person at a terminal makes it.</summary>
    private sealed class BlockingLines : TextReader
    {
        private readonly System.Collections.Concurrent.BlockingCollection<string> lines = [];

        public void Add(string line) => lines.Add(line);

        public override string? ReadLine() => lines.TryTake(out var line, TimeSpan.FromSeconds(30)) ? line : null;

        protected override void Dispose(bool disposing)
        {
            if (disposing) lines.Dispose();
            base.Dispose(disposing);
        }
    }

    private sealed class FailingEngine(InferenceException error) : IInferenceService
    {
        public async IAsyncEnumerable<GenerationUpdate> GenerateAsync(GenerationRequest request, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            await Task.Yield();
            if (request is not null) throw error;
            yield break;
        }

        public Task<LoadedModelInfo> LoadAsync(string model, ModelOptions? options = null, TimeSpan? keepAlive = null, CancellationToken cancellationToken = default) => throw error;

        public Task<EmbeddingResult> EmbedAsync(EmbeddingRequest request, CancellationToken cancellationToken = default) => throw error;

        public Task<IReadOnlyList<int>> TokenizeAsync(string model, string text, bool addSpecial, bool parseSpecial, CancellationToken cancellationToken = default) => throw error;

        public Task<string> DetokenizeAsync(string model, IReadOnlyList<int> tokens, CancellationToken cancellationToken = default) => throw error;

        public Task<bool> UnloadAsync(string model) => Task.FromResult(false);

        public IReadOnlyList<LoadedModelInfo> Loaded => [];

        public InferenceSnapshot Snapshot() => new();
    }
}
