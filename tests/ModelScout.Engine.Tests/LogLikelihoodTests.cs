using ModelScout.Prompting;

namespace ModelScout.Engine.Tests;

public sealed class LogLikelihoodTests
{
    private static readonly ModelOptions Greedy = new() { Temperature = 0, NumCtx = 256 };

    private static ModelHost Host() => ModelHostTests.Host(new EngineSettings { Threads = 1, Parallel = 1, KeepAlive = TimeSpan.FromMinutes(5) });

    [Fact]
    public async Task The_story_continuation_is_likelier_than_an_unrelated_word()
    {
        await using var host = Host();
        var ll = await host.LogLikelihoodAsync("stories", "Once upon a time,", [" there was", " xylophone", " there was"], Greedy);
        Assert.Equal(3, ll.Count);
        Assert.True(ll[0] < 0);
        Assert.True(ll[0] > ll[1] + 1, $"' there was' {ll[0]} vs ' xylophone' {ll[1]}");
        // The third reuses the KV cells the first left behind; the answer must not depend on that.
        Assert.Equal(ll[0], ll[2], 4);
    }

    [Fact]
    public async Task Equals_the_sum_of_the_greedy_tokens_logprobs_from_generation()
    {
        await using var host = Host();
        const string prompt = "Once upon a time,";
        var chosen = new List<double>();
        var text = new System.Text.StringBuilder();
        await foreach (var u in host.GenerateAsync(new GenerationRequest { Model = "stories", Prompt = prompt, Raw = true, Logprobs = true, Options = Greedy with { NumPredict = 8 } }))
        {
            if (u is GenerationToken t)
            {
                text.Append(t.Text);
                chosen.Add(t.Chosen!.Logprob);
            }
        }
        Assert.Equal(8, chosen.Count);
        var prefix = await host.TokenizeAsync("stories", prompt, addSpecial: true, parseSpecial: false);
        var whole = await host.TokenizeAsync("stories", prompt + text, addSpecial: true, parseSpecial: false);
        Assert.Equal(prefix.Count + 8, whole.Count);

        var ll = Assert.Single(await host.LogLikelihoodAsync("stories", prompt, [text.ToString()], Greedy));
        Assert.Equal(chosen.Sum(), ll, 3);
    }

    [Fact]
    public async Task An_empty_continuation_scores_zero_and_one_longer_than_the_context_is_refused()
    {
        await using var host = Host();
        var ll = await host.LogLikelihoodAsync("stories", "Once upon a time", [""], Greedy);
        Assert.Equal(0, Assert.Single(ll));
        var longText = string.Concat(Enumerable.Repeat(" and the dog ran to the park", 100));
        var e = await Assert.ThrowsAsync<InferenceException>(() => host.LogLikelihoodAsync("stories", "Once", [longText], Greedy));
        Assert.Contains("context window", e.Message, StringComparison.Ordinal);
        Assert.True(e.ContextOverflow);
    }

    [Fact]
    public void Log_softmax_in_double_matches_a_hand_computation()
    {
        float[] logits = [1f, 2f, 3f];
        var expected = 2 - Math.Log(Math.Exp(1) + Math.Exp(2) + Math.Exp(3));
        Assert.Equal(expected, LoadedModel.LogSoftmaxAt(logits, 1), 6);
    }
}
