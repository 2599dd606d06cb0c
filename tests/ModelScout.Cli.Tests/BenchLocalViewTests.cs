using System.Text.Json;
using ModelScout.Cli.Commands;
using ModelScout.Engine.Bench;
using Spectre.Console;

namespace ModelScout.Cli.Tests;

public sealed class BenchLocalViewTests
{
    private static LocalBenchResult Result() => new(
        "/models/<odd> name.gguf", 1_185_376, "llama", Threads: 1, BatchSize: 512, MicroBatchSize: 512, Repetitions: 2,
        FlashAttention: false, LoadDuration: TimeSpan.FromMilliseconds(12.5),
        [
            new LocalBenchTest(LocalBenchTestKind.PromptProcessing, 512, [TimeSpan.FromSeconds(0.5), TimeSpan.FromSeconds(0.25)]),
            new LocalBenchTest(LocalBenchTestKind.TextGeneration, 128, [TimeSpan.FromSeconds(0.1), TimeSpan.FromSeconds(0.1)]),
        ]);

    [Fact]
    public void Json_carries_the_schema_every_run_and_mean_with_std()
    {
        using var document = JsonDocument.Parse(BenchLocalView.JsonText(Result()));
        var root = document.RootElement;

        Assert.Equal("modelscout/bench-local/v1", root.GetProperty("schema").GetString());
        Assert.Equal(12.5, root.GetProperty("loadMs").GetDouble());
        Assert.False(root.GetProperty("flashAttention").GetBoolean());
        var pp = root.GetProperty("tests")[0];
        Assert.Equal("pp512", pp.GetProperty("name").GetString());
        Assert.Equal("pp", pp.GetProperty("kind").GetString());
        // 1024 and 2048 tok/s: mean 1536, sample std 724.08.
        Assert.Equal(1536, pp.GetProperty("meanTokensPerSecond").GetDouble());
        Assert.Equal(724.08, pp.GetProperty("stdTokensPerSecond").GetDouble());
        Assert.Equal([1024.0, 2048.0], pp.GetProperty("runTokensPerSecond").EnumerateArray().Select(e => e.GetDouble()));
        Assert.Equal([0.5, 0.25], pp.GetProperty("runSeconds").EnumerateArray().Select(e => e.GetDouble()));
        Assert.Equal(0, root.GetProperty("tests")[1].GetProperty("stdTokensPerSecond").GetDouble());
    }

    [Fact]
    public void Table_reads_like_llama_bench()
    {
        using var writer = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(writer),
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
        });
        console.Profile.Width = 160;

        BenchLocalView.Render(console, Result());

        var text = writer.ToString();
        Assert.Contains("<odd> name.gguf (llama)", text, StringComparison.Ordinal);
        Assert.Contains("pp512", text, StringComparison.Ordinal);
        Assert.Contains("1536.00 ± 724.08", text, StringComparison.Ordinal);
        Assert.Contains("1280.00 ± 0.00", text, StringComparison.Ordinal);
        Assert.Contains("model load 13 ms", text, StringComparison.Ordinal);
    }
}
