namespace ModelScout.Store.Tests;

public class ModelNameTests
{
    [Fact]
    public void A_bare_model_gets_the_default_host_namespace_and_tag()
    {
        var n = ModelName.Parse("llama3.1");
        Assert.Equal(("registry.ollama.ai", "library", "llama3.1", "latest"), (n.Host, n.Namespace, n.Model, n.Tag));
        Assert.False(n.HasExplicitHost);
        Assert.Equal("llama3.1:latest", n.DisplayName);
        Assert.Equal("registry.ollama.ai/library/llama3.1:latest", n.FullName);
    }

    [Theory]
    [InlineData("qwen2.5-coder:7b-instruct-q4_K_M", "qwen2.5-coder:7b-instruct-q4_K_M")]
    [InlineData("someone/model", "someone/model:latest")]
    [InlineData("library/llama3.1:8b", "llama3.1:8b")]
    [InlineData("registry.ollama.ai/library/llama3.1:8b", "llama3.1:8b")]
    [InlineData("localhost:5000/team/tiny:q4", "localhost:5000/team/tiny:q4")]
    [InlineData("hf.co/bartowski/model.v2:Q4_K_M", "hf.co/bartowski/model.v2:Q4_K_M")]
    [InlineData("llama3.1:8b@sha256:0123", "llama3.1:8b")]
    public void Names_display_in_their_shortest_form(string text, string display) =>
        Assert.Equal(display, ModelName.Parse(text).DisplayName);

    [Fact]
    public void A_host_with_a_port_is_not_mistaken_for_a_tag()
    {
        var n = ModelName.Parse("127.0.0.1:8080/library/tiny");
        Assert.Equal("127.0.0.1:8080", n.Host);
        Assert.Equal("latest", n.Tag);
        Assert.True(n.HasExplicitHost);
    }

    [Fact]
    public void Names_match_case_insensitively_like_Ollama()
    {
        Assert.Equal(ModelName.Parse("Llama3.1:8B"), ModelName.Parse("llama3.1:8b"));
        Assert.Equal(ModelName.Parse("Library/LLAMA3.1:8b").GetHashCode(), ModelName.Parse("llama3.1:8b").GetHashCode());
        Assert.NotEqual(ModelName.Parse("llama3.1:8b"), ModelName.Parse("llama3.1:70b"));
    }

    [Theory]
    [InlineData("", "required")]
    [InlineData("a/b/c/d", "more than three")]
    [InlineData("bad name", "model 'bad name'")]
    [InlineData("model:", "tag after ':' is empty")]
    [InlineData("my.team/model", "namespace 'my.team'")]
    [InlineData("-lead", "model '-lead'")]
    [InlineData("model:ta$g", "tag 'ta$g'")]
    [InlineData("../escape", "namespace '..'")]
    public void Bad_names_are_refused_with_the_part_at_fault(string text, string expected)
    {
        var e = Assert.Throws<StoreException>(() => ModelName.Parse(text));
        Assert.Equal(StoreErrorKind.InvalidName, e.Kind);
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
        Assert.Null(ModelName.TryParse(text, out var error));
        Assert.StartsWith("invalid model name", error!.Replace("a model name is required", "invalid model name", StringComparison.Ordinal), StringComparison.Ordinal);
    }

    [Fact]
    public void A_model_name_longer_than_80_characters_is_refused() =>
        Assert.Throws<StoreException>(() => ModelName.Parse(new string('a', 81)));

    [Theory]
    [InlineData(8_030_261_248L, "8.0B")]
    [InlineData(70_553_706_496L, "70.6B")]
    [InlineData(7_000_000_000L, "7B")]
    [InlineData(494_032_768L, "494.03M")]
    [InlineData(292_800L, "293K")]
    [InlineData(999L, "999")]
    public void Parameter_counts_print_as_Ollama_prints_them(long parameters, string expected) =>
        Assert.Equal(expected, ModelDetailsReader.ParameterSize(parameters));
}
