namespace ModelScout.LoadTest.Tests;

public sealed class ParsingTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("scout-prompts-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    private string File(string name, string text)
    {
        var path = Path.Combine(dir, name);
        System.IO.File.WriteAllText(path, text);
        return path;
    }

    [Fact]
    public void Jsonl_prompts_messages_and_sharegpt_lines_all_load()
    {
        var path = File("p.jsonl", """
            {"prompt": "Tell me a story"}

            {"messages": [{"role": "system", "content": "Be brief"}, {"role": "user", "content": "Hi"}]}
            {"conversations": [{"from": "system", "value": "x"}, {"from": "human", "value": "First question"}, {"from": "gpt", "value": "answer"}, {"from": "human", "value": "second"}]}
            """);
        var file = PromptFile.Load(path);
        Assert.Equal(3, file.Entries.Count);
        Assert.Equal([new BenchMessage("user", "Tell me a story")], file.Entries[0]);
        Assert.Equal([new BenchMessage("system", "Be brief"), new BenchMessage("user", "Hi")], file.Entries[1]);
        Assert.Equal([new BenchMessage("user", "First question")], file.Entries[2]);
        // Request i takes entry i mod count.
        Assert.Equal("Tell me a story", file.Prompt("m", 3, 16).Prompt);
        Assert.Equal(2, file.Prompt("m", 4, 16).Messages!.Count);
    }

    [Fact]
    public void A_sharegpt_json_array_loads_its_first_human_turns()
    {
        var path = File("share.json", """[{"id": "a", "conversations": [{"from": "human", "value": "one"}]}, {"conversations": [{"from": "gpt", "value": "x"}, {"from": "human", "value": "two"}]}]""");
        Assert.Equal(["one", "two"], PromptFile.Load(path).Entries.Select(e => e[0].Content));
    }

    [Theory]
    [InlineData("{\"prompt\": \"ok\"}\n{\"prompt\": 3}\n", ":2: \"prompt\" must be a non-empty string")]
    [InlineData("{\"prompt\": \"ok\"}\nnot json\n", ":2: not a JSON object")]
    [InlineData("{\"prompt\": \"ok\"}\n\n{\"text\": \"x\"}\n", ":3: expected {\"prompt\"")]
    [InlineData("{\"messages\": [{\"role\": \"user\"}]}\n", ":1: message 1 needs string \"role\" and \"content\"")]
    [InlineData("{\"conversations\": [{\"from\": \"gpt\", \"value\": \"x\"}]}\n", ":1: the conversation has no human turn")]
    [InlineData("\n\n", ": no prompts in the file")]
    public void A_bad_line_names_the_file_and_line(string text, string message)
    {
        var path = File("bad.jsonl", text);
        var e = Assert.Throws<PromptFileException>(() => PromptFile.Load(path));
        Assert.StartsWith(path, e.Message, StringComparison.Ordinal);
        Assert.Contains(message, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Prometheus_text_parses_types_labels_escapes_and_special_values()
    {
        var samples = PrometheusText.Parse("""
            # HELP requests_total Requests served.
            # TYPE requests_total counter
            requests_total{model="a",code="200"} 12
            requests_total{code="500", model="a"} 3 1712345678000
            # TYPE queue gauge
            queue 2.5
            # TYPE latency histogram
            latency_bucket{le="+Inf"} 7
            latency_sum 1.5e-1
            weird{path="a\"b\\c"} NaN
            not a sample line
            """);
        Assert.Equal(6, samples.Count);
        Assert.Equal("requests_total{code=\"200\",model=\"a\"}", samples[0].Series);
        Assert.Equal(("counter", 12.0), (samples[0].Type, samples[0].Value));
        Assert.Equal("500", samples[1].Labels["code"]);
        Assert.Equal(("gauge", 2.5), (samples[2].Type, samples[2].Value));
        Assert.Equal(("histogram", 7.0), (samples[3].Type, samples[3].Value));
        Assert.Equal(0.15, samples[4].Value, 12);
        Assert.Equal("a\"b\\c", samples[5].Labels["path"]);
        Assert.Equal("untyped", samples[5].Type);
    }

    [Fact]
    public void Deltas_cover_series_present_in_both_scrapes()
    {
        var before = PrometheusText.Parse("# TYPE r counter\nr{m=\"a\"} 10\nold 1\nq 4\n");
        var after = PrometheusText.Parse("# TYPE r counter\nr{m=\"a\"} 25\nnew 2\nq 1\n");
        var deltas = PrometheusText.Deltas(before, after);
        Assert.Equal(2, deltas.Count);
        Assert.Equal(15, deltas.Single(d => d.Name == "r{m=\"a\"}").Delta);
        Assert.Equal((4.0, 1.0), (deltas.Single(d => d.Name == "q").Before, deltas.Single(d => d.Name == "q").After));
    }
}
