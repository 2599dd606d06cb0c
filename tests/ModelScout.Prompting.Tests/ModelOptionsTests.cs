using System.Text.Json;

namespace ModelScout.Prompting.Tests;

/// <summary>Model options: read from JSON (a request's <c>options</c>, a Modelfile's PARAMETERs) and layered.</summary>
public sealed class ModelOptionsTests
{
    [Fact]
    public void Options_read_numbers_numeric_strings_and_stop_lists_and_report_unknown_names()
    {
        var ignored = new List<string>();
        var o = ModelOptions.FromJson(JsonDocument.Parse("""{"num_ctx": 4096, "temperature": "0.5", "stop": "\n", "seed": 7.0, "mirostat": 2}""").RootElement, ignored);
        Assert.Equal(4096, o.NumCtx);
        Assert.Equal(0.5f, o.Temperature);
        Assert.Equal(["\n"], o.Stop!);
        Assert.Equal(7, o.Seed);
        Assert.Equal(["mirostat"], ignored);
    }

    [Fact]
    public void An_option_of_the_wrong_kind_is_named()
    {
        var e = Assert.Throws<InvalidRequestException>(() => ModelOptions.FromJson(JsonDocument.Parse("""{"top_k": "many"}""").RootElement));
        Assert.Equal("top_k", e.Param);
        Assert.Contains("an integer", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Request_options_override_model_defaults_which_override_the_engine_defaults()
    {
        var model = new ModelOptions { Temperature = 0.2f, NumCtx = 8192 };
        var request = new ModelOptions { Temperature = 0.9f };
        var merged = request.Over(model).Over(ModelOptions.Defaults);
        Assert.Equal(0.9f, merged.Temperature);
        Assert.Equal(8192, merged.NumCtx);
        Assert.Equal(ModelOptions.Defaults.TopK, merged.TopK);
        // Greedy means arg-max: no repeat penalty unless asked for.
        Assert.Equal(1.0f, merged.RepeatPenalty);
    }
}
