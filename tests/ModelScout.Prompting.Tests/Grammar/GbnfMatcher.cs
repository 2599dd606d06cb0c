using ModelScout.Prompting.Grammar;

namespace ModelScout.Prompting.Tests.Grammar;

/// <summary>
/// Whether a GBNF grammar accepts a whole text, run on the compiled form <see cref="GbnfParser"/> builds (llama.cpp's
/// element layout): a set of rule stacks advanced one code point at a time, as llama.cpp's grammar sampler does.
/// </summary>
internal static class GbnfMatcher
{
    private sealed record Frame(int Rule, int Index, Frame? Next);

    public static bool Matches(string gbnf, string text)
    {
        var parser = GbnfParser.Parse(gbnf, GbnfChecker.MaxRules, GbnfChecker.MaxElements, GbnfChecker.MaxNesting);
        if (!parser.TryGetSymbol("root", out var root)) throw new ArgumentException("no root rule", nameof(gbnf));
        var rules = parser.Rules;
        var stacks = new HashSet<Frame>();
        var accepting = false;
        foreach (var start in Starts(rules[(int)root]!))
        {
            if (IsEnd(rules[(int)root]![start])) accepting = true;
            else Advance(rules, new Frame((int)root, start, null), stacks, ref accepting);
        }
        foreach (var rune in text.EnumerateRunes())
        {
            var next = new HashSet<Frame>();
            var done = false;
            foreach (var frame in stacks)
            {
                var rule = rules[frame.Rule]!;
                if (!MatchChar(rule, frame.Index, (uint)rune.Value, out var after)) continue;
                var rest = IsEnd(rule[after]) ? frame.Next : new Frame(frame.Rule, after, frame.Next);
                if (rest is null) done = true;
                else Advance(rules, rest, next, ref done);
            }
            stacks = next;
            accepting = done;
            if (stacks.Count == 0 && !accepting) return false;
        }
        return accepting;
    }

    private static bool IsEnd(GbnfElement e) => e.Kind is GbnfElementKind.End or GbnfElementKind.Alternative;

    private static IEnumerable<int> Starts(List<GbnfElement> rule)
    {
        yield return 0;
        for (var i = 0; i < rule.Count; i++)
        {
            if (rule[i].Kind == GbnfElementKind.Alternative) yield return i + 1;
        }
    }

    // Expands rule references at the top until every stack has a character test on top (or is empty: accepted).
    private static void Advance(List<List<GbnfElement>?> rules, Frame frame, HashSet<Frame> into, ref bool accepting)
    {
        var rule = rules[frame.Rule]!;
        var element = rule[frame.Index];
        if (element.Kind != GbnfElementKind.RuleReference)
        {
            into.Add(frame);
            return;
        }
        var target = rules[(int)element.Value]!;
        var rest = IsEnd(rule[frame.Index + 1]) ? frame.Next : new Frame(frame.Rule, frame.Index + 1, frame.Next);
        foreach (var start in Starts(target))
        {
            if (IsEnd(target[start]))
            {
                if (rest is null) accepting = true;
                else Advance(rules, rest, into, ref accepting);
            }
            else
            {
                Advance(rules, new Frame((int)element.Value, start, rest), into, ref accepting);
            }
        }
    }

    private static bool MatchChar(List<GbnfElement> rule, int index, uint c, out int after)
    {
        if (rule[index].Kind == GbnfElementKind.CharAny)
        {
            after = index + 1;
            return true;
        }
        var negate = rule[index].Kind == GbnfElementKind.CharNot;
        var found = false;
        var i = index;
        do
        {
            var low = rule[i].Value;
            var high = low;
            if (rule[i + 1].Kind == GbnfElementKind.CharRangeUpper)
            {
                high = rule[i + 1].Value;
                i += 2;
            }
            else
            {
                i++;
            }
            if (low <= c && c <= high) found = true;
        }
        while (rule[i].Kind == GbnfElementKind.CharAlternative);
        after = i;
        return found != negate;
    }
}
