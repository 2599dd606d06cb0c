using ModelScout.Prompting.Text;

namespace ModelScout.Prompting.Tests.Text;

public sealed class StopMatcherTests
{
    private static (string Text, bool Stopped) Feed(StopMatcher m, params string[] pieces)
    {
        var text = "";
        foreach (var p in pieces)
        {
            var (emit, stopped) = m.Push(p);
            text += emit;
            if (stopped) return (text, true);
        }
        return (text + m.Flush(), false);
    }

    [Fact]
    public void Without_stops_text_passes_through_unchanged()
    {
        var m = new StopMatcher([]);
        Assert.Equal(("Hello", false), m.Push("Hello"));
        Assert.Equal((" world", false), m.Push(" world"));
        Assert.Equal("", m.Flush());
    }

    [Fact]
    public void Text_that_cannot_start_a_stop_is_emitted_at_once()
    {
        var m = new StopMatcher(["</s>"]);
        Assert.Equal(("Hello", false), m.Push("Hello"));
        Assert.Equal("", m.Pending);
    }

    [Fact]
    public void A_possible_stop_prefix_is_held_until_decided()
    {
        var m = new StopMatcher(["</s>"]);
        Assert.Equal(("Hi ", false), m.Push("Hi </"));
        Assert.Equal("</", m.Pending);
        Assert.Equal(("</b> ok", false), m.Push("b> ok"));
        Assert.Equal("", m.Flush());
    }

    [Fact]
    public void A_stop_spanning_many_pieces_is_cut_and_not_emitted()
    {
        var (text, stopped) = Feed(new StopMatcher(["<|eot_id|>"]), "The end.", "<", "|", "eot", "_id", "|", ">", "more");
        Assert.True(stopped);
        Assert.Equal("The end.", text);
    }

    [Fact]
    public void Text_before_a_stop_in_the_same_piece_is_emitted()
    {
        var m = new StopMatcher(["\n\n"]);
        Assert.Equal(("one", true), m.Push("one\n\ntwo"));
        Assert.True(m.Stopped);
        Assert.Equal(("", true), m.Push("three"));
        Assert.Equal("", m.Flush());
    }

    [Fact]
    public void Overlapping_stops_cut_at_the_earliest_match()
    {
        Assert.Equal(("x", true), Feed(new StopMatcher(["abcd", "bc"]), "xab", "cd"));
        Assert.Equal(("x", true), Feed(new StopMatcher(["bc", "abcd"]), "xa", "bcd"));
        // "aab" must still match although the held "aa" is not itself a prefix of it at its first character.
        Assert.Equal(("", true), Feed(new StopMatcher(["aab"]), "a", "a", "b"));
        Assert.Equal(("a", true), Feed(new StopMatcher(["aab"]), "a", "a", "a", "b"));
    }

    [Fact]
    public void A_false_start_is_released_when_the_next_piece_breaks_it()
    {
        var (text, stopped) = Feed(new StopMatcher(["User:"]), "Use", "r said User", ":");
        Assert.True(stopped);
        Assert.Equal("User said ", text);
    }

    [Fact]
    public void Flush_returns_a_held_prefix_at_the_end()
    {
        var m = new StopMatcher(["###"]);
        Assert.Equal(("a", false), m.Push("a##"));
        Assert.Equal("##", m.Flush());
    }

    [Fact]
    public void Unicode_stops_and_surrogate_pairs_are_never_split()
    {
        var m = new StopMatcher(["🛑"]);
        var (emit, stopped) = m.Push("ok 😀"[..^1]); // ends with a lone high surrogate
        Assert.False(stopped);
        Assert.Equal("ok ", emit);
        Assert.Equal(("😀 done", false), m.Push("😀"[^1..] + " done"));
        Assert.Equal(("é", true), Feed(new StopMatcher(["🛑"]), "é", "🛑"[..1], "🛑"[1..]));
        Assert.Equal(("日本", true), Feed(new StopMatcher(["語。"]), "日本語", "。です"));
    }

    [Fact]
    public void Empty_stop_strings_are_ignored()
    {
        Assert.Equal(("abc", false), Feed(new StopMatcher(["", null!]), "a", "bc"));
    }

    [Fact]
    public void Work_per_piece_does_not_grow_with_the_text_generated()
    {
        var m = new StopMatcher(["<|im_end|>", "<|endoftext|>"]);
        var total = 0;
        var watch = System.Diagnostics.Stopwatch.StartNew();
        for (var i = 0; i < 200_000; i++) total += m.Push(i % 7 == 0 ? "<|im" : "token ").Emit.Length;
        watch.Stop();
        Assert.True(total > 1_000_000);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10), $"200k pieces took {watch.Elapsed}");
        Assert.True(m.Pending.Length < "<|endoftext|>".Length);
    }
}
